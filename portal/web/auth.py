"""Sign-in with OpenID Connect (Authlib; authorization code + PKCE S256, state and nonce
checked, ID token verified), and sign-out. Roles come from grants held by the portal."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

import httpx
import httpx2
from authlib.integrations.starlette_client import OAuth, OAuthError
from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.db import models as m
from portal.db.engine import session_scope
from portal.settings import Settings
from portal.web.pages import render
from portal.web.routing import Audience, route

log = logging.getLogger("portal.auth")

ROLE_PRIORITY = ("admin", "counsellor", "municipality", "interpreting")
HOME_BY_ROLE = {
    "citizen": "/my",
    "counsellor": "/staff",
    "municipality": "/municipality",
    "interpreting": "/interpreting",
    "admin": "/admin",
    None: "/welcome",
}


def make_oauth(settings: Settings) -> OAuth:
    oauth = OAuth()
    oauth.register(
        name="idp",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    return oauth


def safe_next(value: str | None) -> str | None:
    """Only local paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc:
        return None
    return value


def resolve_principal(
    db: Session, subject: str, national_number: str | None = None
) -> dict[str, Any]:
    """What the signed-in subject may do: a staff grant, or their own person record. A person
    registered at intake is found by the national register number claim the first time they
    sign in, and bound to that subject from then on."""
    grants = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).all()
    if grants:
        grant = sorted(grants, key=lambda g: ROLE_PRIORITY.index(g.role))[0]
        return {
            "role": grant.role,
            "name": grant.display_name,
            "grant_id": grant.id,
            "agency_id": grant.agency_id,
            "municipality_id": grant.municipality_id,
            "interpreting_service_id": grant.interpreting_service_id,
        }
    person = db.exec(select(m.Person).where(m.Person.subject == subject)).first()
    if person is None and national_number:
        from portal.domain.nrn import NrnError, parse_nrn

        try:
            digits = parse_nrn(national_number).digits
        except NrnError:
            digits = None
        if digits:
            person = db.exec(
                select(m.Person).where(
                    m.Person.national_number == digits,
                    m.Person.subject == None,  # noqa: E711 - never take over a bound record
                )
            ).first()
            if person is not None:
                person.subject = subject
                db.add(person)
                db.flush()
                from portal.services.people import audit

                audit(db, subject, "bind_subject", "person", person.id)
    if person is not None:
        return {
            "role": "citizen",
            "name": f"{person.given_name} {person.family_name}",
            "person_id": person.id,
            "language": person.language,
        }
    return {"role": None, "name": ""}


def _record_login(db: Session, subject: str, claims: dict[str, Any], now: Any) -> m.Account:
    account = db.exec(select(m.Account).where(m.Account.subject == subject)).first()
    if account is None:
        account = m.Account(subject=subject)
    name = claims.get("name") or ""
    if isinstance(name, str) and name:
        account.display_name = name[:200]
    email = claims.get("email")
    if isinstance(email, str) and "@" in email:
        account.email = email[:200]
    account.last_login_at = now
    db.add(account)
    db.flush()
    return account


async def login(request: Request) -> Response:
    from portal.app import portal_of

    portal = portal_of(request)
    handle = request.scope["portal.session"]
    nxt = safe_next(request.query_params.get("next"))
    if nxt:
        handle.data["next"] = nxt
    # In production the callback is the configured public URL; in development the address the
    # browser used (127.0.0.1 or localhost), so the session cookie comes back with the callback.
    base = portal.settings.base_url if portal.settings.production else str(request.base_url)
    redirect_uri = base.rstrip("/") + "/auth/callback"
    try:
        response: Response = await portal.oauth.idp.authorize_redirect(request, redirect_uri)
    except (httpx.HTTPError, httpx2.HTTPError, OAuthError, ValueError) as error:
        log.warning("sign-in provider unavailable: %s", error)
        return render(request, "auth/failed.html", {"reason": "unavailable"}, status=503)
    response.status_code = 303
    return response


async def callback(request: Request) -> Response:
    from anyio import to_thread

    from portal.app import portal_of

    portal = portal_of(request)
    handle = request.scope["portal.session"]
    if "error" in request.query_params:
        reason = "denied" if request.query_params.get("error") == "access_denied" else "failed"
        return render(request, "auth/failed.html", {"reason": reason}, status=400)
    try:
        token = await portal.oauth.idp.authorize_access_token(request)
    except OAuthError as error:
        log.info("sign-in refused: %s", error)
        return render(request, "auth/failed.html", {"reason": "failed"}, status=400)
    except (httpx.HTTPError, httpx2.HTTPError, ValueError) as error:
        log.warning("sign-in provider unavailable: %s", error)
        return render(request, "auth/failed.html", {"reason": "unavailable"}, status=503)
    claims = dict(token.get("userinfo") or {})
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return render(request, "auth/failed.html", {"reason": "failed"}, status=400)

    def establish() -> tuple[dict[str, Any], str | None]:
        with session_scope(portal.engine) as db:
            account = _record_login(db, subject, claims, portal.clock.now())
            nrn = claims.get(portal.settings.oidc_nrn_claim)
            values = resolve_principal(db, subject, nrn if isinstance(nrn, str) else None)
            language = account.language or values.pop("language", None)
            if account.language is None:
                chosen = request.scope.get("portal.language")
                account.language = chosen if handle.data.get("lang") else language
                db.add(account)
            return values, account.language

    auth_values, language = await to_thread.run_sync(establish)
    nxt = handle.data.get("next")
    staff = auth_values.get("role") not in {"citizen", None}
    values: dict[str, Any] = {"auth": auth_values}
    if language:
        values["lang"] = language
    handle.sign_in(subject, staff=staff, values=values)
    target = safe_next(nxt) or HOME_BY_ROLE.get(auth_values.get("role"), "/welcome")
    return RedirectResponse(target, status_code=303)


def logout(request: Request) -> Response:
    handle = request.scope["portal.session"]
    handle.destroy()
    return RedirectResponse("/?signed_out=1", status_code=303)


def home(request: Request) -> Response:
    principal = request.state.principal
    return RedirectResponse(HOME_BY_ROLE.get(principal.role, "/welcome"), status_code=303)


def welcome(request: Request) -> Response:
    """A signed-in user the portal has no role or record for: a clear page, not an error."""
    principal = request.state.principal
    if principal.role is not None:
        return RedirectResponse(HOME_BY_ROLE[principal.role], status_code=303)
    return render(request, "auth/no_role.html", {}, personal=True)


def routes() -> list[Any]:
    from starlette.routing import Route

    login_route = Route("/login", login, methods=["GET"], name="login")
    login_route.endpoint.audience = Audience.PUBLIC  # type: ignore[attr-defined]
    callback_route = Route("/auth/callback", callback, methods=["GET"], name="auth_callback")
    callback_route.endpoint.audience = Audience.PUBLIC  # type: ignore[attr-defined]
    return [
        login_route,
        callback_route,
        route("/logout", logout, Audience.SIGNED_IN, methods=("POST",)),
        route("/home", home, Audience.SIGNED_IN),
        route("/welcome", welcome, Audience.SIGNED_IN),
    ]
