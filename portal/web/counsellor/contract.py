"""The contract and plan: drawn up and changed while unsigned, amended once signed (with a
reason), and a signature on paper recorded."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal import labels
from portal.domain.dates import add_months
from portal.domain.model import Eligibility
from portal.services import agency_scope, trajectory
from portal.services.dossier import Dossier
from portal.services.errors import ServiceError
from portal.services.plan import (
    MO_VARIANTS,
    NT2_PROVIDER_TYPES,
    ModuleInput,
    PlanInput,
    validate_plan,
)
from portal.web.context import portal_of
from portal.web.counsellor.common import back, form_of, person_id_of, scoped
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import principal_of

MODULE_ROWS = 4


def _plan_from_form(form: Form) -> PlanInput | None:
    mo_variant = form.choice("mo_variant", MO_VARIANTS)
    mo_provider = form.text("mo_provider", required=False)
    mo_schedule = form.text("mo_schedule", required=False, max_length=300)
    mo_deadline = form.date("mo_deadline")
    classroom = form.integer("mo_classroom_sessions", required=False, minimum=0, maximum=50) or 0
    nt2_type = form.choice("nt2_provider_type", NT2_PROVIDER_TYPES)
    nt2_provider = form.text("nt2_provider")
    nt2_schedule = form.text("nt2_schedule", required=False, max_length=300)
    nt2_deadline = form.date("nt2_deadline", required=False)
    modules = []
    for index in range(MODULE_ROWS):
        prefix = f"module_{index}"
        if not any(form.get(f"{prefix}_{part}") for part in ("name", "periods", "start", "end")):
            continue
        name = form.text(f"{prefix}_name", required=False, max_length=100)
        periods = form.integer(f"{prefix}_periods", maximum=2000)
        start = form.date(f"{prefix}_start")
        end = form.date(f"{prefix}_end")
        key = form.text(f"{prefix}_key", required=False, max_length=16)
        if periods is not None and start is not None and end is not None:
            modules.append(ModuleInput(name, periods, start, end, key))
    vdab_mode = form.choice("vdab_mode", ("rules", "exempt"))
    vdab_reason = form.text("vdab_reason", required=vdab_mode == "exempt", max_length=300)
    participation_deadline = form.date("participation_deadline", required=False)
    participation_provider = form.text("participation_provider", required=False)
    if not form.ok or mo_deadline is None:
        return None
    return PlanInput(
        mo_variant=mo_variant,
        mo_provider=mo_provider,
        mo_schedule=mo_schedule,
        mo_deadline=mo_deadline,
        nt2_provider_type=nt2_type,
        nt2_provider=nt2_provider,
        nt2_schedule=nt2_schedule,
        nt2_deadline=nt2_deadline,
        modules=tuple(modules),
        vdab_exempt_reason=vdab_reason if vdab_mode == "exempt" else "",
        participation_deadline=participation_deadline,
        participation_provider=participation_provider,
        classroom_sessions=classroom,
    )


def _form_from_plan(dossier: Dossier) -> Form:
    values: dict[str, str] = {"vdab_mode": "rules"}
    by_pillar = {c.pillar: c for c in dossier.components}
    mo = by_pillar.get("mo")
    if mo:
        values.update(
            mo_variant=mo.variant,
            mo_provider=mo.provider,
            mo_schedule=mo.schedule,
            mo_deadline=mo.deadline.isoformat() if mo.deadline else "",
            mo_classroom_sessions=str(mo.classroom_sessions),
        )
    nt2 = by_pillar.get("nt2")
    if nt2:
        values.update(
            nt2_provider_type=nt2.provider_type,
            nt2_provider=nt2.provider,
            nt2_schedule=nt2.schedule,
            nt2_deadline=nt2.deadline.isoformat() if nt2.deadline else "",
        )
        for index, module in enumerate(x for x in dossier.modules if x.component_id == nt2.id):
            values.update(
                {
                    f"module_{index}_name": module.name,
                    f"module_{index}_periods": str(module.lesson_periods),
                    f"module_{index}_start": module.planned_start.isoformat(),
                    f"module_{index}_end": module.planned_end.isoformat(),
                    f"module_{index}_key": module.fee_key,
                }
            )
    participation = by_pillar.get("participation")
    if participation:
        values.update(
            participation_provider=participation.provider,
            participation_deadline=participation.deadline.isoformat()
            if participation.deadline
            else "",
        )
    exemption = next((e for e in dossier.exemptions if e.pillar == "vdab"), None)
    if exemption:
        values.update(vdab_mode="exempt", vdab_reason=exemption.reason)
    return Form(values)


def contract_form(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = person_id_of(request)
    with scoped(portal) as db:
        dossier = agency_scope.dossier_in_scope(db, principal, person_id)
    signed = dossier.contract is not None and dossier.contract.signed_on is not None
    if request.method == "GET":
        form = _form_from_plan(dossier)
        if dossier.contract is None:
            # a sensible start: MO and participation within a year, NT2 over 18 months
            form.values.setdefault("mo_deadline", add_months(today, 12).isoformat())
            form.values.setdefault("nt2_deadline", add_months(today, 18).isoformat())
            form.values.setdefault("participation_deadline", add_months(today, 12).isoformat())
    else:
        form = form_of(request)
        plan = _plan_from_form(form)
        reason = form.text("reason", required=signed, max_length=500)
        if plan is not None:
            for name, code in validate_plan(plan, today).items():
                form.error(name, code)
        if plan is not None and form.ok:
            try:
                with scoped(portal) as db:
                    amended = trajectory.save_plan(db, principal, person_id, plan, reason, today)
            except ServiceError as error:
                form.error("reason" if signed else "mo_variant", error.code)
            else:
                return back(person_id, "amended" if amended else "contract_saved")
    not_eligible = dossier.evaluate(today).eligibility not in {
        Eligibility.OBLIGED,
        Eligibility.VOLUNTARY,
    }
    return render(
        request,
        "staff/contract_form.html",
        {
            "form": form,
            "person": dossier.person,
            "signed": signed,
            "module_rows": range(MODULE_ROWS),
            "mo_variants": [(v, labels.gettext(labels.VARIANT_NAMES[v])) for v in MO_VARIANTS],
            "provider_types": [(t, t) for t in NT2_PROVIDER_TYPES],
            "not_eligible": not_eligible,
        },
        personal=True,
        status=400 if request.method == "POST" else 200,
    )


def paper_signature(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = person_id_of(request)
    form = form_of(request)
    signed_on = form.date("signed_on")
    if signed_on is not None:
        try:
            with scoped(portal) as db:
                trajectory.paper_signature(db, principal, person_id, signed_on, today)
        except ServiceError as error:
            form.error("signed_on", error.code)
        else:
            return back(person_id, "signed")
    with scoped(portal) as db:
        person = agency_scope.person_in_scope(db, principal, person_id)
    return render(
        request,
        "staff/paper_signature.html",
        {"form": form, "person": person},
        personal=True,
        status=400,
    )
