"""The newcomer's own pages: My integration, My plan, My contract, the certificate, Inbox.
Records are always fetched through services scoped to the signed-in person."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.domain.evaluate import Evaluation
from portal.domain.model import Eligibility
from portal.domain.rules import rules_on
from portal.i18n import current_language
from portal.services import conversations, guide, notify, trajectory, unit
from portal.services.caller import Principal
from portal.services.contract_texts import contract_texts
from portal.services.dashboard import dashboard_for
from portal.services.dossier import Dossier, dossier_for
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.guide import guide_context
from portal.web.pages import render, render_kept
from portal.web.routing import Audience, principal_of, route

INBOX_PAGE = 50


def _own_dossier(db: unit.Db, principal: Principal, *, amendments: bool = True) -> Dossier:
    dossier = dossier_for(db, principal, amendments=amendments)
    if dossier is None:
        raise HTTPException(status_code=404)
    return dossier


def evaluation_context(
    evaluation: Evaluation, region: str, today: Any, participation_hours: int
) -> dict[str, Any]:
    """What the rules say on `today`, in the reader's words: the pillars, alerts and next
    deadlines (the dashboard, the plan, the counsellor's view of a person)."""
    pillars = [
        {
            "view": view,
            "name": labels.pillar_name(view.pillar.value, region),
            "hint": labels.gettext(labels.PILLAR_HINTS[view.pillar.value]),
            "status": labels.status_name(view.status.value),
            "days_left": (view.deadline - today).days if view.deadline else None,
        }
        for view in evaluation.pillars
    ]
    alerts = [
        {"alert": alert, "name": labels.pillar_name(alert.pillar.value, region)}
        for alert in evaluation.alerts
    ]
    upcoming = [
        {"name": labels.pillar_name(p.value, region), "deadline": d, "days_left": (d - today).days}
        for p, d in evaluation.upcoming
    ]
    return {
        "participation_hours": participation_hours,
        "evaluation": evaluation,
        "eligible": evaluation.eligibility in {Eligibility.OBLIGED, Eligibility.VOLUNTARY},
        "obliged": evaluation.eligibility is Eligibility.OBLIGED,
        "eligibility_name": labels.gettext(labels.ELIGIBILITY_NAMES[evaluation.eligibility.value]),
        "pillars": pillars,
        "alerts": alerts,
        "upcoming": upcoming,
        "variant_names": labels.VARIANT_NAMES,
        "gettext": labels.gettext,
    }


def dossier_context(
    dossier: Dossier, today: Any, evaluation: Evaluation | None = None
) -> dict[str, Any]:
    """What the plan pages show, for the person or their counsellor (with `evaluation`, what
    another view of the dossier says, e.g. as if signed today)."""
    evaluation = evaluation or dossier.evaluate(today)
    signed_on = dossier.contract.signed_on if dossier.contract else None
    context = evaluation_context(
        evaluation,
        dossier.municipality.region,
        today,
        rules_on(signed_on or today).participation_hours,
    )
    by_pillar = {c.pillar: c for c in dossier.components}
    for item in context["pillars"]:
        item["component"] = by_pillar.get(item["view"].pillar.value)
    context.update(
        dossier=dossier,
        person=dossier.person,
        given_name=dossier.person.given_name,
        agency=dossier.agency,
    )
    return context


async def dashboard(request: Request) -> Response:
    """My integration: the page kept for the person (services.dashboard), in their words. It
    answers on the event loop when the kept page is still true (usually without a query: the
    worker keeps it too), and from the page this worker rendered for it when it has one;
    otherwise the page is computed in a thread."""
    portal = portal_of(request)
    now = portal.clock.now()
    mine = await dashboard_for(portal.reader, portal.engine, principal_of(request), now)
    if mine is None:
        raise HTTPException(status_code=404)
    page = mine.dashboard

    def context() -> dict[str, Any]:
        values = evaluation_context(
            page.evaluation, page.region, now.date(), page.participation_hours
        )
        values.update(
            given_name=page.given_name,
            agency=page.agency,
            has_contract=page.has_contract,
            signed_on=page.signed_on,
            attest_issued_on=page.attest_issued_on,
            unread=mine.unread,
        )
        if page.guide is not None:
            values.update(guide_context(page.guide, page.region))
        return values

    template = "citizen/dashboard.html" if page.guide is not None else "citizen/not_eligible.html"
    if mine.kept is None:
        return render(request, template, context(), personal=True)
    return render_kept(request, template, (mine.kept, mine.unread), context)


def plan(request: Request) -> Response:
    portal = portal_of(request)
    today = portal.clock.today()
    with unit.work(portal.engine) as db:
        dossier = _own_dossier(db, principal_of(request))
        evaluation = dossier.evaluate(today)
        context = dossier_context(dossier, today, evaluation)
        context["unread"] = conversations.unread_total(db, dossier.person_id)
        if context["eligible"]:  # the same truthful statuses as on "My integration"
            found = guide.guide_for(db, dossier, portal.clock.now(), evaluation)
            context.update(guide_context(found, dossier.municipality.region))
    if not context["eligible"]:
        return render(request, "citizen/not_eligible.html", context, personal=True)
    return render(request, "citizen/plan.html", context, personal=True)


def _own_person_id(request: Request) -> int:
    person_id = principal_of(request).person_id
    if person_id is None:
        raise HTTPException(status_code=404)
    return person_id


def inbox(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _own_person_id(request)
    with unit.work(portal.engine) as db:
        messages = notify.inbox(db, person_id, current_language(), limit=INBOX_PAGE)
        unread_messages = notify.unread_count(db, person_id)
        threads = conversations.person_conversations(db, principal_of(request))
    unread_threads = sum(1 for t in threads if t.unread)
    return render(
        request,
        "citizen/inbox.html",
        {
            "messages": messages,
            "threads": threads,
            "unread_messages": unread_messages,
            "unread_threads": unread_threads,
            "unread": unread_messages + unread_threads,
        },
        personal=True,
    )


def message_detail(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _own_person_id(request)
    message_id = int(request.path_params["message_id"])
    with unit.work(portal.engine) as db:
        view = notify.open_message(
            db, person_id, message_id, current_language(), portal.clock.now()
        )
        if view is None:
            raise HTTPException(status_code=404)
        unread = conversations.unread_total(db, person_id)
    return render(
        request,
        "citizen/message.html",
        {"message": view.message, "subject": view.subject, "body": view.body, "unread": unread},
        personal=True,
    )


def contract(request: Request) -> Response:
    """Review the contract, the plan and the declaration in one's language with the Dutch text
    alongside, then sign with an explicit confirmation."""
    portal = portal_of(request)
    principal = principal_of(request)
    language = current_language()
    form = Form(getattr(request.state, "form", None) or {})
    if request.method == "POST":
        if not form.flag("confirm_declaration"):
            form.error("confirm_declaration", "confirmation_required")
        if not form.flag("confirm_contract"):
            form.error("confirm_contract", "confirmation_required")
        if form.ok:
            try:
                with unit.work(portal.engine) as db:
                    dossier = _own_dossier(db, principal)
                    trajectory.sign_online(
                        db,
                        principal.subject,
                        dossier.person,
                        language,
                        contract_texts(dossier, language),
                        True,
                        portal.clock.now(),
                    )
            except ServiceError as error:
                form.error("confirm_contract", error.code)
            else:
                return RedirectResponse("/my/contract?signed=1", status_code=303)
    with unit.work(portal.engine) as db:
        dossier = _own_dossier(db, principal)
        texts = contract_texts(dossier, language)
        unread = conversations.unread_total(db, dossier.person_id)
        today = portal.clock.today()
        preview = dossier.preview(today)  # unsigned: the deadlines it will hold if signed today
        context = dossier_context(dossier, today, preview)
        context["preview"] = preview
    context.update(
        {
            "texts": texts,
            "form": form,
            "unread": unread,
            "just_signed": request.query_params.get("signed") == "1",
            "show_dutch": language != "nl",
        }
    )
    return render(
        request,
        "citizen/contract.html",
        context,
        personal=True,
        status=400 if request.method == "POST" else 200,
    )


def contract_print(request: Request) -> Response:
    """A printable copy: the exact signed text once signed, the current draft before."""
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        dossier = _own_dossier(db, principal_of(request))
    if dossier.contract is None:
        raise HTTPException(status_code=404)
    signed = dossier.contract.signed_text
    texts = signed if signed else contract_texts(dossier, current_language())
    return render(
        request,
        "citizen/contract_print.html",
        {"texts": texts, "dossier": dossier, "contract": dossier.contract},
        personal=True,
    )


def attest_page(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        dossier = _own_dossier(db, principal_of(request))
    if dossier.attest is None:
        raise HTTPException(status_code=404)
    return render(
        request,
        "citizen/attest.html",
        {"dossier": dossier, "attest": dossier.attest, "person": dossier.person},
        personal=True,
    )


def routes() -> list[Any]:
    return [
        route("/my/contract", contract, Audience.CITIZEN, methods=("GET", "POST")),
        route("/my/contract/print", contract_print, Audience.CITIZEN),
        route("/my/attest", attest_page, Audience.CITIZEN),
        route("/my", dashboard, Audience.CITIZEN, stream=True),
        route("/my/plan", plan, Audience.CITIZEN),
        route("/my/inbox", inbox, Audience.CITIZEN),
        route("/my/inbox/{message_id:id}", message_detail, Audience.CITIZEN),
    ]
