"""The municipality's side of pillar 4: the queue of its residents' open submissions, the
decision, and the export of the hours it confirmed.

Scope: an officer sees the submissions of the people who live in the municipality now (a
person who moves takes open submissions along), and the ones the municipality itself decided;
anything else is 'unknown' (404), never 'forbidden'. Only a current resident's submission can
be decided."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.participation import (
    Decision,
    SubmissionStatus,
    TransitionError,
    hours_confirmed,
    next_status,
    validate_decision,
)
from portal.services.errors import ServiceError, audit
from portal.services.notify import notify
from portal.services.participation.records import ActivityView, add_event, view_of
from portal.services.people import record_fact
from portal.services.summaries import keyset, window
from portal.settings import BRUSSELS

QUEUE_PAGE = 50
WAITING = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.INFO_REQUESTED.value)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue (oldest first): its rows, the activity to continue after (None:
    this is the last page), the one to go back from (None: this is the first page), and how
    many are waiting with these filters."""

    rows: list[tuple[m.Activity, m.Person]]
    after: int | None
    total: int
    before: int | None = None


def queue(
    db: Session,
    municipality_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    search: str = "",
    status: str = "",
    limit: int = QUEUE_PAGE,
) -> QueuePage:
    """Open submissions of the people who live in the municipality now, oldest first, a page
    at a time (keyset: the page after activity `after`, or before activity `before`; an index
    on status, sending time and id serves it), optionally only those of a person (`search`:
    part of a name) or a status."""
    statuses = [status] if status in WAITING else list(WAITING)
    conditions: list[Any] = [
        m.Person.municipality_id == municipality_id,
        col(m.Activity.status).in_(statuses),
    ]
    words = search.strip().lower()[:100]
    if words:
        like = f"%{words}%"
        conditions.append(
            col(m.Person.given_name).ilike(like)
            | col(m.Person.family_name).ilike(like)
            | col(m.Activity.organisation).ilike(like)
        )
    base = (
        select(m.Activity, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Activity.person_id))
        .where(*conditions)
    )
    order = (col(m.Activity.submitted_at), col(m.Activity.id))

    def position(activity_id: int | None) -> tuple[Any, ...] | None:
        mark = db.get(m.Activity, activity_id) if activity_id is not None else None
        if mark is None or mark.submitted_at is None:
            return None
        return (mark.submitted_at, mark.id)

    def read(at: tuple[Any, ...] | None, backwards: bool) -> list[Any]:
        return list(db.exec(keyset(base, order, at, limit, backwards=backwards)).all())

    found = window(read, position(after), position(before), limit)
    total = db.exec(
        select(sa.func.count())
        .select_from(m.Activity)
        .join(m.Person, col(m.Person.id) == col(m.Activity.person_id))
        .where(*conditions)
    ).one()
    shown = [(a, p) for a, p in found.lines]
    return QueuePage(
        shown,
        shown[-1][0].id if found.after and shown else None,
        int(total),
        shown[0][0].id if found.before and shown else None,
    )


def decided_by(
    db: Session, municipality_id: int, limit: int = 50
) -> list[tuple[m.Activity, m.Person]]:
    rows = db.exec(
        select(m.Activity, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Activity.person_id))
        .where(m.Activity.decided_municipality_id == municipality_id)
        .order_by(col(m.Activity.decided_at).desc())
        .limit(limit)
    ).all()
    return [(a, p) for a, p in rows]


def officer_activity(
    db: Session, municipality_id: int, activity_id: int
) -> tuple[m.Activity, m.Person]:
    """An activity an officer may see: of a current resident (not a draft), or one their
    municipality decided. Anything else is 'unknown' (404), never 'forbidden'."""
    activity = db.get(m.Activity, activity_id)
    if activity is None or activity.status == SubmissionStatus.DRAFT:
        raise ServiceError("unknown_activity")
    person = db.get(m.Person, activity.person_id)
    assert person is not None
    if person.municipality_id != municipality_id and (
        activity.decided_municipality_id != municipality_id
    ):
        raise ServiceError("unknown_activity")
    return activity, person


@dataclass(frozen=True)
class OfficerView(ActivityView):
    """An activity as an officer sees it: with the person, and whether it can be decided here."""

    person: m.Person
    may_decide: bool


def officer_view(db: Session, municipality_id: int, activity_id: int) -> OfficerView:
    activity, person = officer_activity(db, municipality_id, activity_id)
    view = view_of(db, activity)
    return OfficerView(
        activity=view.activity,
        lines=view.lines,
        files=view.files,
        events=view.events,
        offer=view.offer,
        person=person,
        may_decide=(
            activity.status == SubmissionStatus.SUBMITTED
            and person.municipality_id == municipality_id
        ),
    )


def open_for_officer(
    db: Session, municipality_id: int, activity_id: int, *, actor: str
) -> OfficerView:
    """`officer_view`, recorded in the audit log (an officer read a person's submission)."""
    view = officer_view(db, municipality_id, activity_id)
    audit(db, actor, "activity.open", "activity", view.activity.id)
    return view


@dataclass(frozen=True)
class Home:
    municipality: m.Municipality | None
    waiting: QueuePage
    decided: list[tuple[m.Activity, m.Person]]


def home(
    db: Session,
    municipality_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    search: str = "",
    status: str = "",
) -> Home:
    """A page of the queue, and the last 20 decisions of the municipality."""
    return Home(
        municipality=db.get(m.Municipality, municipality_id),
        waiting=queue(
            db, municipality_id, after=after, before=before, search=search, status=status
        ),
        decided=decided_by(db, municipality_id, limit=20),
    )


