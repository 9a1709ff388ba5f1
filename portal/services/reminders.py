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
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.evaluate import Evaluation
from portal.domain.model import Eligibility
from portal.domain.reminders import Reminder, ReminderKind, due_reminders
from portal.domain.rules import rules_on
from portal.services import booking, notify
from portal.services.dossier import Dossier, load_dossier, load_dossiers
from portal.services.payments import statement
from portal.services.payments.owed import fee_sources
from portal.services.seats import CONFIRMED
from portal.settings import BRUSSELS

log = logging.getLogger("portal.reminders")

IN_PROGRAMME = frozenset({Eligibility.OBLIGED, Eligibility.VOLUNTARY})
BATCH = 500  # people a round reads at once


@dataclass(frozen=True)
class Due:
    reminder: Reminder
    kind: str  # the message kind
    params: dict[str, object]


def _in_programme(dossier: Dossier, today: date) -> Evaluation | None:
    """What the rules say today, for a person in the programme with a signed contract."""
    evaluation = dossier.evaluate(today)
    signed = dossier.contract.signed_on if dossier.contract else None
    if evaluation.eligibility not in IN_PROGRAMME or signed is None:
        return None
    return evaluation


def _reminders(
    dossier: Dossier,
    evaluation: Evaluation,
    today: date,
    tests: list[tuple[int, str, date]],
    fees: list[tuple[str, date]],
) -> tuple[Reminder, ...]:
    assert dossier.contract is not None and dossier.contract.signed_on is not None
    return due_reminders(
        today,
        # while suspended the deadlines move: no reminder until the suspension ends
        deadlines=() if evaluation.suspended_today else evaluation.upcoming,
        tests=tests,
        fees=fees,
        obliged=evaluation.eligibility is Eligibility.OBLIGED,
        windows=rules_on(dossier.contract.signed_on).reminder_days,
    )


def due_for(db: Session, dossier: Dossier, now: datetime) -> list[Due]:
    """The reminders due for one person today, with what their message says."""
    today = now.astimezone(BRUSSELS).date()
    evaluation = _in_programme(dossier, today)
    if evaluation is None:
        return []
    seats = booking.upcoming_bookings(db, dossier.person_id, now)
    places = {seat.booking.id: seat for seat in seats}
    lines = {line.key: line for line in statement(db, dossier).lines}
    reminders = _reminders(
        dossier,
        evaluation,
        today,
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


def _keys_by_person(db: Session, query: Any, model: Any, people: list[int]) -> dict[int, set[str]]:
    """The keys `query` selects (person id, key) for `people`, as a set per person."""
    found: dict[int, set[str]] = {}
    for person_id, key in db.exec(query.where(col(model.person_id).in_(people))).all():
        found.setdefault(person_id, set()).add(key)
    return found


def maybe_due(db: Session, people: list[int], now: datetime) -> list[int]:
    """Of `people`, those who may have a reminder due today and not sent yet: everyone
    `send_for` would send to, and a few more (a fee neither paid nor waived counts as open,
    also one the rules make free). Read for them all in a fixed number of queries, so that a
    round does not read every person's records one by one (most have nothing due in an hour)."""
    today = now.astimezone(BRUSSELS).date()
    tests: dict[int, list[tuple[int, str, date]]] = {}
    for booking_id, person_id, test, starts_at in db.exec(
        select(m.Booking.id, m.Booking.person_id, m.Booking.test, m.TestSession.starts_at)
        .join(m.TestSession, col(m.TestSession.id) == col(m.Booking.session_id))
        .where(
            col(m.Booking.person_id).in_(people),
            m.Booking.status == CONFIRMED,
            col(m.TestSession.starts_at) > now,
        )
    ).all():
        assert booking_id is not None
        tests.setdefault(person_id, []).append(
            (booking_id, test, starts_at.astimezone(BRUSSELS).date())
        )
    sent = _keys_by_person(
        db, select(m.ReminderSent.person_id, m.ReminderSent.key), m.ReminderSent, people
    )
    settled = _keys_by_person(  # fees paid or waived are not reminded
        db,
        select(m.Payment.person_id, m.Payment.charge_key).where(
            col(m.Payment.settled_at).is_not(None)
        ),
        m.Payment,
        people,
    )
    for person_id, keys in _keys_by_person(
        db, select(m.Waiver.person_id, m.Waiver.charge_key), m.Waiver, people
    ).items():
        settled.setdefault(person_id, set()).update(keys)
    found = []
    for dossier in load_dossiers(db, people, None, modules=True):
        evaluation = _in_programme(dossier, today)
        if evaluation is None:
            continue
        paid = settled.get(dossier.person_id, set())
        fees = [
            (source.key, source.arose_on)
            for source in fee_sources(dossier)
            if not source.key.startswith("test:") and source.key not in paid
        ]
        due = _reminders(dossier, evaluation, today, tests.get(dossier.person_id, []), fees)
        done = sent.get(dossier.person_id, set())
        if any(reminder.key not in done for reminder in due):
            found.append(dossier.person_id)
    return found


def send_round(engine: Engine, now: datetime) -> int:
    """A round over everyone in the programme, `BATCH` people at a time (their records read
    together, `maybe_due`); how many reminders were sent."""
    with session_scope(engine) as db:
        people = _people(db)
    sent = 0
    for start in range(0, len(people), BATCH):
        with session_scope(engine) as db:
            candidates = maybe_due(db, people[start : start + BATCH], now)
        sent += sum(send_for(engine, person_id, now) for person_id in candidates)
    return sent
