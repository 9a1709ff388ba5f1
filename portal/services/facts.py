"""The counsellor records what happened in a person's trajectory: facts (services.people), a
suspension, an exemption, a move (services.trajectory), and withdraws a fact recorded by
mistake. Only for people of the caller's agency (services.agency_scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from portal.db import models as m
from portal.services.agency_scope import person_in_scope
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit
from portal.services.people import add_exemption, add_suspension, record_fact
from portal.services.trajectory import move_person


@dataclass(frozen=True)
class FactEntry:
    """What the counsellor entered; `kind` is a fact kind or "suspension", "exemption", "move".
    Only the fields of the kind count."""

    kind: str
    on: date
    until: date | None = None  # suspension: its last day; period: its end (optional)
    reason: str = ""  # suspension, exemption
    pillar: str | None = None  # exemption, uitgeleerd
    municipality: str = ""  # move: the NIS code moved to
    test: str | None = None
    passed: bool | None = None
    level: str | None = None
    hours: int = 0
    period_kind: str | None = None
    due: date | None = None  # late first registration: the day they had to register by
    source: str = ""
    note: str = ""


def record(db: Session, caller: Principal, person_id: int, entry: FactEntry, today: date) -> None:
    """Record the entry for a person of the caller's agency (validated by the kind's service)."""
    person = person_in_scope(db, caller, person_id)
    actor = caller.subject
    if entry.kind == "suspension":
        assert entry.until is not None
        add_suspension(db, actor, person, entry.on, entry.until, entry.reason)
    elif entry.kind == "exemption":
        add_exemption(db, actor, person, entry.pillar or "", entry.on, entry.reason, today)
    elif entry.kind == "move":
        move_person(db, actor, person, entry.municipality, entry.on, today)
    else:
        record_fact(
            db,
            actor,
            person,
            entry.kind,
            entry.on,
            today,
            test=entry.test,
            passed=entry.passed,
            level=entry.level,
            hours=entry.hours,
            pillar=entry.pillar,
            period_kind=entry.period_kind,
            until=entry.until,
            due=entry.due,
            source=entry.source,
            note=entry.note,
        )


def withdraw(
    db: Session, caller: Principal, person_id: int, fact_id: int, reason: str, now: datetime
) -> m.Fact:
    """Withdraw a fact of a person of the caller's agency: kept and shown struck through, with
    the reason; the rules no longer count it."""
    person_in_scope(db, caller, person_id)
    actor = caller.subject
    fact = db.exec(
        select(m.Fact).where(m.Fact.id == fact_id, m.Fact.person_id == person_id)
    ).first()
    if fact is None:
        raise ServiceError("unknown_fact")
    if fact.withdrawn_at is not None:
        raise ServiceError("already_withdrawn")
    if not reason.strip():
        raise ServiceError("reason_required")
    fact.withdrawn_at = now
    fact.withdrawn_by = actor
    fact.withdrawn_reason = reason.strip()[:300]
    db.add(fact)
    audit(db, actor, "withdraw_fact", "fact", fact.id, person_id=person_id, reason=reason)
    return fact
