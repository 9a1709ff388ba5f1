"""The counsellor's caseload (what needs attention first) and a person's page."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from portal import labels
from portal.services import caseload as caseload_service
from portal.services import conversations
from portal.web.citizen import dossier_context
from portal.web.context import portal_of
from portal.web.counsellor.common import person_id_of, scoped
from portal.web.counsellor.facts import FACT_KINDS, SANCTION_KINDS
from portal.web.pages import render
from portal.web.routing import principal_of


def page_link(path: str, params: dict[str, str], after: str = "", before: str = "") -> str:
    """A link to a page of a list: its filters (those given) and the cursor of the page (the
    page after the line `after`, or before the line `before`)."""
    cursor = {"after": after, "before": before}
    given = {name: value for name, value in {**params, **cursor}.items() if value}
    return f"{path}?{urlencode(given)}" if given else path


def caseload(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    query = request.query_params.get("q", "").strip()[:100]
    kind = request.query_params.get("kind", "")
    if kind not in caseload_service.ATTENTION_ORDER:
        kind = ""
    after = request.query_params.get("after", "")[:200]
    before = request.query_params.get("before", "")[:200]
    with scoped(portal) as db:
        found = caseload_service.caseload(
            db, principal, query, portal.clock.today(), kind=kind, after=after, before=before
        )
        unread = conversations.unread_in_inbox(db, principal)
    params = {"q": query, "kind": kind}
    return render(
        request,
        "staff/counsellor_home.html",
        {
            "agency": found.agency,
            "rows": found.rows,
            "query": query,
            "kind": kind,
            "kinds": caseload_service.ATTENTION_ORDER,
            "matches": found.matches,
            "more": found.more,
            "up_to_date": found.up_to_date,
            "paged": bool(found.prev_before),
            "next_url": page_link("/staff", params, found.next_after) if found.next_after else "",
            "prev_url": (
                page_link("/staff", params, before=found.prev_before) if found.prev_before else ""
            ),
            "start_url": page_link("/staff", params),
            "unread_conversations": unread,
        },
        personal=True,
    )


def person_page(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    with scoped(portal) as db:
        file = caseload_service.person_file(db, principal, person_id_of(request), today)
    context = dossier_context(file.dossier, today)
    shown = file.dossier.preview(today) or context["evaluation"]  # unsigned: as if signed today
    region = file.dossier.municipality.region
    context.update(
        {
            "valid_until": shown.valid_until,
            "validity_gaps": [
                (labels.pillar_name(pillar.value, region), deadline)
                for pillar, deadline in shown.deadlines_after_validity
            ],
            "sanction_items": file.sanctions,
            "history": file.history,
            "done": request.query_params.get("done", ""),
            "fact_kinds": FACT_KINDS,
            "sanction_fact_kinds": SANCTION_KINDS,
            "course_counts": file.course_counts,
            "activities": file.activities,
        }
    )
    return render(request, "staff/person.html", context, personal=True)
