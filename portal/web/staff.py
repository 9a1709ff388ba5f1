"""Landing pages for staff and organisation users. Their own work arrives in later issues; what
is here is scoped: a counsellor sees the persons of their own agency only."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.app import portal_of
from portal.db import models as m
from portal.db.engine import session_scope
from portal.services.dossier import load_dossier
from portal.web.citizen import dossier_context
from portal.web.pages import render
from portal.web.routing import Audience, Principal, route

CASELOAD_PAGE = 100


def counsellor_home(request: Request) -> Response:
    portal = portal_of(request)
    principal: Principal = request.state.principal
    query = request.query_params.get("q", "").strip()[:100]
    with session_scope(portal.engine) as db:
        agency = db.get(m.Agency, principal.agency_id)
        statement = (
            select(m.Person, m.Municipality)
            .join(m.Municipality, m.Municipality.id == m.Person.municipality_id)  # type: ignore[arg-type]
            .where(m.Person.agency_id == principal.agency_id)
        )
        if query:
            like = f"%{query.lower()}%"
            statement = statement.where(
                m.Person.given_name.ilike(like)  # type: ignore[attr-defined]
                | m.Person.family_name.ilike(like)  # type: ignore[attr-defined]
                | (m.Person.national_number == query)
            )
        rows = db.exec(
            statement.order_by(m.Person.family_name, m.Person.given_name).limit(CASELOAD_PAGE)  # type: ignore[arg-type]
        ).all()
    return render(
        request,
        "staff/counsellor_home.html",
        {"agency": agency, "rows": rows, "query": query},
        personal=True,
    )


def counsellor_person(request: Request) -> Response:
    portal = portal_of(request)
    principal: Principal = request.state.principal
    today = portal.clock.today()
    with session_scope(portal.engine) as db:
        dossier = load_dossier(
            db, int(request.path_params["person_id"]), agency_id=principal.agency_id
        )
        if dossier is None:
            raise HTTPException(status_code=404)
        context = dossier_context(dossier, today)
    return render(request, "staff/person.html", context, personal=True)


def municipality_home(request: Request) -> Response:
    portal = portal_of(request)
    principal: Principal = request.state.principal
    with session_scope(portal.engine) as db:
        municipality = db.get(m.Municipality, principal.municipality_id)
    return render(
        request, "staff/municipality_home.html", {"municipality": municipality}, personal=True
    )


def interpreting_home(request: Request) -> Response:
    portal = portal_of(request)
    principal: Principal = request.state.principal
    with session_scope(portal.engine) as db:
        service = db.get(m.InterpretingService, principal.interpreting_service_id)
    return render(request, "staff/interpreting_home.html", {"service": service}, personal=True)


def admin_home(request: Request) -> Response:
    return render(request, "staff/admin_home.html", {}, personal=True)


def admin_mailbox(request: Request) -> Response:
    """What the portal sent by e-mail (the development mailbox, and a log in production)."""
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        emails = db.exec(
            select(m.OutboxEmail).order_by(m.OutboxEmail.id.desc()).limit(100)  # type: ignore[union-attr]
        ).all()
    return render(
        request,
        "staff/mailbox.html",
        {"emails": emails, "mailer": portal.mailer.kind},
        personal=True,
    )


def routes() -> list[Any]:
    return [
        route("/staff", counsellor_home, Audience.COUNSELLOR),
        route("/staff/persons/{person_id:int}", counsellor_person, Audience.COUNSELLOR),
        route("/municipality", municipality_home, Audience.MUNICIPALITY),
        route("/interpreting", interpreting_home, Audience.INTERPRETING),
        route("/admin", admin_home, Audience.ADMIN),
        route("/admin/mailbox", admin_mailbox, Audience.ADMIN),
    ]
