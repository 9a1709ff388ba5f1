"""The counsellor's workspace: caseload, intake, contract and plan, facts, sanction facts,
attest. Every person is fetched scoped to the counsellor's agency (another agency's person is a
404); every change goes through a service."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sqlmodel import Session, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.eligibility import eligibility
from portal.domain.evaluate import evaluate
from portal.domain.model import (
    Eligibility,
    FactKind,
    Level,
    Obligation,
    PeriodKind,
    PersonFacts,
    Pillar,
    Protection,
    Region,
    Register,
    Situation,
    TestKind,
)
from portal.domain.pillars import required_pillars
from portal.domain.rules import rules_on
from portal.domain.sanctions import sanction_facts
from portal.i18n import LANGUAGE_NAMES
from portal.services import course as course_service
from portal.services import trajectory
from portal.services.caller import Principal
from portal.services.dossier import Dossier, load_dossier, load_dossiers
from portal.services.errors import ServiceError
from portal.services.people import NewPerson, record_fact, register_person
from portal.services.people import add_exemption as add_exemption_service
from portal.services.people import add_suspension as add_suspension_service
from portal.web.citizen import dossier_context
from portal.web.context import portal_of
from portal.web.exports import csv_safe
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route

CASELOAD_LIMIT = 500
LANGUAGES = ("nl", "en", "fr", "ar")


def _form(request: Request) -> Form:
    return Form(getattr(request.state, "form", None) or {})


def _person(db: Session, principal: Principal, person_id: int) -> m.Person:
    """A person of the counsellor's own agency, or 404."""
    person = db.exec(
        select(m.Person).where(m.Person.id == person_id, m.Person.agency_id == principal.agency_id)
    ).first()
    if person is None:
        raise HTTPException(status_code=404)
    return person


def _dossier(db: Session, principal: Principal, person_id: int) -> Dossier:
    dossier = load_dossier(db, person_id, agency_id=principal.agency_id)
    if dossier is None:
        raise HTTPException(status_code=404)
    return dossier


def _person_id(request: Request) -> int:
    return int(request.path_params["person_id"])


def _back(person_id: int, note: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/persons/{person_id}?done={note}", status_code=303)


# ------------------------------------------------------------------------------- caseload


def _attention(dossier: Dossier, reviewed: set[tuple[str, str, date]], today: date) -> list[str]:
    """What needs the counsellor's attention first, most urgent first (codes)."""
    items: list[str] = []
    evaluation = dossier.evaluate(today)
    if evaluation.eligibility not in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}:
        return items
    facts = sanction_facts(dossier.person_facts(), today)
    if any((f.kind, f.pillar.value, f.deadline) not in reviewed for f in facts):
        items.append("sanction_to_review")
    if any(a.past for a in evaluation.alerts):
        items.append("deadline_passed")
    if any(not a.past for a in evaluation.alerts):
        items.append("deadline_near")
    if dossier.contract is None:
        items.append("no_contract")
    elif dossier.contract.signed_on is None:
        items.append("not_signed")
    if evaluation.attest_on is not None and dossier.attest is None:
        items.append("attest_ready")
    return items


ATTENTION_ORDER = (
    "sanction_to_review",
    "deadline_passed",
    "deadline_near",
    "attest_ready",
    "not_signed",
    "no_contract",
)


