"""Money stories end to end, through the real Mollie client against the sandbox: money that
arrives late, a fee paid twice, a chargeback, a plan amended after paying, the methods offered,
the MO exemption test. What a careful treasurer expects: nothing paid is asked again, the cap
holds, every extra cent goes back, the person is told, and everything is in the audit log."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
from sqlmodel import select
from starlette.testclient import TestClient

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import payments as service
from portal.services.dossier import load_dossier
from tests.support.web import csrf_token, sign_in
from tests.web.test_payments import checkout, payments_of, start, text_of, webhook


def person_id(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.Person.id).where(m.Person.subject == subject)).one()


def statement_of(app, subject):
    with session_scope(app.state.portal.engine) as db:
        dossier = load_dossier(db, person_id(app, subject))
        return service.statement(db, dossier)


def audit_actions(app, payment_id):
    with session_scope(app.state.portal.engine) as db:
        rows = db.exec(
            select(m.AuditLog).where(
                m.AuditLog.entity == "payment", m.AuditLog.entity_id == str(payment_id)
            )
        ).all()
    return [row.action for row in rows]


def messages(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return [
            msg.kind
            for msg in db.exec(
                select(m.Message)
                .join(m.Person)
                .where(m.Person.subject == subject)
                .order_by(m.Message.id)
            ).all()
        ]


def refunds_of(app, payment_id):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.Refund).where(m.Refund.payment_id == payment_id)).all()


def staff_post(client, path, data):
    page = client.get("/staff")
    return client.post(path, data={"csrf_token": csrf_token(page.text), **data})


def test_paid_at_the_counter_then_in_an_old_checkout_the_money_goes_back(client, app, sandbox):
    sign_in(client, "demo-gent-new")
    checkout_url = start(client).headers["location"]
    [online] = payments_of(app, "demo-gent-new")
    pid = person_id(app, "demo-gent-new")
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, "demo-counsellor")
        done = staff_post(
            counsellor,
            f"/staff/persons/{pid}/payments/external",
            {
                "external_charge": "mo_course:1",
                "channel": "counter",
                "reference": "KAS-2026-114",
                "paid_on": "2026-03-16",
            },
        )
        assert done.status_code == 303
    # the person still had the checkout open in another tab and pays it
    checkout(checkout_url, "paid")
    assert webhook(client, online.provider_id).status_code == 200
    online = next(p for p in payments_of(app, "demo-gent-new") if p.id == online.id)
    assert online.status == "paid" and online.settled_at is None
    assert online.settled_cents == 0 and online.surplus_cents == 9000
    [refund] = refunds_of(app, online.id)
    assert refund.amount_cents == 9000 and refund.provider_id
    line = statement_of(app, "demo-gent-new").line("mo_course:1")
    assert line.paid is not None and line.paid.channel == "counter"  # settled once
    assert "payment_surplus" in messages(app, "demo-gent-new")
    back = text_of(client.get(f"/my/payments/{online.id}/return?lang=en").text)
    assert "This was already paid" in back and "We pay the money back to you automatically" in back
    assert {"payment_status", "settle_payment", "refund"} <= set(audit_actions(app, online.id))
    # a replayed webhook and a reconcile round refund nothing more
    sandbox.app.replay_webhook(online.provider_id)
    service.reconcile(
        app.state.portal.engine,
        app.state.portal.payments,
        app.state.portal.clock.now(),
        __import__("datetime").timedelta(0),
    )
    assert len(refunds_of(app, online.id)) == 1


def test_money_for_an_attempt_the_portal_had_ended_is_recorded_and_settled(client, app):
    """An attempt the portal itself took for failed (the old double-tap fault) is paid after
    all: the money is recorded, the fee settled, nothing ignored."""
    sign_in(client, "demo-gent-new")
    start(client)
    [payment] = payments_of(app, "demo-gent-new")
    with session_scope(app.state.portal.engine) as db:
        row = db.get(m.Payment, payment.id)
        row.status, row.active_key = "failed", None
        db.add(row)
    checkout(payment.checkout_url, "paid")
    webhook(client, payment.provider_id)
    [payment] = payments_of(app, "demo-gent-new")
    assert payment.status == "paid" and payment.settled_cents == 9000
    assert statement_of(app, "demo-gent-new").line("mo_course:1").paid.id == payment.id
    page = text_of(client.get("/my/payments?lang=en").text)
    assert "MO course: paid (90,00 €)" in page


def test_a_fee_that_changes_while_a_checkout_is_open_gets_a_new_attempt(client, app):
    """The second module is capped (60 €); the counsellor waives the first, so the second now
    costs 120 €: paying again opens a new attempt for 120 €. The old checkout, paid anyway,
    settles the module at the price shown when paying started; the new one, paid too, is a
    second payment and goes back whole."""
    sign_in(client, "demo-gent-new")
    nt2 = [line for line in statement_of(app, "demo-gent-new").lines if "nt2_module:" in line.key]
    first, second = nt2[0], nt2[1]
    assert second.charge.amount_cents == 6000 and second.charge.capped
    old_url = start(client, second.key).headers["location"]
    pid = person_id(app, "demo-gent-new")
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, "demo-counsellor")
        waived = staff_post(
            counsellor,
            f"/staff/persons/{pid}/payments/waiver",
            {"waiver_charge": first.key, "category": "payment_difficulties", "reason": "OCMW"},
        )
        assert waived.status_code == 303
    assert statement_of(app, "demo-gent-new").line(second.key).charge.amount_cents == 12000
    new_url = start(client, second.key).headers["location"]
    assert new_url != old_url
    old, new = [p for p in payments_of(app, "demo-gent-new") if p.charge_key == second.key]
    assert (old.amount_cents, old.active_key) == (6000, None)
    assert new.amount_cents == 12000 and new.active_key is not None
    checkout(old_url, "paid")
    webhook(client, old.provider_id)
    line = statement_of(app, "demo-gent-new").line(second.key)
    assert line.paid.id == old.id and line.charge.amount_cents == 6000 and not line.payable
    checkout(new_url, "paid")
    webhook(client, new.provider_id)
    [refund] = refunds_of(app, new.id)
    assert refund.amount_cents == 12000
    assert refunds_of(app, old.id) == []


def test_a_chargeback_makes_the_fee_due_again_and_everyone_is_told(client, app, sandbox):
    sign_in(client, "demo-gent-new")
    start(client)
    [payment] = payments_of(app, "demo-gent-new")
    checkout(payment.checkout_url, "paid")
    webhook(client, payment.provider_id)
    assert statement_of(app, "demo-gent-new").line("mo_course:1").paid is not None
    before = len(sandbox.app.webhook_calls(payment.provider_id))
    # the bank takes the money back; Mollie calls the webhook, which reaches this app here
    sandbox.app.charge_back(payment.provider_id, webhook=False)
    assert webhook(client, payment.provider_id).status_code == 200
    assert len(sandbox.app.webhook_calls(payment.provider_id)) == before
    [payment] = payments_of(app, "demo-gent-new")
    assert payment.charged_back_cents == 9000 and payment.settled_at is None
    line = statement_of(app, "demo-gent-new").line("mo_course:1")
    assert line.payable and line.charge.amount_cents == 9000
    assert messages(app, "demo-gent-new")[-1] == "payment_charged_back"
    back = text_of(client.get(f"/my/payments/{payment.id}/return?lang=en").text)
    assert "Your payment was taken back by your bank" in back
    assert "Your payment was taken back by your bank" in client.get("/my/inbox?lang=en").text
    assert "chargeback" in audit_actions(app, payment.id)
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, "demo-counsellor")
        staff = counsellor.get(
            f"/staff/persons/{person_id(app, 'demo-gent-new')}/payments?lang=en"
        ).text
        assert "charged back by the bank: 90,00" in staff and "the fee is due again" in staff
    # the person pays again: a new attempt, a new Mollie payment
    again = start(client).headers["location"]
    assert payment.provider_id not in again
    assert refunds_of(app, payment.id) == []  # nothing was left of it to give back


def test_the_checkout_offers_only_the_configured_methods(client, app, sandbox):
    sign_in(client, "demo-gent-new")
    url = start(client).headers["location"]
    provider_id = url.rsplit("/", 1)[1]
    assert sandbox.app.offered_methods(provider_id) == ("bancontact", "creditcard")
    page = httpx.get(url).text
    assert 'value="bancontact"' in page and 'value="banktransfer"' not in page


class _FormValues(HTMLParser):
    """The values a browser would post for the first form with `action`."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").split("?")[0] == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in {"radio", "checkbox"}:
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def test_an_amendment_after_paying_never_asks_paid_money_again(client, app):
    sign_in(client, "demo-gent-new")
    lines = statement_of(app, "demo-gent-new").lines
    first = next(line for line in lines if line.key.startswith("nt2_module:"))
    assert first.charge.amount_cents == 12000
    start(client, first.key)
    [payment] = [p for p in payments_of(app, "demo-gent-new") if p.charge_key == first.key]
    checkout(payment.checkout_url, "paid")
    webhook(client, payment.provider_id)
    pid = person_id(app, "demo-gent-new")
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, "demo-counsellor")
        path = f"/staff/persons/{pid}/contract"
        parser = _FormValues(path)
        parser.feed(counsellor.get(path).text)
        values = parser.values
        assert values["module_0_key"] == first.key.split(":", 1)[1]
        values["module_0_periods"] = "160"  # the first module grows: 240 € on paper
        values["module_3_name"] = "2.2"
        values["module_3_periods"] = "40"
        values["module_3_start"] = "2026-09-01"
        values["module_3_end"] = "2026-10-30"
        values["reason"] = "A longer first module"
        amended = counsellor.post(path, data=values)
        assert amended.status_code == 303, re.findall(
            r'class="error[^"]*"[^>]*>([^<]+)', amended.text
        )
    after = statement_of(app, "demo-gent-new")
    again = after.line(first.key)
    assert again is not None and again.paid is not None and not again.payable
    assert again.charge.amount_cents == 12000
    nt2 = [line for line in after.lines if line.key.startswith("nt2_module:")]
    assert len(nt2) == 4
    asked = sum(line.charge.amount_cents for line in nt2 if line.payable)
    assert 12000 + asked == 18000  # the cap, counting what was really paid
    text = text_of(client.get("/my/payments?lang=en").text)
    assert "NT2 module: CVO Gent, 1.1, 160 lesson periods: paid (120,00 €)" in text


