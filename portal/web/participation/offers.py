"""The municipality's offer of activities (a newcomer can start a draft from one): the list,
a new activity, and withdrawing or offering one again."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services import participation as svc
from portal.services import unit
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.participation.common import KINDS, kind_options, municipality_id_of, path_id
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def offers_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    with unit.work(portal_of(request).engine) as db:
        page = svc.offers_page(db, municipality_id_of(request))
    return render(
        request,
        "staff/municipality_offers.html",
        {
            "offers": page.offers,
            "municipality": page.municipality,
            "form": form or Form(),
            "kinds": KINDS,
            "kinds_options": kind_options(),
            "added": request.query_params.get("added") == "1",
        },
        status=status,
        personal=True,
    )


def add_offer(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(request.state.form)
    try:
        with unit.work(portal.engine) as db:
            svc.create_offer(
                db,
                municipality_id_of(request),
                principal_of(request).subject,
                kind=form.get("kind"),
                title=form.get("title"),
                organisation=form.get("organisation"),
                description=form.get("description"),
                place=form.get("place"),
                contact=form.get("contact"),
            )
    except svc.ActivityProblems as problems:
        for problem in problems.problems:
            form.error(problem.field, problem.code)
        return offers_page(request, form, status=400)
    return RedirectResponse("/municipality/offers?added=1", status_code=303)


def offer_active(request: Request) -> Response:
    portal = portal_of(request)
    active_now = request.state.form.get("active") == "1"
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        svc.set_offer_active(
            db,
            municipality_id_of(request),
            path_id(request, "offer_id"),
            active_now,
            principal_of(request).subject,
        )
    return RedirectResponse("/municipality/offers", status_code=303)


def routes() -> list[Any]:
    return [
        route("/municipality/offers", offers_page, Audience.MUNICIPALITY),
        route(
            "/municipality/offers", add_offer, Audience.MUNICIPALITY, ("POST",), name="add_offer"
        ),
        route(
            "/municipality/offers/{offer_id:id}/active",
            offer_active,
            Audience.MUNICIPALITY,
            ("POST",),
        ),
    ]
