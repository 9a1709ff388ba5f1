"""Booking a test seat, the newcomer's side: what I may book, the dates to choose from, hold a
seat, see, cancel and move my booking. Every function takes the person it acts for and only ever
reads or changes that person's own records (the counsellor's side: services.test_sessions).

Capacity is never exceeded: a seat is taken by one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity ...`), which is atomic on SQLite (the engine begins
every transaction with BEGIN IMMEDIATE) and on PostgreSQL (row lock on update), with a CHECK
constraint as a backstop. One active booking per person and test type is a UNIQUE key.
Releasing a seat is tied to a conditional status change, so it happens exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.b1 import B1View, b1_view
from portal.domain.booking_rules import (
    CancelTerms,
    Refusal,
    Right,
    booking_right,
    booking_rights,
    cancel_terms,
    hold_active,
    hold_expires_at,
    session_fits,
)
from portal.domain.model import TestKind
from portal.domain.rules import rules_on
from portal.services import notify
from portal.services.dossier import Dossier, load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments import Line, refund, statement
from portal.services.seats import (
    ACTIVE,
    CANCELLED,
    CONFIRMED,
    EXPIRED,
    HELD,
    give_back_seat,
    paid_fee,
    release,
    take_seat,
)
from portal.services.seats import confirm as confirm
from portal.settings import BRUSSELS

# ------------------------------------------------------------------------------ reading


class BookedSeat(NamedTuple):
    booking: m.Booking
    session: m.TestSession
    location: m.TestLocation


class SessionPlace(NamedTuple):
    session: m.TestSession
    location: m.TestLocation


@dataclass(frozen=True)
class MyTests:
    """What the tests page shows a person: the rights per test, their bookings (latest
    first), their test results (latest first) and their appeals by result."""

    rights: tuple[Right, ...]
    bookings: list[BookedSeat]
    results: list[m.Fact]
    appeals: dict[int, m.Appeal]
    b1: B1View  # the B1 oral follow-up: owed or not, why, until when


@dataclass(frozen=True)
class OpenDates:
    """The open sessions of a test at the person's level, the ones near them first, and whether
    the person may book one today (`right`: if not, why not)."""

    places: list[SessionPlace]
    province: str
    near: frozenset[int]  # ids of the locations near the person
    right: Right | None = None


@dataclass(frozen=True)
class BookingView:
    """One of the person's bookings with its fee and the dates it could move to."""

    seat: BookedSeat
    line: Line | None
    terms: str
    free_until: datetime
    others: list[SessionPlace]


def _active_tests(db: Session, person_id: int, now: datetime) -> frozenset[TestKind]:
    rows = db.exec(
        select(m.Booking).where(m.Booking.person_id == person_id, col(m.Booking.status).in_(ACTIVE))
    ).all()
    return _active_of(rows, now)


def _active_of(bookings: Sequence[m.Booking], now: datetime) -> frozenset[TestKind]:
    return frozenset(
        TestKind(b.test)
        for b in bookings
        if b.status in ACTIVE and (b.status == CONFIRMED or hold_active(b.hold_expires_at, now))
    )


def _screened(db: Session, person_id: int) -> bool:
    return (
        db.exec(select(m.Screening).where(m.Screening.person_id == person_id)).first() is not None
    )


def my_tests(db: Session, person_id: int, now: datetime) -> MyTests:
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("not_found")
    facts = dossier.person_facts()
    rights = booking_rights(
        facts,
        now.date(),
        screened=_screened(db, person_id),
        active_tests=_active_tests(db, person_id, now),
    )
    bookings = db.exec(
        select(m.Booking, m.TestSession, m.TestLocation)
        .join(m.TestSession, col(m.TestSession.id) == col(m.Booking.session_id))
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(m.Booking.person_id == person_id)
        .order_by(col(m.TestSession.starts_at).desc())
    ).all()
    appeals = db.exec(select(m.Appeal).where(m.Appeal.person_id == person_id)).all()
    results = [f for f in dossier.active_facts if f.kind == "test_result"]
    return MyTests(
        rights=rights,
        bookings=[BookedSeat(*row) for row in bookings],
        results=sorted(results, key=lambda f: f.on, reverse=True),
        appeals={a.fact_id: a for a in appeals},
        b1=b1_view(facts, now.date()),
    )


