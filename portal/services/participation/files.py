"""Proof files: who may read them. The owner, the municipality handling the activity (the
person's current one, or the one that decided), or the person's counsellor (same agency);
anything else is 'unknown' (404). Every read and every refusal is audited."""

from __future__ import annotations

from sqlmodel import Session

from portal.db import models as m
from portal.domain.participation import SubmissionStatus
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit


def readable_file(db: Session, caller: Principal, file_id: int) -> m.EvidenceFile:
    """The file if the caller may read it; ServiceError("unknown_file") otherwise."""
    row = db.get(m.EvidenceFile, file_id)
    if row is None:
        raise ServiceError("unknown_file")
    activity = db.get(m.Activity, row.activity_id)
    assert activity is not None
    person = db.get(m.Person, activity.person_id)
    assert person is not None
    role, municipality_id, agency_id = caller.role, caller.municipality_id, caller.agency_id
    if role == "citizen" and caller.person_id is not None and person.id == caller.person_id:
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


def file_for(db: Session, caller: Principal, file_id: int) -> m.EvidenceFile | None:
    """The file if the caller may read it (the read audited); None, with the refusal audited,
    when the file is unknown or out of the caller's scope."""
    try:
        row = readable_file(db, caller, file_id)
    except ServiceError:
        audit(db, caller.subject, "evidence.refused", "evidence_file", file_id)
        return None
    audit(db, caller.subject, "evidence.download", "evidence_file", row.id, role=caller.role)
    return row
