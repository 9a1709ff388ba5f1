"""Booking a test seat: hold, cancel, move, plan and cancel sessions, results and appeals.

Capacity is never exceeded: a seat is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity ...`), which is atomic on SQLite (the engine begins
every transaction with BEGIN IMMEDIATE) and on PostgreSQL (row lock on update), with a CHECK
constraint as a backstop. One active booking per person and test type is a UNIQUE key.
Releasing a seat is tied to a conditional status change, so it happens exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.booking_rules import (
    CancelTerms,
    Refusal,
    booking_right,
    cancel_terms,
    hold_active,
    hold_expires_at,
    session_fits,
)
from portal.domain.model import TestKind
from portal.domain.rules import rules_on
from portal.services import notify
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments import refund, statement
from portal.services.seats import ACTIVE as ACTIVE
from portal.services.seats import ATTENDED as ATTENDED
from portal.services.seats import CANCELLED as CANCELLED
from portal.services.seats import CONFIRMED as CONFIRMED
from portal.services.seats import EXPIRED as EXPIRED
from portal.services.seats import HELD as HELD
from portal.services.seats import confirm as confirm
from portal.services.seats import take_seat
from portal.settings import BRUSSELS


def _active_tests(db: Session, person_id: int, now: datetime) -> frozenset[TestKind]:
    rows = db.exec(
        select(m.Booking).where(
            m.Booking.person_id == person_id,
            m.Booking.status.in_(ACTIVE),  # type: ignore[attr-defined]
        )
    ).all()
    return frozenset(
        TestKind(b.test)
        for b in rows
        if b.status == CONFIRMED or hold_active(b.hold_expires_at, now)
    )


def hold_seat(engine: Engine, person_id: int, session_id: int, now: datetime) -> m.Booking:
    """Hold a seat for the person (20 minutes while they pay). Refusals are ServiceErrors:
    the rule's reason (not allowed yet), "active_booking", "session_full", "session_closed"."""
    expire_holds(engine, now)  # expired holds free their seats first
    with session_scope(engine) as db:
        return hold_seat_in(db, person_id, session_id, now)


def hold_seat_in(db: Session, person_id: int, session_id: int, now: datetime) -> m.Booking:
    """The same, inside the caller's unit of work (demo data, tests)."""
    session = db.get(m.TestSession, session_id)
    if session is None:
        raise ServiceError("unknown_session")
    if session.cancelled_at is not None or session.starts_at <= now:
        raise ServiceError("session_closed")
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("unknown_person")
    screened = db.exec(select(m.Screening).where(m.Screening.person_id == person_id)).first()
    test = TestKind(session.test)
    right = booking_right(
        test,
        dossier.person_facts(),
        now.date(),
        screened=screened is not None,
        active_tests=_active_tests(db, person_id, now),
    )
    if not right.allowed:
        raise ServiceError(str(right.refusal))
    if not session_fits(test, session.level, dossier.person.nt2_target):
        raise ServiceError(str(Refusal.WRONG_LEVEL))
    if not take_seat(db, session_id, now):
        raise ServiceError("session_full")
    booking = m.Booking(
        person_id=person_id,
        session_id=session_id,
        test=test.value,
        attempt=right.attempt,
        status=HELD,
        held_at=now,
        hold_expires_at=hold_expires_at(now, rules_on(now.date())),
        active_key=f"{person_id}:{test.value}",
    )
    db.add(booking)
    try:
        db.flush()
    except IntegrityError:
        raise ServiceError("active_booking") from None  # rolls back the seat too
    audit(
        db,
        f"person:{person_id}",
        "hold_seat",
        "booking",
        booking.id,
        person_id=person_id,
        session_id=session_id,
    )
    # 0 € (the first NT2 test, Brussels, a waiver): nothing to pay, confirmed at once
    line = statement(db, dossier).line(f"test:{booking.id}")
    if line is not None and line.charge.amount_cents == 0:
        confirm(db, booking.id, now)  # type: ignore[arg-type]
        db.refresh(booking)
    return booking


