"""The integration plan (the contract's four pillars and the NT2 modules): its input, its checks,
and its rows. Saving it is the contract's business (services.trajectory); this module only knows
how a plan is written, read back as plain values and cleared."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from portal.db import models as m

NT2_PROVIDER_TYPES = ("CVO", "CBE", "UTC")
MO_VARIANTS = ("classroom", "blended", "online")


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


def validate_plan(plan: PlanInput, today: date) -> dict[str, str]:
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


def write_plan(
    db: Session, contract: m.Contract, plan: PlanInput, known_keys: set[str] | None = None
) -> None:
    """The plan's rows for the contract; `known_keys`: the fee keys of the plan it replaces."""
    contract_id = contract.id
    assert contract_id is not None
    rows = [
        m.PlanComponent(
            contract_id=contract_id,
            pillar="mo",
            provider=plan.mo_provider.strip(),
            variant=plan.mo_variant,
            schedule=plan.mo_schedule.strip(),
            deadline=plan.mo_deadline,
            classroom_sessions=0 if plan.mo_variant == "online" else plan.classroom_sessions,
            position=0,
        ),
        m.PlanComponent(
            contract_id=contract_id,
            pillar="nt2",
            provider=plan.nt2_provider.strip(),
            provider_type=plan.nt2_provider_type,
            variant=plan.nt2_variant,
            schedule=plan.nt2_schedule.strip(),
            deadline=_nt2_deadline(plan),
            position=1,
        ),
        m.PlanComponent(
            contract_id=contract_id,
            pillar="vdab",
            provider="VDAB",
            position=2,
        ),
        m.PlanComponent(
            contract_id=contract_id,
            pillar="participation",
            provider=plan.participation_provider.strip(),
            deadline=plan.participation_deadline,
            position=3,
        ),
    ]
    for row in rows:
        db.add(row)
    db.flush()
    nt2_id = rows[1].id
    assert nt2_id is not None
    keys = _fee_keys(plan, known_keys or set())
    for position, (module, key) in enumerate(zip(plan.modules, keys, strict=True)):
        db.add(
            m.Nt2Module(
                component_id=nt2_id,
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
        .order_by(col(m.PlanComponent.position))
    ).all()
    ids = [c.id for c in components]
    modules = db.exec(
        select(m.Nt2Module)
        .where(col(m.Nt2Module.component_id).in_(ids))
        .order_by(col(m.Nt2Module.position))
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


def clear_plan(db: Session, contract: m.Contract) -> set[str]:
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
