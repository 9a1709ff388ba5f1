"""Seats at test sessions, the part that booking, the staff's sessions and payments share: take
one seat (one conditional UPDATE, so a session is never overbooked), give one back exactly once,
confirm a held booking exactly once, and settle a booking whose fee was paid (also when the money
came after the hold ran out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Update, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.services import notify
from portal.services.errors import audit
from portal.settings import BRUSSELS

HELD, CONFIRMED, CANCELLED, EXPIRED = "held", "confirmed", "cancelled", "expired"
ATTENDED = "attended"  # the result is recorded
ACTIVE = (HELD, CONFIRMED)


def _changed(db: Session, statement: Update) -> int:
    """How many rows an UPDATE changed (the whole point of a conditional one)."""
    result = db.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def take_seat(db: Session, session_id: int, now: datetime) -> bool:
    """Take one seat if one is free: a single conditional UPDATE (atomic on SQLite and on
    PostgreSQL), with the CHECK constraint on `booked` as a backstop."""
    taken = _changed(
        db,
        update(m.TestSession)
        .where(
            col(m.TestSession.id) == session_id,
            col(m.TestSession.booked) < col(m.TestSession.capacity),
            col(m.TestSession.cancelled_at).is_(None),
            col(m.TestSession.starts_at) > now,
        )
        .values(booked=m.TestSession.booked + 1),
    )
    return taken == 1


def give_back_seat(db: Session, session_id: int) -> None:
    """One seat of the session is free again (never below 0)."""
    db.execute(
        update(m.TestSession)
        .where(col(m.TestSession.id) == session_id, col(m.TestSession.booked) > 0)
        .values(booked=col(m.TestSession.booked) - 1)
    )


def release(db: Session, booking: m.Booking, status: str, now: datetime) -> bool:
    """Move an active booking to `status` and give its seat back, exactly once."""
    changed = _changed(
        db,
        update(m.Booking)
        .where(col(m.Booking.id) == booking.id, col(m.Booking.status).in_(ACTIVE))
        .values(status=status, active_key=None, cancelled_at=now if status == CANCELLED else None),
    )
    if changed != 1:
        return False
    give_back_seat(db, booking.session_id)
    return True


def paid_fee(db: Session, booking_id: int | None) -> m.Payment | None:
    """The settled payment of a booking's fee through the provider, if any (what a refund
    gives back)."""
    return db.exec(
        select(m.Payment).where(
            m.Payment.charge_key == f"test:{booking_id}",
            col(m.Payment.settled_at).is_not(None),
            col(m.Payment.provider_id).is_not(None),
        )
    ).first()


def confirm(db: Session, booking_id: int, now: datetime) -> bool:
    """The booking becomes confirmed exactly once (called when its fee is settled or is 0)."""
    changed = _changed(
        db,
        update(m.Booking)
        .where(col(m.Booking.id) == booking_id, col(m.Booking.status) == HELD)
        .values(status=CONFIRMED, confirmed_at=now),
    )
    if changed != 1:
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
        give_back_seat(db, booking.session_id)
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