def test_after_passing_the_mo_exemption_test_the_course_costs_nothing(client, app):
    pid = person_id(app, "demo-gent-new")
    with session_scope(app.state.portal.engine) as db:
        db.add(
            m.Fact(
                person_id=pid,
                kind="test_result",
                on=app.state.portal.clock.today(),
                test="mo_exemption",
                passed=True,
                recorded_by="test",
            )
        )
    sign_in(client, "demo-gent-new")
    text = text_of(client.get("/my/payments?lang=en").text)
    assert "0,00 €, because you passed the MO exemption test." in text
    assert start(client).headers["location"] == "/my/payments?error=nothing_to_pay"


def test_when_mollie_refuses_the_refund_a_counsellor_is_asked_and_the_person_told(
    database_url, idp, sandbox
):
    from portal.adapters.payments.base import GatewayRejected
    from portal.adapters.payments.mollie import MolliePayments
    from portal.app import create_app
    from tests.conftest import MOLLIE_TEST_KEY, make_settings

    class RefusingRefunds(MolliePayments):
        """The real client, but Mollie answers every refund with a 422 (e.g. no balance)."""

        def create_refund(self, *args, **kwargs):
            raise GatewayRejected("422 Unprocessable Entity: insufficient balance")

    app = create_app(
        make_settings(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url),
        payments=RefusingRefunds(MOLLIE_TEST_KEY, sandbox.url),
    )
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, "demo-gent-new")
        url = start(client).headers["location"]
        [online] = payments_of(app, "demo-gent-new")
        with session_scope(app.state.portal.engine) as db:
            dossier = load_dossier(db, online.person_id)
            service.record_external_payment(
                db,
                "t",
                dossier,
                "mo_course:1",
                "ocmw",
                "OCMW-7",
                app.state.portal.clock.today(),
                "MO course",
                app.state.portal.clock.now(),
            )
        checkout(url, "paid")
        webhook(client, online.provider_id)
        [failed] = refunds_of(app, online.id)
        assert failed.status == "failed"
        online = next(p for p in payments_of(app, "demo-gent-new") if p.id == online.id)
        assert online.flagged and online.flag_reason.startswith("refund refused")
        assert online.surplus_cents == 9000
        assert messages(app, "demo-gent-new")[-1] == "payment_refund_by_counsellor"
        assert "refund_for_counsellor" in audit_actions(app, online.id)
        # later rounds leave it to the counsellor: no second try, no second message
        service.reconcile(
            app.state.portal.engine,
            app.state.portal.payments,
            app.state.portal.clock.now(),
            __import__("datetime").timedelta(0),
        )
        assert len(refunds_of(app, online.id)) == 1
        assert messages(app, "demo-gent-new").count("payment_refund_by_counsellor") == 1
        with TestClient(app, follow_redirects=False) as counsellor:
            sign_in(counsellor, "demo-counsellor")
            staff = counsellor.get(f"/staff/persons/{online.person_id}/payments?lang=en").text
            assert "paid too much: 90,00" in staff and "refund refused" in staff


