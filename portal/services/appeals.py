"""Appeals against an MO test result: the person lodges one against their own result, the
counsellors of the person's agency record the appeals committee's decision (an upheld appeal is
a pass, so the pillar follows). Nobody reaches the appeals of another person or agency."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.appeals import appealable, upheld_result
from portal.domain.model import Fact, FactKind, TestKind
from portal.services import notify
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit
from portal.services.people import record_fact


def _result(fact: m.Fact) -> Fact:
    return Fact(
        FactKind(fact.kind),
        fact.on,
        test=TestKind(fact.test) if fact.test else None,
        passed=fact.passed,
    )


def lodge_appeal(db: Session, person_id: int, fact_id: int, reason: str) -> m.Appeal:
    """Appeal against one's own failed MO test (the appeals committee decides). Another
    person's result is not found ("unknown_fact"); a pass, an MO exemption test, an NT2 or B1
    oral result cannot be appealed ("not_appealable")."""
    fact = db.exec(
        select(m.Fact).where(m.Fact.id == fact_id, m.Fact.person_id == person_id)
    ).first()
    if fact is None or fact.kind != "test_result":
        raise ServiceError("unknown_fact")
    if not appealable(_result(fact)):
        raise ServiceError("not_appealable")
    if not reason.strip():
        raise ServiceError("required")
    if len(reason) > 1000:
        raise ServiceError("too_long")
    if db.exec(select(m.Appeal).where(m.Appeal.fact_id == fact_id)).first() is not None:
        raise ServiceError("appeal_exists")
    appeal = m.Appeal(person_id=person_id, fact_id=fact_id, reason=reason.strip())
    db.add(appeal)
    db.flush()
    audit(db, f"person:{person_id}", "lodge_appeal", "appeal", appeal.id, person_id=person_id)
    return appeal


class AppealRow(NamedTuple):
    appeal: m.Appeal
    person: m.Person
    fact: m.Fact


def agency_appeals(db: Session, caller: Principal) -> list[AppealRow]:
    """The appeals of the persons of the caller's agency, the latest first."""
    rows = db.exec(
        select(m.Appeal, m.Person, m.Fact)
        .join(m.Person, col(m.Person.id) == col(m.Appeal.person_id))
        .join(m.Fact, col(m.Fact.id) == col(m.Appeal.fact_id))
        .where(m.Person.agency_id == caller.agency_id)
        .order_by(col(m.Appeal.lodged_at).desc())
    ).all()
    return [AppealRow(*row) for row in rows]


def decide_appeal(
    db: Session, caller: Principal, appeal_id: int, decision: str, note: str, now: datetime
) -> m.Appeal:
    """The committee's decision ("upheld" or "rejected"), recorded by a counsellor of the
    person's agency (another agency's appeal is not found). Upheld: the test counts as passed on
    the test day (a result fact dated on the test day, with the committee as source), so the
    pillar follows."""
    row = db.exec(
        select(m.Appeal, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Appeal.person_id))
        .where(m.Appeal.id == appeal_id, m.Person.agency_id == caller.agency_id)
    ).first()
    if row is None:
        raise ServiceError("not_found")
    appeal, person = row
    if decision not in {"upheld", "rejected"}:
        raise ServiceError("choose")
    if appeal.status != "lodged":
        raise ServiceError("already_decided")
    actor = caller.subject
    appeal.status = decision
    appeal.decided_on = now.date()
    appeal.decided_by = actor
    appeal.decision_note = note.strip()[:500]
    db.add(appeal)
    if decision == "upheld":
        fact = db.get(m.Fact, appeal.fact_id)
        assert fact is not None
        passed = upheld_result(_result(fact))
        record_fact(
            db,
            actor,
            person,
            "test_result",
            passed.on,
            now.date(),
            test=fact.test,
            passed=passed.passed,
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