def _release(db: Session, booking: m.Booking, status: str, now: datetime) -> bool:
    """Move an active booking to `status` and give its seat back, exactly once."""
    changed = db.execute(
        update(m.Booking)
        .where(m.Booking.id == booking.id, m.Booking.status.in_(ACTIVE))  # type: ignore[arg-type,attr-defined]
        .values(status=status, active_key=None, cancelled_at=now if status == CANCELLED else None)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.execute(
        update(m.TestSession)
        .where(m.TestSession.id == booking.session_id, m.TestSession.booked > 0)  # type: ignore[arg-type]
        .values(booked=m.TestSession.booked - 1)
    )
    return True


def expire_holds(engine: Engine, now: datetime) -> int:
    """Unpaid holds past their time free their seats (idempotent; safe on several instances)."""
    with session_scope(engine) as db:
        stale = db.exec(
            select(m.Booking).where(m.Booking.status == HELD, m.Booking.hold_expires_at <= now)
        ).all()
        released = 0
        for booking in stale:
            if _release(db, booking, EXPIRED, now):
                released += 1
                audit(
                    db,
                    "portal",
                    "expire_hold",
                    "booking",
                    booking.id,
                    person_id=booking.person_id,
                )
    return released


def record_screening(db: Session, actor: str, person: m.Person, on: datetime) -> m.Screening:
    existing = db.exec(select(m.Screening).where(m.Screening.person_id == person.id)).first()
    if existing is not None:
        raise ServiceError("already_screened")
    row = m.Screening(person_id=person.id, on=on.date(), recorded_by=actor)  # type: ignore[arg-type]
    db.add(row)
    db.flush()
    audit(db, actor, "record_screening", "screening", row.id, person_id=person.id)
    return row


def cancel(
    engine: Engine,
    gateway: Any,
    person_id: int,
    booking_id: int,
    now: datetime,
    *,
    accept_no_refund: bool = False,
) -> str:
    """Cancel one's own booking. Free up to 7 days before the session (a paid fee is refunded);
    later without refund (only when the person accepted that); not once it started. Returns the
    terms applied."""

    with session_scope(engine) as db:
        booking = db.exec(
            select(m.Booking).where(m.Booking.id == booking_id, m.Booking.person_id == person_id)
        ).first()
        if booking is None:
            raise ServiceError("unknown_booking")
        if booking.status not in ACTIVE:
            raise ServiceError("not_active")
        session = db.get(m.TestSession, booking.session_id)
        assert session is not None
        terms = cancel_terms(session.starts_at, now, rules_on(now.date()))
        if terms is CancelTerms.TOO_LATE:
            raise ServiceError("too_late")
        if terms is CancelTerms.NO_REFUND and not accept_no_refund:
            raise ServiceError("accept_no_refund")
        if not _release(db, booking, CANCELLED, now):
            raise ServiceError("not_active")
        paid = db.exec(
            select(m.Payment).where(
                m.Payment.charge_key == f"test:{booking.id}",
                m.Payment.settled_at != None,  # noqa: E711
                m.Payment.provider_id != None,  # noqa: E711
            )
        ).first()
        audit(
            db,
            f"person:{person_id}",
            "cancel_booking",
            "booking",
            booking.id,
            person_id=person_id,
            terms=terms.value,
        )
        to_refund = paid.id if paid is not None and terms is CancelTerms.FREE else None
        amount = paid.settled_cents if paid is not None else 0
    if to_refund is not None:
        refund(
            engine, gateway, f"person:{person_id}", to_refund, amount, "Test booking cancelled", now
        )
    return terms.value


def create_session(
    db: Session,
    actor: str,
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
        created_by=actor,
    )
    db.add(session)
    db.flush()
    audit(
        db,
        actor,
        "create_test_session",
        "test_session",
        session.id,
        after={"test": test, "starts_at": starts_at.isoformat(), "capacity": capacity},
    )
    return session


def cancel_session(engine: Engine, gateway: Any, actor: str, session_id: int, now: datetime) -> int:
    """Staff cancel a session: every active booking is cancelled, a paid fee refunded, and the
    person told. Returns how many bookings were cancelled."""

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
                m.Booking.session_id == session_id,
                m.Booking.status.in_(ACTIVE),  # type: ignore[attr-defined]
            )
        ).all()
        refunds = []
        for booking in bookings:
            if not _release(db, booking, CANCELLED, now):
                continue
            paid = db.exec(
                select(m.Payment).where(
                    m.Payment.charge_key == f"test:{booking.id}",
                    m.Payment.settled_at != None,  # noqa: E711
                    m.Payment.provider_id != None,  # noqa: E711
                )
            ).first()
            if paid is not None:
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
        refund(engine, gateway, actor, payment_id, amount, "Test session cancelled", now)  # type: ignore[arg-type]
    return len(bookings)


