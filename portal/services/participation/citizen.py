"""The newcomer's own activities: the overview with the hours, one activity's pages, the
check before sending, sending and taking back. Every function takes the person and sees that
person's activities only (anyone else's is 'unknown')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.participation import (
    ActivityKind,
    HoursSummary,
    LogEntry,
    Problem,
    SubmissionStatus,
    TransitionError,
    active,
    counts_as_waiting,
    editable,
    missing_answers,
    next_status,
    normalise_organisation,
    summarize,
    validate_activity,
)
from portal.domain.rules import rules_on
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.notify import notify
from portal.services.participation.host import send_confirmation_link
from portal.services.participation.offers import offers_in
from portal.services.participation.records import (
    ActivityProblems,
    ActivityView,
    activities_of,
    add_event,
    files_of,
    lines_of,
    own_activity,
    view_of,
)


def hours_summary(db: Session, person_id: int, today: date) -> HoursSummary:
    """Confirmed / waiting / needed, and whether the pillar is required for this person."""
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("unknown_person")
    signed = dossier.contract.signed_on if dossier.contract else None
    target = rules_on(signed or today).participation_hours
    evaluation = dossier.evaluate(today)
    view = next(v for v in evaluation.pillars if v.pillar.value == "participation")
    waiting = [
        a.hours_claimed
        for a in activities_of(db, person_id)
        if counts_as_waiting(SubmissionStatus(a.status))
    ]
    return summarize(
        confirmed=[view.hours],
        waiting=waiting,
        target=target,
        required=view.status.value != "not_required",
    )


@dataclass(frozen=True)
class Overview:
    summary: HoursSummary
    activities: list[m.Activity]
    offers: list[m.ActivityOffer]  # what the person's municipality offers now
    municipality: m.Municipality | None


def overview(db: Session, person_id: int, today: date) -> Overview:
    person = db.get(m.Person, person_id)
    if person is None:
        raise ServiceError("unknown_person")
    return Overview(
        summary=hours_summary(db, person_id, today),
        activities=activities_of(db, person_id),
        offers=offers_in(db, person.municipality_id),
        municipality=db.get(m.Municipality, person.municipality_id),
    )


@dataclass(frozen=True)
class DraftView:
    """What the form shows: the activity, its lines and files, and the offers to start from."""

    activity: m.Activity
    lines: list[m.LogbookLine]
    files: list[m.EvidenceFile]
    offers: list[m.ActivityOffer]


def draft_view(db: Session, person_id: int, activity_id: int) -> DraftView:
    activity = own_activity(db, person_id, activity_id)
    person = db.get(m.Person, person_id)
    assert person is not None and activity.id is not None
    return DraftView(
        activity=activity,
        lines=lines_of(db, activity.id),
        files=files_of(db, activity.id),
        offers=offers_in(db, person.municipality_id),
    )


def activity_view(db: Session, person_id: int, activity_id: int) -> ActivityView:
    return view_of(db, own_activity(db, person_id, activity_id))


def check(
    db: Session,
    person_id: int,
    activity_id: int,
    today: date,
    entries: Sequence[LogEntry] | None = None,
) -> tuple[ActivityView, list[Problem]]:
    """The activity and what keeps it from being sent (nothing to check once it is sent).
    `entries`: the logbook as the form has it, just saved (see `problems_of`)."""
    activity = own_activity(db, person_id, activity_id)
    problems = (
        problems_of(db, activity, today, entries)
        if editable(SubmissionStatus(activity.status))
        else []
    )
    return view_of(db, activity), problems


def problems_of(
    db: Session, activity: m.Activity, today: date, entries: Sequence[LogEntry] | None = None
) -> list[Problem]:
    """Everything that keeps an activity from being sent, in form order, all at once.

    A logbook problem's index points into `entries` when given (the lines in the order the form
    has them, as just saved), else into the stored lines in their order (by day).
    """
    assert activity.id is not None
    problems = missing_answers(
        kind=activity.kind,
        organisation=activity.organisation,
        contact_name=activity.contact_name,
        contact_email=activity.contact_email,
        place=activity.place,
        start_on=activity.start_on,
        end_on=activity.end_on,
        description=activity.description,
    )
    signed = db.exec(
        select(col(m.Contract.signed_on)).where(m.Contract.person_id == activity.person_id)
    ).first()
    if entries is None:
        entries = [LogEntry(line.on, line.hours) for line in lines_of(db, activity.id)]
    taken: dict[date, int] = {}
    elsewhere: set[date] = set()
    mine = normalise_organisation(activity.organisation)
    # the person's other sent activities and their days, in one query
    others = db.exec(
        select(
            col(m.Activity.status),
            col(m.Activity.organisation),
            col(m.LogbookLine.on),
            col(m.LogbookLine.hours),
        )
        .join(m.LogbookLine, col(m.LogbookLine.activity_id) == col(m.Activity.id))
        .where(col(m.Activity.person_id) == activity.person_id, col(m.Activity.id) != activity.id)
    ).all()
    for status, organisation, on, hours in others:
        if status == SubmissionStatus.DRAFT or not active(SubmissionStatus(status)):
            continue
        taken[on] = taken.get(on, 0) + hours
        if mine and normalise_organisation(organisation) == mine:
            elsewhere.add(on)
    if activity.start_on is not None and activity.end_on is not None:
        problems.extend(
            validate_activity(
                kind=ActivityKind(activity.kind) if activity.kind else ActivityKind.VOLUNTEERING,
                start_on=activity.start_on,
                end_on=activity.end_on,
                entries=entries,
                today=today,
                contract_signed_on=signed,
                taken=taken,
                claimed_elsewhere=elsewhere,
            )
        )
    elif not entries:
        problems.append(Problem("logbook", "logbook_empty"))
    if not files_of(db, activity.id):
        problems.append(Problem("proof", "file_required"))
    return problems


def submit(
    db: Session,
    person_id: int,
    activity_id: int,
    now: datetime,
    today: date,
    *,
    actor: str,
    response: str = "",
    base_url: str,
    link_days: int,
) -> m.Activity:
    """Send the activity to the municipality (again, after a question); the contact person,
    when an e-mail address is given, gets a link to confirm the hours."""
    # One send at a time per person (PostgreSQL row lock; SQLite serialises writers anyway): the
    # "24 hours a day" and "the same day twice" checks then see the person's other activities.
    db.exec(select(m.Person.id).where(m.Person.id == person_id).with_for_update()).first()
    activity = own_activity(db, person_id, activity_id)
    try:
        status = next_status(SubmissionStatus(activity.status), "submit")
    except TransitionError:
        raise ServiceError("not_editable") from None
    if len(response) > 2000:
        raise ActivityProblems([Problem("response", "too_long")])
    problems = problems_of(db, activity, today)
    if problems:
        raise ActivityProblems(problems)
    again = activity.status == SubmissionStatus.INFO_REQUESTED
    # one "send" only, also after a double click or from two tabs
    sent = db.execute(
        update(m.Activity)
        .where(col(m.Activity.id) == activity.id, col(m.Activity.status) == activity.status)
        .values(status=status.value, submitted_at=now, updated_at=now)
    )
    if getattr(sent, "rowcount", 0) != 1:
        raise ServiceError("not_editable")
    db.refresh(activity)
    add_event(db, activity, actor, "resubmitted" if again else "submitted", response.strip(), now)
    audit(db, actor, "activity.submit", "activity", activity.id, hours=activity.hours_claimed)
    person = db.get(m.Person, person_id)
    assert person is not None
    if activity.contact_email and not activity.contact_answer:
        send_confirmation_link(db, activity, person, now, base_url, link_days)
    notify(
        db,
        person,
        "participation_submitted",
        organisation=activity.organisation,
        hours=activity.hours_claimed,
    )
    return activity


def withdraw(db: Session, person_id: int, activity_id: int, now: datetime, *, actor: str) -> None:
    """Take a sent activity back to a draft (before the municipality decides)."""
    activity = own_activity(db, person_id, activity_id)
    try:
        status = next_status(SubmissionStatus(activity.status), "withdraw")
    except TransitionError:
        raise ServiceError("not_waiting") from None
    changed = db.execute(
        update(m.Activity)
        .where(col(m.Activity.id) == activity.id, col(m.Activity.status) == activity.status)
        .values(status=status.value, updated_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise ServiceError("not_waiting")
    add_event(db, activity, actor, "withdrawn", "", now)