MESSAGE_OF_DECISION = {
    Decision.CONFIRM_ALL: "participation_confirmed",
    Decision.CONFIRM_PART: "participation_partly_confirmed",
    Decision.REJECT: "participation_rejected",
    Decision.ASK_INFO: "participation_info_requested",
}


def decide(
    db: Session,
    municipality_id: int,
    activity_id: int,
    decision: str,
    *,
    confirmed: int | None,
    reason: str,
    actor: str,
    now: datetime,
    today: date,
) -> m.Activity:
    """The municipality's decision on a submitted activity of one of its residents."""
    activity, person = officer_activity(db, municipality_id, activity_id)
    if person.municipality_id != municipality_id:
        raise ServiceError("unknown_activity")  # decided here earlier, lives elsewhere now
    try:
        choice = Decision(decision)
    except ValueError:
        raise ServiceError("choose") from None
    codes = validate_decision(
        choice, claimed=activity.hours_claimed, confirmed=confirmed, reason=reason
    )
    if codes:
        raise ServiceError(codes[0])
    try:
        status = next_status(SubmissionStatus(activity.status), choice)
    except TransitionError:
        raise ServiceError("not_waiting") from None
    # one decision only, also when two officers press the button at the same moment
    changed = db.execute(
        update(m.Activity)
        .where(col(m.Activity.id) == activity.id, col(m.Activity.status) == activity.status)
        .values(status=status.value)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise ServiceError("not_waiting")
    db.refresh(activity)
    hours = hours_confirmed(choice, activity.hours_claimed, confirmed)
    activity.hours_confirmed = hours
    activity.decision_reason = reason.strip()
    activity.updated_at = now
    if choice is not Decision.ASK_INFO:
        activity.decided_by = actor
        activity.decided_at = now
        activity.decided_municipality_id = municipality_id
    if hours:
        fact = record_fact(
            db,
            actor,
            person,
            kind="pillar4_hours",
            on=today,
            today=today,
            hours=hours,
            source=f"participation:{activity.id}",
            note=activity.organisation[:200],
            tell_person=False,
        )
        activity.fact_id = fact.id
    db.add(activity)
    add_event(db, activity, actor, choice.value, reason.strip(), now)
    audit(
        db,
        actor,
        "activity.decide",
        "activity",
        activity.id,
        decision=choice.value,
        hours=hours,
        municipality_id=municipality_id,
    )
    params: dict[str, Any] = {
        "organisation": activity.organisation,
        "hours": hours,
        "claimed": activity.hours_claimed,
        "reason": activity.decision_reason,
    }
    notify(db, person, MESSAGE_OF_DECISION[choice], **params)
    return activity


EXPORT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ConfirmedHours:
    """One line of the export: an activity whose hours the municipality confirmed, and whose."""

    family_name: str
    given_name: str
    birth_date: date
    kind: str
    organisation: str
    start_on: date | None
    end_on: date | None
    hours_claimed: int
    hours_confirmed: int
    decided_at: datetime | None
    decided_by: str
    activity_id: int  # the keyset's tie-breaker


# what a line shows, read as plain columns (no records built: an export has many lines)
_CONFIRMED_COLUMNS = (
    col(m.Person.family_name),
    col(m.Person.given_name),
    col(m.Person.birth_date),
    col(m.Activity.kind),
    col(m.Activity.organisation),
    col(m.Activity.start_on),
    col(m.Activity.end_on),
    col(m.Activity.hours_claimed),
    col(m.Activity.hours_confirmed),
    col(m.Activity.decided_at),
    col(m.Activity.decided_by),
    col(m.Activity.id),
)


def export_confirmed(
    engine: Engine,
    municipality_id: int,
    *,
    actor: str,
    start: date | None = None,
    end: date | None = None,
    batch: int = EXPORT_BATCH,
) -> Iterator[ConfirmedHours]:
    """The confirmed hours decided by this municipality (decided from `start` to `end`, days in
    Brussels, both included), oldest decision first: the export is recorded in the audit log
    (personal data leaving the portal) at once, then the lines come `batch` at a time, each
    batch in a short transaction of its own (keyset on the decision's time and id, served by
    the index ix_participation_activity_decided), so that an export of any size is streamed
    and holds neither the whole list nor a transaction."""
    with session_scope(engine) as db:
        audit(
            db,
            actor,
            "activity.export",
            "municipality",
            municipality_id,
            start=start.isoformat() if start else "",
            end=end.isoformat() if end else "",
        )
    return _confirmed_batches(engine, municipality_id, start, end, batch)


def _confirmed_batches(
    engine: Engine, municipality_id: int, start: date | None, end: date | None, batch: int
) -> Iterator[ConfirmedHours]:
    conditions: list[Any] = [
        m.Activity.decided_municipality_id == municipality_id,
        col(m.Activity.hours_confirmed) > 0,
    ]
    if start is not None:
        conditions.append(col(m.Activity.decided_at) >= datetime.combine(start, time(0), BRUSSELS))
    if end is not None:
        conditions.append(
            col(m.Activity.decided_at)
            < datetime.combine(end + timedelta(days=1), time(0), BRUSSELS)
        )
    order = (col(m.Activity.decided_at), col(m.Activity.id))
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            sa.select(*_CONFIRMED_COLUMNS)
            .join_from(m.Activity, m.Person, col(m.Person.id) == col(m.Activity.person_id))
            .where(*conditions)
        )
        if after is not None:
            query = query.where(
                sa.tuple_(*order) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
            )
        with engine.connect() as connection:
            rows = connection.execute(query.order_by(*order).limit(batch)).all()
        for family, given, born, kind, place, first, last, claimed, hours, at, by, key in rows:
            yield ConfirmedHours(
                family, given, born, kind, place, first, last, claimed, hours, at, by, key
            )
        if len(rows) < batch:
            return
        after = (rows[-1].decided_at, rows[-1].id)
