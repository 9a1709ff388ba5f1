"""Counsellors manage test sessions (plan, cancel: everyone booked is told and refunded), record
the screening for the MO exemption test, a session's results and the appeals committee's
decisions."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.domain.model import Level, TestKind
from portal.services import appeals as appeal_service
from portal.services import test_sessions as service
from portal.services import unit
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.forms import Form, row_choices
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def sessions_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        rows = service.upcoming(db, portal.clock.now())
        locations = service.location_options(db)
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
        try:
            with unit.work(portal.engine) as db:
                service.create_session(
                    db,
                    principal,
                    location,
                    test,
                    level,
                    datetime.combine(day, times[0], BRUSSELS),
                    datetime.combine(day, times[1], BRUSSELS),
                    capacity,
                    portal.clock.now(),
                )
        except ServiceError as error:
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
    try:
        service.cancel_session(
            portal.engine,
            portal.payments,
            principal_of(request),
            request.path_params["session_id"],
            portal.clock.now(),
        )
    except ServiceError as error:
        if error.code == "unknown_session":
            raise HTTPException(status_code=404) from None
    return RedirectResponse("/staff/tests?done=cancelled", status_code=303)


def screening(request: Request) -> Response:
    portal = portal_of(request)
    person_id = request.path_params["person_id"]
    done = "screened"
    try:
        with scoped(portal) as db:
            service.record_screening(db, principal_of(request), person_id, portal.clock.now())
    except ServiceError as error:
        done = error.code  # already_screened: said, nothing changed
    return RedirectResponse(f"/staff/persons/{person_id}?done={done}", status_code=303)


def results(request: Request, form: Form | None = None, status: int = 200) -> Response:
    """Record the results of a session: the agency's persons among its confirmed bookings."""
    portal = portal_of(request)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        sheet = service.results_sheet(db, principal_of(request), request.path_params["session_id"])
    return render(
        request,
        "staff/test_results.html",
        {
            "session": sheet.session,
            "rows": sheet.rows,
            "recorded": sheet.recorded,
            "started": sheet.session.starts_at <= portal.clock.now(),
            "form": form or Form(),
            "level_options": labels.level_options(),
        },
        personal=True,
        status=status,
    )


def save_results(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    session_id = request.path_params["session_id"]
    chosen = {
        booking_id: (outcome, form.get(f"level_{booking_id}") or None)
        for booking_id, outcome in row_choices(form, "result_", ("passed", "failed")).items()
    }
    try:
        with scoped(portal) as db:
            service.record_results(
                db, principal_of(request), session_id, chosen, portal.clock.now()
            )
    except ServiceError as error:
        form.error("results", error.code)
    if form.ok:
        return RedirectResponse(f"/staff/tests/{session_id}/results?done=1", status_code=303)
    return results(request, form, status=400)


def appeals(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        rows = appeal_service.agency_appeals(db, principal_of(request))
    return render(
        request,
        "staff/appeals.html",
        {
            "rows": rows,
            "done": request.query_params.get("done", ""),
            "problem": request.query_params.get("problem", ""),
        },
        personal=True,
    )


def decide(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    decision = form.choice("decision", ("upheld", "rejected"))
    note = form.text("note", required=False, max_length=500)
    try:
        with scoped(portal) as db:
            appeal_service.decide_appeal(
                db,
                principal_of(request),
                request.path_params["appeal_id"],
                decision if form.ok else "",
                note,
                portal.clock.now(),
            )
    except ServiceError as error:
        # nothing chosen, or decided meanwhile by a colleague: say so, nothing changes
        return RedirectResponse(f"/staff/appeals?problem={error.code}", status_code=303)
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
