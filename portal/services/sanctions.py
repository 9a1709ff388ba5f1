"""Sanction facts as the counsellor handles them: the rules find them (domain.sanctions), the
counsellor decides for each whether it is reported, with a reason when not. Each shows what the
portal told the person and when (the deadline reminders sent, services.reminders) and, for
irregular participation, the classroom attendance kept (services.course). Only for people of
the caller's agency (services.agency_scope); the portal never sanctions by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.sanctions import IRREGULAR_PARTICIPATION, SanctionFact, sanction_facts
from portal.services.agency_scope import dossier_in_scope, dossiers_in_scope, people_in_scope
from portal.services.caller import Principal
from portal.services.course import attendance_counts
from portal.services.dossier import Dossier
from portal.services.errors import ServiceError, audit

# (kind, pillar or "", day) of a sanction fact (SanctionFact.key); the review's `deadline`
# column holds the day: the term where one applies, else the day it happened
ReviewKey = tuple[str, str, date]


@dataclass(frozen=True)
class Told:
    """A message the portal sent the person: when, its kind (the inbox message's), and for a
    deadline reminder the pillar and how many days before the deadline it was sent."""

    sent_at: datetime
    kind: str
    pillar: str = ""
    window: int | None = None


@dataclass(frozen=True)
class SanctionItem:
    """A fact the rules found, and the counsellor's decision on it (None: still to review)."""

    person: m.Person
    fact: SanctionFact
    review: m.SanctionReview | None
    region: str
    told: tuple[Told, ...] = ()  # the reminders about the fact's pillar, oldest first
    attendance: tuple[int, int] | None = None  # irregular participation: (present, taken)


def told_of(db: Session, person_ids: list[int]) -> dict[int, list[Told]]:
    """The deadline reminders sent to these people, per person, oldest first."""
    out: dict[int, list[Told]] = {}
    if not person_ids:
        return out
    rows = db.exec(
        select(m.ReminderSent, m.Message)
        .join(m.Message, col(m.ReminderSent.message_id) == col(m.Message.id))
        .where(col(m.ReminderSent.person_id).in_(person_ids))
        .where(col(m.ReminderSent.key).startswith("deadline:"))
        .order_by(col(m.ReminderSent.sent_at), col(m.ReminderSent.id))
    ).all()
    for sent, message in rows:
        parts = sent.key.split(":")  # deadline:<pillar>:<deadline>:<window>
        window = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
        out.setdefault(sent.person_id, []).append(
            Told(sent.sent_at, message.kind, parts[1] if len(parts) > 1 else "", window)
        )
    return out


def reviews_of(db: Session, person_ids: list[int]) -> dict[int, dict[ReviewKey, m.SanctionReview]]:
    """The decisions taken for these people, per person, keyed by the fact they are about."""
    out: dict[int, dict[ReviewKey, m.SanctionReview]] = {}
    if not person_ids:
        return out
    reviews = db.exec(
        select(m.SanctionReview).where(col(m.SanctionReview.person_id).in_(person_ids))
    ).all()
    for review in reviews:
        out.setdefault(review.person_id, {})[(review.kind, review.pillar, review.deadline)] = review
    return out


def _items(
    dossier: Dossier,
    reviews: dict[ReviewKey, m.SanctionReview],
    told: list[Told],
    attendance: tuple[int, int] | None,
    today: date,
) -> list[SanctionItem]:
    return [
        SanctionItem(
            dossier.person,
            fact,
            reviews.get(fact.key),
            dossier.municipality.region,
            tuple(t for t in told if fact.pillar is not None and t.pillar == fact.pillar.value),
            (attendance or (0, 0)) if fact.kind == IRREGULAR_PARTICIPATION else None,
        )
        for fact in sanction_facts(dossier.person_facts(), today)
    ]


def person_sanctions(db: Session, dossier: Dossier, today: date) -> list[SanctionItem]:
    """One person's sanction facts with their decisions (the dossier comes from a scoped read)."""
    person_id = dossier.person.id
    assert person_id is not None
    return _items(
        dossier,
        reviews_of(db, [person_id]).get(person_id, {}),
        told_of(db, [person_id]).get(person_id, []),
        attendance_counts(db, [person_id]).get(person_id),
        today,
    )


def agency_sanctions(db: Session, caller: Principal, today: date) -> list[SanctionItem]:
    """The sanction facts of the obliged people the caller reaches, those to review first."""
    ids = list(db.exec(people_in_scope(caller).where(m.Person.obligation == "obliged")).all())
    reviews = reviews_of(db, ids)
    told = told_of(db, ids)
    attendance = attendance_counts(db, ids)
    items: list[SanctionItem] = []
    for dossier in dossiers_in_scope(db, caller, ids):
        person_id = dossier.person.id or 0
        items.extend(
            _items(
                dossier,
                reviews.get(person_id, {}),
                told.get(person_id, []),
                attendance.get(person_id),
                today,
            )
        )
    items.sort(key=lambda i: (i.review is not None, i.fact.day))
    return items


def review(
    db: Session,
    caller: Principal,
    person_id: int,
    kind: str,
    pillar: str,
    deadline: date,  # the fact's day (SanctionFact.day)
    decision: str,
    reason: str,
    today: date,
) -> m.SanctionReview:
    """Record the counsellor's decision on a fact the rules find; only for facts the rules find."""
    dossier = dossier_in_scope(db, caller, person_id)
    if decision not in {"report", "not_report"}:
        raise ServiceError("choose")
    if decision == "not_report" and not reason.strip():
        raise ServiceError("reason_required")
    found = sanction_facts(dossier.person_facts(), today)
    if not any(f.key == (kind, pillar, deadline) for f in found):
        raise ServiceError("no_such_sanction_fact")
    actor = caller.subject
    row = db.exec(
        select(m.SanctionReview).where(
            m.SanctionReview.person_id == person_id,
            m.SanctionReview.kind == kind,
            m.SanctionReview.pillar == pillar,
            m.SanctionReview.deadline == deadline,
        )
    ).first()
    before = None
    if row is None:
        row = m.SanctionReview(
            person_id=person_id,
            kind=kind,
            pillar=pillar,
            deadline=deadline,
            decision=decision,
            reason=reason.strip()[:500],
            reviewed_by=actor,
        )
    else:
        before = {"decision": row.decision, "reason": row.reason}
        row.decision = decision
        row.reason = reason.strip()[:500]
        row.reviewed_by = actor
    db.add(row)
    db.flush()
    audit(
        db,
        actor,
        "review_sanction",
        "sanction_review",
        row.id,
        person_id=person_id,
        before=before,
        after={"decision": decision, "reason": row.reason},
    )
    return row
