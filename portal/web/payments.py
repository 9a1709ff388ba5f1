"""Payments: what I owe and why, paying through Mollie, the return page that follows the payment
until its result is known, receipts; the Mollie webhook; the counsellor's fees view with waivers
and payments made elsewhere."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from portal import i18n, labels
from portal.adapters.payments.base import FINAL, GatewayRejected, GatewayUnavailable, mollie_locale
from portal.domain.booking_rules import hold_active
from portal.domain.fees import Charge, ChargeKind, Exempt, naming
from portal.domain.rules import rules_on
from portal.services import conversations, unit
from portal.services import payments as service
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, AudienceRoute, principal_of, route
from portal.web.text import paid_for

log = logging.getLogger("portal.web.payments")
N_ = i18n.lazy_gettext


def describe(charge: Charge) -> str:
    """ "MO test, attempt 2", "NT2 module: CVO Gent, 1.2, 80 lesson periods", in the reader's
    language."""
    return labels.fee_description(naming(charge.source))


def reason(charge: Charge, waiver_reason: str = "") -> str:
    """Why the amount is what it is."""
    if charge.exempt is Exempt.BRUSSELS:
        return i18n.gettext("%(amount)s, because you live in the Brussels-Capital Region.") % {
            "amount": i18n.format_money(0)
        }
    if charge.exempt is Exempt.WAIVER:
        return i18n.gettext("%(amount)s, because: %(reason)s") % {
            "amount": i18n.format_money(0),
            "reason": waiver_reason or charge.waiver_reason,
        }
    if charge.exempt is Exempt.INCLUDED:
        return i18n.gettext("Included in the price of your Dutch course.")
    if charge.exempt is Exempt.EXEMPTION_TEST:
        return i18n.gettext("%(amount)s, because you passed the MO exemption test.") % {
            "amount": i18n.format_money(0)
        }
    if charge.capped:
        # Reduced because the NT2 fees that came before it (charged, paid or not) fill the cap.
        numbers = {
            "base": i18n.format_money(charge.base_cents),
            "before": i18n.format_money(charge.nt2_charged_before_cents),
            "cap": i18n.format_money(rules_on(charge.source.arose_on).fee_nt2_cap_cents),
            "amount": i18n.format_money(charge.amount_cents),
        }
        if charge.amount_cents == 0:
            return (
                i18n.gettext(
                    "%(amount)s, because your other fees for Dutch lessons (%(before)s) already "
                    "reach the maximum of %(cap)s."
                )
                % numbers
            )
        return (
            i18n.gettext(
                "%(base)s, but together with your other fees for Dutch lessons (%(before)s) you "
                "reach the maximum of %(cap)s. So you pay %(amount)s."
            )
            % numbers
        )
    return ""


MO_COURSE_WAYS = {
    "blended": N_("You follow it online and in a classroom."),
    "online": N_("You follow it online."),
    "classroom": N_("You follow it in a classroom."),
}

TEST_PURPOSES = {
    ChargeKind.MO_TEST: N_("For the test about life in Flanders."),
    ChargeKind.MO_EXEMPTION_TEST: N_(
        "For the test about life in Flanders, before the course. If you pass it, you do not "
        "have to follow the course."
    ),
    ChargeKind.NT2_TEST: N_("For the Dutch test."),
    ChargeKind.B1_ORAL: N_("For the spoken Dutch test at level B1."),
}


def purpose(line: service.Line) -> str:
    """What the line pays for, in plain words: the course, the lessons of a module, the test
    on its day at its place (when the booking is known)."""
    source, about = line.charge.source, line.about
    match source.kind:
        case ChargeKind.MO_COURSE:
            words = [i18n.gettext("For the course about life in Flanders.")]
            if about.mo_variant in MO_COURSE_WAYS:
                words.append(i18n.gettext(MO_COURSE_WAYS[about.mo_variant]))
        case ChargeKind.NT2_MODULE:
            if about.module and about.provider:
                words = [
                    i18n.gettext("For the Dutch lessons of module %(module)s at %(provider)s.")
                    % {"module": about.module, "provider": about.provider}
                ]
            else:
                words = [i18n.gettext("For the Dutch lessons of this module.")]
        case ChargeKind.NT2_UTC:
            if about.provider:
                words = [
                    i18n.gettext("For your Dutch lessons at %(provider)s.")
                    % {"provider": about.provider}
                ]
            else:
                words = [i18n.gettext("For your Dutch lessons.")]
        case _:
            words = [i18n.gettext(TEST_PURPOSES[source.kind])]
            if about.test_starts_at is not None and about.test_place:
                words.append(
                    i18n.gettext("The test is on %(when)s, in %(place)s.")
                    % {
                        "when": i18n.format_datetime(about.test_starts_at),
                        "place": about.test_place,
                    }
                )
    return " ".join(words)


def when_due(line: service.Line, now: datetime) -> str:
    """When to pay a line still to pay, only where that is known (there are no legal due dates
    for fees): a test fee before the hold on the seat runs out, the MO course fee before the
    course (it opens the online course), an NT2 module before it starts. "" otherwise."""
    if not line.payable:
        return ""
    source, about = line.charge.source, line.about
    if source.kind is ChargeKind.MO_COURSE:
        return i18n.gettext(
            "Pay this before you start the course. The online course opens when this is paid."
        )
    if about.held_until is not None and hold_active(about.held_until, now):
        return i18n.gettext(
            "Pay before %(time)s. If you do not pay in time, your seat goes to someone else."
        ) % {"time": i18n.format_datetime(about.held_until)}
    if source.kind is ChargeKind.NT2_MODULE and about.starts_on and about.starts_on > now.date():
        return i18n.gettext("Pay before the module starts on %(date)s.") % {
            "date": i18n.format_date(about.starts_on)
        }
    return ""


def _lines(statement: service.Statement, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each line with its words; with `now` (the person's own page) also what it is for, when
    to pay it, and whether it opens the online course."""
    return [
        {
            "line": line,
            "description": describe(line.charge),
            "reason": reason(line.charge, line.waiver.reason if line.waiver else ""),
            "purpose": purpose(line) if now else "",
            "due": when_due(line, now) if now else "",
            "course": line.key == service.MO_COURSE_KEY and line.paid is not None,
        }
        for line in statement.lines
    ]


