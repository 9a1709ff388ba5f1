"""Sign-in with OpenID Connect (Authlib; authorization code + PKCE S256, state and nonce
checked, ID token verified, its audience holding our client id, the discovered issuer equal to
the configured one), claims merged from the userinfo endpoint (same `sub`), and sign-out with
RP-initiated logout where the provider offers it. Roles come from grants held by the portal.

Nothing a provider does makes the callback answer 500: every failure is a page in the person's
language and a log line, and the provider's metadata and keys are dropped after a failure, so
the portal recovers by itself once the provider is fixed."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
import httpx2
from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services import accounts
from portal.settings import Settings
from portal.web.context import portal_of
from portal.web.locale import COOKIE as LANGUAGE_COOKIE
from portal.web.locale import ONE_YEAR
from portal.web.pages import render
from portal.web.routing import Audience, AudienceRoute, route

log = logging.getLogger("portal.auth")

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


METADATA_MAX_AGE_SECONDS = 3600  # discovery and keys are fetched again after an hour


class ProviderProblem(Exception):
    """The provider answered in a way we cannot accept (logged for operators)."""


def _forget_provider(client: Any) -> None:
    """Drop the cached discovery document and keys: the next sign-in fetches them again."""
    client.server_metadata.clear()


async def _metadata(client: Any, settings: Settings) -> dict[str, Any]:
    """The provider's discovery document, checked: its issuer must be the configured one."""
    loaded_at = client.server_metadata.get("_loaded_at")
    if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE_SECONDS:
        _forget_provider(client)
    metadata: dict[str, Any] = await client.load_server_metadata()
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != settings.oidc_issuer.rstrip("/"):
        _forget_provider(client)
        raise ProviderProblem(f"discovered issuer {issuer!r} is not {settings.oidc_issuer!r}")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(name), str):
            _forget_provider(client)
            raise ProviderProblem(f"discovery lacks {name}")
    return metadata


def _failed(request: Request, reason: str, status: int) -> Response:
    return render(request, "auth/failed.html", {"reason": reason}, status=status)


def safe_next(value: str | None) -> str | None:
    """Only local paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc:
        return None
    return value


async def login(request: Request) -> Response:

    portal = portal_of(request)
    handle = request.scope["portal.session"]
    nxt = safe_next(request.query_params.get("next"))
    if nxt:
        handle.data["next"] = nxt
    # In production the callback is the configured public URL; in development the address the
    # browser used (127.0.0.1 or localhost), so the session cookie comes back with the callback.
    base = portal.settings.base_url if portal.settings.production else str(request.base_url)
    redirect_uri = base.rstrip("/") + "/auth/callback"
    client = portal.oauth.idp
    try:
        await _metadata(client, portal.settings)
        response: Response = await client.authorize_redirect(request, redirect_uri)
    except ProviderProblem as error:
        log.error("sign-in provider misconfigured: %s", error)
        return _failed(request, "unavailable", 503)
    except Exception as error:  # unreachable, a 5xx, a broken document: never a 500 here
        _forget_provider(client)
        log.warning("sign-in provider unavailable: %s: %s", type(error).__name__, error)
        return _failed(request, "unavailable", 503)
    response.status_code = 303
    return response


async def _claims(request: Request, portal: Any) -> tuple[dict[str, Any], str]:
    """The verified claims of this sign-in and the raw ID token; raises OAuthError (the person
    stopped, or the state does not match), ProviderProblem (a token or answer we refuse) or the
    transport's errors (the provider is down)."""
    settings: Settings = portal.settings
    client = portal.oauth.idp
    metadata = await _metadata(client, settings)
    token = await client.authorize_access_token(request)
    claims = dict(token.get("userinfo") or {})
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or not token.get("id_token"):
        raise ProviderProblem("no ID token, or no subject in it")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.oidc_client_id not in audiences:
        raise ProviderProblem(f"ID token audience {audience!r} lacks our client id")
    if metadata.get("userinfo_endpoint"):
        info = dict(await client.userinfo(token=token))
        if info.get("sub") != subject:
            raise ProviderProblem("userinfo is about another subject than the ID token")
        # the ID token's own claims win where both speak (iss, aud, nonce, ...)
        claims = {**info, **claims}
    return claims, str(token["id_token"])


