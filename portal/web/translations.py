"""Translating text staff typed in Dutch: one page per record (an activity offer, a classroom
session, a test centre) with the Dutch original and a field per language. Who may open it is
who may change the original (the services decide the reach; out of reach is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.i18n import LANGUAGE_NAMES
from portal.services import translations as svc
from portal.services import unit
from portal.services.caller import Principal
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import scoped

N_ = labels.N_

FIELD_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "accessibility": N_("Accessibility"),
}


@dataclass(frozen=True)
class Target:
    """One kind of record staff can translate, and where its pages are."""

    path: str  # the record's translation page, with {id}
    back: str  # where "back" goes, with {id}
    name_field: str  # the field that names the record on the page
    load: Callable[[unit.Db, Principal, int], Any]


OFFER = Target(
    "/municipality/offers/{id}/translations",
    "/municipality/offers",
    "title",
    svc.offer_of_municipality,
)
SESSION = Target(
    "/staff/classroom/{id}/translations",
    "/staff/classroom/{id}",
    "title",
    svc.session_of_agency,
)
CENTRE = Target(
    "/admin/test-centres/{id}/translations",
    "/admin/test-centres",
    "name",
    lambda db, caller, record_id: svc.centre(db, record_id),
)


def _page(request: Request, target: Target, record: Any, form: Form, status: int = 200) -> Response:
    kind = type(record).__tablename__
    fields = [
        {"name": f.name, "label": str(FIELD_LABELS[f.name]), "limit": f.limit, "original": original}
        for f in svc.TRANSLATABLE[kind]
        if (original := getattr(record, f.name) or "")
    ]
    return render(
        request,
        "staff/translations.html",
        {
            "form": form,
            "name": getattr(record, target.name_field),
            "fields": fields,
            "languages": svc.LANGUAGES,
            "key": svc.form_key,
            "action": target.path.format(id=record.id),
            "back": target.back.format(id=record.id),
            "saved": request.query_params.get("saved") == "1",
        },
        status=status,
        personal=True,
    )


def _handler(target: Target) -> Callable[[Request], Response]:
    def translations(request: Request) -> Response:
        portal = portal_of(request)
        record_id = int(request.path_params["record_id"])
        caller = principal_of(request)
        if request.method == "GET":
            with scoped(portal) as db:
                record = target.load(db, caller, record_id)
                return _page(request, target, record, Form(svc.form_values(record)))
        form = Form(request.state.form)
        values = dict(form.values)
        try:
            with scoped(portal) as db:
                record = target.load(db, caller, record_id)
                svc.save_translations(db, caller.subject, record, values)
        except svc.TranslationProblems as problems:
            for key, code in problems.problems:
                form.error(key, code)
            with scoped(portal) as db:
                record = target.load(db, caller, record_id)
                return _page(request, target, record, form, status=400)
        return RedirectResponse(target.path.format(id=record_id) + "?saved=1", status_code=303)

    return translations


def routes() -> list[Any]:
    return [
        route(
            "/municipality/offers/{record_id:id}/translations",
            _handler(OFFER),
            Audience.MUNICIPALITY,
            ("GET", "POST"),
            name="offer_translations",
        ),
        route(
            "/staff/classroom/{record_id:id}/translations",
            _handler(SESSION),
            Audience.COUNSELLOR,
            ("GET", "POST"),
            name="session_translations",
        ),
        route(
            "/admin/test-centres/{record_id:id}/translations",
            _handler(CENTRE),
            Audience.ADMIN,
            ("GET", "POST"),
            name="centre_translations",
        ),
        route("/admin/test-centres", centres, Audience.ADMIN),
    ]


def centres(request: Request) -> Response:
    with unit.work(portal_of(request).engine) as db:
        rows = [
            {
                "centre": centre,
                "languages": [
                    LANGUAGE_NAMES[code] for code in svc.LANGUAGES if code in centre.translations
                ],
            }
            for centre in svc.centres(db)
        ]
    return render(request, "staff/admin_test_centres.html", {"rows": rows}, personal=True)
