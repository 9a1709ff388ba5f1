"""Pillar 4, participation and network: the uniform form, its proof, the host organisation's
confirmation link and the municipality's decision.

Hours count once the municipality where the person lives *when it decides* confirms them; a
confirmation is recorded as the same PILLAR4_HOURS fact a counsellor records by hand, so the
rules (portal.domain.pillars) need nothing new. A person who moves takes open submissions along:
queues and access follow the person's current municipality.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import i18n
from portal.adapters.storage import FileStore, new_key
from portal.adapters.uploads import CheckedFile
from portal.db import models as m
from portal.domain.participation import (
    ActivityKind,
    Decision,
    HoursSummary,
    LogEntry,
    Problem,
    SubmissionStatus,
    TransitionError,
    active,
    claimed_hours,
    counts_as_waiting,
    editable,
    hours_confirmed,
    missing_answers,
    next_status,
    normalise_organisation,
    summarize,
    validate_activity,
    validate_decision,
)
from portal.domain.rules import rules_on
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.notify import notify
from portal.services.people import record_fact

TEXT_LIMITS = {
    "organisation": 200,
    "contact_name": 200,
    "contact_email": 200,
    "place": 200,
    "description": 2000,
}


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


# --- reading ----------------------------------------------------------------------------------


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


def own_activity(db: Session, person_id: int, activity_id: int) -> m.Activity:
    activity = db.get(m.Activity, activity_id)
    if activity is None or activity.person_id != person_id:
        raise ServiceError("unknown_activity")
    return activity


def offers_in(
    db: Session, municipality_id: int, *, only_active: bool = True
) -> list[m.ActivityOffer]:
    query = select(m.ActivityOffer).where(m.ActivityOffer.municipality_id == municipality_id)
    if only_active:
        query = query.where(m.ActivityOffer.active == True)  # noqa: E712
    return list(db.exec(query.order_by(col(m.ActivityOffer.title))).all())


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


# --- the newcomer's form --------------------------------------------------------------------


def _check_kind_and_offer(db: Session, data: ActivityInput, person: m.Person) -> None:
    if data.kind and data.kind not in {k.value for k in ActivityKind}:
        raise ActivityProblems([Problem("kind", "choose")])
    if data.offer_id is not None:
        offer = db.get(m.ActivityOffer, data.offer_id)
        if offer is None or offer.municipality_id != person.municipality_id:
            raise ActivityProblems([Problem("offer", "choose")])


def save_draft(
    db: Session,
    person_id: int,
    activity_id: int | None,
    data: ActivityInput,
    now: datetime,
    *,
    actor: str,
) -> m.Activity:
    """Keep what the person typed so far (a draft is never checked for completeness)."""
    person = db.get(m.Person, person_id)
    if person is None:
        raise ServiceError("unknown_person")
    _check_kind_and_offer(db, data, person)
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(data, name)) > limit:
            raise ActivityProblems([Problem(name, "too_long")])
    if activity_id is None:
        activity = m.Activity(person_id=person_id, created_at=now)
    else:
        activity = own_activity(db, person_id, activity_id)
        # claim the row while it is editable: a save that races with "send" loses cleanly
        claimed = db.execute(
            update(m.Activity)
            .where(
                col(m.Activity.id) == activity_id,
                col(m.Activity.status).in_(EDITABLE),
            )
            .values(updated_at=now)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise ServiceError("not_editable")
        db.refresh(activity)
        if activity.contact_answer and _confirmed_content(db, activity) != _content_of(data):
            # the contact confirmed other hours: that answer no longer says anything
            activity.contact_answer = ""
            activity.contact_note = ""
            activity.contact_answered_at = None
    activity.kind = data.kind
    activity.offer_id = data.offer_id
    activity.organisation = data.organisation
    activity.contact_name = data.contact_name
    activity.contact_email = data.contact_email
    activity.place = data.place
    activity.start_on = data.start_on
    activity.end_on = data.end_on
    activity.description = data.description
    activity.updated_at = now
    db.add(activity)
    db.flush()
    assert activity.id is not None
    for line in lines_of(db, activity.id):
        db.delete(line)
    db.flush()
    for entry in data.entries[:200]:
        db.add(m.LogbookLine(activity_id=activity.id, on=entry.on, hours=entry.hours))
    activity.hours_claimed = claimed_hours(data.entries[:200])
    db.add(activity)
    if activity_id is None:
        audit(db, actor, "activity.create", "activity", activity.id, person_id=person_id)
    return activity


EDITABLE = [SubmissionStatus.DRAFT.value, SubmissionStatus.INFO_REQUESTED.value]


def _content_of(data: ActivityInput) -> tuple[object, ...]:
    """What the host organisation's contact confirms: who, where, and which hours."""
    return (
        normalise_organisation(data.organisation),
        data.contact_email.strip().lower(),
        tuple(sorted((e.on, e.hours) for e in data.entries)),
    )


