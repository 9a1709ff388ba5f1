"""Counsellors manage test sessions (plan, cancel: everyone booked is told and refunded) and
record the screening for the MO exemption test."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.model import Level, TestKind
from portal.services import booking as service
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route


def sessions_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        rows = db.exec(
            select(m.TestSession, m.TestLocation)
            .join(m.TestLocation, m.TestLocation.id == m.TestSession.location_id)  # type: ignore[arg-type]
            .where(m.TestSession.starts_at > portal.clock.now())
            .order_by(m.TestSession.starts_at)  # type: ignore[arg-type]
        ).all()
        locations = [(str(x.id), x.name) for x in db.exec(select(m.TestLocation)).all()]
    return render(
        request,
        "staff/tests.html",
        {
            "rows": rows,
            "form": form or Form({"start": "09:30", "end": "11:30", "capacity": "12"}),
            "location_options": locations,
            "test_options": [(t.value, labels.test_name(t.value)) for t in TestKind],
            "level_options": labels.level_options(),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def create(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    location = form.integer("location", maximum=2**31)
    test = form.choice("test", [t.value for t in TestKind])
    level = form.choice("level", [lv.value for lv in Level], required=False)
    day = form.date("day")
    capacity = form.integer("capacity", maximum=500)
    times = []
    for name in ("start", "end"):
        try:
            times.append(time.fromisoformat(form.text(name, max_length=5)))
        except ValueError:
            form.error(name, "required")
    if form.ok and location and day and capacity and len(times) == 2:
        with session_scope(portal.engine) as db:
            try:
                service.create_session(
                    db,
                    principal.subject,
                    location,
                    test,
                    level,
                    datetime.combine(day, times[0], BRUSSELS),
                    datetime.combine(day, times[1], BRUSSELS),
                    capacity,
                    portal.clock.now(),
                )
            except ServiceError as error:
                db.rollback()
                form.error(
                    {
                        "end_before_start": "end",
                        "session_in_past": "day",
                        "positive": "capacity",
                    }.get(error.code, "location"),
                    error.code,
                )
    if form.ok:
        return RedirectResponse("/staff/tests?done=created", status_code=303)
    return sessions_page(request, form, status=400)


def cancel(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    try:
        service.cancel_session(
            portal.engine,
            portal.payments,
            principal.subject,
            int(request.path_params["session_id"]),
            portal.clock.now(),
        )
    except ServiceError as error:
        if error.code == "unknown_session":
            raise HTTPException(status_code=404) from None
    return RedirectResponse("/staff/tests?done=cancelled", status_code=303)


def screening(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    person_id = int(request.path_params["person_id"])
    with session_scope(portal.engine) as db:
        person = db.exec(
            select(m.Person).where(
                m.Person.id == person_id, m.Person.agency_id == principal.agency_id
            )
        ).first()
        if person is None:
            raise HTTPException(status_code=404)
        try:
            service.record_screening(db, principal.subject, person, portal.clock.now())
        except ServiceError:
            db.rollback()
    return RedirectResponse(f"/staff/persons/{person_id}?done=screened", status_code=303)


def _session_for_results(db: Any, session_id: int) -> m.TestSession:
    session = db.get(m.TestSession, session_id)
    if session is None:
        raise HTTPException(status_code=404)
    return session  # type: ignore[no-any-return]


def results(request: Request, form: Form | None = None, status: int = 200) -> Response:
    """Record the results of a session: the agency's persons among its confirmed bookings."""
    portal = portal_of(request)
    principal = principal_of(request)
    session_id = int(request.path_params["session_id"])
    with session_scope(portal.engine) as db:
        session = _session_for_results(db, session_id)
        rows = db.exec(
            select(m.Booking, m.Person)
            .join(m.Person, m.Person.id == m.Booking.person_id)  # type: ignore[arg-type]
            .where(
                m.Booking.session_id == session_id,
                m.Booking.status == service.CONFIRMED,
                m.Person.agency_id == principal.agency_id,
            )
            .order_by(m.Person.family_name)
        ).all()
        recorded = {
            f.person_id
            for f in db.exec(
                select(m.Fact).where(m.Fact.source == f"test session {session_id}")
            ).all()
        }
    return render(
        request,
        "staff/test_results.html",
        {
            "session": session,
            "rows": rows,
            "recorded": recorded,
            "started": session.starts_at <= portal.clock.now(),
            "form": form or Form(),
            "level_options": labels.level_options(),
        },
        personal=True,
        status=status,
    )


