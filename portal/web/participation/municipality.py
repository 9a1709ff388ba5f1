"""The municipality officer's pillar-4 pages: the queue of its residents' submissions, one
submission with the decision, and the export of the hours it confirmed. What an officer may
see is decided by the service (current residents, or what the municipality decided)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import lazy_gettext as N_
from portal.labels import activity_kind_name, activity_status_name
from portal.services import participation as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.services.participation import questions
from portal.web.context import portal_of
from portal.web.exports import Column, csv_response, iso_date, read_period
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


QUEUE_STATUSES = svc.WAITING  # the statuses of the queue, as the service knows them


def _cursor(value: str) -> int | None:
    """An activity id from a page link; anything else is no cursor (the first page)."""
    return int(value) if value.isdigit() and len(value) < 10 else None


def municipality_home(
    request: Request, export_form: Form | None = None, status: int = 200
) -> Response:
    """The queue a page at a time (`after`: the last activity of the page before; `before`:
    the first of the page after), with a search on names and organisations and a status
    filter (plain GET: works without JavaScript, and a page can be bookmarked)."""
    params = request.query_params
    after = params.get("after", "")
    before = params.get("before", "")
    search = params.get("q", "").strip()[:100]
    waiting_status = params.get("status", "")
    if waiting_status not in QUEUE_STATUSES:
        waiting_status = ""
    with scoped(portal_of(request)) as db:
        home = svc.home(
            db,
            municipality_id_of(request),
            after=_cursor(after),
            before=_cursor(before),
            search=search,
            status=waiting_status,
        )
        open_questions = questions.open_questions(db, principal_of(request), limit=10)
        questions_waiting = questions.open_question_count(db, principal_of(request))
    filters = {k: v for k, v in (("q", search), ("status", waiting_status)) if v}
    return render(
        request,
        "staff/municipality_home.html",
        {
            "municipality": home.municipality,
            "waiting": home.waiting.rows,
            "waiting_total": home.waiting.total,
            "next_page": (
                "/municipality?" + urlencode({**filters, "after": home.waiting.after})
                if home.waiting.after is not None
                else ""
            ),
            "prev_page": (
                "/municipality?" + urlencode({**filters, "before": home.waiting.before})
                if home.waiting.before is not None
                else ""
            ),
            "first_page": (
                "/municipality?" + urlencode(filters) if home.waiting.before is not None else ""
            ),
            "search": search,
            "status": waiting_status,
            "status_options": [(s, activity_status_name(s)) for s in QUEUE_STATUSES],
            "decided": home.decided,
            "questions": open_questions,
            "questions_waiting": questions_waiting,
            "done": params.get("done", ""),
            "form": export_form or Form(),
        },
        personal=True,
        status=status,
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


Line = svc.ConfirmedHours

# The export of the hours the municipality confirmed, in the reader's language (see
# portal.web.exports).
CSV_COLUMNS: tuple[Column[Line], ...] = (
    Column(N_("Last name"), lambda line: line.family_name),
    Column(N_("First name"), lambda line: line.given_name),
    Column(N_("Date of birth"), lambda line: iso_date(line.birth_date)),
    Column(N_("Kind of activity"), lambda line: activity_kind_name(line.kind)),
    Column(N_("Organisation"), lambda line: line.organisation),
    Column(N_("First day"), lambda line: iso_date(line.start_on)),
    Column(N_("Last day"), lambda line: iso_date(line.end_on)),
    Column(N_("Hours claimed"), lambda line: line.hours_claimed),
    Column(N_("Hours confirmed"), lambda line: line.hours_confirmed),
    Column(N_("Decided on"), lambda line: iso_date(line.decided_at)),
    Column(N_("Decided by"), lambda line: line.decided_by),
)


def export_csv(request: Request) -> Response:
    """The hours the municipality confirmed, one row per activity, in the request's language,
    of any size (streamed), optionally of a period (`from`, `to`: days the decisions were made,
    both included). A wrong period shows the page again with the error; nothing is exported."""
    period, start, end = read_period(request.query_params)
    if not period.ok:
        return municipality_home(request, export_form=period, status=400)
    rows = svc.export_confirmed(
        portal_of(request).engine,
        municipality_id_of(request),
        actor=principal_of(request).subject,
        start=start,
        end=end,
    )
    name = "confirmed-participation-hours"
    if start or end:
        name += f"-{start.isoformat() if start else 'start'}-{end.isoformat() if end else 'now'}"
    return csv_response(CSV_COLUMNS, rows, f"{name}.csv")


def routes() -> list[Any]:
    activity = "/municipality/activities/{activity_id:id}"
    return [
        route("/municipality", municipality_home, Audience.MUNICIPALITY),
        route(activity, officer_activity_page, Audience.MUNICIPALITY),
        route(activity + "/decision", decide, Audience.MUNICIPALITY, ("POST",)),
        route("/municipality/export.csv", export_csv, Audience.MUNICIPALITY),
    ]
