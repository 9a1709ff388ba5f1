"""Fees and payments through the real Mollie client against the local Mollie sandbox: what I
owe and why, pay, the webhook and its abuses, reconciliation, refunds, Mollie down, access.
Each test pays as a person it makes (the `make` fixture, tests/support/factories.py): registered
in Ghent with a contract signed on paper, who owes the MO course and the NT2 modules."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import httpx
import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import payments as service
from tests.support.web import check_page, csrf_token, sign_in


def factory_of(app):
    """The factories (tests/support/factories.py) on an app the test made itself."""
    from tests.support.factories import Factory

    portal = app.state.portal
    return Factory(portal.engine, portal.clock.today(), portal.files)


def payments_of(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(
            select(m.Payment)
            .join(m.Person)
            .where(m.Person.subject == subject)
            .order_by(m.Payment.id)
        ).all()


def start(client, charge="mo_course:1"):
    page = client.get("/my/payments")
    return client.post(
        "/my/payments/pay", data={"csrf_token": csrf_token(page.text), "charge": charge}
    )


def checkout(url, status, skip_webhook=True):
    data = {"status": status}
    if skip_webhook:
        data["webhook"] = "skip"
    response = httpx.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def webhook(client, provider_id):
    """Mollie's call: no session cookie, no CSRF token, only the id."""
    from starlette.testclient import TestClient

    # no `with`: the app's lifespan (which disposes the engine at the end) stays the test's own
    return TestClient(client.app).post("/webhooks/mollie", data={"id": provider_id})


