"""The online MO course pages: modules, lessons (with the Dutch text alongside on request), and
self-checks scored on the server with explained feedback."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n, labels
from portal.services import classroom, conversations, unit
from portal.services import course as service
from portal.services.caller import Principal
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.pages import render
from portal.web.routing import Audience, route


def _person_id(request: Request) -> int:
    principal: Principal = request.state.principal
    if principal.person_id is None:
        raise HTTPException(status_code=404)
    return principal.person_id


def _dutch_alongside(request: Request) -> bool:
    return request.query_params.get("nl") == "1" and i18n.current_language() != "nl"


def _module_view(state: service.CourseState, row: Any) -> dict[str, Any]:
    text, fallback = service.texts(row, i18n.current_language())
    progress = state.progress.get(row.module_id)
    return {
        "row": row,
        "text": text,
        "fallback": fallback,
        "open": state.is_open(row),
        "complete": state.complete(row),
        "read": progress.read if progress else frozenset(),
        "answered": progress.answered if progress else frozenset(),
        "attitudes": attitudes(row),
    }


def attitudes(row: Any) -> list[str]:
    """The attitudes of art. 24 the module practises, in the reader's language."""
    return [
        labels.gettext(labels.ATTITUDE_NAMES[a])
        for a in row.content.get("attitudes", [])
        if a in labels.ATTITUDE_NAMES
    ]


