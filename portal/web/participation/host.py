"""The host organisation's contact, who has no account: the single-use link to confirm (or
not) the hours a newcomer recorded. The answer is evidence for the municipality, not a decision."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal.services import participation as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, route

LINK_ERRORS = ("link_unknown", "link_used", "link_expired")


def confirm_page(request: Request) -> Response:
    portal = portal_of(request)
    token = request.path_params["token"]
    with unit.work(portal.engine) as db:
        try:
            view = svc.open_link(db, token, portal.clock.now())
        except ServiceError as error:
            return render(
                request,
                "public/confirm_hours.html",
                {"view": None, "problem": error.code, "form": Form(), "done": None},
                status=404 if error.code == "link_unknown" else 410,
            )
    context = {"view": view, "problem": None, "form": Form(), "done": None}
    response = render(request, "public/confirm_hours.html", context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def confirm(request: Request) -> Response:
    portal = portal_of(request)
    token = request.path_params["token"]
    form = Form(request.state.form)
    answer = form.choice("answer", ("agree", "disagree"))
    note = form.text("note", required=answer == "disagree", max_length=1000)
    with unit.work(portal.engine) as db:
        try:
            view = svc.open_link(db, token, portal.clock.now())
        except ServiceError as error:
            return render(
                request,
                "public/confirm_hours.html",
                {"view": None, "problem": error.code, "form": form, "done": None},
                status=404 if error.code == "link_unknown" else 410,
            )
        if form.ok:
            try:
                svc.answer_link(db, token, answer, note, portal.clock.now())
            except ServiceError as error:
                if error.code not in LINK_ERRORS:
                    raise
                problem = error.code  # e.g. a double click: the first answer counted
                return render(
                    request,
                    "public/confirm_hours.html",
                    {"view": None, "problem": problem, "form": form, "done": None},
                    status=410,
                )
    if not form.ok:
        failed: dict[str, Any] = {"view": view, "problem": None, "form": form, "done": None}
        return render(request, "public/confirm_hours.html", failed, status=400)
    context: dict[str, Any] = {"view": None, "problem": None, "form": form, "done": answer}
    response = render(request, "public/confirm_hours.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def routes() -> list[Any]:
    return [
        route("/confirm-hours/{token}", confirm_page, Audience.PUBLIC),
        route("/confirm-hours/{token}", confirm, Audience.PUBLIC, ("POST",), name="confirm"),
    ]
