"""Booking a test: what I may book and why not, a session with seats left (my province first),
the held seat, paying, the confirmation with a calendar file, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n, labels
from portal.domain.model import TestKind
from portal.services import appeals, conversations, unit
from portal.services import booking as service
from portal.services.caller import Principal
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import Form, row_id
from portal.web.pages import render
from portal.web.payments import reason
from portal.web.places import map_link
from portal.web.routing import Audience, route
from portal.web.scoped import EVERY_REFUSAL, scoped

N_ = i18n.lazy_gettext
BRING = N_("Bring your identity card (eID) or your residence card. Come 15 minutes early.")

REFUSALS = {
    "not_in_trajectory": N_(
        "Tests are part of the integration programme, after you sign your contract."
    ),
    "active_booking": N_("You already booked this test."),
    "passed_already": N_("You passed this test."),
    "course_not_followed": N_("Finish the MO course first."),
    "repeat_course_not_followed": N_(
        "Follow the MO course again first, then you can book a retake."
    ),
    "repeat_module_not_followed": N_(
        "Follow Dutch lessons again first (a module after your test), then you can book a retest."
    ),
    "not_screened": N_("Only after screening by your counsellor."),
    "exemption_only_at_start": N_(
        "The exemption test is only possible at the start of the programme."
    ),
    "b1_not_owed": N_("Only if you must take it after your integration certificate."),
    "uitgeleerd": N_("Your counsellor recorded that this part is met without a test."),
    "wrong_level": N_("This session is for another level of the Dutch test. Choose a date below."),
    "session_full": N_("This session just filled up. Choose another date."),
    "session_closed": N_("This session is no longer open. Choose another date."),
}


def _person_id(request: Request) -> int:
    principal: Principal = request.state.principal
    if principal.person_id is None:
        raise HTTPException(status_code=404)
    return principal.person_id


def _test(request: Request) -> TestKind:
    try:
        return TestKind(request.path_params["test"])
    except ValueError:
        raise HTTPException(status_code=404) from None


def overview(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    now = portal.clock.now()
    service.expire_holds(portal.engine, now)
    with unit.work(portal.engine) as db:
        mine = service.my_tests(db, person_id, now)
        unread = conversations.unread_total(db, person_id)
    return render(
        request,
        "citizen/tests.html",
        {
            "rights": [
                {
                    "right": r,
                    "name": labels.test_name(r.test.value),
                    "reason": i18n.gettext(REFUSALS[r.refusal.value]) if r.refusal else "",
                }
                for r in mine.rights
            ],
            "bookings": mine.bookings,
            "unread": unread,
            "error": request.query_params.get("error", ""),
            "refusals": REFUSALS,
            "results": mine.results,
            "appeals": mine.appeals,
            "b1": mine.b1,
        },
        personal=True,
    )


def appeal(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    form = Form(getattr(request.state, "form", None) or {})
    fact_id = form.integer("fact", maximum=2**31)
    reason = form.text("reason", max_length=1000)
    try:
        if fact_id is None or not form.ok:
            raise ServiceError("required")
        with unit.work(portal.engine) as db:
            appeals.lodge_appeal(db, person_id, fact_id, reason)
    except ServiceError as error:
        if error.code in {"unknown_fact", "not_appealable"}:
            raise HTTPException(status_code=404) from None
        return RedirectResponse(f"/my/tests?appeal_error={error.code}#results", status_code=303)
    return RedirectResponse("/my/tests?appealed=1#results", status_code=303)


def sessions(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    test = _test(request)
    now = portal.clock.now()
    service.expire_holds(portal.engine, now)
    with unit.work(portal.engine) as db:
        dates = service.open_dates(db, person_id, test, now)
    return render(
        request,
        "citizen/test_sessions.html",
        {
            "test": test,
            "name": labels.test_name(test.value),
            "rows": dates.places,
            "may_book": dates.right is not None and dates.right.allowed,
            "why_not": (
                i18n.gettext(REFUSALS[dates.right.refusal.value])
                if dates.right is not None and dates.right.refusal
                else ""
            ),
            "province": dates.province,
            "near": lambda location: location.id in dates.near,
            "error": request.query_params.get("error", ""),
            "refusals": REFUSALS,
        },
        personal=True,
    )


def hold(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    test = _test(request)
    form = Form(getattr(request.state, "form", None) or {})
    session_id = form.integer("session", maximum=2**31)
    if session_id is None:
        return RedirectResponse(f"/my/tests/{test.value}?error=session_closed", status_code=303)
    try:
        booking = service.hold_seat(portal.engine, person_id, session_id, portal.clock.now())
    except ServiceError as error:
        if error.code in {"session_full", "session_closed", "unknown_session", "wrong_level"}:
            code = "session_closed" if error.code == "unknown_session" else error.code
            return RedirectResponse(f"/my/tests/{test.value}?error={code}", status_code=303)
        return RedirectResponse(f"/my/tests?error={error.code}", status_code=303)
    return RedirectResponse(f"/my/tests/bookings/{booking.id}", status_code=303)


def _booking_context(request: Request) -> tuple[service.BookingView, dict[str, Any]]:
    portal = portal_of(request)
    person_id = _person_id(request)
    now = portal.clock.now()
    service.expire_holds(portal.engine, now)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        view = service.booking_view(db, person_id, request.path_params["booking_id"], now)
    booking, session, location = view.seat
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    paid = view.line.paid if view.line else None
    return view, {
        "booking": booking,
        "session": session,
        "location": location,
        "line": view.line,
        "price_reason": reason(view.line.charge) if view.line else "",
        "paid_cents": paid.settled_cents if paid is not None else 0,
        "duration": i18n.format_duration(minutes),
        "map": map_link(f"{location.name}, {location.address}"),
        "description": i18n.gettext(labels.TEST_DESCRIPTIONS[booking.test]),
        "name": labels.test_name(booking.test),
        "terms": view.terms,
        "free_until": view.free_until,
        "others": view.others,
    }


def booking_page(request: Request) -> Response:
    _, context = _booking_context(request)
    context.update(
        error=request.query_params.get("error", ""),
        moved=request.query_params.get("moved") == "1",
        just_paid=request.query_params.get("paid") == "1",
    )
    return render(request, "citizen/test_booking.html", context, personal=True)


def confirm_cancel(request: Request) -> Response:
    """Before cancelling: what happens to the booking and the money, then a clear choice."""
    view, context = _booking_context(request)
    booking = view.seat.booking
    if booking.status not in ("held", "confirmed") or view.terms == "too_late":
        return RedirectResponse(f"/my/tests/bookings/{booking.id}", status_code=303)
    context["action"] = "cancel"
    return render(request, "citizen/test_confirm.html", context, personal=True)


def confirm_move(request: Request) -> Response:
    """Before moving to another date: the old and the new date, and that the fee moves along."""
    view, context = _booking_context(request)
    booking = view.seat.booking
    session_id = row_id(request.query_params.get("session", ""))
    target = next((o for o in view.others if o.session.id == session_id), None)
    if booking.status not in ("held", "confirmed") or view.terms != "free" or target is None:
        return RedirectResponse(
            f"/my/tests/bookings/{booking.id}?error=session_closed", status_code=303
        )
    context.update(action="move", target=target)
    return render(request, "citizen/test_confirm.html", context, personal=True)


def calendar(request: Request) -> Response:
    """The confirmed booking as an iCalendar file (RFC 5545), for the phone's calendar."""
    portal = portal_of(request)
    person_id = _person_id(request)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        booking, session, location = service.confirmed_booking(
            db, person_id, request.path_params["booking_id"]
        )
    body = ics_event(
        uid=f"booking-{booking.id}@{portal.settings.base_url.split('//', 1)[-1]}",
        start=session.starts_at,
        end=session.ends_at,
        summary=labels.test_name(booking.test),
        location=f"{location.name}, {location.address}",
        stamp=portal.clock.now(),
        description="\n\n".join(
            (
                i18n.gettext(labels.TEST_DESCRIPTIONS[booking.test]),
                i18n.gettext(BRING),
                f"{portal.settings.base_url.rstrip('/')}/my/tests/bookings/{booking.id}",
            )
        ),
        reminder=i18n.gettext("Your test is tomorrow: %(test)s")
        % {"test": labels.test_name(booking.test)},
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="test-{booking.id}.ics"',
            "Cache-Control": "no-store",
        },
    )


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_event(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    stamp: datetime,
    description: str = "",
    reminder: str = "",
) -> str:
    """One event (RFC 5545), with its description and, given `reminder`, an alarm the day
    before (a display alarm: the phone shows the text)."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Inburgering Vlaanderen//Portal//NL",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{_ics_text(uid)}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(location)}",
        *([f"DESCRIPTION:{_ics_text(description)}"] if description else []),
        *(
            [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{_ics_text(reminder)}",
                "TRIGGER:-P1D",
                "END:VALARM",
            ]
            if reminder
            else []
        ),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF and a space), never inside
    a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def cancel(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    form = Form(getattr(request.state, "form", None) or {})
    booking_id = int(request.path_params["booking_id"])
    try:
        service.cancel(
            portal.engine,
            portal.payments,
            person_id,
            booking_id,
            portal.clock.now(),
            accept_no_refund=form.flag("accept_no_refund"),
        )
    except ServiceError as error:
        if error.code == "unknown_booking":
            raise HTTPException(status_code=404) from None
        return RedirectResponse(
            f"/my/tests/bookings/{booking_id}?error={error.code}", status_code=303
        )
    return RedirectResponse(f"/my/tests/bookings/{booking_id}", status_code=303)


def reschedule(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    form = Form(getattr(request.state, "form", None) or {})
    booking_id = int(request.path_params["booking_id"])
    session_id = form.integer("session", maximum=2**31)
    try:
        if session_id is None:
            raise ServiceError("session_closed")
        service.reschedule(portal.engine, person_id, booking_id, session_id, portal.clock.now())
    except ServiceError as error:
        if error.code == "unknown_booking":
            raise HTTPException(status_code=404) from None
        return RedirectResponse(
            f"/my/tests/bookings/{booking_id}?error={error.code}", status_code=303
        )
    return RedirectResponse(f"/my/tests/bookings/{booking_id}?moved=1", status_code=303)


def routes() -> list[Any]:
    return [
        route("/my/tests", overview, Audience.CITIZEN),
        route("/my/tests/bookings/{booking_id:id}", booking_page, Audience.CITIZEN),
        route("/my/tests/bookings/{booking_id:id}/calendar.ics", calendar, Audience.CITIZEN),
        route("/my/tests/bookings/{booking_id:id}/cancel", confirm_cancel, Audience.CITIZEN),
        route("/my/tests/bookings/{booking_id:id}/reschedule", confirm_move, Audience.CITIZEN),
        route(
            "/my/tests/bookings/{booking_id:id}/cancel",
            cancel,
            Audience.CITIZEN,
            methods=("POST",),
        ),
        route(
            "/my/tests/bookings/{booking_id:id}/reschedule",
            reschedule,
            Audience.CITIZEN,
            methods=("POST",),
        ),
        route("/my/tests/appeals", appeal, Audience.CITIZEN, methods=("POST",)),
        route("/my/tests/{test}", sessions, Audience.CITIZEN),
        route("/my/tests/{test}/hold", hold, Audience.CITIZEN, methods=("POST",)),
    ]
