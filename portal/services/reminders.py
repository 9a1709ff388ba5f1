"""Sending reminders: for each person in the programme, the reminders the rules say are due
today (domain.reminders), each once — in the inbox and, when the person wants e-mail, by e-mail
in their own language (notify).

Once means once whatever happens: several app processes running the round at the same time,
a round run again by hand (`portal reminders send`), a restart. Each reminder is claimed by
inserting its key under a unique constraint in the same unit of work as its message; the
process that loses the race rolls back that person's unit and moves on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.model import Eligibility
from portal.domain.reminders import Reminder, ReminderKind, due_reminders
from portal.domain.rules import rules_on
from portal.services import booking, notify
from portal.services.dossier import Dossier, load_dossier
from portal.services.payments import statement
from portal.settings import BRUSSELS

log = logging.getLogger("portal.reminders")

IN_PROGRAMME = frozenset({Eligibility.OBLIGED, Eligibility.VOLUNTARY})


@dataclass(frozen=True)
class Due:
    reminder: Reminder
    kind: str  # the message kind
    params: dict[str, object]


def due_for(db: Session, dossier: Dossier, now: datetime) -> list[Due]:
    """The reminders due for one person today, with what their message says."""
    today = now.astimezone(BRUSSELS).date()
    evaluation = dossier.evaluate(today)
    signed = dossier.contract.signed_on if dossier.contract else None
    if evaluation.eligibility not in IN_PROGRAMME or signed is None:
        return []
    seats = booking.upcoming_bookings(db, dossier.person_id, now)
    places = {seat.booking.id: seat for seat in seats}
    lines = {line.key: line for line in statement(db, dossier).lines}
    reminders = due_reminders(
        today,
        # while suspended the deadlines move: no reminder until the suspension ends
        deadlines=() if evaluation.suspended_today else evaluation.upcoming,
        tests=[
            (seat.booking.id, seat.booking.test, seat.session.starts_at.astimezone(BRUSSELS).date())
            for seat in seats
            if seat.booking.id is not None
        ],
        # a test's fee is asked while its seat is held: the booking page says so
        fees=[
            (line.key, line.charge.source.arose_on)
            for line in lines.values()
            if line.payable and not line.key.startswith("test:")
        ],
        obliged=evaluation.eligibility is Eligibility.OBLIGED,
        windows=rules_on(signed).reminder_days,
    )
    due = []
    for reminder in reminders:
        if reminder.kind is ReminderKind.DEADLINE:
            assert reminder.pillar is not None
            kind = "deadline_reminder_obliged" if reminder.sanction else "deadline_reminder"
            params: dict[str, object] = {
                "pillar": reminder.pillar.value,
                "date": reminder.on.isoformat(),
            }
        elif reminder.kind is ReminderKind.TEST:
            booking_id = int(reminder.key.split(":")[1])
            seat = places[booking_id]
            kind = "test_reminder"
            params = {
                "test": seat.booking.test,
                "moment": seat.session.starts_at.isoformat(),
                "place": f"{seat.location.name}, {seat.location.address}",
            }
        else:
            line = lines[reminder.subject]
            kind = "fee_reminder"
            params = {
                "fee": line.charge.source.kind.value,
                "amount_cents": line.charge.amount_cents,
            }
        due.append(Due(reminder, kind, params))
    return due


def _people(db: Session) -> list[int]:
    """Everyone with a signed contract and no certificate yet."""
    certified = select(m.Attest.person_id)
    rows = db.exec(
        select(m.Contract.person_id)
        .where(col(m.Contract.signed_on).is_not(None))
        .where(col(m.Contract.person_id).not_in(certified))
        .order_by(col(m.Contract.person_id))
    ).all()
    return list(rows)


def send_for(engine: Engine, person_id: int, now: datetime) -> int:
    """One person's due reminders, in one unit of work; how many were sent (0 when another
    process sent them first)."""
    try:
        with session_scope(engine) as db:
            dossier = load_dossier(db, person_id)
            if dossier is None:
                return 0
            sent_keys = set(
                db.exec(select(m.ReminderSent.key).where(m.ReminderSent.person_id == person_id))
            )
            count = 0
            for due in due_for(db, dossier, now):
                if due.reminder.key in sent_keys:
                    continue
                claim = m.ReminderSent(person_id=person_id, key=due.reminder.key, sent_at=now)
                db.add(claim)
                db.flush()  # the unique key: a second process stops here
                message = notify.notify(db, dossier.person, due.kind, **due.params)
                claim.message_id = message.id
                db.add(claim)
                count += 1
            return count
    except IntegrityError:
        log.info("reminders for person %s were sent by another process", person_id)
        return 0


def send_round(engine: Engine, now: datetime) -> int:
    """A round over everyone in the programme; how many reminders were sent."""
    with session_scope(engine) as db:
        people = _people(db)
    return sum(send_for(engine, person_id, now) for person_id in people)