def overview(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    with unit.work(portal.engine) as db:
        own = service.statement_for(db, principal)
        if own is None:
            raise HTTPException(status_code=404)
        unread = conversations.unread_total(db, own.dossier.person_id)
    return render(
        request,
        "citizen/payments.html",
        {
            "statement": own.statement,
            "lines": _lines(own.statement, portal.clock.now()),
            "unread": unread,
            "error": request.query_params.get("error", ""),
        },
        personal=True,
    )


def pay(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    form = Form(getattr(request.state, "form", None) or {})
    key = form.text("charge", max_length=60)
    if not form.ok or principal.person_id is None:
        return RedirectResponse("/my/payments?error=unknown_charge", status_code=303)
    with unit.work(portal.engine) as db:
        own = service.statement_for(db, principal)
    if own is None:
        raise HTTPException(status_code=404)
    line = own.statement.line(key)
    language = own.dossier.person.language
    if line is None:
        return RedirectResponse("/my/payments?error=unknown_charge", status_code=303)
    previous = i18n.current_language()
    i18n.set_language(language if language in portal.settings.languages else "nl")
    description = f"{describe(line.charge)} – {i18n.gettext('Integration in Flanders')}"
    i18n.set_language(previous)
    base = portal.settings.base_url if portal.settings.production else str(request.base_url)
    try:
        started = service.start_payment(
            portal.engine,
            portal.payments,
            principal.person_id,
            key,
            description=description,
            redirect_base=base.rstrip("/"),
            webhook_url=portal.settings.base_url + "/webhooks/mollie",
            locale=mollie_locale(i18n.current_language()),
            now=portal.clock.now(),
            methods=portal.settings.payment_methods,
        )
    except ServiceError as error:
        return RedirectResponse(f"/my/payments?error={error.code}", status_code=303)
    return RedirectResponse(started.checkout_url, status_code=303)


def payment_return(request: Request) -> Response:
    """Where Mollie sends the person back: ask Mollie once more (a webhook may be late), then
    show the result, or a page that follows the payment until it is known."""
    portal = portal_of(request)
    principal = principal_of(request)
    payment_id = int(request.path_params["payment_id"])
    with unit.work(portal.engine) as db:
        payment = service.own_payment(db, principal, payment_id)
        what = paid_for(payment) if payment is not None else ""
    if payment is None:
        raise HTTPException(status_code=404)
    if payment.status not in FINAL and payment.provider_id:
        try:
            service.refresh_from_provider(
                portal.engine,
                portal.payments,
                payment_id,
                "return",
                portal.clock.now(),
                portal.settings.mollie_mode,
            )
        except (GatewayUnavailable, GatewayRejected) as error:
            log.info("return page could not refresh payment %s: %s", payment_id, error)
        with unit.work(portal.engine) as db:
            payment = service.own_payment(db, principal, payment_id)
        if payment is None:
            raise HTTPException(status_code=404)
    booking_id = _test_booking(payment)
    plainly_paid = (
        payment.status == "paid"
        and payment.settled_at is not None
        and not payment.charged_back_cents
        and not payment.surplus_cents
    )
    if booking_id is not None and plainly_paid:
        # a test fee: the booking's confirmation (date, place, what to bring, calendar file)
        # says more than a payment page
        target = f"/my/tests/bookings/{booking_id}?paid=1"
        if request.headers.get("HX-Request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    return render(
        request,
        "citizen/payment_status.html",
        {
            "payment": payment,
            "what": what,
            "final": payment.status in FINAL,
            # the MO course fee is paid: the online course is open
            "course": payment.charge_key == service.MO_COURSE_KEY
            and payment.settled_at is not None,
        },
        personal=True,
        partial="citizen/_payment_status.html",
    )


def _test_booking(payment: Any) -> int | None:
    """The booking a test fee was paid for ("test:<booking id>"), else None."""
    kind, _, rest = str(payment.charge_key).partition(":")
    return int(rest) if kind == "test" and rest.isdigit() else None


def payment_status(request: Request) -> Response:
    """The status block alone, for htmx polling (a full page without JavaScript)."""
    return payment_return(request)


def receipt(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        found = service.receipt(db, principal_of(request), int(request.path_params["payment_id"]))
        what = paid_for(found.payment) if found else ""
    if found is None:
        raise HTTPException(status_code=404)
    return render(
        request,
        "citizen/receipt.html",
        {
            "payment": found.payment,
            "what": what,
            "dossier": found.dossier,
            "person": found.dossier.person,
        },
        personal=True,
    )


async def mollie_webhook(request: Request) -> Response:
    """Mollie posts only `id=tr_...`. No session, no CSRF token: the proof is that we fetch the
    payment from Mollie ourselves. Always 200 for ids we do not know (logged)."""
    portal = portal_of(request)
    try:
        form = await request.form()
    except Exception:  # a malformed body is answered like an unknown id
        return PlainTextResponse("ignored", status_code=200)
    provider_id = form.get("id")
    if not isinstance(provider_id, str) or not provider_id:
        return PlainTextResponse("ignored", status_code=200)
    try:
        result = await run_in_threadpool(
            service.handle_webhook,
            portal.engine,
            portal.payments,
            provider_id.strip(),
            portal.clock.now(),
            portal.settings.mollie_mode,
        )
    except GatewayUnavailable:
        # Mollie retries a webhook that does not answer 200; reconciliation catches up too.
        return PlainTextResponse("try again", status_code=503)
    log.info("mollie webhook %s: %s", provider_id[:40], result)
    return PlainTextResponse("ok", status_code=200)


# ------------------------------------------------------------------------------ staff


def staff_overview(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    person_id = int(request.path_params["person_id"])
    with unit.work(portal.engine) as db:
        found = service.statement_for(db, principal_of(request), person_id)
    if found is None:
        raise HTTPException(status_code=404)
    statement = found.statement
    g = labels.gettext
    return render(
        request,
        "staff/payments.html",
        {
            "person": found.dossier.person,
            "statement": statement,
            "lines": _lines(statement),
            "form": form or Form({"paid_on": portal.clock.today().isoformat()}),
            "done": request.query_params.get("done", ""),
            "charge_options": [
                (line.key, describe(line.charge)) for line in statement.lines if line.payable
            ],
            "category_options": [
                ("payment_difficulties", g(N_("Payment difficulties"))),
                ("exemption_category", g(N_("Exemption category"))),
                ("other", g(N_("Other reason"))),
            ],
            "channel_options": [
                ("counter", g(N_("At the counter"))),
                ("ocmw", g(N_("By the OCMW/CPAS"))),
            ],
        },
        personal=True,
        status=status,
    )


def staff_payments(request: Request) -> Response:
    return staff_overview(request)


def staff_action(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    person_id = int(request.path_params["person_id"])
    action = request.path_params["action"]
    if action not in {"waiver", "external"}:
        raise HTTPException(status_code=404)
    form = Form(getattr(request.state, "form", None) or {})
    field = "waiver_charge" if action == "waiver" else "external_charge"
    try:
        with unit.work(portal.engine) as db:
            found = service.statement_for(db, principal, person_id)
            if found is None:
                raise HTTPException(status_code=404)
            dossier, statement = found.dossier, found.statement
            key = form.choice(field, [line.key for line in statement.lines])
            if action == "waiver":
                category = form.choice("category", service.WAIVER_CATEGORIES)
                text = form.text("reason", max_length=500)
                if form.ok:
                    service.record_waiver(db, principal.subject, dossier, key, category, text)
            else:
                channel = form.choice("channel", ("counter", "ocmw"))
                reference = form.text("reference", max_length=100)
                paid_on = form.date("paid_on")
                line = statement.line(key)
                if form.ok and paid_on is not None and line is not None:
                    service.record_external_payment(
                        db,
                        principal.subject,
                        dossier,
                        key,
                        channel,
                        reference,
                        paid_on,
                        describe(line.charge),
                        portal.clock.now(),
                    )
    except ServiceError as error:
        form.error(field if error.code != "date_in_future" else "paid_on", error.code)
    if form.ok:
        return RedirectResponse(
            f"/staff/persons/{person_id}/payments?done={action}", status_code=303
        )
    return staff_overview(request, form, status=400)


def routes() -> list[Any]:
    webhook = AudienceRoute(
        "/webhooks/mollie",
        mollie_webhook,
        Audience.PUBLIC,
        methods=["POST"],
        name="mollie_webhook",
        csrf_exempt=True,  # carries its own proof
    )
    return [
        route("/my/payments", overview, Audience.CITIZEN),
        route("/my/payments/pay", pay, Audience.CITIZEN, methods=("POST",)),
        route("/my/payments/{payment_id:id}/return", payment_return, Audience.CITIZEN),
        route("/my/payments/{payment_id:id}/status", payment_status, Audience.CITIZEN),
        route("/my/payments/{payment_id:id}/receipt", receipt, Audience.CITIZEN),
        webhook,
        route("/staff/persons/{person_id:id}/payments", staff_payments, Audience.COUNSELLOR),
        route(
            "/staff/persons/{person_id:id}/payments/{action}",
            staff_action,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
    ]
