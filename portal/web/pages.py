"""Rendering: one helper decides page or partial (htmx), sets Vary and caching."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal import i18n
from portal.web.forms import Form
from portal.web.security import masked_token


def language_links(request: Request) -> list[dict[str, str]]:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    links = []
    portal = request.app.state.portal
    for code in portal.settings.languages:
        query = urlencode([*params, ("lang", code)])
        links.append(
            {
                "code": code,
                "name": i18n.LANGUAGE_NAMES[code],
                "href": f"{request.url.path}?{query}",
                "dir": i18n.text_direction(code),
            }
        )
    return links


def _values(request: Request, context: dict[str, Any], csrf_token: Callable[[], str]) -> Any:
    """What every page template gets, then the handler's `context`."""
    portal = request.app.state.portal
    language = i18n.current_language()
    return {
        "request": request,
        "lang": language,
        "dir": i18n.text_direction(language),
        "principal": getattr(request.state, "principal", None),
        "csrf_token": csrf_token,
        "language_links": language_links(request),
        "settings": portal.settings,
        "today": portal.clock.today(),
        "unread": 0,
        **context,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    personal: bool = False,
    partial: str | None = None,
) -> HTMLResponse:
    portal = request.app.state.portal
    session = request.scope.get("session")
    principal = getattr(request.state, "principal", None)

    def csrf_token() -> str:
        return masked_token(session) if session is not None else ""

    is_htmx = request.headers.get("HX-Request") == "true" and partial is not None
    values = _values(request, context, csrf_token)
    page = portal.templates.get_template(partial if is_htmx else template)
    if any(isinstance(v, Form) and v.errors and not v.labels for v in values.values()):
        # The error summary comes before the fields, but names them by their labels, which
        # the field macros give while they render: a page with errors renders twice (rare).
        page.render(values)
    body = page.render(values)
    response = HTMLResponse(body, status_code=status)
    response.headers["Vary"] = "HX-Request, Accept-Language, Cookie"
    if personal or principal is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


# Where a kept page's form tokens go: each answer gets its own masking (security.masked_token)
_TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"


def render_kept(
    request: Request,
    template: str,
    kept: Hashable,
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """`render` a personal page kept by this worker (Portal.rendered): `kept` must name all the
    handler's context says — the records and their version, the unread count; the language, the
    day, the person's role and the address are added here — and `context()` is only called when
    the page is not kept. Each answer gets a fresh masking of the session's form token."""
    portal = request.app.state.portal
    principal = getattr(request.state, "principal", None)
    key = (
        template,
        kept,
        i18n.current_language(),
        portal.clock.today(),
        getattr(principal, "role", None),
        request.url.path,
        request.url.query,
    )
    body = portal.rendered.get(key)
    if body is None:
        values = _values(request, context(), lambda: _TOKEN_MARK)
        body = portal.templates.get_template(template).render(values)
        portal.rendered.put(key, body)
    if _TOKEN_MARK in body:
        session = request.scope.get("session")
        body = body.replace(_TOKEN_MARK, masked_token(session) if session is not None else "")
    response = HTMLResponse(body)
    response.headers["Vary"] = "HX-Request, Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-store"
    return response
