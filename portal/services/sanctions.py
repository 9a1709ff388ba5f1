"""Sanction facts as the counsellor handles them: the rules find them (domain.sanctions), the
counsellor decides for each whether it is reported, with a reason when not. Each shows what the
portal told the person and when (the deadline reminders sent, services.reminders) and, for
irregular participation, the classroom attendance kept (services.course). Only for people of
the caller's agency (services.agency_scope); the portal never sanctions by itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import tuple_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.model import Pillar
from portal.domain.sanctions import IRREGULAR_PARTICIPATION, SanctionFact, sanction_facts
from portal.services import summaries
from portal.services.agency_scope import agency_of, dossier_in_scope
from portal.services.caller import Principal
from portal.services.course import attendance_counts
from portal.services.dossier import Dossier
from portal.services.errors import ServiceError, audit
from portal.services.summaries import counted, keyset_page, search_condition, window

# (kind, pillar or "", day) of a sanction fact (SanctionFact.key); the review's `deadline`
# column holds the day: the term where one applies, else the day it happened
ReviewKey = summaries.ReviewKey


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
        select(
            col(m.ReminderSent.person_id),
            col(m.ReminderSent.key),
            col(m.ReminderSent.sent_at),
            col(m.Message.kind),
        )
        .join(m.Message, col(m.ReminderSent.message_id) == col(m.Message.id))
        .where(col(m.ReminderSent.person_id).in_(person_ids))
        .where(col(m.ReminderSent.key).startswith("deadline:"))
        .order_by(col(m.ReminderSent.sent_at), col(m.ReminderSent.id))
    ).all()
    for person_id, key, sent_at, kind in rows:
        parts = key.split(":")  # deadline:<pillar>:<deadline>:<window>
        window = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
        out.setdefault(person_id, []).append(
            Told(sent_at, kind, parts[1] if len(parts) > 1 else "", window)
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


def _item(
    person: m.Person,
    region: str,
    fact: SanctionFact,
    reviews: dict[ReviewKey, m.SanctionReview],
    told: list[Told],
    attendance: tuple[int, int] | None,
) -> SanctionItem:
    return SanctionItem(
        person,
        fact,
        reviews.get(fact.key),
        region,
        tuple(t for t in told if fact.pillar is not None and t.pillar == fact.pillar.value),
        (attendance or (0, 0)) if fact.kind == IRREGULAR_PARTICIPATION else None,
    )


def _items(
    dossier: Dossier,
    reviews: dict[ReviewKey, m.SanctionReview],
    told: list[Told],
    attendance: tuple[int, int] | None,
    today: date,
) -> list[SanctionItem]:
    return [
        _item(dossier.person, dossier.municipality.region, fact, reviews, told, attendance)
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


PAGE_SIZE = 50  # facts per page of the list
EXPORT_BATCH = 500  # facts read at a time for the export
STATUSES = ("to_review", "reviewed")


@dataclass(frozen=True)
class SanctionPage:
    """A page of the agency's sanction facts: those to review first, then by day."""

    items: list[SanctionItem]
    matches: int  # how many facts match (at most summaries.COUNT_LIMIT: see `more`)
    more: bool
    next_after: str  # the cursor of the next page ("": this is the last)
    up_to_date: bool  # False: some lines are from an earlier day (being updated)
    prev_before: str = ""  # the cursor of the page before ("": this is the first)


def _cursor(row: m.SanctionFactRow) -> str:
    return f"{int(row.reviewed)}.{row.day.isoformat()}.{row.person_id}.{row.seq}"


def _parse_cursor(after: str) -> tuple[bool, date, int, int] | None:
    parts = after.split(".")
    if len(parts) != 4 or parts[0] not in {"0", "1"}:
        return None
    try:
        day = date.fromisoformat(parts[1])
        person_id, seq = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    if not (0 <= person_id < 2**31 and 0 <= seq < 2**31):
        return None
    return parts[0] == "1", day, person_id, seq