def caseload(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    query = request.query_params.get("q", "").strip()[:100]
    today = portal.clock.today()
    with session_scope(portal.engine) as db:
        agency = db.get(m.Agency, principal.agency_id)
        statement = select(m.Person.id).where(m.Person.agency_id == principal.agency_id)
        if query:
            digits = "".join(ch for ch in query if ch.isdigit())
            like = f"%{query.lower()}%"
            condition = m.Person.given_name.ilike(like) | m.Person.family_name.ilike(like)  # type: ignore[attr-defined]
            if len(digits) == 11:
                condition = condition | (m.Person.national_number == digits)
            statement = statement.where(condition)
        ids = list(db.exec(statement.order_by(m.Person.family_name).limit(CASELOAD_LIMIT)).all())
        reviews = db.exec(
            select(m.SanctionReview).where(m.SanctionReview.person_id.in_(ids))  # type: ignore[attr-defined]
        ).all()
        reviewed: dict[int, set[tuple[str, str, date]]] = {}
        for review in reviews:
            reviewed.setdefault(review.person_id, set()).add(
                (review.kind, review.pillar, review.deadline)
            )
        rows: list[dict[str, Any]] = []
        for dossier in load_dossiers(db, ids, principal.agency_id):  # type: ignore[arg-type]
            person_id = dossier.person.id
            items = _attention(dossier, reviewed.get(person_id, set()), today)  # type: ignore[arg-type]
            rows.append({"dossier": dossier, "attention": items})
    rows.sort(
        key=lambda r: (
            min((ATTENTION_ORDER.index(i) for i in r["attention"]), default=len(ATTENTION_ORDER)),
            r["dossier"].person.family_name,
        )
    )
    return render(
        request,
        "staff/counsellor_home.html",
        {"agency": agency, "rows": rows, "query": query, "limit": CASELOAD_LIMIT},
        personal=True,
    )


# ------------------------------------------------------------------------------- intake


def _intake_options(db: Session) -> dict[str, Any]:
    municipalities = db.exec(select(m.Municipality).order_by(m.Municipality.name_nl)).all()
    return {"municipalities": [(x.nis_code, x.name_nl) for x in municipalities]}


INTAKE_CHOICES = {
    "register": tuple(r.value for r in Register),
    "obligation": tuple(o.value for o in Obligation),
    "protection": tuple(p.value for p in Protection),
    "situation": tuple(s.value for s in Situation),
    "literacy": ("standard", "low"),
    "language": LANGUAGES,
}


def _read_intake(form: Form, today: date, nis_codes: list[str]) -> NewPerson | None:
    given = form.text("given_name", max_length=100)
    family = form.text("family_name", max_length=100)
    birth = form.date("birth_date")
    if birth is not None and birth > today:
        form.error("birth_date", "birth_date_future")
    nrn = form.text("national_number", required=False, max_length=20)
    email = form.text("email", required=False, max_length=200)
    if email and "@" not in email:
        form.error("email", "required")
    phone = form.text("phone", required=False, max_length=40)
    values = {name: form.choice(name, choices) for name, choices in INTAKE_CHOICES.items()}
    nis = form.choice("municipality", nis_codes)
    if not form.ok or birth is None:
        return None
    return NewPerson(
        given_name=given,
        family_name=family,
        birth_date=birth,
        municipality_nis=nis,
        agency_code="",
        register=values["register"],
        obligation=values["obligation"],
        protection=values["protection"],
        situation=values["situation"],
        literacy=values["literacy"],
        language=values["language"],
        national_number=nrn or None,
        email=email,
        phone=phone,
    )


def _preview(db: Session, new: NewPerson, today: date) -> dict[str, Any]:
    """What the rules make of the intake, before saving."""
    municipality = db.exec(
        select(m.Municipality).where(m.Municipality.nis_code == new.municipality_nis)
    ).one()
    facts = PersonFacts(
        birth_date=new.birth_date,
        register=Register(new.register),
        obligation=Obligation(new.obligation),
        protection=Protection(new.protection),
        situation=Situation(new.situation),
        region=Region(municipality.region),
        nt2_target=Level.A2_ADAPTED if new.literacy == "low" else Level.A2,
    )
    result = eligibility(facts.register, facts.obligation, facts.protection)
    rules = rules_on(today)
    pillars = required_pillars(facts, today, rules)
    return {
        "eligibility": result.value,
        "eligibility_name": labels.gettext(labels.ELIGIBILITY_NAMES[result.value]),
        "pillars": [
            {
                "name": labels.pillar_name(p.value, municipality.region),
                "required": p in pillars,
            }
            for p in (Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION)
        ],
        "brussels": municipality.region == "brussels",
        "adapted": new.literacy == "low",
        "in_trajectory": result in {Eligibility.OBLIGED, Eligibility.VOLUNTARY},
    }


def intake(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    form = _form(request) if request.method == "POST" else Form({"language": "nl"})
    preview = None
    with session_scope(portal.engine) as db:
        options = _intake_options(db)
        if request.method == "POST":
            new = _read_intake(form, today, [code for code, _ in options["municipalities"]])
            if new is not None:
                agency = db.get(m.Agency, principal.agency_id)
                assert agency is not None
                new = NewPerson(
                    **{
                        **new.__dict__,
                        "agency_code": agency.code,
                        "counsellor_grant_id": principal.grant_id,
                    }
                )
                if form.get("action") == "save":
                    try:
                        person = register_person(
                            db,
                            principal.subject,
                            new,
                            today,
                            not_a_duplicate=form.flag("not_a_duplicate"),
                        )
                    except ServiceError as error:
                        db.rollback()
                        field = "national_number" if error.code.startswith("nrn") else "given_name"
                        if error.code == "birth_date_future":
                            field = "birth_date"
                        if error.code == "possible_duplicate":
                            field = "not_a_duplicate"
                            preview = _preview(db, new, today)
                        form.error(field, error.code)
                    else:
                        return RedirectResponse(
                            f"/staff/persons/{person.id}?done=registered", status_code=303
                        )
                else:
                    # validate the national register number before the preview, too
                    if new.national_number:
                        from portal.domain.nrn import NrnError, nrn_matches_birth_date, parse_nrn

                        try:
                            parsed = parse_nrn(new.national_number)
                            if not nrn_matches_birth_date(parsed, new.birth_date):
                                form.error("national_number", "nrn_birth_date")
                        except NrnError as error:
                            form.error("national_number", f"nrn_{error.code}")
                    if form.ok:
                        preview = _preview(db, new, today)
    return render(
        request,
        "staff/intake.html",
        {"form": form, "preview": preview, **options, **_intake_labels()},
        personal=True,
        status=400 if request.method == "POST" and not form.ok else 200,
    )


def _intake_labels() -> dict[str, Any]:
    g = labels.gettext
    return {
        "register_options": [
            ("population", g(labels.N_("Population register"))),
            ("foreigners", g(labels.N_("Foreigners' register"))),
            ("waiting", g(labels.N_("Waiting register (applicant for international protection)"))),
            ("none", g(labels.N_("Not registered in a municipality"))),
        ],
        "obligation_options": [
            ("obliged", g(labels.N_("Obliged"))),
            ("voluntary", g(labels.N_("Voluntary"))),
        ],
        "protection_options": [
            ("not_applicable", g(labels.N_("Not applicable"))),
            ("pending", g(labels.N_("Application pending"))),
            ("refugee", g(labels.N_("Recognised refugee"))),
            ("subsidiary", g(labels.N_("Subsidiary protection"))),
            ("refused", g(labels.N_("Application refused"))),
        ],
        "situation_options": [
            ("none", g(labels.N_("Does not work or study"))),
            ("works", g(labels.N_("Works"))),
            ("studies", g(labels.N_("Studies"))),
        ],
        "literacy_options": [
            ("standard", g(labels.N_("Can read and write"))),
            ("low", g(labels.N_("Low-literate (adapted NT2 level)"))),
        ],
        "language_options": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    }


# ------------------------------------------------------------------------------- person page


def person_page(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    with session_scope(portal.engine) as db:
        dossier = _dossier(db, principal, _person_id(request))
        context = dossier_context(dossier, today)

        course_counts = course_service.course_counts(db, dossier.person.id, today)  # type: ignore[arg-type]
        reviews = db.exec(
            select(m.SanctionReview).where(m.SanctionReview.person_id == dossier.person.id)
        ).all()
        from portal.services import participation as participation_service

        activities = [
            (a, participation_service.files_of(db, a.id))  # type: ignore[arg-type]
            for a in participation_service.activities_of(db, dossier.person.id)  # type: ignore[arg-type]
            if a.status != "draft"
        ]
        history = db.exec(
            select(m.AuditLog)
            .where(m.AuditLog.details["person_id"].as_integer() == dossier.person.id)
            .order_by(m.AuditLog.at.desc())  # type: ignore[attr-defined]
            .limit(50)
        ).all()
    facts = sanction_facts(dossier.person_facts(), today)
    reviewed = {(r.kind, r.pillar, r.deadline): r for r in reviews}
    context.update(
        {
            "sanction_items": [
                {"fact": f, "review": reviewed.get((f.kind, f.pillar.value, f.deadline))}
                for f in facts
            ],
            "history": history,
            "done": request.query_params.get("done", ""),
            "fact_kinds": FACT_KINDS,
            "course_counts": course_counts,
            "activities": activities,
        }
    )
    return render(request, "staff/person.html", context, personal=True)


# ------------------------------------------------------------------------------- contract


def _plan_from_form(form: Form) -> trajectory.PlanInput | None:
    mo_variant = form.choice("mo_variant", trajectory.MO_VARIANTS)
    mo_provider = form.text("mo_provider", required=False)
    mo_schedule = form.text("mo_schedule", required=False, max_length=300)
    mo_deadline = form.date("mo_deadline")
    classroom = form.integer("mo_classroom_sessions", required=False, minimum=0, maximum=50) or 0
    nt2_type = form.choice("nt2_provider_type", trajectory.NT2_PROVIDER_TYPES)
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
            modules.append(trajectory.ModuleInput(name, periods, start, end, key))
    vdab_mode = form.choice("vdab_mode", ("rules", "exempt"))
    vdab_reason = form.text("vdab_reason", required=vdab_mode == "exempt", max_length=300)
    participation_deadline = form.date("participation_deadline", required=False)
    participation_provider = form.text("participation_provider", required=False)
    if not form.ok or mo_deadline is None:
        return None
    return trajectory.PlanInput(
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


MODULE_ROWS = 4


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
    person_id = _person_id(request)
    with session_scope(portal.engine) as db:
        dossier = _dossier(db, principal, person_id)
        signed = dossier.contract is not None and dossier.contract.signed_on is not None
        if request.method == "GET":
            form = _form_from_plan(dossier)
            if dossier.contract is None:
                # a sensible start: MO and participation within a year, NT2 over 18 months
                from portal.domain.dates import add_months

                form.values.setdefault("mo_deadline", add_months(today, 12).isoformat())
                form.values.setdefault("nt2_deadline", add_months(today, 18).isoformat())
                form.values.setdefault("participation_deadline", add_months(today, 12).isoformat())
        else:
            form = _form(request)
            plan = _plan_from_form(form)
            reason = form.text("reason", required=signed, max_length=500)
            if plan is not None:
                for name, code in trajectory.validate_plan(dossier.person, plan, today).items():
                    form.error(name, code)
            if plan is not None and form.ok:
                try:
                    if signed:
                        trajectory.amend_contract(
                            db, principal.subject, dossier.person, plan, reason, today
                        )
                    else:
                        trajectory.save_contract_draft(
                            db, principal.subject, dossier.person, plan, today
                        )
                except ServiceError as error:
                    db.rollback()
                    form.error("reason" if signed else "mo_variant", error.code)
                    dossier = _dossier(db, principal, person_id)
                else:
                    return _back(person_id, "amended" if signed else "contract_saved")
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
            "mo_variants": [
                (v, labels.gettext(labels.VARIANT_NAMES[v])) for v in trajectory.MO_VARIANTS
            ],
            "provider_types": [(t, t) for t in trajectory.NT2_PROVIDER_TYPES],
            "not_eligible": not_eligible,
        },
        personal=True,
        status=400 if request.method == "POST" else 200,
    )


def paper_signature(request: Request) -> Response:
    from portal.services.contract_texts import contract_texts

    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = _person_id(request)
    form = _form(request)
    signed_on = form.date("signed_on")
    with session_scope(portal.engine) as db:
        dossier = _dossier(db, principal, person_id)
        if signed_on is not None:
            try:
                trajectory.record_paper_signature(
                    db,
                    principal.subject,
                    dossier.person,
                    signed_on,
                    today,
                    contract_texts(dossier, "nl"),
                )
            except ServiceError as error:
                db.rollback()
                form.error("signed_on", error.code)
                dossier = _dossier(db, principal, person_id)
            else:
                return _back(person_id, "signed")
    return render(
        request,
        "staff/paper_signature.html",
        {"form": form, "person": dossier.person},
        personal=True,
        status=400,
    )


# ------------------------------------------------------------------------------- facts

FACT_KINDS = (
    "vdab_registered",
    "mo_course_followed",
    "nt2_module_followed",
    "test_result",
    "pillar4_hours",
    "uitgeleerd",
    "period",
    "contract_ended",
    "suspension",
    "exemption",
    "move",
)


def _fact_labels() -> dict[str, Any]:
    g = labels.gettext
    return {
        "kind_names": {k: labels.fact_kind_name(k) for k in FACT_KINDS},
        "test_options": [(t, labels.test_name(t)) for t in labels.TEST_NAMES],
        "result_options": [("passed", g(labels.N_("Passed"))), ("failed", g(labels.N_("Failed")))],
        "level_options": labels.level_options(),
        "pillar_options": [(p.value, labels.pillar_name(p.value)) for p in Pillar],
        "uitgeleerd_options": [(p, labels.pillar_name(p)) for p in ("mo", "nt2")],
        "period_options": [
            ("work", g(labels.N_("Work"))),
            ("training", g(labels.N_("Training"))),
            ("study", g(labels.N_("Study"))),
        ],
    }


def _record(
    db: Session,
    principal: Principal,
    person: m.Person,
    kind: str,
    form: Form,
    today: date,
    now: Any,
) -> None:
    """Read the kind's fields and call its service; errors land on the form."""
    on = form.date("on")
    actor = principal.subject
    source = form.text("source", required=False, max_length=100)
    note = form.text("note", required=False, max_length=500)
    if kind == "suspension":
        end = form.date("until")
        reason = form.text("reason", max_length=300)
        if form.ok and on and end:
            add_suspension_service(db, actor, person, on, end, reason)
        return
    if kind == "exemption":
        pillar = form.choice("pillar", [p.value for p in Pillar])
        reason = form.text("reason", max_length=300)
        if form.ok and on:
            add_exemption_service(db, actor, person, pillar, on, reason, today)
        return
    if kind == "move":
        nis = form.text("municipality", max_length=5)
        if form.ok and on:
            trajectory.move_person(db, actor, person, nis, on, today)
        return
    extra: dict[str, Any] = {}
    if kind == "test_result":
        extra["test"] = form.choice("test", [t.value for t in TestKind])
        result = form.choice("result", ("passed", "failed"))
        extra["passed"] = result == "passed"
        if extra["test"] == TestKind.NT2.value:
            extra["level"] = form.choice("level", [lv.value for lv in Level])
    elif kind == "pillar4_hours":
        extra["hours"] = form.integer("hours", maximum=1000) or 0
    elif kind == "uitgeleerd":
        extra["pillar"] = form.choice("pillar", ("mo", "nt2"))
    elif kind == "period":
        extra["period_kind"] = form.choice("period_kind", [p.value for p in PeriodKind])
        extra["until"] = form.date("until", required=False)
    elif kind == "nt2_module_followed":
        extra["level"] = form.choice("level", [lv.value for lv in Level], required=False) or None
    if form.ok and on:
        record_fact(db, actor, person, kind, on, today, source=source, note=note, **extra)


FIELD_FOR_ERROR = {
    "date_in_future": "on",
    "period_order": "until",
    "reason_required": "reason",
    "suspension_overlaps": "on",
    "invalid_hours": "hours",
    "level_required": "level",
    "result_required": "result",
    "same_municipality": "municipality",
    "unknown_municipality": "municipality",
    "move_before_last_move": "on",
}


def fact_form(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = _person_id(request)
    kind = request.path_params["kind"]
    if kind not in FACT_KINDS:
        raise HTTPException(status_code=404)
    form = _form(request) if request.method == "POST" else Form({"on": today.isoformat()})
    with session_scope(portal.engine) as db:
        person = _person(db, principal, person_id)
        municipality_options = [
            (x.nis_code, x.name_nl)
            for x in db.exec(select(m.Municipality).order_by(m.Municipality.name_nl)).all()
        ]
        if request.method == "POST":
            try:
                _record(db, principal, person, kind, form, today, portal.clock.now())
            except ServiceError as error:
                db.rollback()
                form.error(FIELD_FOR_ERROR.get(error.code, "on"), error.code)
                person = _person(db, principal, person_id)
            if form.ok:
                return _back(person_id, "fact_recorded")
    return render(
        request,
        "staff/fact_form.html",
        {
            "form": form,
            "person": person,
            "kind": kind,
            "municipality_options": municipality_options,
            **_fact_labels(),
        },
        personal=True,
        status=400 if request.method == "POST" else 200,
    )


def withdraw_fact(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    person_id = _person_id(request)
    form = _form(request)
    reason = form.text("reason", max_length=300)
    with session_scope(portal.engine) as db:
        person = _person(db, principal, person_id)
        if form.ok:
            try:
                trajectory.withdraw_fact(
                    db,
                    principal.subject,
                    person,
                    int(request.path_params["fact_id"]),
                    reason,
                    portal.clock.now(),
                )
            except ServiceError as error:
                db.rollback()
                if error.code == "unknown_fact":
                    raise HTTPException(status_code=404) from None
                form.error("reason", error.code)
                person = _person(db, principal, person_id)
    if form.ok:
        return _back(person_id, "fact_withdrawn")
    return render(
        request, "staff/withdraw.html", {"form": form, "person": person}, personal=True, status=400
    )


# ------------------------------------------------------------------------------- sanctions


def _agency_sanctions(db: Session, principal: Principal, today: date) -> list[dict[str, Any]]:
    people = db.exec(
        select(m.Person.id).where(
            m.Person.agency_id == principal.agency_id, m.Person.obligation == "obliged"
        )
    ).all()
    reviews = db.exec(
        select(m.SanctionReview).where(m.SanctionReview.person_id.in_(list(people)))  # type: ignore[attr-defined]
    ).all()
    by_key = {(r.person_id, r.kind, r.pillar, r.deadline): r for r in reviews}
    items: list[dict[str, Any]] = []
    for dossier in load_dossiers(db, list(people), principal.agency_id):  # type: ignore[arg-type]
        person_id = dossier.person.id
        for fact in sanction_facts(dossier.person_facts(), today):
            items.append(
                {
                    "person": dossier.person,
                    "fact": fact,
                    "review": by_key.get(
                        (person_id or 0, fact.kind, fact.pillar.value, fact.deadline)
                    ),
                    "region": dossier.municipality.region,
                }
            )
    items.sort(key=lambda i: (i["review"] is not None, i["fact"].deadline))
    return items


def sanctions(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with session_scope(portal.engine) as db:
        items = _agency_sanctions(db, principal, portal.clock.today())
    return render(
        request,
        "staff/sanctions.html",
        {"items": items, "done": request.query_params.get("done", "")},
        personal=True,
    )


def review_sanction(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = _form(request)
    today = portal.clock.today()
    person_id = form.integer("person_id", maximum=2**31)
    deadline = form.date("deadline")
    decision = form.choice("decision", ("report", "not_report"))
    reason = form.text("reason", required=decision == "not_report", max_length=500)
    with session_scope(portal.engine) as db:
        if person_id is not None:
            person = _person(db, principal, person_id)
            if form.ok and deadline is not None:
                try:
                    trajectory.review_sanction(
                        db,
                        principal.subject,
                        person,
                        form["kind"],
                        form["pillar"],
                        deadline,
                        decision,
                        reason,
                        today,
                    )
                except ServiceError as error:
                    db.rollback()
                    form.error("reason", error.code)
        if form.ok:
            return RedirectResponse("/staff/sanctions?done=reviewed", status_code=303)
        items = _agency_sanctions(db, principal, today)
    return render(
        request,
        "staff/sanctions.html",
        {"items": items, "form": form, "done": ""},
        personal=True,
        status=400,
    )


def sanctions_csv(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with session_scope(portal.engine) as db:
        items = [i for i in _agency_sanctions(db, principal, portal.clock.today()) if i["review"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "national_number",
            "family_name",
            "given_name",
            "fact",
            "pillar",
            "deadline",
            "decision",
            "reason",
            "reviewed_by",
            "reviewed_at",
        ]
    )
    for item in items:
        person, fact, review = item["person"], item["fact"], item["review"]
        writer.writerow(
            [
                csv_safe(person.national_number or ""),
                csv_safe(person.family_name),
                csv_safe(person.given_name),
                fact.kind,
                fact.pillar.value,
                fact.deadline.isoformat(),
                review.decision,
                csv_safe(review.reason),
                csv_safe(review.reviewed_by),
                review.reviewed_at.isoformat(),
            ]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="sanction-facts.csv"',
            "Cache-Control": "no-store",
        },
    )


# ------------------------------------------------------------------------------- attest


def attest(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = _person_id(request)
    form = _form(request) if request.method == "POST" else Form()
    with session_scope(portal.engine) as db:
        dossier = _dossier(db, principal, person_id)
        if request.method == "POST":
            if not form.flag("confirm"):
                form.error("confirm", "confirmation_required")
            else:
                try:
                    trajectory.issue_attest(db, principal.subject, dossier.person, today)
                except ServiceError as error:
                    db.rollback()
                    form.error("confirm", error.code)
                else:
                    return _back(person_id, "attest_issued")
        context = dossier_context(dossier, today)
    context.update({"form": form})
    return render(
        request,
        "staff/attest.html",
        context,
        personal=True,
        status=400 if request.method == "POST" else 200,
    )


def routes() -> list[Any]:
    post = ("GET", "POST")
    return [
        route("/staff", caseload, Audience.COUNSELLOR),
        route("/staff/persons/new", intake, Audience.COUNSELLOR, methods=post),
        route("/staff/persons/{person_id:id}", person_page, Audience.COUNSELLOR),
        route(
            "/staff/persons/{person_id:id}/contract",
            contract_form,
            Audience.COUNSELLOR,
            methods=post,
        ),
        route(
            "/staff/persons/{person_id:id}/contract/paper",
            paper_signature,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route(
            "/staff/persons/{person_id:id}/facts/new/{kind}",
            fact_form,
            Audience.COUNSELLOR,
            methods=post,
        ),
        route(
            "/staff/persons/{person_id:id}/facts/{fact_id:id}/withdraw",
            withdraw_fact,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route("/staff/persons/{person_id:id}/attest", attest, Audience.COUNSELLOR, methods=post),
        route("/staff/sanctions", sanctions, Audience.COUNSELLOR),
        route("/staff/sanctions/review", review_sanction, Audience.COUNSELLOR, methods=("POST",)),
        route("/staff/sanctions.csv", sanctions_csv, Audience.COUNSELLOR),
    ]


__all__ = ["FactKind", "evaluate", "json", "routes"]
