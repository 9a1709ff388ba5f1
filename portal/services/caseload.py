"""The counsellor's view of their agency's people: the caseload (what needs attention first) and
one person's file. Only people of the caller's agency (services.agency_scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.model import Eligibility
from portal.domain.sanctions import sanction_facts
from portal.services import course, participation
from portal.services.agency_scope import (
    agency_of,
    dossier_in_scope,
    dossiers_in_scope,
    people_in_scope,
)
from portal.services.caller import Principal
from portal.services.dossier import Dossier
from portal.services.sanctions import ReviewKey, SanctionItem, person_sanctions, reviews_of

CASELOAD_LIMIT = 500
HISTORY_LIMIT = 50

ATTENTION_ORDER = (
    "sanction_to_review",
    "deadline_passed",
    "deadline_near",
    "attest_ready",
    "not_signed",
    "no_contract",
)


@dataclass(frozen=True)
class CaseloadRow:
    dossier: Dossier
    attention: list[str]  # codes of ATTENTION_ORDER, most urgent first


@dataclass(frozen=True)
class Caseload:
    agency: m.Agency | None
    rows: list[CaseloadRow]


def attention(dossier: Dossier, reviewed: set[ReviewKey], today: date) -> list[str]:
    """What needs the counsellor's attention first, most urgent first (codes)."""
    items: list[str] = []
    evaluation = dossier.evaluate(today)
    if evaluation.eligibility not in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}:
        return items
    facts = sanction_facts(dossier.person_facts(), today)
    if any(f.key not in reviewed for f in facts):
        items.append("sanction_to_review")
    if any(a.past for a in evaluation.alerts):
        items.append("deadline_passed")
    if any(not a.past for a in evaluation.alerts):
        items.append("deadline_near")
    if dossier.contract is None:
        items.append("no_contract")
    elif dossier.contract.signed_on is None:
        items.append("not_signed")
    if evaluation.attest_on is not None and dossier.attest is None:
        items.append("attest_ready")
    return items


def _id(dossier: Dossier) -> int:
    assert dossier.person.id is not None
    return dossier.person.id


def caseload(db: Session, caller: Principal, query: str, today: date) -> Caseload:
    """The people the caller reaches (at most CASELOAD_LIMIT, matching `query`: a name, or a
    national register number in any notation), what needs attention first."""
    agency_id = agency_of(caller)
    statement = people_in_scope(caller)
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        like = f"%{query.lower()}%"
        condition = col(m.Person.given_name).ilike(like) | col(m.Person.family_name).ilike(like)
        if len(digits) == 11:
            condition = condition | (m.Person.national_number == digits)
        statement = statement.where(condition)
    ids = list(db.exec(statement.order_by(m.Person.family_name).limit(CASELOAD_LIMIT)).all())
    reviews = reviews_of(db, ids)
    rows = [
        CaseloadRow(
            dossier, attention(dossier, set(reviews.get(dossier.person.id or 0, {})), today)
        )
        for dossier in dossiers_in_scope(db, caller, ids)
    ]
    rows.sort(
        key=lambda r: (
            min((ATTENTION_ORDER.index(i) for i in r.attention), default=len(ATTENTION_ORDER)),
            r.dossier.person.family_name,
        )
    )
    agency = db.get(m.Agency, agency_id) if agency_id is not None else None
    return Caseload(agency, rows)


@dataclass(frozen=True)
class PersonFile:
    """One person's page for their counsellor."""

    dossier: Dossier
    sanctions: list[SanctionItem]
    history: list[m.AuditLog]  # the latest HISTORY_LIMIT audit entries about the person
    activities: list[tuple[m.Activity, list[m.EvidenceFile]]]  # sent (not drafts), with files
    course_counts: tuple[int, int] | None


def person_file(db: Session, caller: Principal, person_id: int, today: date) -> PersonFile:
    dossier = dossier_in_scope(db, caller, person_id)
    activities = []
    for activity in participation.activities_of(db, person_id):
        if activity.status != "draft":
            assert activity.id is not None
            activities.append((activity, participation.files_of(db, activity.id)))
    history = db.exec(
        select(m.AuditLog)
        .where(m.AuditLog.details["person_id"].as_integer() == person_id)
        .order_by(col(m.AuditLog.at).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return PersonFile(
        dossier=dossier,
        sanctions=person_sanctions(db, dossier, today),
        history=list(history),
        activities=activities,
        course_counts=course.course_counts(db, person_id, today),
    )