def bookable_tests(
    db: Session, dossier: Dossier, now: datetime, bookings: Sequence[m.Booking] | None = None
) -> frozenset[TestKind]:
    """The tests the person may book today (the rules' booking rights); `bookings`: all the
    person's bookings, when the caller has read them already."""
    rights = booking_rights(
        dossier.person_facts(),
        now.date(),
        screened=_screened(db, dossier.person_id),
        active_tests=(
            _active_tests(db, dossier.person_id, now)
            if bookings is None
            else _active_of(bookings, now)
        ),
    )
    return frozenset(right.test for right in rights if right.allowed)


def upcoming_of(
    bookings: Sequence[tuple[m.Booking, m.TestSession, Any]], now: datetime
) -> dict[TestKind, date]:
    """`upcoming_tests` from bookings already read (with their sessions)."""
    days: dict[TestKind, date] = {}
    for booking, session, _place in sorted(bookings, key=lambda row: row[1].starts_at):
        if booking.status == CONFIRMED and session.starts_at > now:
            days.setdefault(TestKind(booking.test), session.starts_at.astimezone(BRUSSELS).date())
    return days


def upcoming_bookings(db: Session, person_id: int, now: datetime) -> list[BookedSeat]:
    """The person's confirmed bookings of sessions still to come, the first first."""
    rows = db.exec(
        select(m.Booking, m.TestSession, m.TestLocation)
        .join(m.TestSession, col(m.TestSession.id) == col(m.Booking.session_id))
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(
            m.Booking.person_id == person_id,
            m.Booking.status == CONFIRMED,
            col(m.TestSession.starts_at) > now,
        )
        .order_by(col(m.TestSession.starts_at))
    ).all()
    return [BookedSeat(*row) for row in rows]


def upcoming_tests(db: Session, person_id: int, now: datetime) -> dict[TestKind, date]:
    """The day (in Brussels) of each test the person has a confirmed seat for, still to come."""
    days: dict[TestKind, date] = {}
    for seat in upcoming_bookings(db, person_id, now):
        days.setdefault(
            TestKind(seat.booking.test), seat.session.starts_at.astimezone(BRUSSELS).date()
        )
    return days


def _near(location: m.TestLocation, province: str, region: str) -> bool:
    if region == "brussels":
        return location.region == "brussels"
    return bool(province) and location.province == province


def open_dates(db: Session, person_id: int, test: TestKind, now: datetime) -> OpenDates:
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("not_found")
    rows = db.exec(
        select(m.TestSession, m.TestLocation)
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(
            m.TestSession.test == test.value,
            col(m.TestSession.starts_at) > now,
            col(m.TestSession.cancelled_at).is_(None),
        )
        .order_by(col(m.TestSession.starts_at))
    ).all()
    province = dossier.municipality.province
    region = dossier.municipality.region
    target = dossier.person.nt2_target
    places = [SessionPlace(s, loc) for s, loc in rows if session_fits(test, s.level, target)]
    near = frozenset(
        p.location.id
        for p in places
        if p.location.id is not None and _near(p.location, province, region)
    )
    places.sort(key=lambda p: (p.location.id not in near, p.session.starts_at))
    right = booking_right(
        test,
        dossier.person_facts(),
        now.date(),
        screened=_screened(db, person_id),
        active_tests=_active_tests(db, person_id, now),
    )
    return OpenDates(places, province, near, right)


def own_booking(db: Session, person_id: int, booking_id: int) -> BookedSeat:
    """One of the person's own bookings; another person's is not found."""
    row = db.exec(
        select(m.Booking, m.TestSession, m.TestLocation)
        .join(m.TestSession, col(m.TestSession.id) == col(m.Booking.session_id))
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(m.Booking.id == booking_id, m.Booking.person_id == person_id)
    ).first()
    if row is None:
        raise ServiceError("not_found")
    return BookedSeat(*row)


