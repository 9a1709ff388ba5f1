"""Classroom sessions: the counsellor plans sessions and records attendance; the person sees
the sessions beside the course and leaves a question for the next one."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.services import classroom as service
from portal.services import unit
from portal.services.course import active_modules, texts
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.forms import Form, row_choices
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def sessions_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        sessions = service.staff_sessions(db, principal_of(request))
        modules = [
            (row.module_id, texts(row, i18n.current_language())[0]["title"])
            for row in active_modules(db)
        ]
    return render(
        request,
        "staff/classroom.html",
        {
            "sessions": sessions,
            "module_options": modules,
            "form": form or Form({"start": "09:00", "end": "12:00"}),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def create(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    title = form.text("title")
    day = form.date("day")
    start = _time(form.text("start", max_length=5))
    end = _time(form.text("end", max_length=5))
    if start is None:
        form.error("start", "required")
    if end is None:
        form.error("end", "required")
    place = form.text("place", required=False, max_length=300)
    link = form.text("online_url", required=False, max_length=500)
    module_id = form.text("module", required=False, max_length=60) or None
    if form.ok and day is not None and start is not None and end is not None:
        try:
            with scoped(portal) as db:
                service.plan_session(
                    db,
                    principal_of(request),
                    title,
                    datetime.combine(day, start, BRUSSELS),
                    datetime.combine(day, end, BRUSSELS),
                    place,
                    link,
                    module_id,
                    portal.clock.now(),
                )
        except ServiceError as error:
            field = {
                "end_before_start": "end",
                "session_in_past": "day",
                "place_or_link": "place",
                "https_link": "online_url",
            }.get(error.code, "module")
            form.error(field, error.code)
    if form.ok:
        return RedirectResponse("/staff/classroom?done=created", status_code=303)
    return sessions_page(request, form, status=400)


def session_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        sheet = service.attendance_sheet(
            db, principal_of(request), request.path_params["session_id"]
        )
    return render(
        request,
        "staff/classroom_session.html",
        {
            "session": sheet.session,
            "people": sheet.people,
            "attendance": sheet.attendance,
            "questions": sheet.questions,
            "started": sheet.session.starts_at <= portal.clock.now(),
            "form": form or Form(),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def record(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    session_id = request.path_params["session_id"]
    marks = {
        person_id: mark == "present"
        for person_id, mark in row_choices(form, "person_", ("present", "absent")).items()
    }
    try:
        with scoped(portal) as db:
            service.record_attendance_sheet(
                db, principal_of(request), session_id, marks, portal.clock.now()
            )
    except ServiceError as error:
        form.error("attendance", error.code)
    if form.ok:
        return RedirectResponse(f"/staff/classroom/{session_id}?done=recorded", status_code=303)
    return session_page(request, form, status=400)


def ask(request: Request) -> Response:
    """A person leaves a question for the next classroom session."""
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    text = form.text("question", max_length=500)
    session_id = form.integer("session", maximum=2**31)
    if form.ok and session_id is not None and principal.person_id is not None:
        try:
            with scoped(portal) as db:
                service.ask_question(db, principal.person_id, session_id, text, portal.clock.now())
        except ServiceError as error:
            return RedirectResponse(f"/my/course?question_error={error.code}", status_code=303)
        return RedirectResponse("/my/course?asked=1", status_code=303)
    return RedirectResponse("/my/course?question_error=required", status_code=303)


def routes() -> list[Any]:
    return [
        route("/staff/classroom", sessions_page, Audience.COUNSELLOR),
        route("/staff/classroom/new", create, Audience.COUNSELLOR, methods=("POST",)),
        route("/staff/classroom/{session_id:id}", session_page, Audience.COUNSELLOR),
        route(
            "/staff/classroom/{session_id:id}/attendance",
            record,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route("/my/course/questions", ask, Audience.CITIZEN, methods=("POST",)),
    ]
