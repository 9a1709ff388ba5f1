"""Proof for free social interpreting (§2J).

- The newcomer (`/my/interpreting`): makes a share code (shown once, with a QR code and a
  printable one-page proof), revokes codes, and sees every check of their status.
- An interpreting service (`/interpreting`): types a code (or opens the QR, whose code rides in
  the URL fragment and is filled in by a small script) and gets one clear answer.
- Their own systems use the API (web/interpreting_api.py).

A code never travels in a query string: forms and the API post it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.domain import share_codes
from portal.domain.share_codes import Outcome
from portal.services import interpreting as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import row_id
from portal.web.pages import render
from portal.web.routing import Audience, client_address, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def _person_id(request: Request) -> int:
    person_id = principal_of(request).person_id
    if person_id is None:
        raise HTTPException(status_code=404)
    return person_id


def _proof_context(request: Request, **extra: Any) -> dict[str, Any]:
    portal = portal_of(request)
    person_id = _person_id(request)
    now = portal.clock.now()
    with unit.work(portal.engine) as db:
        state = svc.proof_state(db, person_id, svc.today_in_brussels(now))
        codes = svc.active_codes(db, person_id, now)
        checks = svc.checks_of(db, person_id)
    return {
        "state": state,
        "codes": codes,
        "checks": checks,
        "error": None,
        "revoked": False,
        **extra,
    }


def proof_page(request: Request) -> Response:
    context = _proof_context(request, revoked=request.query_params.get("revoked") == "1")
    return render(request, "citizen/interpreting.html", context, personal=True)


def qr_svg(url: str, title: str) -> Markup:
    """The QR code of `url` as inline SVG (drawn by segno; no script, no external image)."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=6, border=2, title=title, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno escapes the title and writes only path data


def create_code(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    person_id = _person_id(request)
    now = portal.clock.now()
    try:
        with unit.work(portal.engine) as db:
            row, code = svc.create_code(
                db,
                person_id,
                now,
                days=portal.settings.share_code_days,
                actor=principal.subject,
                key=portal.settings.code_key,
            )
            person = svc.code_holder(db, person_id)
    except ServiceError as error:
        context = _proof_context(request, error=error.code)
        return render(request, "citizen/interpreting.html", context, status=409, personal=True)
    shown = share_codes.formatted(code)
    url = f"{portal.settings.base_url}/interpreting#code={shown}"
    response = render(
        request,
        "citizen/interpreting_code.html",
        {
            "code": shown,
            "row": row,
            "person": person,
            "qr": qr_svg(url, shown),
            "check_url": f"{portal.settings.base_url}/interpreting",
        },
        status=201,
        personal=True,
    )
    return response


def revoke_code(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    code_id = row_id(request.path_params["code_id"])
    if code_id is None:
        raise HTTPException(status_code=404)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        svc.revoke_code(
            db, _person_id(request), code_id, portal.clock.now(), actor=principal.subject
        )
    return RedirectResponse("/my/interpreting?revoked=1", status_code=303)


# --- the interpreting service ---------------------------------------------------------------


def check_page(request: Request) -> Response:
    return render(request, "staff/interpreting_check.html", _check_context(request), personal=True)


def _check_context(request: Request, **extra: Any) -> dict[str, Any]:
    """The page of the caller's interpreting service (403 for anyone who works for none)."""
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        service = svc.service_of(db, principal_of(request))
    if service is None:
        raise HTTPException(status_code=403)
    return {"service": service, "answer": None, "error": None, "typed": "", **extra}


def check(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    text = str(request.state.form.get("code", ""))[:64]
    context = _check_context(request, typed=text)
    if not text.strip():
        context["error"] = "code_missing"
        return render(request, "staff/interpreting_check.html", context, status=400, personal=True)
    settings = portal.settings
    answer = svc.check_code(
        portal.engine,
        text,
        portal.clock.now(),
        service_id=int(context["service"].id or 0),
        actor=principal.subject,
        client_address=client_address(request),
        channel="web",
        limit=settings.check_limit,
        window=timedelta(minutes=settings.check_window_minutes),
        key=settings.code_key,
    )
    context["answer"] = answer
    status = 200
    headers: dict[str, str] = {}
    if answer.outcome is Outcome.RATE_LIMITED:
        status = 429
        headers["Retry-After"] = str(answer.retry_after_seconds)
        context["wait_minutes"] = max(1, -(-answer.retry_after_seconds // 60))
    if answer.outcome is not Outcome.WRONG:
        context["typed"] = ""  # a good code is not kept in the form
    response = render(
        request, "staff/interpreting_check.html", context, status=status, personal=True
    )
    response.headers.update(headers)
    return response


def routes() -> list[Any]:
    return [
        route("/my/interpreting", proof_page, Audience.CITIZEN),
        route("/my/interpreting/codes", create_code, Audience.CITIZEN, ("POST",)),
        route(
            "/my/interpreting/codes/{code_id:id}/revoke", revoke_code, Audience.CITIZEN, ("POST",)
        ),
        route("/interpreting", check_page, Audience.INTERPRETING),
        route("/interpreting/check", check, Audience.INTERPRETING, ("POST",)),
    ]