_ORDER = (
    col(m.SanctionFactRow.reviewed),
    col(m.SanctionFactRow.day),
    col(m.SanctionFactRow.person_id),
    col(m.SanctionFactRow.seq),
)


def _fact_conditions(
    agency_id: int,
    *,
    query: str = "",
    status: str = "",
    pillar: str = "",
    start: date | None = None,
    end: date | None = None,
) -> list[Any]:
    """The conditions on the agency's fact rows (joined with their people) that select these."""
    row = m.SanctionFactRow
    conditions: list[Any] = [col(row.agency_id) == agency_id]
    condition = search_condition(query)
    if condition is not None:
        conditions.append(condition)
    if status in STATUSES:
        conditions.append(col(row.reviewed) == (status == "reviewed"))
    if pillar in {p.value for p in Pillar}:
        conditions.append(col(row.pillar) == pillar)
    if start is not None:
        conditions.append(col(row.day) >= start)
    if end is not None:
        conditions.append(col(row.day) <= end)
    return conditions


def _page_items(
    db: Session, conditions: list[Any], after: str, size: int, before: str = ""
) -> tuple[list[SanctionItem], str, str]:
    """Up to `size` facts after the cursor `after` (or before `before`), with their people,
    decisions, what the portal told them and their attendance; and the cursors of the next
    page and of the page before ("" when none)."""
    shown = window(
        lambda position, backwards: keyset_page(
            db, m.SanctionFactRow, conditions, _ORDER, position, size, backwards=backwards
        ),
        _parse_cursor(after),
        _parse_cursor(before),
        size,
    )
    page = shown.lines
    ids = sorted({row.person_id for row, _, _ in page})
    reviews = reviews_of(db, ids)
    told = told_of(db, ids)
    attendance = attendance_counts(db, ids)
    items = []
    for row, person, municipality in page:
        fact = SanctionFact(
            row.kind,
            Pillar(row.pillar) if row.pillar else None,
            row.deadline,
            row.on,
            row.days_overdue,
            row.reason,
        )
        items.append(
            _item(
                person,
                municipality.region,
                fact,
                reviews.get(row.person_id, {}),
                told.get(row.person_id, []),
                attendance.get(row.person_id),
            )
        )
    next_after = _cursor(page[-1][0]) if shown.after and page else ""
    return items, next_after, _cursor(page[0][0]) if shown.before and page else ""


def agency_sanctions(
    db: Session,
    caller: Principal,
    today: date,
    *,
    query: str = "",
    status: str = "",
    pillar: str = "",
    after: str = "",
    before: str = "",
    page_size: int = PAGE_SIZE,
) -> SanctionPage:
    """A page of the sanction facts of the obliged people the caller reaches, those to review
    first, then by day: matching `query` (a name or a national register number), `status`
    ("to_review", "reviewed" or all) and `pillar`, after the cursor `after`. Read from the
    people's sanction lines (services.summaries), a page at a time."""
    agency_id = agency_of(caller)
    if agency_id is None:
        return SanctionPage([], 0, False, "", True)
    up_to_date = summaries.freshen(db, agency_id, today)
    conditions = _fact_conditions(agency_id, query=query, status=status, pillar=pillar)
    matches, more = counted(
        db,
        select(m.SanctionFactRow.person_id)
        .join(m.Person, col(m.Person.id) == col(m.SanctionFactRow.person_id))
        .where(*conditions),
    )
    items, next_after, prev_before = _page_items(db, conditions, after, page_size, before)
    return SanctionPage(items, matches, more, next_after, up_to_date, prev_before)


@dataclass(frozen=True, slots=True)
class ReviewedFact:
    """One line of the export: a reviewed fact, whose it is, and the decision taken on it."""

    person_id: int
    national_number: str | None
    family_name: str
    given_name: str
    region: str
    fact: SanctionFact
    decision: str | None  # None: the decision is no longer there
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    told: tuple[Told, ...]  # the reminders about the fact's pillar, oldest first
    attendance: tuple[int, int] | None  # irregular participation: (present, taken)


