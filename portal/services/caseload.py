"""The counsellor's view of their agency's people: the caseload (what needs attention first) and
one person's file. Only people of the caller's agency (services.agency_scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import literal
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.services import course, participation, summaries
from portal.services.agency_scope import agency_of, dossier_in_scope
from portal.services.caller import Principal
from portal.services.dossier import Dossier
from portal.services.sanctions import SanctionItem, person_sanctions
from portal.services.summaries import (
    ATTENTION_ORDER,
    COUNT_LIMIT,
    attention,
    counted,
    keyset_page,
    search_condition,
    window,
)

__all__ = ["ATTENTION_ORDER", "COUNT_LIMIT", "attention"]

PAGE_SIZE = 50  # people per page of the caseload
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class CaseloadRow:
    person: m.Person
    municipality: m.Municipality
    attention: list[str]  # codes of ATTENTION_ORDER


@dataclass(frozen=True)
class Caseload:
    """A page of the caseload: what needs attention first, then by name."""

    agency: m.Agency | None
    rows: list[CaseloadRow]
    matches: int  # how many people match (at most COUNT_LIMIT: see `more`)
    more: bool  # more than COUNT_LIMIT match
    next_after: str  # the cursor of the next page ("": this is the last)
    up_to_date: bool  # False: some lines are from an earlier day (being updated)
    prev_before: str = ""  # the cursor of the page before ("": this is the first)


def _line_cursor(line: m.PersonSummary) -> str:
    return _cursor(line.attention_rank, line.person_id, line.family_name)


def _cursor(rank: int, person_id: int, family_name: str) -> str:
    return f"{rank}.{person_id}.{family_name}"


def _parse_cursor(after: str) -> tuple[int, str, int] | None:
    """(rank, family name, person id) of a cursor; None when it is not one."""
    parts = after.split(".", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    rank, person_id = int(parts[0]), int(parts[1])
    if rank > len(ATTENTION_ORDER) or person_id >= 2**31:
        return None
    return rank, parts[2], person_id


def caseload(
    db: Session,
    caller: Principal,
    query: str,
    today: date,
    *,
    kind: str = "",
    after: str = "",
    before: str = "",
    page_size: int = PAGE_SIZE,
) -> Caseload:
    """A page of the people the caller reaches, what needs attention first, then by name:
    matching `query` (a name, or a national register number in any notation), with `kind` (a
    code of ATTENTION_ORDER) among what needs attention, after the cursor `after` (the
    `next_after` of the page before). Read from the people's caseload lines (services.summaries),
    a page at a time."""
    agency_id = agency_of(caller)
    if agency_id is None:
        return Caseload(None, [], 0, False, "", True)
    up_to_date = summaries.freshen(db, agency_id, today)
    summary = m.PersonSummary
    conditions = [col(summary.agency_id) == agency_id]
    condition = search_condition(query)
    if condition is not None:
        conditions.append(condition)
    if kind in ATTENTION_ORDER:
        codes = literal(",") + col(summary.attention) + literal(",")
        conditions.append(codes.like(f"%,{kind},%"))
    matches, more = counted(
        db,
        select(summary.person_id)
        .join(m.Person, col(m.Person.id) == col(summary.person_id))
        .where(*conditions),
    )
    order = (col(summary.attention_rank), col(summary.family_name), col(summary.person_id))
    page = window(
        lambda position, backwards: keyset_page(
            db, summary, conditions, order, position, page_size, backwards=backwards
        ),
        _parse_cursor(after),
        _parse_cursor(before),
        page_size,
    )
    rows = [
        CaseloadRow(person, municipality, [c for c in line.attention.split(",") if c])
        for line, person, municipality in page.lines
    ]
    next_after = _line_cursor(page.lines[-1][0]) if page.after and page.lines else ""
    prev_before = _line_cursor(page.lines[0][0]) if page.before and page.lines else ""
    agency = db.get(m.Agency, agency_id)
    return Caseload(agency, rows, matches, more, next_after, up_to_date, prev_before)


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
