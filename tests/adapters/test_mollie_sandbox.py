"""The local Mollie sandbox behaves like Mollie: raw HTTP conformance (shapes, validation, errors),
the real mollie-api-python client against it, the checkout page, webhooks and the control API."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import werkzeug.serving
from hypothesis import given
from hypothesis import strategies as st
from mollie.api.client import Client
from mollie.api.error import (
    NotFoundError,
    RequestError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from werkzeug.test import Client as WsgiClient
from werkzeug.wrappers import Request, Response

from portal.devtools.mollie_sandbox import (
    MollieSandbox,
    SandboxServer,
    refuse_in_production,
    running_sandbox,
)
from portal.settings import Settings

KEY = "test_" + "x" * 30
AUTH = {"Authorization": f"Bearer {KEY}"}
HAL = "application/hal+json"
REDIRECT = "http://127.0.0.1:8000/payments/return/42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- fixtures


@dataclass
class Receiver:
    """A tiny webhook receiver that records every POST."""

    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def for_payment(self, payment_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["form"].get("id") == payment_id]

    def wait_for(self, payment_id: str, count: int = 1, timeout: float = 3.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.for_payment(payment_id)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.for_payment(payment_id)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        if request.method == "POST":
            with holder[0].lock:
                holder[0].posts.append(
                    {
                        "path": request.path,
                        "content_type": request.headers.get("Content-Type", ""),
                        "user_agent": request.headers.get("User-Agent", ""),
                        "form": request.form.to_dict(),
                    }
                )
        return Response("ok", status=500 if request.path == "/fail" else 200)

    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_port}"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()
    thread.join(2)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with running_sandbox() as server:
        yield server


@pytest.fixture
def http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, trust_env=False, timeout=5) as client:
        yield client


@pytest.fixture
def mollie(sandbox: SandboxServer) -> Iterator[Client]:
    client = Client(api_endpoint=sandbox.url, timeout=(3, 10))
    client.set_api_key(KEY)
    yield client
    if hasattr(client, "_client"):
        client._client.close()


def payment_body(receiver: Receiver | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": "90.00"},
        "description": "Civic integration course, module 1",
        "redirectUrl": REDIRECT,
        "locale": "nl_BE",
        "metadata": {"invoice": "2026-0042"},
    }
    if receiver is not None:
        body["webhookUrl"] = f"{receiver.url}/webhook"
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def checkout(http: httpx.Client, payment_id: str, status: str, **extra: str) -> httpx.Response:
    return http.post(f"/checkout/{payment_id}", data={"status": status, **extra})


def assert_mollie_error(response: httpx.Response, status: int, field: str | None = None) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == HAL
    body = response.json()
    assert set(body) <= {"status", "title", "detail", "field", "_links"}
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    documentation = body["_links"]["documentation"]
    assert documentation["type"] == "text/html"
    assert documentation["href"].startswith("https://docs.mollie.com/")
    assert body.get("field") == field
    return body


# ---------------------------------------------------------------- raw HTTP conformance

LONG_METADATA = {"notes": "x" * 1100}

REJECTIONS = [
    ("amount as a number", {"amount": {"currency": "EUR", "value": 90}}, "amount.value"),
    ("value without decimals", {"amount": {"currency": "EUR", "value": "90"}}, "amount.value"),
    ("value with one decimal", {"amount": {"currency": "EUR", "value": "90.0"}}, "amount.value"),
    ("zero", {"amount": {"currency": "EUR", "value": "0.00"}}, "amount"),
    ("negative", {"amount": {"currency": "EUR", "value": "-1.00"}}, "amount.value"),
    ("comma decimal", {"amount": {"currency": "EUR", "value": "90,00"}}, "amount.value"),
    ("USD", {"amount": {"currency": "USD", "value": "90.00"}}, "amount.currency"),
    ("amount missing", {"amount": ...}, "amount"),
    ("amount a string", {"amount": "90.00"}, "amount"),
    ("description missing", {"description": ...}, "description"),
    ("description blank", {"description": "  "}, "description"),
    ("description 256 chars", {"description": "d" * 256}, "description"),
    ("redirectUrl missing", {"redirectUrl": ...}, "redirectUrl"),
    ("redirectUrl not http", {"redirectUrl": "javascript:alert(1)"}, "redirectUrl"),
    ("webhookUrl not http", {"webhookUrl": "ftp://127.0.0.1/hook"}, "webhookUrl"),
    ("locale ar_AR", {"locale": "ar_AR"}, "locale"),
    ("locale nl", {"locale": "nl"}, "locale"),
    ("method ideal", {"method": "ideal"}, "method"),
    ("method list with a bad one", {"method": ["bancontact", "cash"]}, "method"),
    ("metadata over 1024 bytes", {"metadata": LONG_METADATA}, "metadata"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [pytest.param(c, f, id=name) for name, c, f in REJECTIONS]
)
def test_create_payment_rejects_like_mollie(
    http: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    response = http.post("/v2/payments", json=payment_body(**changes), headers=AUTH)
    assert_mollie_error(response, 422, field)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no key"),
        pytest.param({"Authorization": "Bearer test_short"}, id="too short"),
        pytest.param({"Authorization": "Bearer " + "x" * 35}, id="no prefix"),
        pytest.param({"Authorization": f"Basic {KEY}"}, id="not bearer"),
        pytest.param({"Authorization": "Bearer test_" + "x" * 29 + "!"}, id="bad character"),
        pytest.param({"Authorization": "Bearer live_" + "x" * 30}, id="live key"),
    ],
)
def test_bad_keys_are_unauthorized(http: httpx.Client, headers: dict[str, str]) -> None:
    response = http.post("/v2/payments", json=payment_body(), headers=headers)
    body = assert_mollie_error(response, 401)
    if "live_" in headers.get("Authorization", ""):
        assert "test" in body["detail"] and "only" in body["detail"]
    assert assert_mollie_error(http.get("/v2/payments/tr_abcdefghij", headers=headers), 401)


@pytest.mark.parametrize("payment_id", ["tr_doesnotexi", "tr_", "nonsense", "re_abcdefghij"])
def test_unknown_payment_is_not_found(http: httpx.Client, payment_id: str) -> None:
    body = assert_mollie_error(http.get(f"/v2/payments/{payment_id}", headers=AUTH), 404)
    assert body["title"] == "Not Found"
    assert body["detail"] == f"No payment exists with token {payment_id}."


@pytest.mark.parametrize(
    "content",
    [b"amount=90.00&description=x", b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"NaN"],
)
def test_body_that_is_not_a_json_object_is_a_bad_request(
    http: httpx.Client, content: bytes
) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    assert_mollie_error(http.post("/v2/payments", content=content, headers=headers), 400)


def test_unknown_routes_and_methods_use_the_error_shape(http: httpx.Client) -> None:
    assert_mollie_error(http.get("/v2/orders", headers=AUTH), 404)
    assert_mollie_error(http.delete("/v2/payments/tr_abcdefghij", headers=AUTH), 405)


def test_created_payment_has_mollies_shape(
    http: httpx.Client, sandbox: SandboxServer, receiver: Receiver
) -> None:
    response = http.post("/v2/payments", json=payment_body(receiver), headers=AUTH)
    assert response.status_code == 201
    assert response.headers["content-type"] == HAL
    body = response.json()
    payment_id = body["id"]
    assert re.fullmatch(r"tr_[A-Za-z0-9]{10}", payment_id)
    assert body["resource"] == "payment"
    assert body["mode"] == "test"
    assert body["status"] == "open"
    assert body["amount"] == {"value": "90.00", "currency": "EUR"}
    assert body["description"] == "Civic integration course, module 1"
    assert body["method"] is None
    assert body["metadata"] == {"invoice": "2026-0042"}
    assert body["isCancelable"] is False
    assert body["profileId"] == "pfl_sandbox"
    assert body["sequenceType"] == "oneoff"
    assert body["redirectUrl"] == REDIRECT
    assert body["webhookUrl"] == f"{receiver.url}/webhook"
    assert body["locale"] == "nl_BE"
    assert body["createdAt"].endswith("+00:00") and body["expiresAt"].endswith("+00:00")
    created = datetime.fromisoformat(body["createdAt"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert datetime.fromisoformat(body["expiresAt"]) - created == timedelta(minutes=15)
    for absent in ("amountRefunded", "amountRemaining", "paidAt", "failedAt", "canceledAt"):
        assert absent not in body
    links = body["_links"]
    assert links["self"] == {"href": f"{sandbox.url}/v2/payments/{payment_id}", "type": HAL}
    assert links["checkout"] == {
        "href": f"{sandbox.url}/checkout/{payment_id}",
        "type": "text/html",
    }
    assert links["dashboard"]["type"] == "text/html"
    assert links["documentation"]["href"].startswith("https://docs.mollie.com/")
    fetched = http.get(f"/v2/payments/{payment_id}", headers=AUTH)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == HAL
    assert fetched.json() == body
    assert http.get(links["dashboard"]["href"]).status_code == 200


def test_optional_fields_are_optional(http: httpx.Client) -> None:
    body = payment_body(locale=..., metadata=..., method=["creditcard", "bancontact"])
    created = http.post("/v2/payments", json=body, headers=AUTH).json()
    assert created["metadata"] is None and created["method"] is None
    assert "webhookUrl" not in created and "locale" not in created
    single = http.post("/v2/payments", json=payment_body(method="creditcard"), headers=AUTH)
    assert single.status_code == 201 and single.json()["method"] == "creditcard"


def test_loopback_webhook_urls_are_accepted(http: httpx.Client) -> None:
    """The one allowed difference: Mollie refuses webhook URLs it cannot reach."""
    body = payment_body(webhookUrl="http://127.0.0.1:9/webhook")
    assert http.post("/v2/payments", json=body, headers=AUTH).status_code == 201


def test_idempotent_replay_is_byte_for_byte(http: httpx.Client) -> None:
    headers = {**AUTH, "Idempotency-Key": "raw-replay-1"}
    content = json.dumps(payment_body()).encode()
    first = http.post("/v2/payments", content=content, headers=headers)
    second = http.post("/v2/payments", content=content, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true"
    other = json.dumps(payment_body(description="Another")).encode()
    body = assert_mollie_error(http.post("/v2/payments", content=other, headers=headers), 422)
    assert "dempotency" in body["detail"]


# ---------------------------------------------------------------- the checkout page


def test_checkout_page_is_small_accessible_html(http: httpx.Client, mollie: Client) -> None:
    payment = mollie.payments.create(payment_body(description="Course <b>B1</b> & exam"))
    page = http.get(f"/checkout/{payment.id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<html lang="en">' in text
    assert text.count("<h1") == 1 and "<h1>Mollie sandbox checkout</h1>" in text
    assert "90.00" in text
    assert "Course &lt;b&gt;B1&lt;/b&gt; &amp; exam" in text and "<b>B1" not in text
    assert '<form method="post">' in text
    buttons = re.findall(r'<button type="submit" name="status" value="(\w+)">(\w+)</button>', text)
    assert buttons == [
        ("paid", "Paid"),
        ("failed", "Failed"),
        ("canceled", "Canceled"),
        ("expired", "Expired"),
    ]
    assert "<legend>" in text
    assert "<script" not in text.lower()
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert http.get("/checkout/tr_doesnotexi").status_code == 404


def test_paid_at_checkout(http: httpx.Client, mollie: Client, receiver: Receiver) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    fetched = mollie.payments.get(payment.id)
    assert fetched.is_open() and not fetched.is_paid()
    assert fetched.checkout_url.endswith(f"/checkout/{payment.id}")
    assert fetched.amount_remaining is None and not fetched.can_be_refunded()

    response = checkout(http, payment.id, "paid")
    assert response.status_code == 303
    assert response.headers["Location"] == REDIRECT

    paid = mollie.payments.get(payment.id)
    assert paid.is_paid() and paid.status == "paid"
    assert datetime.fromisoformat(paid.paid_at) >= datetime.fromisoformat(paid.created_at)
    assert paid.method == "bancontact"
    assert paid.amount_refunded == {"value": "0.00", "currency": "EUR"}
    assert paid.amount_remaining == {"value": "90.00", "currency": "EUR"}
    assert paid.checkout_url is None and "expiresAt" not in paid

    posts = receiver.for_payment(payment.id)
    assert len(posts) == 1
    assert posts[0]["path"] == "/webhook"
    assert posts[0]["form"] == {"id": payment.id}
    assert posts[0]["content_type"].startswith("application/x-www-form-urlencoded")
    calls = http.get("/_sandbox/webhook-calls").json()
    mine = [c for c in calls if c["payment_id"] == payment.id]
    assert mine == [
        {
            "payment_id": payment.id,
            "url": f"{receiver.url}/webhook",
            "status_code": 200,
            "error": None,
            "at": mine[0]["at"],
        }
    ]
    # no second outcome once it is paid
    assert checkout(http, payment.id, "failed").status_code == 409
    assert "paid" in http.get(f"/checkout/{payment.id}").text
    assert len(receiver.for_payment(payment.id)) == 1


@pytest.mark.parametrize(
    ("outcome", "check", "moment"),
    [
        ("failed", "is_failed", "failed_at"),
        ("canceled", "is_canceled", "canceled_at"),
        ("expired", "is_expired", "expired_at"),
    ],
)
def test_other_outcomes_at_checkout(
    http: httpx.Client,
    mollie: Client,
    receiver: Receiver,
    outcome: str,
    check: str,
    moment: str,
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    response = checkout(http, payment.id, outcome)
    assert response.status_code == 303 and response.headers["Location"] == REDIRECT
    after = mollie.payments.get(payment.id)
    assert getattr(after, check)()
    assert getattr(after, moment) is not None
    assert not after.is_paid() and not after.can_be_refunded()
    assert [p["form"] for p in receiver.for_payment(payment.id)] == [{"id": payment.id}]


def test_checkout_rejects_unknown_outcomes(http: httpx.Client, mollie: Client) -> None:
    payment = mollie.payments.create(payment_body())
    assert checkout(http, payment.id, "pending").status_code == 400
    assert checkout(http, payment.id, "").status_code == 400
    assert mollie.payments.get(payment.id).is_open()


def test_skipped_webhook_changes_status_silently(
    http: httpx.Client, mollie: Client, receiver: Receiver
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    assert checkout(http, payment.id, "paid", webhook="skip").status_code == 303
    assert mollie.payments.get(payment.id).is_paid()
    assert receiver.for_payment(payment.id) == []
    assert http.get("/_sandbox/webhook-calls", params={"payment_id": payment.id}).json() == []


def test_payment_without_webhook_url_calls_nothing(
    http: httpx.Client, mollie: Client, sandbox: SandboxServer
) -> None:
    payment = mollie.payments.create(payment_body())
    assert checkout(http, payment.id, "paid").status_code == 303
    assert sandbox.app.webhook_calls(payment.id) == []


def test_webhook_failures_are_recorded_not_raised(
    http: httpx.Client, mollie: Client, receiver: Receiver, sandbox: SandboxServer
) -> None:
    refused = mollie.payments.create(payment_body(webhookUrl=f"http://127.0.0.1:{free_port()}/"))
    assert checkout(http, refused.id, "paid").status_code == 303
    [call] = sandbox.app.webhook_calls(refused.id)
    assert call["status_code"] is None and "ConnectError" in call["error"]

    failing = mollie.payments.create(payment_body(webhookUrl=f"{receiver.url}/fail"))
    assert checkout(http, failing.id, "paid").status_code == 303
    [call] = sandbox.app.webhook_calls(failing.id)
    assert call["status_code"] == 500 and call["error"] is None
    assert mollie.payments.get(failing.id).is_paid()


# ---------------------------------------------------------------- the real client


def test_client_idempotency(mollie: Client) -> None:
    first = mollie.payments.create(payment_body(), idempotency_key="portal-order-7")
    again = mollie.payments.create(payment_body(), idempotency_key="portal-order-7")
    assert again.id == first.id
    with pytest.raises(UnprocessableEntityError, match="dempotency"):
        mollie.payments.create(
            payment_body(amount={"currency": "EUR", "value": "91.00"}),
            idempotency_key="portal-order-7",
        )
    fresh = mollie.payments.create(payment_body(), idempotency_key="portal-order-8")
    assert fresh.id != first.id


def test_client_validation_errors(mollie: Client) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        mollie.payments.create(payment_body(locale="ar_AR"))
    assert caught.value.status == 422 and caught.value.field == "locale"


def test_client_not_found_and_unauthorized(sandbox: SandboxServer, mollie: Client) -> None:
    with pytest.raises(NotFoundError):
        mollie.payments.get("tr_doesnotexi")
    for key in ("test_short", "live_" + "y" * 30):
        client = Client(api_endpoint=sandbox.url, timeout=(3, 10))
        client.set_api_key(key)
        try:
            with pytest.raises(UnauthorizedError):
                client.payments.get("tr_doesnotexi")
            with pytest.raises(UnauthorizedError):
                client.payments.create(payment_body())
        finally:
            client._client.close()


def test_client_request_error_when_sandbox_is_down() -> None:
    client = Client(api_endpoint=f"http://127.0.0.1:{free_port()}", timeout=(3, 10))
    client.set_api_key(KEY)
    try:
        with pytest.raises(RequestError):
            client.payments.get("tr_abcdefghij")
        with pytest.raises(RequestError):
            client.payments.create(payment_body())
    finally:
        client._client.close()


def test_refunds(
    http: httpx.Client, mollie: Client, receiver: Receiver, sandbox: SandboxServer
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    checkout(http, payment.id, "paid")
    paid = mollie.payments.get(payment.id)
    assert not paid.has_refunds()

    refund = paid.refunds.create(
        {
            "amount": {"currency": "EUR", "value": "30.00"},
            "description": "Module 2 canceled",
            "metadata": {"reason": "moved"},
        }
    )
    assert re.fullmatch(r"re_[A-Za-z0-9]{10}", refund.id)
    assert refund.resource == "refund"
    assert refund.is_pending() and not refund.is_refunded()
    assert refund.amount == {"value": "30.00", "currency": "EUR"}
    assert refund.payment_id == payment.id
    assert refund.description == "Module 2 canceled"
    assert refund.metadata == {"reason": "moved"}
    assert refund.created_at.endswith("+00:00")
    assert refund["_links"]["self"]["href"].endswith(
        f"/v2/payments/{payment.id}/refunds/{refund.id}"
    )
    assert refund["_links"]["payment"]["href"].endswith(f"/v2/payments/{payment.id}")
    assert refund.get_payment().id == payment.id

    after = mollie.payments.get(payment.id)
    assert after.has_refunds()
    assert after.amount_refunded == {"value": "30.00", "currency": "EUR"}
    assert after.amount_remaining == {"value": "60.00", "currency": "EUR"}
    assert after.is_paid() and after.status == "paid"

    # more than what remains is refused, with the field
    with pytest.raises(UnprocessableEntityError) as caught:
        after.refunds.create({"amount": {"currency": "EUR", "value": "60.01"}})
    assert caught.value.field == "amount"
    with pytest.raises(UnprocessableEntityError):
        after.refunds.create({"amount": {"currency": "EUR", "value": "0.00"}})

    second = after.refunds.create({"amount": {"currency": "EUR", "value": "60.00"}})
    listed = after.refunds.list()
    assert len(listed) == 2
    assert [r.id for r in listed] == [second.id, refund.id]  # newest first, like Mollie
    assert all(r.resource == "refund" for r in listed)
    assert listed["_links"]["self"]["href"].endswith(f"/v2/payments/{payment.id}/refunds")
    assert after.refunds.get(refund.id).id == refund.id
    with pytest.raises(NotFoundError):
        after.refunds.get("re_doesnotexi")
    assert mollie.payments.get(payment.id).amount_remaining["value"] == "0.00"

    # refunds stay pending until settled through the control API
    assert after.refunds.get(refund.id).is_pending()
    assert after.refunds.get(refund.id).is_pending()
    before = len(receiver.for_payment(payment.id))
    settled = http.post(f"/_sandbox/refunds/{refund.id}/status", json={"status": "refunded"})
    assert settled.status_code == 200 and settled.json()["status"] == "refunded"
    assert after.refunds.get(refund.id).is_refunded()
    assert len(receiver.for_payment(payment.id)) == before + 1  # Mollie calls the webhook

    # a failed refund gives the money back to what can be refunded
    failed = http.post(
        f"/_sandbox/refunds/{second.id}/status", json={"status": "failed", "webhook": False}
    )
    assert failed.json()["status"] == "failed"
    assert len(receiver.for_payment(payment.id)) == before + 1
    final = mollie.payments.get(payment.id)
    assert final.amount_refunded["value"] == "30.00"
    assert final.amount_remaining["value"] == "60.00"
    again = http.post(f"/_sandbox/refunds/{second.id}/status", json={"status": "refunded"})
    assert again.status_code == 409


def test_refund_of_an_unpaid_payment_is_refused(http: httpx.Client, mollie: Client) -> None:
    payment = mollie.payments.create(payment_body())
    with pytest.raises(UnprocessableEntityError, match="paid"):
        payment.refunds.create({"amount": {"currency": "EUR", "value": "10.00"}})
    checkout(http, payment.id, "failed")
    failed = mollie.payments.get(payment.id)
    with pytest.raises(UnprocessableEntityError):
        failed.refunds.create({"amount": {"currency": "EUR", "value": "10.00"}})
    assert len(failed.refunds.list()) == 0


def test_refund_raw_shape_and_validation(http: httpx.Client, mollie: Client) -> None:
    payment = mollie.payments.create(payment_body())
    checkout(http, payment.id, "paid")
    url = f"/v2/payments/{payment.id}/refunds"
    assert_mollie_error(
        http.post(url, json={"amount": {"currency": "EUR", "value": 5}}, headers=AUTH),
        422,
        "amount.value",
    )
    assert_mollie_error(http.post(url, json={}, headers=AUTH), 422, "amount")
    assert_mollie_error(http.post(url, json={"amount": "5.00"}, headers=AUTH), 422, "amount")
    assert_mollie_error(http.post(url, content=b"nope", headers=AUTH), 400)
    assert_mollie_error(http.post("/v2/payments/tr_doesnotexi/refunds", json={}, headers=AUTH), 404)
    assert_mollie_error(http.get(url), 401)
    created = http.post(url, json={"amount": {"currency": "EUR", "value": "5.00"}}, headers=AUTH)
    assert created.status_code == 201 and created.headers["content-type"] == HAL
    body = created.json()
    assert body["status"] == "pending" and body["mode"] == "test"
    assert body["description"] == "" and body["metadata"] is None
    listing = http.get(url, headers=AUTH)
    assert listing.headers["content-type"] == HAL
    assert listing.json()["count"] == 1
    assert listing.json()["_embedded"]["refunds"] == [body]


# ---------------------------------------------------------------- the control API


def test_control_api_follows_mollies_life_cycle(
    http: httpx.Client, mollie: Client, receiver: Receiver
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    url = f"/_sandbox/payments/{payment.id}/status"

    pending = http.post(url, json={"status": "pending"})
    assert pending.status_code == 200 and pending.json()["status"] == "pending"
    assert mollie.payments.get(payment.id).is_pending()
    assert receiver.for_payment(payment.id) == []  # no webhook for pending
    assert checkout(http, payment.id, "paid").status_code == 409  # only while open

    authorized = http.post(url, json={"status": "authorized"})
    assert authorized.json()["authorizedAt"]
    assert mollie.payments.get(payment.id).is_authorized()
    assert len(receiver.for_payment(payment.id)) == 1

    assert http.post(url, json={"status": "paid", "webhook": False}).status_code == 200
    assert mollie.payments.get(payment.id).is_paid()
    assert len(receiver.for_payment(payment.id)) == 1

    assert_mollie_error(http.post(url, json={"status": "failed"}), 409)
    assert_mollie_error(http.post(url, json={"status": "open"}), 422, "status")
    assert_mollie_error(http.post(url, json={"status": "paid", "webhook": "no"}), 422, "webhook")
    assert_mollie_error(
        http.post("/_sandbox/payments/tr_nope/status", json={"status": "paid"}), 404
    )
    assert_mollie_error(
        http.post("/_sandbox/refunds/re_nope/status", json={"status": "failed"}), 404
    )


def test_replayed_webhook_is_a_duplicate(
    http: httpx.Client, mollie: Client, receiver: Receiver
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    checkout(http, payment.id, "paid")
    replay = http.post(f"/_sandbox/webhooks/{payment.id}/replay")
    assert replay.status_code == 200
    assert replay.json()["status_code"] == 200 and replay.json()["payment_id"] == payment.id
    posts = receiver.for_payment(payment.id)
    assert [p["form"] for p in posts] == [{"id": payment.id}, {"id": payment.id}]
    calls = http.get("/_sandbox/webhook-calls", params={"payment_id": payment.id}).json()
    assert [c["status_code"] for c in calls] == [200, 200]

    silent = mollie.payments.create(payment_body())
    assert_mollie_error(http.post(f"/_sandbox/webhooks/{silent.id}/replay"), 409)


# ---------------------------------------------------------------- expiry, in-process


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_open_payment_expires_after_fifteen_minutes(receiver: Receiver) -> None:
    clock = MovableClock()
    app = MollieSandbox("http://sandbox.test", clock=clock)
    client = WsgiClient(app)
    created = client.post("/v2/payments", json=payment_body(receiver), headers=AUTH)
    assert created.status_code == 201
    body = created.get_json()
    assert body["createdAt"] == "2026-03-16T09:00:00+00:00"
    assert body["expiresAt"] == "2026-03-16T09:15:00+00:00"
    assert body["_links"]["checkout"]["href"] == f"http://sandbox.test/checkout/{body['id']}"

    clock.now += timedelta(minutes=14, seconds=59)
    assert client.get(f"/v2/payments/{body['id']}", headers=AUTH).get_json()["status"] == "open"
    clock.now += timedelta(seconds=1)
    expired = client.get(f"/v2/payments/{body['id']}", headers=AUTH).get_json()
    assert expired["status"] == "expired"
    assert expired["expiredAt"] == "2026-03-16T09:15:00+00:00"
    assert "expiresAt" not in expired and "checkout" not in expired["_links"]
    assert [p["form"] for p in receiver.wait_for(body["id"])] == [{"id": body["id"]}]
    assert client.post(f"/checkout/{body['id']}", data={"status": "paid"}).status_code == 409


@given(cents=st.integers(min_value=1, max_value=10**9))
def test_any_positive_two_decimal_amount_round_trips(cents: int) -> None:
    value = f"{Decimal(cents) / 100:.2f}"
    client = WsgiClient(MollieSandbox("http://sandbox.test"))
    body = payment_body(amount={"currency": "EUR", "value": value})
    created = client.post("/v2/payments", json=body, headers=AUTH)
    assert created.status_code == 201
    assert created.get_json()["amount"] == {"value": value, "currency": "EUR"}


@given(value=st.text(max_size=12).filter(lambda v: not re.fullmatch(r"[0-9]+\.[0-9]{2}", v)))
def test_any_other_amount_string_is_refused(value: str) -> None:
    client = WsgiClient(MollieSandbox("http://sandbox.test"))
    body = payment_body(amount={"currency": "EUR", "value": value})
    response = client.post("/v2/payments", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.get_json()["field"] == "amount.value"


# ---------------------------------------------------------------- serving and production


def test_running_sandbox_binds_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        with running_sandbox(host="0.0.0.0"):
            pass
    with pytest.raises(ValueError, match="loopback"):
        with running_sandbox(host="example.org"):
            pass


def test_links_use_the_servers_actual_url(sandbox: SandboxServer, mollie: Client) -> None:
    assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
    assert sandbox.app.base_url == sandbox.url
    payment = mollie.payments.create(payment_body())
    assert payment.checkout_url == f"{sandbox.url}/checkout/{payment.id}"
    assert sandbox.app.payment(payment.id)["id"] == payment.id


def test_refused_in_production() -> None:
    with pytest.raises(RuntimeError, match="production"):
        refuse_in_production(Settings(env="production"))
    refuse_in_production(Settings(env="development"))
    refuse_in_production(Settings(env="test"))


def test_the_checkout_offers_only_the_requested_methods(http: httpx.Client, mollie: Client) -> None:
    limited = mollie.payments.create(payment_body(method=["bancontact", "creditcard"]))
    assert limited.method is None  # a list leaves the choice to the person, like Mollie
    page = http.get(f"/checkout/{limited.id}").text
    assert 'value="bancontact"' in page and 'value="creditcard"' in page
    assert 'value="banktransfer"' not in page and 'value="applepay"' not in page
    refused = checkout(http, limited.id, "paid", method="banktransfer")
    assert refused.status_code == 400
    assert mollie.payments.get(limited.id).status == "open"
    assert checkout(http, limited.id, "paid", method="creditcard").status_code == 303
    assert mollie.payments.get(limited.id).method == "creditcard"
    # without a method Mollie offers every enabled one, a days-long bank transfer included
    open_ended = mollie.payments.create(payment_body())
    assert 'value="banktransfer"' in http.get(f"/checkout/{open_ended.id}").text


def test_chargebacks(
    http: httpx.Client, mollie: Client, receiver: Receiver, sandbox: SandboxServer
) -> None:
    payment = mollie.payments.create(payment_body(receiver))
    unpaid = http.post(f"/_sandbox/payments/{payment.id}/chargeback", json={})
    assert_mollie_error(unpaid, 409)
    checkout(http, payment.id, "paid")
    calls = len(sandbox.app.webhook_calls(payment.id))
    too_much = http.post(f"/_sandbox/payments/{payment.id}/chargeback", json={"amount": "90.01"})
    assert_mollie_error(too_much, 422, "amount")
    made = http.post(f"/_sandbox/payments/{payment.id}/chargeback", json={"amount": "40.00"})
    assert made.status_code == 201 and made.json()["resource"] == "chargeback"
    assert len(sandbox.app.webhook_calls(payment.id)) == calls + 1  # Mollie calls the webhook
    after = mollie.payments.get(payment.id)
    assert after.status == "paid"  # a chargeback does not change the status
    assert after.amount_chargedback == {"value": "40.00", "currency": "EUR"}
    assert after["amountRemaining"] == {"value": "50.00", "currency": "EUR"}
    assert after.has_chargebacks()
    listed = http.get(f"/v2/payments/{payment.id}/chargebacks", headers=AUTH).json()
    assert listed["count"] == 1
    assert listed["_embedded"]["chargebacks"][0]["amount"]["value"] == "40.00"
    # the dashboard's button takes back the rest
    assert http.post(f"/_sandbox/dashboard/{payment.id}/chargeback").status_code == 303
    assert mollie.payments.get(payment.id).amount_chargedback["value"] == "90.00"
    assert http.post(f"/_sandbox/dashboard/{payment.id}/chargeback").status_code == 422
