"""The contract and its course: drawing it up, changing the draft, amendments, signatures (online
by the person, on paper recorded by the counsellor) and moves. Each function validates, writes,
audits (with before and after) and tells the person when it matters to them. Nothing is
half-saved: callers run each in one unit of work, and a ServiceError rolls it back.

The counsellor's entry points (`save_plan`, `paper_signature`) take the caller and the person's
id and reach only people of the caller's agency (services.agency_scope)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.eligibility import eligibility
from portal.domain.model import Eligibility, Obligation, Protection, Register
from portal.services import notify
from portal.services.agency_scope import dossier_in_scope, person_in_scope
from portal.services.caller import Principal
from portal.services.contract_texts import CURRENT_VERSION, contract_texts
from portal.services.errors import ServiceError, audit
from portal.services.plan import (
    MO_VARIANTS,
    NT2_PROVIDER_TYPES,
    ModuleInput,
    PlanInput,
    clear_plan,
    plan_snapshot,
    validate_plan,
    write_plan,
)

__all__ = [
    "MO_VARIANTS",
    "NT2_PROVIDER_TYPES",
    "ModuleInput",
    "PlanInput",
    "amend_contract",
    "move_person",
    "paper_signature",
    "plan_snapshot",
    "record_paper_signature",
    "save_contract_draft",
    "save_plan",
    "sign_online",
    "signed_text_digest",
    "validate_plan",
]


def _person_eligibility(person: m.Person) -> Eligibility:
    return eligibility(
        Register(person.civil_register),
        Obligation(person.obligation),
        Protection(person.protection),
    )


def _id(row: m.Person | m.Contract | m.Municipality) -> int:
    """The id of a row that is in the database (flushed)."""
    assert row.id is not None
    return row.id


def _contract_of(db: Session, person: m.Person) -> m.Contract | None:
    return db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()


def _vdab_exemption(db: Session, actor: str, person: m.Person, reason: str, today: date) -> None:
    existing = db.exec(
        select(m.Exemption).where(m.Exemption.person_id == person.id, m.Exemption.pillar == "vdab")
    ).first()
    if reason.strip() and existing is None:
        db.add(
            m.Exemption(
                person_id=_id(person),
                pillar="vdab",
                on=today,
                reason=reason.strip()[:300],
                recorded_by=actor,
            )
        )


def save_contract_draft(
    db: Session,
    actor: str,
    person: m.Person,
    plan: PlanInput,
    today: date,
    *,
    tell_person: bool = True,
) -> m.Contract:
    """Draw up the contract and plan, or change a draft that is not signed yet."""
    if _person_eligibility(person) not in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}:
        raise ServiceError("not_eligible")
    errors = validate_plan(plan, today)
    if errors:
        raise ServiceError("invalid_plan", json.dumps(errors))
    contract = _contract_of(db, person)
    if contract is not None and contract.signed_on is not None:
        raise ServiceError("contract_signed")  # changes to a signed contract are amendments
    before = None
    if contract is None:
        contract = m.Contract(
            person_id=_id(person),
            created_by=actor,
            drawn_up_on=today,
            text_version=CURRENT_VERSION,
        )
        db.add(contract)
        db.flush()
        action = "draw_up_contract"
    else:
        contract.text_version = CURRENT_VERSION  # not signed yet: the current texts
        before = plan_snapshot(db, contract)
        known = clear_plan(db, contract)
        action = "change_contract_draft"
    write_plan(db, contract, plan, known if before is not None else None)
    _vdab_exemption(db, actor, person, plan.vdab_exempt_reason, today)
    after = plan_snapshot(db, contract)
    audit(
        db, actor, action, "contract", contract.id, person_id=person.id, before=before, after=after
    )
    if action == "draw_up_contract" and tell_person:
        notify.notify(db, person, "contract_ready")
    return contract


def amend_contract(
    db: Session, actor: str, person: m.Person, plan: PlanInput, reason: str, today: date
) -> m.Amendment:
    """Change a signed contract: an amendment with its reason, before and after; the person is
    told. Nothing changes silently."""
    contract = _contract_of(db, person)
    if contract is None or contract.signed_on is None:
        raise ServiceError("not_signed")
    if not reason.strip():
        raise ServiceError("reason_required")
    errors = validate_plan(plan, today)
    if errors:
        raise ServiceError("invalid_plan", json.dumps(errors))
    before = plan_snapshot(db, contract)
    known = clear_plan(db, contract)
    write_plan(db, contract, plan, known)
    _vdab_exemption(db, actor, person, plan.vdab_exempt_reason, today)
    after = plan_snapshot(db, contract)
    if before == after:
        raise ServiceError("no_change")
    changes = [
        {"pillar": a["pillar"], "before": b, "after": a}
        for b, a in zip(before, after, strict=False)
        if a != b
    ]
    amendment = m.Amendment(
        contract_id=_id(contract),
        by=actor,
        reason=reason.strip()[:500],
        changes=changes,
    )
    db.add(amendment)
    db.flush()
    audit(
        db,
        actor,
        "amend_contract",
        "contract",
        contract.id,
        person_id=person.id,
        before=before,
        after=after,
        reason=amendment.reason,
    )
    notify.notify(db, person, "contract_amended", reason=amendment.reason)
    return amendment


def signed_text_digest(texts: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(texts, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def sign_online(
    db: Session,
    subject: str,
    person: m.Person,
    language: str,
    texts: dict[str, Any],
    confirmed: bool,
    now: datetime,
) -> m.Contract:
    """The person signs their own contract and the declaration after signing in: an explicit
    confirmation, timestamped, with the exact texts (contract, plan, declaration) kept."""
    if person.subject != subject:
        raise ServiceError("not_your_contract")
    if not confirmed:
        raise ServiceError("confirmation_required")
    contract = _contract_of(db, person)
    if contract is None:
        raise ServiceError("no_contract")
    if contract.signed_on is not None:
        raise ServiceError("already_signed")
    contract.signed_on = now.date()
    contract.declaration_signed_on = now.date()
    contract.signed_at = now
    contract.signature_method = "portal"
    contract.signed_by = subject
    contract.signed_language = language
    contract.signed_text = texts
    contract.signed_text_sha256 = signed_text_digest(texts)
    db.add(contract)
    audit(
        db,
        subject,
        "sign_contract",
        "contract",
        contract.id,
        person_id=person.id,
        method="portal",
        language=language,
        sha256=contract.signed_text_sha256,
    )
    notify.notify(db, person, "contract_signed", date=now.date().isoformat())
    return contract


def record_paper_signature(
    db: Session,
    actor: str,
    person: m.Person,
    signed_on: date,
    today: date,
    texts: dict[str, Any],
) -> m.Contract:
    contract = _contract_of(db, person)
    if contract is None:
        raise ServiceError("no_contract")
    if contract.signed_on is not None:
        raise ServiceError("already_signed")
    if signed_on > today:
        raise ServiceError("date_in_future")
    if contract.drawn_up_on is not None and signed_on < contract.drawn_up_on:
        raise ServiceError("signed_before_drawn_up")
    contract.signed_on = signed_on
    contract.declaration_signed_on = signed_on
    contract.signature_method = "paper"
    contract.signed_by = actor
    contract.signed_language = "nl"
    contract.signed_text = texts
    contract.signed_text_sha256 = signed_text_digest(texts)
    db.add(contract)
    audit(
        db,
        actor,
        "record_paper_signature",
        "contract",
        contract.id,
        person_id=person.id,
        signed_on=signed_on.isoformat(),
    )
    notify.notify(db, person, "contract_signed", date=signed_on.isoformat())
    return contract


def move_person(
    db: Session, actor: str, person: m.Person, municipality_nis: str, since: date, today: date
) -> m.Residence:
    municipality = db.exec(
        select(m.Municipality).where(m.Municipality.nis_code == municipality_nis)
    ).first()
    if municipality is None:
        raise ServiceError("unknown_municipality")
    if since > today:
        raise ServiceError("date_in_future")
    if municipality.id == person.municipality_id:
        raise ServiceError("same_municipality")
    latest = db.exec(
        select(m.Residence)
        .where(m.Residence.person_id == person.id)
        .order_by(col(m.Residence.since).desc())
    ).first()
    if latest is not None and since <= latest.since:
        raise ServiceError("move_before_last_move")
    before = person.municipality_id
    residence = m.Residence(
        person_id=_id(person),
        municipality_id=_id(municipality),
        since=since,
    )
    person.municipality_id = _id(municipality)
    db.add(residence)
    db.add(person)
    db.flush()
    audit(
        db,
        actor,
        "move_person",
        "person",
        person.id,
        before=before,
        after=municipality.id,
        since=since.isoformat(),
    )
    return residence


def save_plan(
    db: Session, caller: Principal, person_id: int, plan: PlanInput, reason: str, today: date
) -> bool:
    """The counsellor saves a person's plan: drawn up or changed while unsigned, an amendment
    (with `reason`) once signed. True when it was an amendment."""
    person = person_in_scope(db, caller, person_id)
    contract = _contract_of(db, person)
    if contract is not None and contract.signed_on is not None:
        amend_contract(db, caller.subject, person, plan, reason, today)
        return True
    save_contract_draft(db, caller.subject, person, plan, today)
    return False


def paper_signature(
    db: Session, caller: Principal, person_id: int, signed_on: date, today: date
) -> None:
    """The counsellor records that the person signed the contract on paper (the Dutch text)."""
    dossier = dossier_in_scope(db, caller, person_id)
    record_paper_signature(
        db, caller.subject, dossier.person, signed_on, today, contract_texts(dossier, "nl")
    )