def overview(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    with unit.work(portal.engine) as db:
        state = service.course_state(db, person_id, portal.clock.today())
        unread = conversations.unread_total(db, person_id)
        upcoming = classroom.sessions_for_person(db, person_id, after=portal.clock.now())
    return render(
        request,
        "citizen/course.html",
        {
            "state": state,
            "modules": [_module_view(state, row) for row in state.modules],
            "unread": unread,
            "upcoming": upcoming,
            "in_trajectory": state.dossier.evaluate(portal.clock.today()).eligibility.value
            in {"obliged", "voluntary"},
            "brussels": BRUSSELS,
        },
        personal=True,
    )


def _state_and_module(request: Request) -> tuple[service.CourseState, Any]:
    """The person's course and the module of the path (404 when there is no such module)."""
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        state = service.course_state(db, _person_id(request), portal.clock.today())
    row = state.module(request.path_params["module_id"])
    if row is None:
        raise HTTPException(status_code=404)
    return state, row


def module_page(request: Request) -> Response:
    portal = portal_of(request)
    state, row = _state_and_module(request)
    if not state.is_open(row):
        return RedirectResponse("/my/course?locked=1", status_code=303)
    sessions = []
    if state.classroom_required:
        with unit.work(portal.engine) as db:
            sessions = classroom.sessions_for_person(
                db, _person_id(request), module_id=row.module_id
            )
    return render(
        request,
        "citizen/course_module.html",
        {
            "state": state,
            "module": _module_view(state, row),
            "dutch": _dutch_alongside(request),
            "sessions": sessions,
        },
        personal=True,
    )


def lesson_page(request: Request) -> Response:
    state, row = _state_and_module(request)
    if not state.is_open(row):
        return RedirectResponse("/my/course?locked=1", status_code=303)
    lesson_id = request.path_params["lesson_id"]
    lessons = [lesson["id"] for lesson in row.content["lessons"]]
    if lesson_id not in lessons:
        raise HTTPException(status_code=404)
    view = _module_view(state, row)
    lesson = next(x for x in row.content["lessons"] if x["id"] == lesson_id)
    index = lessons.index(lesson_id)
    dutch = service.texts(row, "nl")[0] if _dutch_alongside(request) else None
    return render(
        request,
        "citizen/course_lesson.html",
        {
            "state": state,
            "module": view,
            "lesson": lesson,
            "body": view["text"]["lessons"][lesson_id],
            "dutch": dutch["lessons"][lesson_id] if dutch else None,
            "position": index + 1,
            "total": len(lessons),
            "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
            "show_dutch": _dutch_alongside(request),
        },
        personal=True,
    )


def mark_read(request: Request) -> Response:
    portal = portal_of(request)
    module_id = request.path_params["module_id"]
    lesson_id = request.path_params["lesson_id"]
    try:
        with unit.work(portal.engine) as db:
            state = service.read_lesson(
                db, _person_id(request), module_id, lesson_id, portal.clock.now()
            )
    except ServiceError as error:
        if error.code == "course_locked":
            return RedirectResponse("/my/course?locked=1", status_code=303)
        raise HTTPException(status_code=404) from None
    row = state.module(module_id)
    assert row is not None
    lessons = [lesson["id"] for lesson in row.content["lessons"]]
    suffix = "?nl=1" if request.query_params.get("nl") == "1" else ""
    index = lessons.index(lesson_id)
    if index + 1 < len(lessons):
        return RedirectResponse(
            f"/my/course/{module_id}/{lessons[index + 1]}{suffix}", status_code=303
        )
    return RedirectResponse(f"/my/course/{module_id}/check{suffix}", status_code=303)


def check(request: Request) -> Response:
    portal = portal_of(request)
    state, row = _state_and_module(request)
    if not state.is_open(row):
        return RedirectResponse("/my/course?locked=1", status_code=303)
    view = _module_view(state, row)
    feedback = None
    missing: list[str] = []
    chosen: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = getattr(request.state, "form", None) or {}
        chosen = {q["id"]: str(form.get(q["id"], "")) for q in row.content["questions"]}
        try:
            with unit.work(portal.engine) as db:
                feedback = service.answer(
                    db, _person_id(request), row.module_id, chosen, portal.clock.now()
                )
        except ServiceError as error:
            if error.code != "answer_every_question":
                raise HTTPException(status_code=404) from None
            missing = str(error).split(",")
            status = 400
        if feedback is not None:
            with unit.work(portal.engine) as db:
                state = service.course_state(db, _person_id(request), portal.clock.today())
            view = _module_view(state, row)
    dutch = service.texts(row, "nl")[0] if _dutch_alongside(request) else None
    return render(
        request,
        "citizen/course_check.html",
        {
            "state": state,
            "module": view,
            "questions": row.content["questions"],
            "feedback": {f.question_id: f for f in feedback} if feedback else None,
            "missing": missing,
            "chosen": chosen,
            "earlier": state.earlier_answers.get(row.module_id, {}),
            "dutch": dutch,
            "show_dutch": _dutch_alongside(request),
        },
        personal=True,
        status=status,
    )


def staff_course(request: Request) -> Response:
    """For staff: the loaded course version, its modules and their validation status, and what
    the loader reported (texts shown in Dutch for want of a translation)."""
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        version = service.active_version(db)
        rows = service.active_modules(db)
    return render(
        request,
        "staff/course.html",
        {
            "version": version,
            "modules": [(row, service.texts(row, i18n.current_language())[0]) for row in rows],
            "coverage": [
                (
                    labels.gettext(name),
                    [
                        service.texts(row, i18n.current_language())[0]["title"]
                        for row in rows
                        if attitude in row.content.get("attitudes", [])
                    ],
                )
                for attitude, name in labels.ATTITUDE_NAMES.items()
            ],
            "status": service.course_status(),
        },
        personal=True,
    )


def routes() -> list[Any]:
    return [
        route("/staff/course", staff_course, Audience.COUNSELLOR),
        route("/my/course", overview, Audience.CITIZEN),
        route("/my/course/{module_id}", module_page, Audience.CITIZEN),
        route("/my/course/{module_id}/check", check, Audience.CITIZEN, methods=("GET", "POST")),
        route("/my/course/{module_id}/{lesson_id}", lesson_page, Audience.CITIZEN),
        route(
            "/my/course/{module_id}/{lesson_id}/read",
            mark_read,
            Audience.CITIZEN,
            methods=("POST",),
        ),
    ]
