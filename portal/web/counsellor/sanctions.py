"""Sanction facts of the agency's obliged people: reviewed one by one, and exported."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.domain.model import PILLARS
from portal.i18n import lazy_gettext as N_
from portal.i18n import ngettext
from portal.labels import pillar_name, review_decision_name, sanction_kind_name, told_name
from portal.services import agency_scope, unit
from portal.services import sanctions as sanctions_service
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.counsellor.caseload import page_link
from portal.web.counsellor.common import form_of, scoped
from portal.web.exports import Column, csv_response, iso_date, iso_moment, read_period
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import principal_of

Item = sanctions_service.SanctionItem
Line = sanctions_service.ReviewedFact
PATH = "/staff/sanctions"
PILLAR_VALUES = tuple(pillar.value for pillar in PILLARS)


def _told(item: Item | Line) -> str:
    """What the portal told the person, oldest first, as the list of sanction facts says it:
    "<sent at>: <message> (<n> days before the deadline)"; ..."""
    return "; ".join(_told_one(told) for told in item.told)


def _told_one(told: sanctions_service.Told) -> str:
    text = f"{iso_moment(told.sent_at)}: {told_name(told.kind)}"
    if told.window:
        days = ngettext(
            "%(num)d day before the deadline", "%(num)d days before the deadline", told.window
        )
        text += f" ({days})"
    return text


# The export of the reviewed sanction facts, in the reader's language (see portal.web.exports).
CSV_COLUMNS: tuple[Column[Line], ...] = (
    Column(N_("National register number"), lambda i: i.national_number),
    Column(N_("Last name"), lambda i: i.family_name),
    Column(N_("First name"), lambda i: i.given_name),
    Column(N_("Fact"), lambda i: sanction_kind_name(i.fact.kind)),
    Column(
        N_("Part of the programme"),
        lambda i: pillar_name(i.fact.pillar.value, i.region) if i.fact.pillar else None,
    ),
    Column(N_("Deadline"), lambda i: iso_date(i.fact.deadline)),
    Column(N_("Decision"), lambda i: review_decision_name(i.decision) if i.decision else None),
    Column(N_("Reason"), lambda i: i.review_reason),
    Column(N_("Reviewed by"), lambda i: i.reviewed_by),
    Column(N_("Reviewed on"), lambda i: iso_moment(i.reviewed_at)),
    Column(N_("Happened on"), lambda i: iso_date(i.fact.on)),
    Column(N_("Days after the term"), lambda i: i.fact.days_overdue),
    Column(N_("Reason recorded"), lambda i: i.fact.reason),
    Column(
        N_("Classroom sessions present (MO)"),
        lambda i: i.attendance[0] if i.attendance else None,
    ),
    Column(
        N_("Classroom sessions recorded (MO)"),
        lambda i: i.attendance[1] if i.attendance else None,
    ),
    Column(N_("What the portal told the person"), _told),
)


def _list_context(request: Request, db: unit.Db, today: date) -> dict[str, object]:
    """The page of the list the request asks for: its filters, its facts, the links."""
    principal = principal_of(request)
    params = request.query_params
    query = params.get("q", "").strip()[:100]
    status = params.get("status", "")
    status = status if status in sanctions_service.STATUSES else ""
    pillar = params.get("pillar", "")
    pillar = pillar if pillar in PILLAR_VALUES else ""
    after = params.get("after", "")[:200]
    before = params.get("before", "")[:200]
    page = sanctions_service.agency_sanctions(
        db, principal, today, query=query, status=status, pillar=pillar, after=after, before=before
    )
    filters = {"q": query, "status": status, "pillar": pillar}
    return {
        "items": page.items,
        "matches": page.matches,
        "more": page.more,
        "up_to_date": page.up_to_date,
        "query": query,
        "status": status,
        "pillar": pillar,
        "pillars": PILLAR_VALUES,
        "paged": bool(page.prev_before),
        "next_url": page_link(PATH, filters, page.next_after) if page.next_after else "",
        "prev_url": page_link(PATH, filters, before=page.prev_before) if page.prev_before else "",
        "start_url": page_link(PATH, filters),
        "export": Form({"from": params.get("from", ""), "to": params.get("to", "")}),
    }


def sanctions(request: Request) -> Response:
    portal = portal_of(request)
    with scoped(portal) as db:
        context = _list_context(request, db, portal.clock.today())
    context["done"] = request.query_params.get("done", "")
    return render(request, "staff/sanctions.html", context, personal=True)


def review_sanction(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = form_of(request)
    today = portal.clock.today()
    person_id = form.integer("person_id", maximum=2**31)
    deadline = form.date("deadline")
    decision = form.choice("decision", ("report", "not_report"))
    reason = form.text("reason", required=decision == "not_report", max_length=500)
    if person_id is not None:
        try:
            with scoped(portal) as db:
                if form.ok and deadline is not None:
                    sanctions_service.review(
                        db,
                        principal,
                        person_id,
                        form["kind"],
                        form["pillar"],
                        deadline,
                        decision,
                        reason,
                        today,
                    )
                else:
                    agency_scope.person_in_scope(db, principal, person_id)
        except ServiceError as error:
            form.error("reason", error.code)
    if form.ok:
        return RedirectResponse("/staff/sanctions?done=reviewed", status_code=303)
    with scoped(portal) as db:
        context = _list_context(request, db, today)
    context.update({"form": form, "done": ""})
    return render(request, "staff/sanctions.html", context, personal=True, status=400)


def sanctions_csv(request: Request) -> Response:
    """The reviewed sanction facts whose day lies in the period asked (`from`, `to`: either may
    be left open), one row each, in the language of the request; streamed from the list's
    table a batch at a time. A day that is not a date: the list with the problem (400)."""
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    period, start, end = read_period(request.query_params)
    if not period.ok:
        with scoped(portal) as db:
            context = _list_context(request, db, today)
        context.update({"export": period, "done": ""})
        return render(request, "staff/sanctions.html", context, personal=True, status=400)
    items = sanctions_service.reviewed_sanctions(portal.engine, principal, today, start, end)
    return csv_response(CSV_COLUMNS, items, "sanction-facts.csv")
