"""Test sessions, the counsellor's side: plan and cancel sessions (everyone booked is told and a
paid fee refunded), record the screening for the MO exemption test and the results of a session.

Sessions are shared by every agency (any counsellor plans and cancels them); the persons are
not: screening and results only ever reach the persons of the caller's agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.model import TestKind
from portal.services import notify
from portal.services.booking import SessionPlace
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit
from portal.services.payments import refund
from portal.services.people import record_fact
from portal.services.seats import ACTIVE, ATTENDED, CANCELLED, CONFIRMED, paid_fee, release
from portal.settings import BRUSSELS

# ------------------------------------------------------------------------------ sessions


def upcoming(db: Session, now: datetime) -> list[SessionPlace]:
    """Every session still to come, cancelled ones included, the soonest first."""
    rows = db.exec(
        select(m.TestSession, m.TestLocation)
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(col(m.TestSession.starts_at) > now)
        .order_by(col(m.TestSession.starts_at))
    ).all()
    return [SessionPlace(*row) for row in rows]


def location_options(db: Session) -> list[tuple[str, str]]:
    """(id, name) of every test location, for the choice when planning a session."""
    return [(str(x.id), x.name) for x in db.exec(select(m.TestLocation)).all()]


def create_session(
    db: Session,
    caller: Principal,
    location_id: int,
    test: str,
    level: str | None,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    now: datetime,
) -> m.TestSession:
    if db.get(m.TestLocation, location_id) is None:
        raise ServiceError("choose")
    try:
        TestKind(test)
    except ValueError:
        raise ServiceError("choose") from None
    if ends_at <= starts_at:
        raise ServiceError("end_before_start")
    if starts_at <= now:
        raise ServiceError("session_in_past")
    if not 1 <= capacity <= 500:
        raise ServiceError("positive")
    session = m.TestSession(
        location_id=location_id,
        test=test,
        level=level or None,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=caller.subject,
    )
    db.add(session)
    db.flush()
    audit(
        db,
        caller.subject,
        "create_test_session",
        "test_session",
        session.id,
        after={"test": test, "starts_at": starts_at.isoformat(), "capacity": capacity},
    )
    return session


def cancel_session(
    engine: Engine, gateway: Any, caller: Principal, session_id: int, now: datetime
) -> int:
    """Cancel a session: every active booking is cancelled, a paid fee refunded, and the
    person told. Returns how many bookings were cancelled."""
    actor = caller.subject
    with session_scope(engine) as db:
        session = db.get(m.TestSession, session_id)
        if session is None:
            raise ServiceError("unknown_session")
        if session.cancelled_at is not None:
            raise ServiceError("already_cancelled")
        session.cancelled_at = now
        db.add(session)
        bookings = db.exec(
            select(m.Booking).where(
                m.Booking.session_id == session_id, col(m.Booking.status).in_(ACTIVE)
            )
        ).all()
        refunds: list[tuple[int, int]] = []
        for booking in bookings:
            if not release(db, booking, CANCELLED, now):
                continue
            paid = paid_fee(db, booking.id)
            if paid is not None and paid.id is not None:
                refunds.append((paid.id, paid.settled_cents))
            person = db.get(m.Person, booking.person_id)
            if person is not None:
                notify.notify(
                    db,
                    person,
                    "test_session_cancelled",
                    date=session.starts_at.astimezone(BRUSSELS).date().isoformat(),
                )
        audit(db, actor, "cancel_test_session", "test_session", session_id, bookings=len(bookings))
    for payment_id, amount in refunds:
        refund(engine, gateway, actor, payment_id, amount, "Test session cancelled", now)
    return len(bookings)


# ------------------------------------------------------------------------------ persons


def record_screening(db: Session, caller: Principal, person_id: int, on: datetime) -> None:
    """The screening that opens the MO exemption test, for a person of the caller's agency
    (another agency's person is not found)."""
    person = db.exec(
        select(m.Person).where(m.Person.id == person_id, m.Person.agency_id == caller.agency_id)
    ).first()
    if person is None:
        raise ServiceError("not_found")
    existing = db.exec(select(m.Screening).where(m.Screening.person_id == person_id)).first()
    if existing is not None:
        raise ServiceError("already_screened")
    row = m.Screening(person_id=person_id, on=on.date(), recorded_by=caller.subject)
    db.add(row)
    db.flush()
    audit(db, caller.subject, "record_screening", "screening", row.id, person_id=person_id)


class ResultRow(NamedTuple):
    booking: m.Booking
    person: m.Person


@dataclass(frozen=True)
class ResultsSheet:
    """A session's confirmed bookings of the caller's agency, and whose result is recorded."""

    session: m.TestSession
    rows: list[ResultRow]
    recorded: set[int]  # ids of the persons whose result of this session is recorded


def _session(db: Session, session_id: int) -> m.TestSession:
    session = db.get(m.TestSession, session_id)
    if session is None:
        raise ServiceError("not_found")
    return session


def results_sheet(db: Session, caller: Principal, session_id: int) -> ResultsSheet:
    session = _session(db, session_id)
    rows = db.exec(
        select(m.Booking, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Booking.person_id))
        .where(
            m.Booking.session_id == session_id,
            m.Booking.status == CONFIRMED,
            m.Person.agency_id == caller.agency_id,
        )
        .order_by(col(m.Person.family_name))
    ).all()
    recorded = {
        f.person_id
        for f in db.exec(select(m.Fact).where(m.Fact.source == f"test session {session_id}")).all()
    }
    return ResultsSheet(session, [ResultRow(*row) for row in rows], recorded)


def record_results(
    db: Session,
    caller: Principal,
    session_id: int,
    results: dict[int, tuple[str, str | None]],
    now: datetime,
) -> int:
    """Record the results of a session's confirmed bookings: booking id → (passed | failed,
    level for NT2). Bookings of persons of another agency are left out. Each result is the fact
    the rules read (a pass updates the pillar; a fail makes the next booking a paid retake).
    Returns how many were recorded."""
    session = _session(db, session_id)
    own = set(
        db.exec(
            select(m.Booking.id)
            .join(m.Person, col(m.Person.id) == col(m.Booking.person_id))
            .where(m.Booking.session_id == session_id, m.Person.agency_id == caller.agency_id)
        ).all()
    )
    if session.starts_at > now:
        raise ServiceError("session_not_started")
    count = 0
    for booking_id, (outcome, level) in results.items():
        if booking_id not in own:
            continue
        booking = db.get(m.Booking, booking_id)
        if booking is None or booking.session_id != session.id or booking.status != CONFIRMED:
            raise ServiceError("unknown_booking")
        if outcome not in {"passed", "failed"}:
            raise ServiceError("result_required")
        booking.status = ATTENDED  # no longer active: a retake can be booked
        booking.active_key = None
        db.add(booking)
        person = db.get(m.Person, booking.person_id)
        assert person is not None
        record_fact(
            db,
            caller.subject,
            person,
            "test_result",
            session.starts_at.astimezone(BRUSSELS).date(),
            now.date(),
            test=booking.test,
            passed=outcome == "passed",
            level=level if booking.test == "nt2" else None,
            source=f"test session {session.id}",
        )
        count += 1
    return count
