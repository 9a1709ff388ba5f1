"""The municipality officer's questions about hours: the open questions of the people whose
activity the municipality decided (oldest first), one question with the activity it is about,
and the answer (plain text). What an officer may see is decided by the service (the questions
sent to their own municipality); anything else is a 404."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services.errors import ServiceError
from portal.services.participation import questions as svc
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.participation.common import path_id
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import scoped


def questions_page(request: Request) -> Response:
    with scoped(portal_of(request)) as db:
        rows = svc.open_questions(db, principal_of(request))
        waiting = svc.open_question_count(db, principal_of(request))
    return render(
        request,
        "staff/municipality_questions.html",
        {
            "questions": rows,
            "questions_waiting": waiting,
            "done": request.query_params.get("done") == "answered",
        },
        personal=True,
    )


def question_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    with scoped(portal_of(request)) as db:
        question = svc.open_question(db, principal_of(request), path_id(request, "request_id"))
    return render(
        request,
        "staff/municipality_question.html",
        {"question": question, "row": question.request, "form": form or Form()},
        personal=True,
        status=status,
    )


def answer(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    try:
        with scoped(portal) as db:
            svc.answer(
                db,
                principal_of(request),
                path_id(request, "request_id"),
                form.get("answer"),
                portal.clock.now(),
                portal.settings.base_url,
            )
    except ServiceError as error:
        form.error("answer", error.code)
        return question_page(request, form, status=400)
    return RedirectResponse("/municipality/questions?done=answered", status_code=303)


def routes() -> list[Any]:
    question = "/municipality/questions/{request_id:id}"
    return [
        route("/municipality/questions", questions_page, Audience.MUNICIPALITY),
        route(question, question_page, Audience.MUNICIPALITY),
        route(question + "/answer", answer, Audience.MUNICIPALITY, ("POST",)),
    ]
