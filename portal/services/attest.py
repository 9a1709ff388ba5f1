"""The integration certificate: issued by the counsellor once the rules say every required pillar
is met, with a code anyone can verify."""

from __future__ import annotations

import secrets
from datetime import date

from sqlmodel import Session, select

from portal.db import models as m
from portal.services import notify
from portal.services.agency_scope import person_in_scope
from portal.services.caller import Principal
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_attest(db: Session, actor: str, person: m.Person, today: date) -> m.Attest:
    """Issue the integration certificate when the rules say every required pillar is met."""
    person_id = person.id
    assert person_id is not None
    if db.exec(select(m.Attest).where(m.Attest.person_id == person_id)).first() is not None:
        raise ServiceError("attest_exists")
    dossier = load_dossier(db, person_id)
    assert dossier is not None
    reached = dossier.evaluate(today).attest_on
    if reached is None:
        raise ServiceError("attest_not_reached")
    attest = m.Attest(
        person_id=person_id,
        reached_on=reached,
        issued_on=today,
        issued_by=actor,
        verification_code=new_verification_code(),
    )
    db.add(attest)
    db.flush()
    audit(
        db,
        actor,
        "issue_attest",
        "attest",
        attest.id,
        person_id=person_id,
        reached_on=reached.isoformat(),
    )
    notify.notify(db, person, "attest_issued", date=today.isoformat())
    return attest


def issue(db: Session, caller: Principal, person_id: int, today: date) -> m.Attest:
    """The counsellor issues the certificate of a person of their agency."""
    return issue_attest(db, caller.subject, person_in_scope(db, caller, person_id), today)