def save_results(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    session_id = int(request.path_params["session_id"])
    with session_scope(portal.engine) as db:
        session = _session_for_results(db, session_id)
        own = {
            b.id
            for b, _p in db.exec(
                select(m.Booking, m.Person)
                .join(m.Person, m.Person.id == m.Booking.person_id)  # type: ignore[arg-type]
                .where(
                    m.Booking.session_id == session_id, m.Person.agency_id == principal.agency_id
                )
            ).all()
        }
        chosen: dict[int, tuple[str, str | None]] = {}
        for booking_id in own:
            outcome = form.get(f"result_{booking_id}")
            if outcome in {"passed", "failed"}:
                chosen[booking_id] = (outcome, form.get(f"level_{booking_id}") or None)  # type: ignore[index]
        try:
            service.record_results(db, principal.subject, session, chosen, portal.clock.now())
        except ServiceError as error:
            db.rollback()
            form.error("results", error.code)
    if form.ok:
        return RedirectResponse(f"/staff/tests/{session_id}/results?done=1", status_code=303)
    return results(request, form, status=400)


def appeals(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with session_scope(portal.engine) as db:
        rows = db.exec(
            select(m.Appeal, m.Person, m.Fact)
            .join(m.Person, m.Person.id == m.Appeal.person_id)  # type: ignore[arg-type]
            .join(m.Fact, m.Fact.id == m.Appeal.fact_id)  # type: ignore[arg-type]
            .where(m.Person.agency_id == principal.agency_id)
            .order_by(m.Appeal.lodged_at.desc())  # type: ignore[attr-defined]
        ).all()
    return render(
        request,
        "staff/appeals.html",
        {"rows": rows, "done": request.query_params.get("done", "")},
        personal=True,
    )


def decide(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    decision = form.choice("decision", ("upheld", "rejected"))
    note = form.text("note", required=False, max_length=500)
    with session_scope(portal.engine) as db:
        row = db.exec(
            select(m.Appeal)
            .join(m.Person, m.Person.id == m.Appeal.person_id)  # type: ignore[arg-type]
            .where(
                m.Appeal.id == int(request.path_params["appeal_id"]),
                m.Person.agency_id == principal.agency_id,
            )
        ).first()
        if row is None:
            raise HTTPException(status_code=404)
        if form.ok:
            try:
                service.record_appeal_decision(
                    db, principal.subject, row, decision == "upheld", note, portal.clock.now()
                )
            except ServiceError:
                db.rollback()
    return RedirectResponse("/staff/appeals?done=1", status_code=303)


def routes() -> list[Any]:
    return [
        route("/staff/tests", sessions_page, Audience.COUNSELLOR),
        route("/staff/tests/new", create, Audience.COUNSELLOR, methods=("POST",)),
        route(
            "/staff/tests/{session_id:id}/cancel", cancel, Audience.COUNSELLOR, methods=("POST",)
        ),
        route(
            "/staff/persons/{person_id:id}/screening",
            screening,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route("/staff/tests/{session_id:id}/results", results, Audience.COUNSELLOR),
        route(
            "/staff/tests/{session_id:id}/results/save",
            save_results,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route("/staff/appeals", appeals, Audience.COUNSELLOR),
        route("/staff/appeals/{appeal_id:id}", decide, Audience.COUNSELLOR, methods=("POST",)),
    ]
