"""Seats at test sessions, the part that payments need too: take one seat (one conditional
UPDATE, so a session is never overbooked), confirm a held booking exactly once, and settle a
booking whose fee was paid (also when the money came after the hold ran out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from portal.db import models as m
from portal.services import notify
from portal.services.errors import audit
from portal.settings import BRUSSELS

HELD, CONFIRMED, CANCELLED, EXPIRED = "held", "confirmed", "cancelled", "expired"
ATTENDED = "attended"  # the result is recorded
ACTIVE = (HELD, CONFIRMED)


def take_seat(db: Session, session_id: int, now: datetime) -> bool:
    """Take one seat if one is free: a single conditional UPDATE (atomic on SQLite and on
    PostgreSQL), with the CHECK constraint on `booked` as a backstop."""
    taken = db.execute(
        update(m.TestSession)
        .where(
            m.TestSession.id == session_id,  # type: ignore[arg-type]
            m.TestSession.booked < m.TestSession.capacity,  # type: ignore[arg-type]
            m.TestSession.cancelled_at == None,  # type: ignore[arg-type]  # noqa: E711
            m.TestSession.starts_at > now,  # type: ignore[arg-type]
        )
        .values(booked=m.TestSession.booked + 1)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def confirm(db: Session, booking_id: int, now: datetime) -> bool:
    """The booking becomes confirmed exactly once (called when its fee is settled or is 0)."""
    changed = db.execute(
        update(m.Booking)
        .where(m.Booking.id == booking_id, m.Booking.status == HELD)  # type: ignore[arg-type]
        .values(status=CONFIRMED, confirmed_at=now)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit(db, "portal", "confirm_booking", "booking", booking_id)
    _tell_confirmed(db, booking_id)
    return True


def _tell_confirmed(db: Session, booking_id: int) -> None:
    booking = db.get(m.Booking, booking_id)
    assert booking is not None
    session = db.get(m.TestSession, booking.session_id)
    person = db.get(m.Person, booking.person_id)
    if session is not None and person is not None:
        notify.notify(
            db,
            person,
            "booking_confirmed",
            date=session.starts_at.astimezone(BRUSSELS).date().isoformat(),
        )


def settle_booking(db: Session, booking_id: int, now: datetime) -> bool:
    """A booking's fee was paid: confirm it. A payment that arrives after the hold ran out keeps
    the seat if one is still free; otherwise the caller refunds it (False)."""
    booking = db.get(m.Booking, booking_id)
    if booking is None:
        return False
    if booking.status == CONFIRMED:
        return True
    if booking.status == HELD:
        return confirm(db, booking_id, now)
    if booking.status != EXPIRED:
        return False
    if not take_seat(db, booking.session_id, now):
        return False
    key = f"{booking.person_id}:{booking.test}"
    if db.exec(select(m.Booking).where(m.Booking.active_key == key)).first() is not None:
        db.execute(
            update(m.TestSession)
            .where(m.TestSession.id == booking.session_id)  # type: ignore[arg-type]
            .values(booked=m.TestSession.booked - 1)
        )
        return False  # they booked the same test again meanwhile: refund this one
    booking.status = CONFIRMED
    booking.confirmed_at = now
    booking.active_key = key
    db.add(booking)
    db.flush()
    audit(
        db,
        "portal",
        "confirm_booking",
        "booking",
        booking_id,
        person_id=booking.person_id,
        late_payment=True,
    )
    _tell_confirmed(db, booking_id)
    return True