_ROW, _REVIEW = m.SanctionFactRow, m.SanctionReview
# what a line of the export shows, read as plain columns (no records built: an export has many
# lines), then the list's order (the keyset)
_REVIEWED_COLUMNS = (
    col(m.Person.national_number),
    col(m.Person.family_name),
    col(m.Person.given_name),
    col(m.Municipality.region),
    col(_ROW.kind),
    col(_ROW.pillar),
    col(_ROW.deadline),
    col(_ROW.on),
    col(_ROW.days_overdue),
    col(_ROW.reason),
    col(_REVIEW.decision),
    col(_REVIEW.reason),
    col(_REVIEW.reviewed_by),
    col(_REVIEW.reviewed_at),
    *_ORDER,
)


def reviewed_sanctions(
    engine: Engine,
    caller: Principal,
    today: date,
    start: date | None = None,
    end: date | None = None,
    batch: int = EXPORT_BATCH,
) -> Iterator[ReviewedFact]:
    """The reviewed sanction facts of the caller's agency whose day lies from `start` to `end`
    (either open), for the export: recorded in the audit log at once (personal data leaving
    the portal), then read lazily, `batch` at a time, each batch in a short transaction of its
    own, so that an export of any size never holds the whole list."""
    agency_id = agency_of(caller)
    if agency_id is None:
        return iter(())
    with session_scope(engine) as db:
        summaries.freshen(db, agency_id, today)
        audit(
            db,
            caller.subject,
            "sanctions.export",
            "agency",
            agency_id,
            start=start.isoformat() if start else "",
            end=end.isoformat() if end else "",
        )
    return _reviewed_batches(engine, agency_id, start, end, batch)


def _reviewed_batches(
    engine: Engine, agency_id: int, start: date | None, end: date | None, batch: int
) -> Iterator[ReviewedFact]:
    conditions = _fact_conditions(agency_id, status="reviewed", start=start, end=end)
    query = (
        sa.select(*_REVIEWED_COLUMNS)
        .join(m.Person, col(m.Person.id) == col(_ROW.person_id))
        .join(m.Municipality, col(m.Municipality.id) == col(m.Person.municipality_id))
        .join(
            _REVIEW,
            (col(_REVIEW.person_id) == col(_ROW.person_id))
            & (col(_REVIEW.kind) == col(_ROW.kind))
            & (col(_REVIEW.pillar) == col(_ROW.pillar))
            & (col(_REVIEW.deadline) == col(_ROW.day)),
            isouter=True,  # a line whose decision is gone still shows (without it)
        )
        .order_by(*_ORDER)
        .limit(batch)
    )
    after: tuple[Any, ...] | None = None
    while True:
        keyset = [] if after is None else [tuple_(*_ORDER) > tuple_(*after)]
        with session_scope(engine) as db:
            rows = db.execute(query.where(*conditions, *keyset)).all()
            ids = sorted({row[-2] for row in rows})
            told = told_of(db, ids)
            attendance = attendance_counts(db, ids)
        for row in rows:
            number, family, given, region, kind, pillar_code, deadline, on, late, why = row[:10]
            decision, reason, by, at, _, _, person_id, _ = row[10:]
            pillar = Pillar(pillar_code) if pillar_code else None
            fact = SanctionFact(kind, pillar, deadline, on, late, why)
            yield ReviewedFact(
                person_id,
                number,
                family,
                given,
                region,
                fact,
                decision,
                reason,
                by,
                at,
                tuple(t for t in told.get(person_id, ()) if pillar and t.pillar == pillar.value),
                (attendance.get(person_id) or (0, 0)) if kind == IRREGULAR_PARTICIPATION else None,
            )
        if len(rows) < batch:
            return
        after = tuple(rows[-1][-4:])


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