def text_of(html):
    html = re.sub(r"<head>.*?</head>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("\xa0", " ")


def test_what_i_owe_and_why(client, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    page = client.get("/my/payments?lang=en")
    check_page(page.text)
    text = text_of(page.text)
    assert "MO course" in text and "90,00 €" in text
    assert "NT2 module: CVO Gent, 1.1, 80 lesson periods" in text and "120,00 €" in text
    # the second module reaches the 180 € cap together with the first: 120 € would be due,
    # 60 € is left
    assert (
        "120,00 €, but together with your other fees for Dutch lessons (120,00 €) you reach the "
        "maximum of 180,00 €. So you pay 60,00 €."
    ) in text
    # the third module is free: the first two fill the cap
    assert (
        "0,00 €, because your other fees for Dutch lessons (180,00 €) already reach the maximum "
        "of 180,00 €."
    ) in text


def test_brussels_resident_sees_zero_with_the_reason(client, make):
    resident = make.person(agency="aii-brussel", municipality=make.municipality("brussels"))
    sign_in(client, resident.subject)
    text = text_of(client.get("/my/payments?lang=en").text)
    assert "You have nothing to pay right now." in text
    assert "0,00 €, because you live in the Brussels-Capital Region." in text


def test_pay_the_mo_course_through_mollie(client, app, sandbox, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    response = start(client)
    assert response.status_code == 303
    checkout_url = response.headers["location"]
    assert checkout_url.startswith(sandbox.url + "/checkout/tr_")
    [payment] = payments_of(app, person.subject)
    assert payment.status == "open" and payment.amount_cents == 9000
    back = urlparse(checkout(checkout_url, "paid", skip_webhook=True))
    assert back.path == f"/my/payments/{payment.id}/return"
    assert webhook(client, payment.provider_id).status_code == 200
    [payment] = payments_of(app, person.subject)
    assert payment.status == "paid" and payment.settled_at is not None
    result = client.get(back.path + "?lang=en")
    check_page(result.text)
    assert "Your payment worked" in result.text and "hx-get" not in result.text
    receipt = client.get(f"/my/payments/{payment.id}/receipt?lang=en")
    check_page(receipt.text)
    assert payment.provider_id in receipt.text and "90,00 €" in receipt.text.replace("\xa0", " ")
    # what it paid for is said in the reader's language now, not the one it was paid in
    from portal import i18n, labels
    from portal.domain.fees import ChargeKind

    for language in ("en", "ar", "uk"):
        i18n.set_language(language)
        try:
            name = str(labels.charge_kind_name(ChargeKind.MO_COURSE))
        finally:
            i18n.set_language("nl")
        shown = client.get(f"/my/payments/{payment.id}/receipt?lang={language}").text
        status = client.get(f"{back.path}?lang={language}").text
        assert name in shown and name in status, (language, name)
        assert name != payment.description, language
        # the message about it too, whatever language it was sent in
        inbox = client.get(f"/my/inbox?lang={language}").text
        message = re.search(r'href="(/my/inbox/\d+)"', inbox).group(1)
        assert name in client.get(f"{message}?lang={language}").text, language
    assert "Payment received" in client.get("/my/inbox?lang=en").text
    again = start(client)
    assert again.headers["location"] == "/my/payments?error=already_paid"


def test_return_page_follows_the_payment_until_the_result_is_known(client, app, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    start(client)
    [payment] = payments_of(app, person.subject)
    waiting = client.get(f"/my/payments/{payment.id}/return?lang=en")
    assert "We are waiting for the result of your payment" in waiting.text
    assert f'hx-get="/my/payments/{payment.id}/status"' in waiting.text
    assert f'href="/my/payments/{payment.id}/return"' in waiting.text  # no-JS refresh link
    partial = client.get(f"/my/payments/{payment.id}/status", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="payment-status"')
    checkout(payment.checkout_url, "paid")  # the webhook is lost
    # the return page asks Mollie itself
    done = client.get(f"/my/payments/{payment.id}/status", headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.text
    assert payments_of(app, person.subject)[0].status == "paid"


def test_tapping_pay_twice_makes_one_mollie_payment(client, app, sandbox, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    first = start(client).headers["location"]
    second = start(client).headers["location"]
    assert first == second
    assert len(payments_of(app, person.subject)) == 1


@pytest.mark.parametrize("status", ["failed", "canceled", "expired"])
def test_a_payment_that_does_not_go_through_can_be_tried_again(client, app, status, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    url = start(client).headers["location"]
    checkout(url, status)
    [payment] = payments_of(app, person.subject)
    webhook(client, payment.provider_id)
    result = client.get(f"/my/payments/{payment.id}/return?lang=en")
    assert "Your payment did not go through" in result.text
    assert "Nothing was charged" in result.text
    retry = start(client).headers["location"]
    assert retry != url
    assert [p.status for p in payments_of(app, person.subject)] == [status, "open"]


def test_duplicate_and_out_of_order_webhooks_change_nothing_more(client, app, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    checkout(start(client).headers["location"], "paid")
    [payment] = payments_of(app, person.subject)
    for _ in range(3):
        assert webhook(client, payment.provider_id).status_code == 200
    with session_scope(app.state.portal.engine) as db:
        events = db.exec(
            select(m.PaymentEvent).where(m.PaymentEvent.payment_id == payment.id)
        ).all()
        received = db.exec(
            select(func.count())
            .select_from(m.Message)
            .where(m.Message.kind == "payment_received", m.Message.person_id == payment.person_id)
        ).one()
    assert [e.to_status for e in events] == ["open", "paid"]
    assert received == 1


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        ("open", "pending", True),
        ("pending", "open", False),
        ("authorized", "pending", False),
        ("open", "paid", True),
        ("paid", "failed", False),
        ("paid", "open", False),
        ("expired", "paid", True),  # money that arrives late is recorded, never ignored
        ("failed", "paid", True),
        ("canceled", "expired", False),
        ("canceled", "canceled", False),
        ("open", "refunded", False),
    ],
)
def test_state_machine(current, new, moves):
    assert service.can_move(current, new) is moves


def test_forged_webhooks_settle_nothing(client, app, sandbox):
    assert webhook(client, "tr_doesnotexist").status_code == 200
    assert webhook(client, "<script>").status_code == 200
    assert (
        client.post(
            "/webhooks/mollie",
            content=b"\x00\xff",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).status_code
        == 200
    )
    # a real, paid Mollie payment that we did not create
    from mollie.api.client import Client

    mollie = Client(api_endpoint=sandbox.url)
    mollie.set_api_key("test_" + "s" * 30)
    foreign = mollie.payments.create(
        {
            "amount": {"currency": "EUR", "value": "90.00"},
            "description": "not ours",
            "redirectUrl": "https://example.org/",
        }
    )
    checkout(f"{sandbox.url}/checkout/{foreign.id}", "paid")
    assert webhook(client, foreign.id).status_code == 200
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(
                select(m.Payment).where(m.Payment.settled_at != None, m.Payment.provider_id != None)  # noqa: E711
            ).all()
            == []
        )


def test_amount_mismatch_is_flagged_and_not_settled(client, app, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    checkout(start(client).headers["location"], "paid")
    [payment] = payments_of(app, person.subject)
    with session_scope(app.state.portal.engine) as db:
        row = db.get(m.Payment, payment.id)
        row.amount_cents = 100  # as if Mollie reported another amount than ours
        db.add(row)
    webhook(client, payment.provider_id)
    [payment] = payments_of(app, person.subject)
    assert payment.flagged and payment.flag_reason == "amount differs"
    assert payment.settled_at is None and payment.status == "open"


def test_lost_webhook_is_recovered_by_reconciliation(client, app, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    checkout(start(client).headers["location"], "paid")
    portal = app.state.portal
    assert payments_of(app, person.subject)[0].status == "open"
    assert (
        service.reconcile(
            portal.engine,
            portal.payments,
            portal.clock.now() + timedelta(minutes=11),
            timedelta(minutes=10),
            "test",
        )
        == 1
    )
    assert payments_of(app, person.subject)[0].status == "paid"


def test_refund_has_its_own_status_and_the_payment_stays_paid(client, app, sandbox, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    checkout(start(client).headers["location"], "paid")
    [payment] = payments_of(app, person.subject)
    webhook(client, payment.provider_id)
    portal = app.state.portal
    refund = service.refund(
        portal.engine,
        portal.payments,
        "staff",
        payment.id,
        9000,
        "booking cancelled",
        portal.clock.now(),
    )
    assert refund.provider_id.startswith("re_") and refund.status in {
        "pending",
        "queued",
        "refunded",
    }
    assert payments_of(app, person.subject)[0].status == "paid"
    with pytest.raises(service.ServiceError):
        service.refund(
            portal.engine, portal.payments, "staff", payment.id, 1, "again", portal.clock.now()
        )
    page = client.get("/my/payments?lang=en").text
    assert "Money paid back" in page


def test_mollie_down_is_a_clear_message_and_nothing_is_charged(database_url, idp):
    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(
        database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT="http://127.0.0.1:9"
    )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, factory_of(app).person().subject)
        response = start(client)
        assert response.headers["location"] == "/my/payments?error=provider_unavailable"
        page = client.get(response.headers["location"] + "&lang=en")
        assert "Nothing was charged" in page.text
        assert 'class="error-summary"' in page.text
        with session_scope(app.state.portal.engine) as db:
            [payment] = db.exec(select(m.Payment).where(m.Payment.channel == "mollie")).all()
        # whether Mollie made it is unknown: the attempt stays, never taken for failed
        assert payment.status == "open" and payment.provider_id is None
        assert payment.active_key is not None


def test_a_try_after_mollie_was_down_sends_the_same_attempt_again(database_url, idp, sandbox):
    """A time-out may hide a payment Mollie made: the next tap sends the same idempotency key,
    so there is never a second payment for the same attempt."""
    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import make_settings

    down = create_app(
        make_settings(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT="http://127.0.0.1:9")
    )
    person = factory_of(down).person()
    with TestClient(down, follow_redirects=False) as client:
        sign_in(client, person.subject)
        assert start(client).headers["location"].endswith("error=provider_unavailable")
    up = create_app(make_settings(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url))
    with TestClient(up, follow_redirects=False) as client:
        sign_in(client, person.subject)
        first = start(client).headers["location"]
        assert first.startswith(sandbox.url + "/checkout/tr_")
        assert start(client).headers["location"] == first
        [payment] = payments_of(up, person.subject)
        assert payment.provider_id and first.endswith(payment.provider_id)


def test_a_person_sees_only_their_own_payments(client, app, make):
    from starlette.testclient import TestClient

    person = make.person()
    sign_in(client, person.subject)
    start(client)
    [payment] = payments_of(app, person.subject)
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, make.person().subject)
        for path in ("return", "status", "receipt"):
            assert other.get(f"/my/payments/{payment.id}/{path}").status_code == 404


def test_counsellor_waives_a_fee_and_records_a_payment_made_elsewhere(client, app, make):
    from starlette.testclient import TestClient

    person = make.person()
    pid = person.id
    sign_in(client, make.counsellor())
    page = client.get(f"/staff/persons/{pid}/payments?lang=en")
    check_page(page.text)
    token = csrf_token(page.text)
    no_reason = client.post(
        f"/staff/persons/{pid}/payments/waiver?lang=en",
        data={
            "csrf_token": token,
            "waiver_charge": "mo_course:1",
            "category": "payment_difficulties",
            "reason": "",
        },
    )
    assert no_reason.status_code == 400
    done = client.post(
        f"/staff/persons/{pid}/payments/waiver",
        data={
            "csrf_token": token,
            "waiver_charge": "mo_course:1",
            "category": "payment_difficulties",
            "reason": "OCMW decision of 10 March",
        },
    )
    assert done.status_code == 303
    module = re.search(
        r'<option value="(nt2_module:[0-9a-f]+)"', client.get(f"/staff/persons/{pid}/payments").text
    ).group(1)
    paid = client.post(
        f"/staff/persons/{pid}/payments/external",
        data={
            "csrf_token": token,
            "external_charge": module,
            "channel": "counter",
            "reference": "KAS-2026-17",
            "paid_on": "2026-03-16",
        },
    )
    assert paid.status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, person.subject)
        text = text_of(phone.get("/my/payments?lang=en").text)
        assert "0,00 €, because: OCMW decision of 10 March" in text
        assert "Receipt" in text
    with session_scope(app.state.portal.engine) as db:
        recorded = db.exec(select(m.Payment).where(m.Payment.reference == "KAS-2026-17")).one()
        assert recorded.settled_at
    # the staff list names each payment in the reader's language (not as it was recorded)
    for language, lesson_periods in (("en", "lesson periods"), ("fr", "périodes de cours")):
        listing = client.get(f"/staff/persons/{pid}/payments?lang={language}").text
        row = re.search(rf"<li>#{recorded.id} (.*?)</li>", listing, re.S).group(1)
        assert lesson_periods in row, (language, row)


def test_another_agencys_counsellor_cannot_see_the_fees(client, make):
    pid = make.person(agency=make.agency()).id
    sign_in(client, make.counsellor(make.agency()))
    assert client.get(f"/staff/persons/{pid}/payments").status_code == 404


def test_a_closed_checkout_expires_and_a_new_payment_can_start(client, app, sandbox, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    first = start(client).headers["location"]
    [payment] = payments_of(app, person.subject)
    httpx.post(
        f"{sandbox.url}/_sandbox/payments/{payment.provider_id}/status",
        json={"status": "expired", "webhook": False},
    )
    second = start(client).headers["location"]
    assert second != first
    assert [p.status for p in payments_of(app, person.subject)] == ["expired", "open"]


def test_refund_status_follows_mollies_webhook(client, app, sandbox, make):
    person = make.person()  # owes the MO course and the NT2 modules
    sign_in(client, person.subject)
    checkout(start(client).headers["location"], "paid")
    [payment] = payments_of(app, person.subject)
    webhook(client, payment.provider_id)
    portal = app.state.portal
    refund = service.refund(
        portal.engine, portal.payments, "staff", payment.id, 4000, "part", portal.clock.now()
    )
    httpx.post(
        f"{sandbox.url}/_sandbox/refunds/{refund.provider_id}/status",
        json={"status": "refunded", "webhook": False},
    )
    webhook(client, payment.provider_id)
    with session_scope(portal.engine) as db:
        assert db.get(m.Refund, refund.id).status == "refunded"
        paid = db.get(m.Payment, payment.id)
        assert paid.status == "paid" and paid.refunded_cents == 4000
