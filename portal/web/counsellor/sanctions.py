"""Sanction facts of the agency's obliged people: reviewed one by one, and exported."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.services import agency_scope
from portal.services import sanctions as sanctions_service
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.counsellor.common import form_of, scoped
from portal.web.exports import csv_safe
from portal.web.pages import render
from portal.web.routing import principal_of

CSV_COLUMNS = (
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
    "happened_on",
    "days_overdue",
    "fact_reason",
    "classroom_attendance",
    "told",
)


def _told(item: sanctions_service.SanctionItem) -> str:
    """What the portal told the person, when: "<sent at> <message kind> (<days> before)"; ..."""
    return "; ".join(
        f"{t.sent_at.isoformat()} {t.kind}" + (f" ({t.window} days before)" if t.window else "")
        for t in item.told
    )


def sanctions(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with scoped(portal) as db:
        items = sanctions_service.agency_sanctions(db, principal, portal.clock.today())
    return render(
        request,
        "staff/sanctions.html",
        {"items": items, "done": request.query_params.get("done", "")},
        personal=True,
    )


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
        items = sanctions_service.agency_sanctions(db, principal, today)
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
    with scoped(portal) as db:
        items = sanctions_service.agency_sanctions(db, principal, portal.clock.today())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        person, fact, review = item.person, item.fact, item.review
        if review is None:
            continue
        writer.writerow(
            [
                csv_safe(person.national_number or ""),
                csv_safe(person.family_name),
                csv_safe(person.given_name),
                fact.kind,
                fact.pillar.value if fact.pillar else "",
                fact.deadline.isoformat() if fact.deadline else "",
                review.decision,
                csv_safe(review.reason),
                csv_safe(review.reviewed_by),
                review.reviewed_at.isoformat(),
                fact.on.isoformat() if fact.on else "",
                "" if fact.days_overdue is None else fact.days_overdue,
                csv_safe(fact.reason),
                "" if item.attendance is None else "{}/{}".format(*item.attendance),
                _told(item),
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