def confirmed_booking(db: Session, person_id: int, booking_id: int) -> BookedSeat:
    """One of the person's own bookings, once it is confirmed (for the calendar file)."""
    seat = own_booking(db, person_id, booking_id)
    if seat.booking.status != CONFIRMED:
        raise ServiceError("not_found")
    return seat


def booking_view(db: Session, person_id: int, booking_id: int, now: datetime) -> BookingView:
    seat = own_booking(db, person_id, booking_id)
    dossier = load_dossier(db, person_id)
    assert dossier is not None
    others = db.exec(
        select(m.TestSession, m.TestLocation)
        .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
        .where(
            m.TestSession.test == seat.booking.test,
            col(m.TestSession.id) != seat.session.id,
            col(m.TestSession.starts_at) > now,
            col(m.TestSession.cancelled_at).is_(None),
            col(m.TestSession.booked) < col(m.TestSession.capacity),
        )
        .order_by(col(m.TestSession.starts_at))
    ).all()
    rules = rules_on(now.date())
    return BookingView(
        seat=seat,
        line=statement(db, dossier).line(f"test:{seat.booking.id}"),
        terms=cancel_terms(seat.session.starts_at, now, rules).value,
        free_until=seat.session.starts_at - timedelta(days=rules.free_cancellation_days),
        others=[SessionPlace(*row) for row in others],
    )


# ------------------------------------------------------------------------------ changing


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
    test = TestKind(session.test)
    right = booking_right(
        test,
        dossier.person_facts(),
        now.date(),
        screened=_screened(db, person_id),
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
    assert booking.id is not None
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
        confirm(db, booking.id, now)
        db.refresh(booking)
    return booking


def expire_holds(engine: Engine, now: datetime) -> int:
    """Unpaid holds past their time free their seats (idempotent; safe on several instances)."""
    with session_scope(engine) as db:
        stale = db.exec(
            select(m.Booking).where(m.Booking.status == HELD, col(m.Booking.hold_expires_at) <= now)
        ).all()
        released = 0
        for booking in stale:
            if release(db, booking, EXPIRED, now):
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


def _own_active(db: Session, person_id: int, booking_id: int) -> m.Booking:
    booking = db.exec(
        select(m.Booking).where(m.Booking.id == booking_id, m.Booking.person_id == person_id)
    ).first()
    if booking is None:
        raise ServiceError("unknown_booking")
    if booking.status not in ACTIVE:
        raise ServiceError("not_active")
    return booking


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
        booking = _own_active(db, person_id, booking_id)
        session = db.get(m.TestSession, booking.session_id)
        assert session is not None
        terms = cancel_terms(session.starts_at, now, rules_on(now.date()))
        if terms is CancelTerms.TOO_LATE:
            raise ServiceError("too_late")
        if terms is CancelTerms.NO_REFUND and not accept_no_refund:
            raise ServiceError("accept_no_refund")
        if not release(db, booking, CANCELLED, now):
            raise ServiceError("not_active")
        paid = paid_fee(db, booking.id)
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


def reschedule(
    engine: Engine, person_id: int, booking_id: int, new_session_id: int, now: datetime
) -> m.Booking:
    """Move one's booking to another date of the same test, free up to 7 days before the booked
    session: the seat moves, and a paid fee moves with the booking (same charge)."""

    with session_scope(engine) as db:
        booking = _own_active(db, person_id, booking_id)
        old = db.get(m.TestSession, booking.session_id)
        new = db.get(m.TestSession, new_session_id)
        assert old is not None and old.id is not None
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
        give_back_seat(db, old.id)
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
        notify.notify(
            db,
            person,
            "booking_changed",
            date=new.starts_at.astimezone(BRUSSELS).date().isoformat(),
        )
        return booking
