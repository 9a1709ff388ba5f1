"""Recording what happened (facts, a suspension, an exemption, a move) and withdrawing a fact."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal import labels
from portal.domain.model import Level, PeriodKind, Pillar, TestKind
from portal.services import agency_scope, facts, intake
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.counsellor.common import back, form_of, person_id_of, scoped
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import principal_of

FACT_KINDS = (
    "vdab_registered",
    "mo_course_followed",
    "nt2_module_followed",
    "test_result",
    "pillar4_hours",
    "uitgeleerd",
    "period",
    "contract_ended",
    "late_registration",
    "intake_refused",
    "contract_refused",
    "irregular_participation",
    "test_refused",
    "suspension",
    "exemption",
    "move",
)

FIELD_FOR_ERROR = {
    "date_in_future": "on",
    "period_order": "until",
    "reason_required": "reason",
    "suspension_overlaps": "on",
    "suspension_before_signing": "on",
    "no_contract": "on",
    "invalid_hours": "hours",
    "level_required": "level",
    "result_required": "result",
    "same_municipality": "municipality",
    "unknown_municipality": "municipality",
    "move_before_last_move": "on",
    "due_required": "due",
    "not_late": "on",
    "invalid_pillar": "pillar",
    "invalid_test": "test",
}

# The note's triggers (domain.sanctions): recorded with a reason (stored as the fact's note).
SANCTION_KINDS = frozenset(
    {"late_registration", "intake_refused", "contract_refused", "irregular_participation"}
    | {"test_refused"}
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
        "refused_test_options": [(t, labels.test_name(t)) for t in ("mo", "nt2")],
        "period_options": [
            ("work", g(labels.N_("Work"))),
            ("training", g(labels.N_("Training"))),
            ("study", g(labels.N_("Study"))),
        ],
    }


def _read_entry(kind: str, form: Form) -> facts.FactEntry | None:
    """The kind's fields from the form; None while the form has errors."""
    on = form.date("on")
    source = form.text("source", required=False, max_length=100)
    note = form.text("note", required=False, max_length=500)
    entry: dict[str, Any] = {}
    if kind == "suspension":
        entry["until"] = form.date("until")
        entry["reason"] = form.text("reason", max_length=300)
    elif kind == "exemption":
        entry["pillar"] = form.choice("pillar", [p.value for p in Pillar])
        entry["reason"] = form.text("reason", max_length=300)
    elif kind == "move":
        entry["municipality"] = form.text("municipality", max_length=5)
    elif kind in SANCTION_KINDS:
        reason = form.text("reason", required=kind != "late_registration", max_length=500)
        entry.update(source=source, note=reason)
    else:
        entry.update(source=source, note=note)
    if kind == "test_result":
        entry["test"] = form.choice("test", [t.value for t in TestKind])
        result = form.choice("result", ("passed", "failed"))
        entry["passed"] = result == "passed"
        if entry["test"] == TestKind.NT2.value:
            entry["level"] = form.choice("level", [lv.value for lv in Level])
    elif kind == "pillar4_hours":
        entry["hours"] = form.integer("hours", maximum=1000) or 0
    elif kind == "uitgeleerd":
        entry["pillar"] = form.choice("pillar", ("mo", "nt2"))
    elif kind == "period":
        entry["period_kind"] = form.choice("period_kind", [p.value for p in PeriodKind])
        entry["until"] = form.date("until", required=False)
    elif kind == "late_registration":
        entry["due"] = form.date("due")
    elif kind == "irregular_participation":
        entry["pillar"] = form.choice("pillar", ("mo", "nt2"))
    elif kind == "test_refused":
        entry["test"] = form.choice("test", ("mo", "nt2"))
    elif kind == "nt2_module_followed":
        entry["level"] = form.choice("level", [lv.value for lv in Level], required=False) or None
    if not form.ok or on is None or (kind == "suspension" and entry["until"] is None):
        return None
    return facts.FactEntry(kind=kind, on=on, **entry)


def fact_form(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = person_id_of(request)
    kind = request.path_params["kind"]
    if kind not in FACT_KINDS:
        raise HTTPException(status_code=404)
    form = form_of(request) if request.method == "POST" else Form({"on": today.isoformat()})
    with scoped(portal) as db:
        person = agency_scope.person_in_scope(db, principal, person_id)
        municipality_options = intake.municipality_choices(db)
    if request.method == "POST":
        entry = _read_entry(kind, form)
        if entry is not None:
            try:
                with scoped(portal) as db:
                    facts.record(db, principal, person_id, entry, today)
            except ServiceError as error:
                form.error(FIELD_FOR_ERROR.get(error.code, "on"), error.code)
        if form.ok:
            return back(person_id, "fact_recorded")
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


def _fact_id(request: Request) -> int:
    return int(request.path_params["fact_id"])


def withdraw_fact(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    person_id = person_id_of(request)
    form = form_of(request)
    reason = form.text("reason", max_length=300)
    if form.ok:
        try:
            with scoped(portal) as db:
                facts.withdraw(
                    db, principal, person_id, _fact_id(request), reason, portal.clock.now()
                )
        except ServiceError as error:
            if error.code == "unknown_fact":
                raise HTTPException(status_code=404) from None
            form.error("reason", error.code)
        else:
            return back(person_id, "fact_withdrawn")
    with scoped(portal) as db:
        person = agency_scope.person_in_scope(db, principal, person_id)
    return render(
        request, "staff/withdraw.html", {"form": form, "person": person}, personal=True, status=400
    )