def _confirmed_content(db: Session, activity: m.Activity) -> tuple[object, ...]:
    assert activity.id is not None
    return _content_of(
        ActivityInput(
            organisation=activity.organisation,
            contact_email=activity.contact_email,
            entries=[LogEntry(x.on, x.hours) for x in lines_of(db, activity.id)],
        )
    )


def store_file(store: FileStore, checked: CheckedFile) -> str:
    """Put a checked file's bytes in the store under a new random key (no database work, so a
    slow store never holds a transaction open)."""
    key = new_key()
    store.put(key, checked.data, checked.content_type)
    return key


def add_file(
    db: Session,
    store: FileStore,
    activity: m.Activity,
    checked: CheckedFile,
    *,
    max_files: int,
    actor: str,
    now: datetime,
    key: str | None = None,
) -> m.EvidenceFile:
    """Keep one checked file under a random key (the name is only ever displayed). With `key`,
    the bytes are in the store already (put there before the transaction, see `store_file`)."""
    if not editable(SubmissionStatus(activity.status)):
        raise ServiceError("not_editable")
    assert activity.id is not None
    if len(files_of(db, activity.id)) >= max_files:
        raise ServiceError("file_too_many")
    if key is None:
        key = store_file(store, checked)
    row = m.EvidenceFile(
        activity_id=activity.id,
        storage_key=key,
        display_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    db.add(row)
    db.flush()
    audit(db, actor, "evidence.upload", "evidence_file", row.id, activity_id=activity.id)
    return row


def remove_file(
    db: Session, store: FileStore, person_id: int, activity_id: int, file_id: int, *, actor: str
) -> None:
    activity = own_activity(db, person_id, activity_id)
    if not editable(SubmissionStatus(activity.status)):
        raise ServiceError("not_editable")
    row = db.get(m.EvidenceFile, file_id)
    if row is None or row.activity_id != activity.id:
        raise ServiceError("unknown_file")
    db.delete(row)
    db.flush()
    store.delete(row.storage_key)
    audit(db, actor, "evidence.delete", "evidence_file", file_id, activity_id=activity.id)


def delete_draft(
    db: Session, store: FileStore, person_id: int, activity_id: int, *, actor: str
) -> None:
    """Delete a draft that was never sent, with its lines and files."""
    activity = own_activity(db, person_id, activity_id)
    if activity.status != SubmissionStatus.DRAFT or activity.submitted_at is not None:
        raise ServiceError("not_a_draft")
    for file in files_of(db, activity_id):
        remove_file(db, store, person_id, activity_id, int(file.id or 0), actor=actor)
    for row in [*lines_of(db, activity_id), *events_of(db, activity_id)]:
        db.delete(row)
    db.flush()
    db.delete(activity)
    audit(db, actor, "activity.delete", "activity", activity_id)


def start_draft(
    db: Session, person_id: int, offer_id: int | None, now: datetime, *, actor: str
) -> m.Activity:
    """A new draft, empty or filled in from an activity the person's municipality offers."""
    data = ActivityInput()
    if offer_id is not None:
        offer = db.get(m.ActivityOffer, offer_id)
        if offer is None:
            raise ServiceError("unknown_offer")
        data = ActivityInput(
            kind=offer.kind, offer_id=offer.id, organisation=offer.organisation, place=offer.place
        )
    try:
        return save_draft(db, person_id, None, data, now, actor=actor)
    except ActivityProblems:  # an offer of another municipality
        raise ServiceError("unknown_offer") from None


def problems_of(db: Session, activity: m.Activity, today: date) -> list[Problem]:
    """Everything that keeps an activity from being sent, in form order."""
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
    _event(db, activity, actor, "resubmitted" if again else "submitted", response.strip(), now)
    audit(db, actor, "activity.submit", "activity", activity.id, hours=activity.hours_claimed)
    person = db.get(m.Person, person_id)
    assert person is not None
    if activity.contact_email and not activity.contact_answer:
        _send_confirmation_link(db, activity, person, now, base_url, link_days)
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
    _event(db, activity, actor, "withdrawn", "", now)


def copy_as_draft(
    db: Session, store: FileStore, person_id: int, activity_id: int, now: datetime, *, actor: str
) -> m.Activity:
    """After a rejection: a new draft with the same answers and copies of the files."""
    old = own_activity(db, person_id, activity_id)
    if old.status != SubmissionStatus.REJECTED:
        raise ServiceError("not_rejected")
    assert old.id is not None
    new = save_draft(
        db,
        person_id,
        None,
        ActivityInput(
            kind=old.kind,
            offer_id=old.offer_id,
            organisation=old.organisation,
            contact_name=old.contact_name,
            contact_email=old.contact_email,
            place=old.place,
            start_on=old.start_on,
            end_on=old.end_on,
            description=old.description,
            entries=[LogEntry(x.on, x.hours) for x in lines_of(db, old.id)],
        ),
        now,
        actor=actor,
    )
    assert new.id is not None
    for file in files_of(db, old.id):
        key = new_key()
        store.put(key, store.get(file.storage_key), file.content_type)
        db.add(
            m.EvidenceFile(
                activity_id=new.id,
                storage_key=key,
                display_name=file.display_name,
                content_type=file.content_type,
                size=file.size,
                sha256=file.sha256,
                uploaded_at=now,
            )
        )
    audit(db, actor, "activity.copy", "activity", new.id, person_id=person_id, copied_from=old.id)
    return new


def _event(
    db: Session, activity: m.Activity, actor: str, kind: str, note: str, now: datetime
) -> None:
    assert activity.id is not None
    db.add(m.ActivityEvent(activity_id=activity.id, at=now, actor=actor, kind=kind, note=note))


# --- the host organisation's confirmation link -------------------------------------------------

N_ = i18n.lazy_gettext
CONTACT_SUBJECT = N_("Please confirm the hours of %(name)s")
CONTACT_BODY = N_(
    "Hello %(contact)s,\n\n%(name)s recorded participation hours at %(organisation)s for "
    "their integration programme (total: %(hours)s). Can you confirm these hours? "
    "Open this link (it works once, until %(until)s):\n\n%(link)s\n\n"
    "Your answer helps the municipality decide. Thank you."
)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _send_confirmation_link(
    db: Session,
    activity: m.Activity,
    person: m.Person,
    now: datetime,
    base_url: str,
    days: int,
) -> str:
    assert activity.id is not None
    for old in db.exec(
        select(m.ConfirmationLink).where(
            m.ConfirmationLink.activity_id == activity.id,
            m.ConfirmationLink.used_at == None,  # noqa: E711
        )
    ).all():
        old.expires_at = now  # one live link per submission
        db.add(old)
    token = secrets.token_urlsafe(32)
    db.add(
        m.ConfirmationLink(
            activity_id=activity.id,
            token_hash=_token_digest(token),
            sent_to=activity.contact_email,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    # The contact has no account and no known language: the e-mail is in Dutch.
    dutch = i18n.translations("nl")
    subject = dutch.gettext(CONTACT_SUBJECT) % {"name": person.given_name}
    body = dutch.gettext(CONTACT_BODY) % {
        "contact": activity.contact_name,
        "name": f"{person.given_name} {person.family_name}",
        "hours": activity.hours_claimed,
        "organisation": activity.organisation,
        "until": i18n.format_date(now.date() + timedelta(days=days), language="nl"),
        "link": f"{base_url}/confirm-hours/{token}",
    }
    db.add(m.OutboxEmail(to_address=activity.contact_email, subject=subject, body=body))
    return token


@dataclass(frozen=True)
class LinkView:
    link: m.ConfirmationLink
    activity: m.Activity
    person: m.Person
    lines: list[m.LogbookLine]


def open_link(db: Session, token: str, now: datetime) -> LinkView:
    """The submission behind a link; ServiceError link_unknown / link_used / link_expired."""
    if not token or len(token) > 100:
        raise ServiceError("link_unknown")
    link = db.exec(
        select(m.ConfirmationLink).where(m.ConfirmationLink.token_hash == _token_digest(token))
    ).first()
    if link is None:
        raise ServiceError("link_unknown")
    if link.used_at is not None:
        raise ServiceError("link_used")
    if now >= link.expires_at:
        raise ServiceError("link_expired")
    activity = db.get(m.Activity, link.activity_id)
    assert activity is not None
    if activity.status not in {SubmissionStatus.SUBMITTED, SubmissionStatus.INFO_REQUESTED}:
        raise ServiceError("link_expired")
    person = db.get(m.Person, activity.person_id)
    assert person is not None and activity.id is not None
    return LinkView(link, activity, person, lines_of(db, activity.id))


def answer_link(db: Session, token: str, answer: str, note: str, now: datetime) -> m.Activity:
    """The contact's answer: evidence the municipality sees, not a decision. Works once."""
    if answer not in {"agree", "disagree"}:
        raise ServiceError("choose")
    if len(note) > 1000:
        raise ServiceError("too_long")
    view = open_link(db, token, now)
    used = db.execute(
        update(m.ConfirmationLink)
        .where(
            col(m.ConfirmationLink.id) == view.link.id, col(m.ConfirmationLink.used_at).is_(None)
        )
        .values(used_at=now)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise ServiceError("link_used")
    activity = view.activity
    activity.contact_answer = answer
    activity.contact_note = note.strip()
    activity.contact_answered_at = now
    db.add(activity)
    _event(db, activity, f"contact:{view.link.sent_to}", f"contact_{answer}", note.strip(), now)
    audit(db, f"contact:{view.link.sent_to}", "activity.contact_answer", "activity", activity.id)
    return activity


# --- the municipality -------------------------------------------------------------------------


def queue(db: Session, municipality_id: int) -> list[tuple[m.Activity, m.Person]]:
    """Open submissions of the people who live in the municipality now (oldest first)."""
    rows = db.exec(
        select(m.Activity, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Activity.person_id))
        .where(
            m.Person.municipality_id == municipality_id,
            col(m.Activity.status).in_(
                [SubmissionStatus.SUBMITTED.value, SubmissionStatus.INFO_REQUESTED.value]
            ),
        )
        .order_by(col(m.Activity.submitted_at), col(m.Activity.id))
    ).all()
    return [(a, p) for a, p in rows]


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
    _event(db, activity, actor, choice.value, reason.strip(), now)
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


def confirmed_rows(db: Session, municipality_id: int) -> list[tuple[m.Activity, m.Person]]:
    """Confirmed hours decided by this municipality (for its own reporting)."""
    rows = db.exec(
        select(m.Activity, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Activity.person_id))
        .where(
            m.Activity.decided_municipality_id == municipality_id,
            col(m.Activity.hours_confirmed) > 0,
        )
        .order_by(col(m.Activity.decided_at), col(m.Activity.id))
    ).all()
    return [(a, p) for a, p in rows]


def create_offer(
    db: Session,
    municipality_id: int,
    actor: str,
    *,
    kind: str,
    title: str,
    organisation: str,
    description: str,
    place: str,
    contact: str,
) -> m.ActivityOffer:
    problems: list[Problem] = []
    if kind not in {k.value for k in ActivityKind}:
        problems.append(Problem("kind", "choose"))
    for name, value, limit in (
        ("title", title, 200),
        ("organisation", organisation, 200),
        ("description", description, 2000),
        ("place", place, 200),
        ("contact", contact, 200),
    ):
        if not value.strip() and name in {"title", "organisation"}:
            problems.append(Problem(name, "required"))
        elif len(value) > limit:
            problems.append(Problem(name, "too_long"))
    if problems:
        raise ActivityProblems(problems)
    offer = m.ActivityOffer(
        municipality_id=municipality_id,
        kind=kind,
        title=title.strip(),
        organisation=organisation.strip(),
        description=description.strip(),
        place=place.strip(),
        contact=contact.strip(),
        created_by=actor,
    )
    db.add(offer)
    db.flush()
    audit(db, actor, "offer.create", "activity_offer", offer.id, municipality_id=municipality_id)
    return offer


def set_offer_active(
    db: Session, municipality_id: int, offer_id: int, active_now: bool, actor: str
) -> m.ActivityOffer:
    offer = db.get(m.ActivityOffer, offer_id)
    if offer is None or offer.municipality_id != municipality_id:
        raise ServiceError("unknown_offer")
    offer.active = active_now
    db.add(offer)
    audit(db, actor, "offer.active" if active_now else "offer.withdraw", "activity_offer", offer.id)
    return offer


# --- files: who may read them ----------------------------------------------------------------


def readable_file(
    db: Session,
    file_id: int,
    *,
    role: str,
    person_id: int | None = None,
    municipality_id: int | None = None,
    agency_id: int | None = None,
) -> m.EvidenceFile:
    """The file if the caller may read it: its owner, the municipality handling it (the
    person's current one, or the one that decided), or the person's counsellor (same agency).
    Anything else is 'unknown' (404)."""
    row = db.get(m.EvidenceFile, file_id)
    if row is None:
        raise ServiceError("unknown_file")
    activity = db.get(m.Activity, row.activity_id)
    assert activity is not None
    person = db.get(m.Person, activity.person_id)
    assert person is not None
    if role == "citizen" and person_id is not None and person.id == person_id:
        return row
    if role == "municipality" and municipality_id is not None:
        if activity.status != SubmissionStatus.DRAFT and municipality_id in {
            person.municipality_id,
            activity.decided_municipality_id,
        }:
            return row
    if role == "counsellor" and agency_id is not None and person.agency_id == agency_id:
        return row
    raise ServiceError("unknown_file")