async def callback(request: Request) -> Response:
    from anyio import to_thread

    portal = portal_of(request)
    handle = request.scope["portal.session"]
    client = portal.oauth.idp
    if "error" in request.query_params:
        reason = "denied" if request.query_params.get("error") == "access_denied" else "failed"
        return _failed(request, reason, 400)
    try:
        claims, id_token = await _claims(request, portal)
    except OAuthError as error:
        log.info("sign-in refused: %s", error)
        return _failed(request, "failed", 400)
    except ProviderProblem as error:
        _forget_provider(client)
        log.error("sign-in refused, provider problem: %s", error)
        return _failed(request, "failed", 400)
    except (httpx.HTTPError, httpx2.HTTPError, OSError) as error:
        _forget_provider(client)
        log.warning("sign-in provider unavailable: %s: %s", type(error).__name__, error)
        return _failed(request, "unavailable", 503)
    except Exception as error:  # an ID token that fails validation (signature, expiry, ...)
        _forget_provider(client)
        log.error("sign-in refused, ID token invalid: %s: %s", type(error).__name__, error)
        return _failed(request, "failed", 400)
    subject = claims["sub"]

    chosen = request.scope.get("portal.language") if handle.data.get("lang") else None
    auth_values, language = await to_thread.run_sync(
        lambda: accounts.sign_in(
            portal.engine,
            subject,
            claims,
            nrn_claim=portal.settings.oidc_nrn_claim,
            chosen_language=chosen,
            now=portal.clock.now(),
        )
    )
    nxt = handle.data.get("next")
    staff = auth_values.get("role") not in {"citizen", None}
    values: dict[str, Any] = {"auth": auth_values, "id_token": id_token}
    if language:
        values["lang"] = language
    handle.sign_in(subject, staff=staff, values=values)
    target = safe_next(nxt) or HOME_BY_ROLE.get(auth_values.get("role"), "/welcome")
    return RedirectResponse(target, status_code=303)


def logout(request: Request) -> Response:
    """End the portal's session, then the provider's (RP-initiated logout), so that on a shared
    phone the next person who taps "Sign in" sees the provider's form, not the last person's
    account. Without an end-session endpoint: straight to the signed-out page."""
    import anyio.from_thread

    portal = portal_of(request)
    handle = request.scope["portal.session"]
    id_token = handle.data.get("id_token")
    handle.destroy()
    base = portal.settings.base_url if portal.settings.production else str(request.base_url)
    signed_out = base.rstrip("/") + "/signed-out"
    try:
        metadata = anyio.from_thread.run(_metadata, portal.oauth.idp, portal.settings)
        end_session = metadata.get("end_session_endpoint")
    except Exception as error:  # the provider is down: the portal's session is gone anyway
        log.warning("could not end the provider's session: %s: %s", type(error).__name__, error)
        end_session = None
    if not isinstance(end_session, str) or not end_session.startswith(("https://", "http://")):
        response = RedirectResponse("/signed-out", status_code=303)
    else:
        params = {
            "post_logout_redirect_uri": signed_out,
            "client_id": portal.settings.oidc_client_id,
        }
        if isinstance(id_token, str):
            params["id_token_hint"] = id_token
        separator = "&" if "?" in end_session else "?"
        response = RedirectResponse(end_session + separator + urlencode(params), status_code=303)
    # the signed-out page speaks the language the person used, although the session is gone
    response.set_cookie(
        LANGUAGE_COOKIE,
        str(request.scope.get("portal.language") or portal.settings.default_language),
        max_age=ONE_YEAR,
        samesite="lax",
        secure=portal.settings.https,
    )
    return response


def signed_out(request: Request) -> Response:
    """After signing out: what to do on a shared phone."""
    return render(request, "auth/signed_out.html", {})


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
    return [
        AudienceRoute("/login", login, Audience.PUBLIC, methods=["GET"], name="login"),
        AudienceRoute(
            "/auth/callback", callback, Audience.PUBLIC, methods=["GET"], name="auth_callback"
        ),
        route("/logout", logout, Audience.SIGNED_IN, methods=("POST",)),
        route("/signed-out", signed_out, Audience.PUBLIC),
        route("/home", home, Audience.SIGNED_IN),
        route("/welcome", welcome, Audience.SIGNED_IN),
    ]
