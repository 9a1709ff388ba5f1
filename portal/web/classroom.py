"""Classroom sessions: the counsellor plans sessions and records attendance; the person sees
the sessions beside the course and leaves a question for the next one."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlmodel import Session, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import classroom as service
from portal.services.caller import Principal
from portal.services.course import active_modules, texts
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def sessions_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    from portal import i18n

    portal = portal_of(request)
    principal = principal_of(request)
    with session_scope(portal.engine) as db:
        sessions = service.sessions_of_agency(db, principal.agency_id)  # type: ignore[arg-type]
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
    principal = principal_of(request)
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
        with session_scope(portal.engine) as db:
            try:
                service.create_session(
                    db,
                    principal.subject,
                    principal.agency_id,  # type: ignore[arg-type]
                    title,
                    datetime.combine(day, start, BRUSSELS),
                    datetime.combine(day, end, BRUSSELS),
                    place,
                    link,
                    module_id,
                    portal.clock.now(),
                )
            except ServiceError as error:
                db.rollback()
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


def _session(db: Session, principal: Principal, session_id: int) -> m.ClassroomSession:
    session = db.exec(
        select(m.ClassroomSession).where(
            m.ClassroomSession.id == session_id,
            m.ClassroomSession.agency_id == principal.agency_id,
        )
    ).first()
    if session is None:
        raise HTTPException(status_code=404)
    return session


def _participants(db: Any, agency_id: int) -> list[m.Person]:
    """Persons of the agency whose signed plan has a blended or classroom MO course."""
    return list(
        db.exec(
            select(m.Person)
            .join(m.Contract, m.Contract.person_id == m.Person.id)  # type: ignore[arg-type]
            .join(m.PlanComponent, m.PlanComponent.contract_id == m.Contract.id)  # type: ignore[arg-type]
            .where(
                m.Person.agency_id == agency_id,
                m.Contract.signed_on != None,  # noqa: E711
                m.PlanComponent.pillar == "mo",
                m.PlanComponent.variant.in_(["blended", "classroom"]),  # type: ignore[attr-defined]
            )
            .order_by(m.Person.family_name, m.Person.given_name)
        ).all()
    )


def session_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with session_scope(portal.engine) as db:
        session = _session(db, principal, int(request.path_params["session_id"]))
        people = _participants(db, principal.agency_id)  # type: ignore[arg-type]
        attendance = {
            a.person_id: a.present
            for a in db.exec(
                select(m.Attendance).where(m.Attendance.session_id == session.id)
            ).all()
        }
        questions = db.exec(
            select(m.ClassroomQuestion, m.Person)
            .join(m.Person, m.Person.id == m.ClassroomQuestion.person_id)  # type: ignore[arg-type]
            .where(m.ClassroomQuestion.session_id == session.id)
            .order_by(m.ClassroomQuestion.created_at)  # type: ignore[arg-type]
        ).all()
    return render(
        request,
        "staff/classroom_session.html",
        {
            "session": session,
            "people": people,
            "attendance": attendance,
            "questions": questions,
            "started": session.starts_at <= portal.clock.now(),
            "form": form or Form(),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def record(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    session_id = int(request.path_params["session_id"])
    with session_scope(portal.engine) as db:
        session = _session(db, principal, session_id)
        try:
            for person in _participants(db, principal.agency_id):  # type: ignore[arg-type]
                value = form.get(f"person_{person.id}")
                if value in {"present", "absent"}:
                    service.record_attendance(
                        db,
                        principal.subject,
                        session,
                        person,
                        value == "present",
                        portal.clock.now(),
                    )
        except ServiceError as error:
            db.rollback()
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
        with session_scope(portal.engine) as db:
            person = db.get(m.Person, principal.person_id)
            session = db.get(m.ClassroomSession, session_id)
            if person is None or session is None or session.agency_id != person.agency_id:
                raise HTTPException(status_code=404)
            try:
                service.ask_question(db, person, session, text, portal.clock.now())
            except ServiceError as error:
                db.rollback()
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
