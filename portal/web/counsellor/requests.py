"""Requests of the agency's people: the waiting ones (oldest first), one request with its proof,
and the decision. An approval runs the service behind the request (a suspension, a waiver, a
fact, a move); when that service refuses, its reason is shown and nothing changes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services import requests as svc
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.counsellor.common import form_of, scoped
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.participation.common import path_id
from portal.web.requests import view_context
from portal.web.routing import principal_of


def pending(request: Request) -> Response:
    with scoped(portal_of(request)) as db:
        caller = principal_of(request)
        rows = svc.pending(db, caller)
        questions = svc.hours_questions(db, caller)
    return render(
        request, "staff/requests.html", {"pending": rows, "questions": questions}, personal=True
    )


def request_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    with scoped(portal_of(request)) as db:
        view = svc.request_in_scope(db, principal_of(request), path_id(request, "request_id"))
    context = {**view_context(view), "form": form or Form()}
    return render(request, "staff/request.html", context, personal=True, status=status)


def approve(request: Request) -> Response:
    return _decide(request, "approve")


def refuse(request: Request) -> Response:
    return _decide(request, "refuse")


def _decide(request: Request, action: str) -> Response:
    portal = portal_of(request)
    request_id = path_id(request, "request_id")
    form = form_of(request)
    base_url = portal.settings.base_url
    try:
        with scoped(portal) as db:
            if action == "approve":
                svc.approve(
                    db,
                    principal_of(request),
                    request_id,
                    portal.clock.today(),
                    portal.clock.now(),
                    base_url,
                )
            else:
                svc.refuse(
                    db,
                    principal_of(request),
                    request_id,
                    form["reason"],
                    portal.clock.now(),
                    base_url,
                )
    except ServiceError as error:
        form.error("reason" if action == "refuse" else "decision", error.code)
        return request_page(request, form, status=400)
    return RedirectResponse(f"/staff/requests?done={action}", status_code=303)
