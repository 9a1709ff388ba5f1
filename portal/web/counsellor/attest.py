"""Issuing the integration certificate, after the counsellor checked the person's file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.services import agency_scope
from portal.services import attest as attest_service
from portal.services.errors import ServiceError
from portal.web.citizen import dossier_context
from portal.web.context import portal_of
from portal.web.counsellor.common import back, form_of, person_id_of, scoped
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import principal_of


def attest(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    person_id = person_id_of(request)
    form = form_of(request) if request.method == "POST" else Form()
    with scoped(portal) as db:
        dossier = agency_scope.dossier_in_scope(db, principal, person_id)
    if request.method == "POST":
        if not form.flag("confirm"):
            form.error("confirm", "confirmation_required")
        else:
            try:
                with scoped(portal) as db:
                    attest_service.issue(db, principal, person_id, today)
            except ServiceError as error:
                form.error("confirm", error.code)
            else:
                return back(person_id, "attest_issued")
    context = dossier_context(dossier, today)
    context.update({"form": form})
    return render(
        request,
        "staff/attest.html",
        context,
        personal=True,
        status=400 if request.method == "POST" else 200,
    )
