"""What every part of pillar 4 shares: the form's values, the problems it raises, and an
activity's own records (logbook lines, proof files, events), with the one check that an
activity is the person's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.participation import LogEntry, Problem, SubmissionStatus
from portal.services.errors import ServiceError

TEXT_LIMITS = {
    "organisation": 200,
    "contact_name": 200,
    "contact_email": 200,
    "place": 200,
    "description": 2000,
}

EDITABLE = [SubmissionStatus.DRAFT.value, SubmissionStatus.INFO_REQUESTED.value]


class ActivityProblems(ServiceError):
    """Everything wrong with an activity at once (field, code, logbook index)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems[0].code if problems else "invalid")
        self.problems = list(problems)


@dataclass
class ActivityInput:
    """The form's values, already parsed; what could not be parsed is left empty."""

    kind: str = ""
    offer_id: int | None = None
    organisation: str = ""
    contact_name: str = ""
    contact_email: str = ""
    place: str = ""
    start_on: date | None = None
    end_on: date | None = None
    description: str = ""
    entries: list[LogEntry] = field(default_factory=list)


def lines_of(db: Session, activity_id: int) -> list[m.LogbookLine]:
    return list(
        db.exec(
            select(m.LogbookLine)
            .where(m.LogbookLine.activity_id == activity_id)
            .order_by(col(m.LogbookLine.on), col(m.LogbookLine.id))
        ).all()
    )


def files_of(db: Session, activity_id: int) -> list[m.EvidenceFile]:
    return list(
        db.exec(
            select(m.EvidenceFile)
            .where(m.EvidenceFile.activity_id == activity_id)
            .order_by(col(m.EvidenceFile.id))
        ).all()
    )


def events_of(db: Session, activity_id: int) -> list[m.ActivityEvent]:
    return list(
        db.exec(
            select(m.ActivityEvent)
            .where(m.ActivityEvent.activity_id == activity_id)
            .order_by(col(m.ActivityEvent.at), col(m.ActivityEvent.id))
        ).all()
    )


def activities_of(db: Session, person_id: int) -> list[m.Activity]:
    return list(
        db.exec(
            select(m.Activity)
            .where(m.Activity.person_id == person_id)
            .order_by(col(m.Activity.created_at).desc(), col(m.Activity.id).desc())
        ).all()
    )


def claimed_hours(db: Session, person_id: int) -> list[tuple[str, int]]:
    """(status, hours claimed) of each of the person's activities: what a summary needs, not
    the whole records (descriptions, contacts)."""
    return [
        (str(status), int(hours))
        for status, hours in db.exec(
            select(m.Activity.status, m.Activity.hours_claimed).where(
                m.Activity.person_id == person_id
            )
        ).all()
    ]


def own_activity(db: Session, person_id: int, activity_id: int) -> m.Activity:
    """The person's own activity; anyone else's is 'unknown' (404), never 'forbidden'."""
    activity = db.get(m.Activity, activity_id)
    if activity is None or activity.person_id != person_id:
        raise ServiceError("unknown_activity")
    return activity


@dataclass(frozen=True)
class ActivityView:
    """One activity with what its pages show."""

    activity: m.Activity
    lines: list[m.LogbookLine]
    files: list[m.EvidenceFile]
    events: list[m.ActivityEvent]
    offer: m.ActivityOffer | None


def view_of(db: Session, activity: m.Activity) -> ActivityView:
    """An activity already found in the caller's scope, with its lines, files and events."""
    assert activity.id is not None
    offer = db.get(m.ActivityOffer, activity.offer_id) if activity.offer_id else None
    return ActivityView(
        activity=activity,
        lines=lines_of(db, activity.id),
        files=files_of(db, activity.id),
        events=events_of(db, activity.id),
        offer=offer,
    )


def add_event(
    db: Session, activity: m.Activity, actor: str, kind: str, note: str, now: datetime
) -> None:
    assert activity.id is not None
    db.add(m.ActivityEvent(activity_id=activity.id, at=now, actor=actor, kind=kind, note=note))
