"""The newcomer's draft: kept as they type (never checked for completeness), with its proof
files; started empty or from an offer, copied after a rejection, deleted while never sent.
Every function takes the person and works on that person's own activities only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from portal.adapters.storage import FileStore, new_key
from portal.adapters.uploads import CheckedFile
from portal.db import models as m
from portal.domain.participation import (
    OFFER_ANSWERS,
    ActivityKind,
    LogEntry,
    Problem,
    SubmissionStatus,
    claimed_hours,
    editable,
    fill_from_offer,
    normalise_organisation,
    offer_answers,
)
from portal.services.errors import ServiceError, audit
from portal.services.participation.records import (
    EDITABLE,
    TEXT_LIMITS,
    ActivityInput,
    ActivityProblems,
    events_of,
    files_of,
    lines_of,
    own_activity,
)


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


@dataclass
class SavedDraft:
    """A draft as saved: what was left out of it (problems), the answers the offer picked just
    now filled in (`filled`, see `with_offer`), whether a newly picked offer still waits for the
    form's own save (`offer_waiting`), and of the files sent along, the ones refused (shown
    name, code) and the storage keys a row now points to."""

    activity: m.Activity
    problems: list[Problem] = field(default_factory=list)
    file_errors: list[tuple[str, str]] = field(default_factory=list)
    kept: set[str] = field(default_factory=set)
    filled: list[str] = field(default_factory=list)
    offer_waiting: bool = False


def _answers_of(offer: m.ActivityOffer) -> dict[str, str]:
    return offer_answers(
        kind=offer.kind, organisation=offer.organisation, place=offer.place, contact=offer.contact
    )


def with_offer(
    db: Session, person: m.Person, data: ActivityInput, before_id: int | None
) -> tuple[ActivityInput, list[str]]:
    """The answers with the offer `data` picks filled in (`fill_from_offer`: empty answers and
    what the offer picked before, `before_id`, filled in; what the person wrote is kept), and
    the names of the answers that changed. Nothing changes when the offer is the one picked
    before, none, or not one of the person's municipality (saving then refuses it)."""
    if data.offer_id is None or data.offer_id == before_id:
        return data, []
    offer = db.get(m.ActivityOffer, data.offer_id)
    if offer is None or offer.municipality_id != person.municipality_id:
        return data, []
    before = db.get(m.ActivityOffer, before_id) if before_id is not None else None
    answers = {name: getattr(data, name) for name in OFFER_ANSWERS}
    filled = fill_from_offer(
        answers, _answers_of(offer), _answers_of(before) if before is not None else None
    )
    changed = [name for name in OFFER_ANSWERS if filled[name] != answers[name]]
    return (
        replace(
            data,
            kind=filled["kind"],
            organisation=filled["organisation"],
            place=filled["place"],
            contact_email=filled["contact_email"],
        ),
        changed,
    )


def save_valid(
    db: Session,
    person_id: int,
    activity_id: int,
    data: ActivityInput,
    now: datetime,
    *,
    actor: str,
    pick_offer: bool = True,
) -> SavedDraft:
    """Save the draft with every value that is right; a refused value (an offer of elsewhere,
    a text too long) is left out, and its problem returned.

    An offer picked just now fills in the answers it knows (`with_offer`). With
    `pick_offer=False` (the autosave, whose page would not show what was filled in and would
    then save its own empty fields over it) a newly picked offer is not taken yet: the draft
    keeps the offer it had, and `offer_waiting` says so. Leaving the offer is always saved.
    """
    person = db.get(m.Person, person_id)
    if person is None:
        raise ServiceError("unknown_person")
    before_id = own_activity(db, person_id, activity_id).offer_id
    filled: list[str] = []
    waiting = False
    if data.offer_id is not None and data.offer_id != before_id:
        if pick_offer:
            data, filled = with_offer(db, person, data, before_id)
        else:
            data, waiting = replace(data, offer_id=before_id), True
    try:
        activity = save_draft(db, person_id, activity_id, data, now, actor=actor)
        return SavedDraft(activity, filled=filled, offer_waiting=waiting)
    except ActivityProblems as problems:
        kept = replace(data)
        for problem in problems.problems:
            if problem.field == "offer":
                kept.offer_id = None
            elif problem.field in TEXT_LIMITS:
                setattr(kept, problem.field, "")
        activity = save_draft(db, person_id, activity_id, kept, now, actor=actor)
        return SavedDraft(activity, problems.problems, filled=filled, offer_waiting=waiting)


def save_with_files(
    db: Session,
    store: FileStore,
    person_id: int,
    activity_id: int,
    data: ActivityInput,
    files: Sequence[tuple[str, CheckedFile, str]],
    *,
    max_files: int,
    now: datetime,
    actor: str,
) -> SavedDraft:
    """The form's save: what is valid (see `save_valid`), then the files, each already checked
    and put in the store (shown name, checked file, storage key)."""
    saved = save_valid(db, person_id, activity_id, data, now, actor=actor)
    for name, checked, key in files:
        try:
            add_file(
                db,
                store,
                saved.activity,
                checked,
                max_files=max_files,
                actor=actor,
                now=now,
                key=key,
            )
            saved.kept.add(key)
        except ServiceError as error:
            saved.file_errors.append((name, error.code))
    return saved


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
    """A new draft, empty or filled in from an activity the person's municipality offers (its
    kind, organisation, place and contact e-mail address: `with_offer`)."""
    person = db.get(m.Person, person_id)
    if person is None:
        raise ServiceError("unknown_person")
    data = ActivityInput(offer_id=offer_id)
    if offer_id is not None:
        offer = db.get(m.ActivityOffer, offer_id)
        if offer is None or offer.municipality_id != person.municipality_id:
            raise ServiceError("unknown_offer")
        data, _ = with_offer(db, person, data, None)
    return save_draft(db, person_id, None, data, now, actor=actor)


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
