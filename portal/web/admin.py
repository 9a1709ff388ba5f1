"""Administrators manage access and reference data in the portal: who holds which role (grant,
end with a successor for a caseload, the history of ended grants), agencies and their offices
(what newcomers need to reach them), municipalities and interpreting services, and read the audit
log with filters. Every change goes through services/admin.py, which audits it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal import labels
from portal.services import admin as svc
from portal.services import unit
from portal.services.audit_log import AuditFilter, audit_entries
from portal.web.context import portal_of
from portal.web.forms import Form, row_id, submit
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route

N_ = labels.N_
ROLES = ("counsellor", "municipality", "interpreting", "admin")
ERROR_FIELDS = {
    "subject_required": "subject",
    "exists": "subject",
    "invalid_role": "role",
    "agency_required": "office",
    "unknown_agency": "office",
    "municipality_required": "municipality",
    "unknown_municipality": "municipality",
    "service_required": "service",
    "unknown_service": "service",
    "successor_required": "successor",
    "invalid_successor": "successor",
}


def _role_options() -> list[tuple[str, str]]:
    return [(role, labels.role_name(role)) for role in ROLES]


def _access_context(form: Form | None = None, **extra: Any) -> dict[str, Any]:
    return {"form": form or Form({"role": "counsellor"}), **extra}


def access_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        held, ended = svc.grants_overview(db)
        places = svc.organisations(db)
    return render(
        request,
        "staff/admin_access.html",
        {
            "form": form or Form({"role": "counsellor"}),
            "held": held,
            "ended": ended,
            "role_options": _role_options(),
            "role_name": lambda role: labels.gettext(
                labels.ROLE_NAMES.get(role, N_("Unknown role"))
            ),
            "office_options": [
                (str(office.id), f"{agency.name}, {office.name}")
                for agency, offices in places.agencies
                for office in offices
                if office.active
            ],
            "municipality_options": [(x.nis_code, x.name_nl) for x in places.municipalities],
            "service_options": [(x.name, x.name) for x in places.services],
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def access(request: Request) -> Response:
    return access_page(request)


def grant(request: Request) -> Response:
    form = Form(request.state.form)
    subject = form.text("subject", max_length=255)
    name = form.text("display_name", max_length=200)
    role = form.choice("role", ROLES)
    office = form.integer("office", required=role == "counsellor", maximum=2**31)
    municipality = form.text("municipality", required=role == "municipality", max_length=5)
    service = form.text("service", required=role == "interpreting", max_length=200)
    return submit(
        request,
        form,
        lambda db: svc.grant(
            db,
            principal_of(request).subject,
            subject,
            role,
            name,
            office_id=office if role == "counsellor" else None,
            municipality=municipality if role == "municipality" else None,
            service=service if role == "interpreting" else None,
        ),
        again=lambda form, status: access_page(request, form, status),
        done="/admin/access?done=granted",
        fields=ERROR_FIELDS,
        field="subject",
    )


def _grant_id(request: Request) -> int:
    grant_id = row_id(request.path_params["grant_id"])
    if grant_id is None:
        raise HTTPException(status_code=404)
    return grant_id


def end_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        row = svc.held_grant_by_id(db, _grant_id(request))
        if row is None:
            raise HTTPException(status_code=404)
        caseload = svc.caseload_size(db, _grant_id(request))
        successors = svc.successors_for(db, row) if caseload else []
    return render(
        request,
        "staff/admin_end_grant.html",
        {
            "grant": row,
            "role_name": labels.role_name(row.role),
            "caseload": caseload,
            "successor_options": [(g.subject, g.display_name or g.subject) for g in successors],
            "form": form or Form(),
        },
        personal=True,
        status=status,
    )


def end_grant(request: Request) -> Response:
    if request.method == "GET":
        return end_page(request)
    portal = portal_of(request)
    form = Form(request.state.form)
    reason = form.text("reason", max_length=300)
    successor = form.text("successor", required=False, max_length=255)

    def end(db: unit.Db) -> None:
        row = svc.held_grant_by_id(db, _grant_id(request))
        if row is None:
            raise HTTPException(status_code=404)
        svc.revoke(
            db,
            principal_of(request).subject,
            row.subject,
            row.role,
            now=portal.clock.now(),
            reason=reason,
            successor=successor or None,
        )

    return submit(
        request,
        form,
        end,
        again=lambda form, status: end_page(request, form, status),
        done="/admin/access?done=ended",
        fields=ERROR_FIELDS,
        field="reason",
    )


# ------------------------------------------------------------------ organisations


def organisations_page(
    request: Request, forms: dict[str, Form] | None = None, status: int = 200
) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        places = svc.organisations(db)
    forms = forms or {}
    return render(
        request,
        "staff/admin_organisations.html",
        {
            "places": places,
            "forms": forms,
            "new_office": forms.get("new_office") or Form(),
            "new_agency": forms.get("new_agency") or Form(),
            "new_municipality": forms.get("new_municipality") or Form({"region": "flanders"}),
            "new_service": forms.get("new_service") or Form(),
            "agency_options": [(str(a.id), a.name) for a, _ in places.agencies],
            "region_options": [
                ("flanders", labels.gettext(N_("Flemish Region"))),
                ("brussels", labels.gettext(N_("Brussels-Capital Region"))),
            ],
            "office_form": lambda office: (
                forms.get(f"office_{office.id}")
                or Form({name: getattr(office, name) for name in svc.OFFICE_FIELDS})
            ),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def organisations(request: Request) -> Response:
    return organisations_page(request)


def _office_form_values(form: Form) -> dict[str, str]:
    return {
        name: form.text(name, required=name == "name", max_length=500) for name in svc.OFFICE_FIELDS
    }


def add_office(request: Request) -> Response:
    form = Form(request.state.form)
    agency = form.integer("agency", maximum=2**31)
    values = _office_form_values(form)

    def add(db: unit.Db) -> None:
        assert agency is not None  # the form is ok
        svc.add_office(db, principal_of(request).subject, agency, values)

    return submit(
        request,
        form,
        add,
        again=lambda form, status: organisations_page(request, {"new_office": form}, status),
        done="/admin/organisations?done=office",
        fields={"unknown_agency": "agency"},
        field=lambda error: error.detail,
    )


def change_office(request: Request) -> Response:
    office_id = row_id(request.path_params["office_id"])
    form = Form(request.state.form)
    values = _office_form_values(form)
    if office_id is None:
        raise HTTPException(status_code=404)
    return submit(
        request,
        form,
        lambda db: svc.change_office(db, principal_of(request).subject, office_id, values),
        again=lambda form, status: organisations_page(
            request, {f"office_{office_id}": form}, status
        ),
        done=f"/admin/organisations?done=office#office-{office_id}",
        field=lambda error: error.detail,
        not_found=("unknown_office",),
    )


def add_agency(request: Request) -> Response:
    form = Form(request.state.form)
    code = form.text("agency_code", max_length=40)
    name = form.text("agency_name", max_length=200)
    office = form.text("first_office", required=False, max_length=200)
    return submit(
        request,
        form,
        lambda db: svc.add_agency(db, principal_of(request).subject, code, name, office),
        again=lambda form, status: organisations_page(request, {"new_agency": form}, status),
        done="/admin/organisations?done=agency",
        fields={"name_required": "agency_name"},
        field="agency_code",
    )


def add_municipality(request: Request) -> Response:
    form = Form(request.state.form)
    nis = form.text("nis", max_length=5)
    name_nl = form.text("name_nl", max_length=100)
    name_fr = form.text("name_fr", required=False, max_length=100)
    province = form.text("province", required=False, max_length=60)
    region = form.choice("region", ("flanders", "brussels"))
    return submit(
        request,
        form,
        lambda db: svc.add_municipality(
            db, principal_of(request).subject, nis, name_nl, region, name_fr, province
        ),
        again=lambda form, status: organisations_page(request, {"new_municipality": form}, status),
        done="/admin/organisations?done=municipality",
        fields={"invalid_region": "region", "name_required": "name_nl"},
        field="nis",
    )


def add_service(request: Request) -> Response:
    form = Form(request.state.form)
    name = form.text("service_name", max_length=200)
    return submit(
        request,
        form,
        lambda db: svc.add_interpreting_service(db, principal_of(request).subject, name),
        again=lambda form, status: organisations_page(request, {"new_service": form}, status),
        done="/admin/organisations?done=service",
        field="service_name",
    )


# ------------------------------------------------------------------ the audit log


def audit_log(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(dict(request.query_params))
    wanted = AuditFilter(
        person=form.text("person", required=False, max_length=100),
        actor=form.text("actor", required=False, max_length=255),
        action=form.choice("action", tuple(labels.ACTION_NAMES), required=False),
        since=form.date("since", required=False),
        until=form.date("until", required=False),
    )
    before = form.integer("before", required=False, maximum=2**62)
    entries = []
    if form.ok:
        with unit.work(portal.engine) as db:
            entries = audit_entries(db, wanted, before_id=before, limit=PAGE + 1)
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    query = {k: v for k, v in request.query_params.items() if k != "before" and v}
    older = None
    if more and entries:
        older = "?" + urlencode({**query, "before": entries[-1].id})
    return render(
        request,
        "staff/admin_audit.html",
        {
            "form": form,
            "entries": entries,
            "older": older,
            "action_options": sorted(
                ((code, labels.gettext(name)) for code, name in labels.ACTION_NAMES.items()),
                key=lambda option: option[1],
            ),
            "action_name": labels.action_name,
        },
        personal=True,
        status=200 if form.ok else 400,
    )


PAGE = 50


def routes() -> list[Any]:
    return [
        route("/admin/access", access, Audience.ADMIN),
        route("/admin/access", grant, Audience.ADMIN, ("POST",), name="grant_role"),
        route("/admin/access/{grant_id:id}/end", end_grant, Audience.ADMIN, ("GET", "POST")),
        route("/admin/organisations", organisations, Audience.ADMIN),
        route("/admin/organisations/agencies", add_agency, Audience.ADMIN, ("POST",)),
        route("/admin/organisations/offices", add_office, Audience.ADMIN, ("POST",)),
        route(
            "/admin/organisations/offices/{office_id:id}",
            change_office,
            Audience.ADMIN,
            ("POST",),
        ),
        route("/admin/organisations/municipalities", add_municipality, Audience.ADMIN, ("POST",)),
        route("/admin/organisations/services", add_service, Audience.ADMIN, ("POST",)),
        route("/admin/audit", audit_log, Audience.ADMIN),
    ]
