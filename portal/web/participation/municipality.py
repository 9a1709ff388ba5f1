"""The municipality officer's pillar-4 pages: the queue of its residents' submissions, one
submission with the decision, and the export of the hours it confirmed. What an officer may
see is decided by the service (current residents, or what the municipality decided)."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services import participation as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.services.participation import questions
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.exports import csv_safe
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.participation.common import detail_context, municipality_id_of, path_id
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped

DECISION_FIELDS = {
    "choose": "decision",
    "confirmed_range": "confirmed",
    "reason_missing": "reason",
    "reason_long": "reason",
}


def municipality_home(request: Request) -> Response:
    with scoped(portal_of(request)) as db:
        home = svc.home(db, municipality_id_of(request))
        open_questions = questions.open_questions(db, principal_of(request))
    return render(
        request,
        "staff/municipality_home.html",
        {
            "municipality": home.municipality,
            "waiting": home.waiting,
            "decided": home.decided,
            "questions": open_questions,
            "done": request.query_params.get("done", ""),
        },
        personal=True,
    )


def _officer_context(view: svc.OfficerView) -> dict[str, Any]:
    context = detail_context(view)
    context["person"] = view.person
    context["may_decide"] = view.may_decide
    return context


def officer_activity_page(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = municipality_id_of(request)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        view = svc.open_for_officer(
            db,
            municipality_id,
            path_id(request, "activity_id"),
            actor=principal_of(request).subject,
        )
    context = _officer_context(view)
    context["form"] = Form()
    context["stale"] = request.query_params.get("stale") == "1"
    return render(request, "staff/municipality_activity.html", context, personal=True)


def decide(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = municipality_id_of(request)
    activity_id = path_id(request, "activity_id")
    form = Form(request.state.form)
    decision = form.get("decision")
    confirmed_text = form.get("confirmed")
    confirmed: int | None = None
    if decision == "confirm_part":
        confirmed = form.integer("confirmed", minimum=1, maximum=100_000)
    error_code: str | None = None
    if form.ok:
        try:
            with unit.work(portal.engine) as db:
                svc.decide(
                    db,
                    municipality_id,
                    activity_id,
                    decision,
                    confirmed=confirmed,
                    reason=form.get("reason"),
                    actor=principal_of(request).subject,
                    now=portal.clock.now(),
                    today=portal.clock.today(),
                )
        except ServiceError as error:
            if error.code == "unknown_activity":
                raise HTTPException(status_code=404) from None
            if error.code == "not_waiting":  # another officer decided meanwhile
                return RedirectResponse(
                    f"/municipality/activities/{activity_id}?stale=1", status_code=303
                )
            error_code = error.code
    if form.ok and error_code is None:
        return RedirectResponse(f"/municipality?done={decision}", status_code=303)
    if error_code:
        form.error(DECISION_FIELDS.get(error_code, "decision"), error_code)
    form.values["confirmed"] = confirmed_text
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        view = svc.officer_view(db, municipality_id, activity_id)
    context = _officer_context(view)
    context["form"] = form
    context["stale"] = False
    return render(request, "staff/municipality_activity.html", context, status=400, personal=True)


CSV_COLUMNS = [
    "family_name",
    "given_name",
    "birth_date",
    "activity",
    "organisation",
    "start",
    "end",
    "hours_claimed",
    "hours_confirmed",
    "decided_on",
    "decided_by",
]


def export_csv(request: Request) -> Response:
    municipality_id = municipality_id_of(request)
    with unit.work(portal_of(request).engine) as db:
        rows = svc.export_confirmed(db, municipality_id, actor=principal_of(request).subject)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for activity, person in rows:
        writer.writerow(
            [
                csv_safe(person.family_name),
                csv_safe(person.given_name),
                person.birth_date.isoformat(),
                activity.kind,
                csv_safe(activity.organisation),
                activity.start_on.isoformat() if activity.start_on else "",
                activity.end_on.isoformat() if activity.end_on else "",
                activity.hours_claimed,
                activity.hours_confirmed,
                activity.decided_at.astimezone(BRUSSELS).date().isoformat()
                if activity.decided_at
                else "",
                csv_safe(activity.decided_by),
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="confirmed-participation-hours.csv"',
            "Cache-Control": "no-store",
        },
    )


def routes() -> list[Any]:
    activity = "/municipality/activities/{activity_id:id}"
    return [
        route("/municipality", municipality_home, Audience.MUNICIPALITY),
        route(activity, officer_activity_page, Audience.MUNICIPALITY),
        route(activity + "/decision", decide, Audience.MUNICIPALITY, ("POST",)),
        route("/municipality/export.csv", export_csv, Audience.MUNICIPALITY),
    ]
