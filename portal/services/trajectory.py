"""The counsellor's write side: contract and plan, signatures, amendments, moves, withdrawals,
sanction reviews and the attest. Each function validates, writes, audits (with before and after)
and tells the person when it matters to them. Nothing is half-saved: callers run each in one unit
of work, and a ServiceError rolls it back."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from portal.db import models as m
from portal.domain.eligibility import eligibility
from portal.domain.model import Eligibility, Obligation, Pillar, Protection, Register
from portal.services import notify
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit

NT2_PROVIDER_TYPES = ("CVO", "CBE", "UTC")
MO_VARIANTS = ("classroom", "blended", "online")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


@dataclass(frozen=True)
class ModuleInput:
    name: str
    lesson_periods: int
    planned_start: date
    planned_end: date
    key: str = ""  # the module's fee key when it was already in the plan ("" = a new module)


@dataclass(frozen=True)
class PlanInput:
    mo_variant: str
    mo_provider: str
    mo_schedule: str
    mo_deadline: date
    nt2_provider_type: str
    nt2_provider: str
    nt2_schedule: str
    nt2_deadline: date | None
    modules: tuple[ModuleInput, ...] = ()
    vdab_exempt_reason: str = ""  # non-empty: the VDAB pillar is exempt, with this reason
    participation_deadline: date | None = None
    participation_provider: str = ""
    nt2_variant: str = ""
    classroom_sessions: int = 0  # MO: sessions to attend (blended / classroom)
    extra: dict[str, Any] = field(default_factory=dict)


def _person_eligibility(person: m.Person) -> Eligibility:
    return eligibility(
        Register(person.civil_register),
        Obligation(person.obligation),
        Protection(person.protection),
    )


def validate_plan(person: m.Person, plan: PlanInput, today: date) -> dict[str, str]:
    """Field → error code. Empty when the plan is acceptable."""
    errors: dict[str, str] = {}
    if plan.mo_variant not in MO_VARIANTS:
        errors["mo_variant"] = "choose"
    if plan.mo_deadline <= today:
        errors["mo_deadline"] = "deadline_in_past"
    if not 0 <= plan.classroom_sessions <= 50:
        errors["mo_classroom_sessions"] = "number"
    if plan.nt2_provider_type not in NT2_PROVIDER_TYPES:
        errors["nt2_provider_type"] = "choose"
    if not plan.nt2_provider.strip():
        errors["nt2_provider"] = "required"
    if plan.nt2_deadline is None and not plan.modules:
        errors["nt2_deadline"] = "nt2_required"
    if plan.nt2_deadline is not None and plan.nt2_deadline <= today:
        errors["nt2_deadline"] = "deadline_in_past"
    for index, module in enumerate(plan.modules):
        if module.lesson_periods <= 0:
            errors[f"module_{index}_periods"] = "positive"
        if module.planned_end < module.planned_start:
            errors[f"module_{index}_end"] = "end_before_start"
        if plan.nt2_deadline is not None and module.planned_end > plan.nt2_deadline:
            errors[f"module_{index}_end"] = "after_nt2_deadline"
    if plan.participation_deadline is not None and plan.participation_deadline <= today:
        errors["participation_deadline"] = "deadline_in_past"
    return errors


def _nt2_deadline(plan: PlanInput) -> date | None:
    if plan.nt2_deadline is not None:
        return plan.nt2_deadline
    return max((module.planned_end for module in plan.modules), default=None)


def _fee_keys(plan: PlanInput, known: set[str]) -> list[str]:
    """Each module's lasting key: the one it had (when the form brought it back and no other
    row claimed it first), or a new random one. Paid fees are keyed on it, so an amendment
    never makes a paid module due again."""
    keys: list[str] = []
    for module in plan.modules:
        if module.key in known and module.key not in keys:
            keys.append(module.key)
            continue
        key = secrets.token_hex(4)
        while key in known or key in keys:
            key = secrets.token_hex(4)
        keys.append(key)
    return keys


def _write_components(
    db: Session, contract: m.Contract, plan: PlanInput, known_keys: set[str] | None = None
) -> None:
    rows = [
        m.PlanComponent(
            contract_id=contract.id,  # type: ignore[arg-type]
            pillar="mo",
            provider=plan.mo_provider.strip(),
            variant=plan.mo_variant,
            schedule=plan.mo_schedule.strip(),
            deadline=plan.mo_deadline,
            classroom_sessions=0 if plan.mo_variant == "online" else plan.classroom_sessions,
            position=0,
        ),
        m.PlanComponent(
            contract_id=contract.id,  # type: ignore[arg-type]
            pillar="nt2",
            provider=plan.nt2_provider.strip(),
            provider_type=plan.nt2_provider_type,
            variant=plan.nt2_variant,
            schedule=plan.nt2_schedule.strip(),
            deadline=_nt2_deadline(plan),
            position=1,
        ),
        m.PlanComponent(
            contract_id=contract.id,  # type: ignore[arg-type]
            pillar="vdab",
            provider="VDAB",
            position=2,
        ),
        m.PlanComponent(
            contract_id=contract.id,  # type: ignore[arg-type]
            pillar="participation",
            provider=plan.participation_provider.strip(),
            deadline=plan.participation_deadline,
            position=3,
        ),
    ]
    for row in rows:
        db.add(row)
    db.flush()
    nt2 = rows[1]
    keys = _fee_keys(plan, known_keys or set())
    for position, (module, key) in enumerate(zip(plan.modules, keys, strict=True)):
        db.add(
            m.Nt2Module(
                component_id=nt2.id,  # type: ignore[arg-type]
                name=module.name.strip() or f"{position + 1}",
                lesson_periods=module.lesson_periods,
                planned_start=module.planned_start,
                planned_end=module.planned_end,
                position=position,
                fee_key=key,
            )
        )


def plan_snapshot(db: Session, contract: m.Contract) -> list[dict[str, Any]]:
    """The plan as plain values (for amendments' before/after and the signed text)."""
    components = db.exec(
        select(m.PlanComponent)
        .where(m.PlanComponent.contract_id == contract.id)
        .order_by(m.PlanComponent.position)  # type: ignore[arg-type]
    ).all()
    ids = [c.id for c in components]
    modules = db.exec(
        select(m.Nt2Module)
        .where(m.Nt2Module.component_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(m.Nt2Module.position)  # type: ignore[arg-type]
    ).all()
    out = []
    for c in components:
        out.append(
            {
                "pillar": c.pillar,
                "provider": c.provider,
                "provider_type": c.provider_type,
                "variant": c.variant,
                "schedule": c.schedule,
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "classroom_sessions": c.classroom_sessions,
                "modules": [
                    {
                        "name": mod.name,
                        "lesson_periods": mod.lesson_periods,
                        "planned_start": mod.planned_start.isoformat(),
                        "planned_end": mod.planned_end.isoformat(),
                    }
                    for mod in modules
                    if mod.component_id == c.id
                ],
            }
        )
    return out


def _clear_plan(db: Session, contract: m.Contract) -> set[str]:
    """Remove the plan rows; returns the fee keys of the modules that were in it."""
    components = db.exec(
        select(m.PlanComponent).where(m.PlanComponent.contract_id == contract.id)
    ).all()
    keys: set[str] = set()
    for component in components:
        for module in db.exec(
            select(m.Nt2Module).where(m.Nt2Module.component_id == component.id)
        ).all():
            keys.add(module.fee_key)
            db.delete(module)
        db.delete(component)
    db.flush()
    return keys


def _vdab_exemption(db: Session, actor: str, person: m.Person, reason: str, today: date) -> None:
    existing = db.exec(
        select(m.Exemption).where(m.Exemption.person_id == person.id, m.Exemption.pillar == "vdab")
    ).first()
    if reason.strip() and existing is None:
        db.add(
            m.Exemption(
                person_id=person.id,  # type: ignore[arg-type]
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
    errors = validate_plan(person, plan, today)
    if errors:
        raise ServiceError("invalid_plan", json.dumps(errors))
    contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()
    if contract is not None and contract.signed_on is not None:
        raise ServiceError("contract_signed")  # changes to a signed contract are amendments
    before = None
    if contract is None:
        contract = m.Contract(
            person_id=person.id,  # type: ignore[arg-type]
            created_by=actor,
            drawn_up_on=today,
        )
        db.add(contract)
        db.flush()
        action = "draw_up_contract"
    else:
        before = plan_snapshot(db, contract)
        known = _clear_plan(db, contract)
        action = "change_contract_draft"
    _write_components(db, contract, plan, known if before is not None else None)
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
    contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()
    if contract is None or contract.signed_on is None:
        raise ServiceError("not_signed")
    if not reason.strip():
        raise ServiceError("reason_required")
    errors = validate_plan(person, plan, today)
    if errors:
        raise ServiceError("invalid_plan", json.dumps(errors))
    before = plan_snapshot(db, contract)
    known = _clear_plan(db, contract)
    _write_components(db, contract, plan, known)
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
        contract_id=contract.id,  # type: ignore[arg-type]
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
    contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()
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
    contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()
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
        .order_by(m.Residence.since.desc())  # type: ignore[attr-defined]
    ).first()
    if latest is not None and since <= latest.since:
        raise ServiceError("move_before_last_move")
    before = person.municipality_id
    residence = m.Residence(
        person_id=person.id,  # type: ignore[arg-type]
        municipality_id=municipality.id,  # type: ignore[arg-type]
        since=since,
    )
    person.municipality_id = municipality.id  # type: ignore[assignment]
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


def withdraw_fact(
    db: Session, actor: str, person: m.Person, fact_id: int, reason: str, now: datetime
) -> m.Fact:
    fact = db.exec(
        select(m.Fact).where(m.Fact.id == fact_id, m.Fact.person_id == person.id)
    ).first()
    if fact is None:
        raise ServiceError("unknown_fact")
    if fact.withdrawn_at is not None:
        raise ServiceError("already_withdrawn")
    if not reason.strip():
        raise ServiceError("reason_required")
    fact.withdrawn_at = now
    fact.withdrawn_by = actor
    fact.withdrawn_reason = reason.strip()[:300]
    db.add(fact)
    audit(db, actor, "withdraw_fact", "fact", fact.id, person_id=person.id, reason=reason)
    return fact


def review_sanction(
    db: Session,
    actor: str,
    person: m.Person,
    kind: str,
    pillar: str,
    deadline: date,
    decision: str,
    reason: str,
    today: date,
) -> m.SanctionReview:
    """Record a counsellor's decision on a fact the rules found; only for facts the rules find."""
    if decision not in {"report", "not_report"}:
        raise ServiceError("choose")
    if decision == "not_report" and not reason.strip():
        raise ServiceError("reason_required")
    dossier = load_dossier(db, person.id)  # type: ignore[arg-type]
    assert dossier is not None
    from portal.domain.sanctions import sanction_facts

    found = sanction_facts(dossier.person_facts(), today)
    if not any(
        f.kind == kind and f.pillar.value == pillar and f.deadline == deadline for f in found
    ):
        raise ServiceError("no_such_sanction_fact")
    review = db.exec(
        select(m.SanctionReview).where(
            m.SanctionReview.person_id == person.id,
            m.SanctionReview.kind == kind,
            m.SanctionReview.pillar == pillar,
            m.SanctionReview.deadline == deadline,
        )
    ).first()
    before = None
    if review is None:
        review = m.SanctionReview(
            person_id=person.id,  # type: ignore[arg-type]
            kind=kind,
            pillar=pillar,
            deadline=deadline,
            decision=decision,
            reason=reason.strip()[:500],
            reviewed_by=actor,
        )
    else:
        before = {"decision": review.decision, "reason": review.reason}
        review.decision = decision
        review.reason = reason.strip()[:500]
        review.reviewed_by = actor
    db.add(review)
    db.flush()
    audit(
        db,
        actor,
        "review_sanction",
        "sanction_review",
        review.id,
        person_id=person.id,
        before=before,
        after={"decision": decision, "reason": review.reason},
    )
    return review


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_attest(db: Session, actor: str, person: m.Person, today: date) -> m.Attest:
    """Issue the integration certificate when the rules say every required pillar is met."""
    if db.exec(select(m.Attest).where(m.Attest.person_id == person.id)).first() is not None:
        raise ServiceError("attest_exists")
    dossier = load_dossier(db, person.id)  # type: ignore[arg-type]
    assert dossier is not None
    reached = dossier.evaluate(today).attest_on
    if reached is None:
        raise ServiceError("attest_not_reached")
    attest = m.Attest(
        person_id=person.id,  # type: ignore[arg-type]
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
        person_id=person.id,
        reached_on=reached.isoformat(),
    )
    notify.notify(db, person, "attest_issued", date=today.isoformat())
    return attest


def pillar_of(value: str) -> Pillar:
    try:
        return Pillar(value)
    except ValueError:
        raise ServiceError("invalid_pillar") from None