def test_a_surplus_refund_asked_twice_at_once_is_asked_once(client, app):
    """Two processes handling the same late payment (a webhook and a reconcile round) ask the
    refund with the same idempotency key: the second finds it and asks nothing."""
    sign_in(client, "demo-gent-new")
    url = start(client).headers["location"]
    [online] = payments_of(app, "demo-gent-new")
    engine, gateway = app.state.portal.engine, app.state.portal.payments
    now = app.state.portal.clock.now()
    with session_scope(engine) as db:
        dossier = load_dossier(db, online.person_id)
        service.record_external_payment(
            db, "t", dossier, "mo_course:1", "counter", "K-1", now.date(), "MO course", now
        )
    checkout(url, "paid")
    provider = gateway.get_payment(online.provider_id)
    with session_scope(engine) as db:  # the money is recorded, the refund not asked yet
        row = db.get(m.Payment, online.id)
        service.apply_provider_status(db, row, provider, "webhook", now)
    key = f"surplus-{online.id}-1"
    service.refund(
        engine, gateway, "portal:treasury", online.id, 4000, "part", now, idempotency_key=key
    )
    try:
        service.refund(
            engine, gateway, "portal:treasury", online.id, 4000, "part", now, idempotency_key=key
        )
    except service.ServiceError as error:
        assert error.code == "refund_in_progress"
    else:
        raise AssertionError("the second refund with the same key was asked")
    assert len(refunds_of(app, online.id)) == 1