def reschedule(
    engine: Engine, person_id: int, booking_id: int, new_session_id: int, now: datetime
) -> m.Booking:
    """Move one's booking to another date of the same test, free up to 7 days before the booked
    session: the seat moves, and a paid fee moves with the booking (same charge)."""

    with session_scope(engine) as db:
        booking = db.exec(
            select(m.Booking).where(m.Booking.id == booking_id, m.Booking.person_id == person_id)
        ).first()
        if booking is None:
            raise ServiceError("unknown_booking")
        if booking.status not in ACTIVE:
            raise ServiceError("not_active")
        old = db.get(m.TestSession, booking.session_id)
        new = db.get(m.TestSession, new_session_id)
        assert old is not None
        if new is None or new.test != booking.test or new.id == old.id:
            raise ServiceError("session_closed")
        person = db.get(m.Person, person_id)
        assert person is not None
        if not session_fits(TestKind(new.test), new.level, person.nt2_target):
            raise ServiceError(str(Refusal.WRONG_LEVEL))
        if cancel_terms(old.starts_at, now, rules_on(now.date())) is not CancelTerms.FREE:
            raise ServiceError("reschedule_too_late")
        if not take_seat(db, new_session_id, now):
            raise ServiceError("session_full")
        db.execute(
            update(m.TestSession)
            .where(m.TestSession.id == old.id, m.TestSession.booked > 0)  # type: ignore[arg-type]
            .values(booked=m.TestSession.booked - 1)
        )
        booking.session_id = new_session_id
        db.add(booking)
        audit(
            db,
            f"person:{person_id}",
            "reschedule_booking",
            "booking",
            booking.id,
            person_id=person_id,
            before=old.id,
            after=new_session_id,
        )
        if person is not None:
            notify.notify(
                db,
                person,
                "booking_changed",
                date=new.starts_at.astimezone(BRUSSELS).date().isoformat(),
            )
        return booking


def record_results(
    db: Session,
    actor: str,
    session: m.TestSession,
    results: dict[int, tuple[str, str | None]],
    now: datetime,
) -> int:
    """Record the results of a session's confirmed bookings: booking id → (passed | failed,
    level for NT2). Each result is the fact the rules read (a pass updates the pillar; a fail
    makes the next booking a paid retake). Returns how many were recorded."""
    from portal.services.people import record_fact

    if session.starts_at > now:
        raise ServiceError("session_not_started")
    count = 0
    for booking_id, (outcome, level) in results.items():
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
            actor,
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


def lodge_appeal(db: Session, person: m.Person, fact_id: int, reason: str) -> m.Appeal:
    """Appeal against one's own MO test result (the appeals committee decides)."""
    fact = db.exec(
        select(m.Fact).where(m.Fact.id == fact_id, m.Fact.person_id == person.id)
    ).first()
    if fact is None or fact.kind != "test_result" or fact.test not in {"mo", "mo_exemption"}:
        raise ServiceError("unknown_fact")
    if not reason.strip():
        raise ServiceError("required")
    if len(reason) > 1000:
        raise ServiceError("too_long")
    if db.exec(select(m.Appeal).where(m.Appeal.fact_id == fact_id)).first() is not None:
        raise ServiceError("appeal_exists")
    appeal = m.Appeal(person_id=person.id, fact_id=fact_id, reason=reason.strip())  # type: ignore[arg-type]
    db.add(appeal)
    db.flush()
    audit(db, f"person:{person.id}", "lodge_appeal", "appeal", appeal.id, person_id=person.id)
    return appeal


def record_appeal_decision(
    db: Session, actor: str, appeal: m.Appeal, upheld: bool, note: str, now: datetime
) -> m.Appeal:
    """The committee's decision, recorded by the counsellor. Upheld: the test counts as passed
    (a result fact with the committee as source), so the pillar follows."""
    from portal.services.people import record_fact

    if appeal.status != "lodged":
        raise ServiceError("already_decided")
    appeal.status = "upheld" if upheld else "rejected"
    appeal.decided_on = now.date()
    appeal.decided_by = actor
    appeal.decision_note = note.strip()[:500]
    db.add(appeal)
    person = db.get(m.Person, appeal.person_id)
    assert person is not None
    if upheld:
        fact = db.get(m.Fact, appeal.fact_id)
        assert fact is not None
        record_fact(
            db,
            actor,
            person,
            "test_result",
            now.date(),
            now.date(),
            test=fact.test,
            passed=True,
            source="appeals committee",
            note=appeal.decision_note,
            tell_person=False,
        )
    audit(
        db,
        actor,
        "decide_appeal",
        "appeal",
        appeal.id,
        person_id=person.id,
        after={"status": appeal.status, "note": appeal.decision_note},
    )
    notify.notify(db, person, "appeal_decided", decision=appeal.status)
    return appeal
