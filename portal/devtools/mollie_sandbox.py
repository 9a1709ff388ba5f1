"""A local Mollie-compatible payment sandbox for development and tests.

A small WSGI app (werkzeug, no framework) that speaks the subset of Mollie's v2 API the portal
uses, with Mollie's JSON shapes, validation and error responses, so the real `mollie-api-python`
client works against it unchanged (`Client(api_endpoint=sandbox.url)`):

    POST /v2/payments                               create a payment (201)
    GET  /v2/payments/{id}                          get a payment
    POST /v2/payments/{id}/refunds                  refund (part of) a paid payment (201)
    GET  /v2/payments/{id}/refunds                  list its refunds (newest first)
    GET  /v2/payments/{id}/refunds/{refund_id}      get one refund

Requests need `Authorization: Bearer test_...` (Mollie's test key format); live keys are refused.
`Idempotency-Key` works like Mollie's: the same key and body replay the first response (with
`Idempotent-Replayed: true`), the same key with another body is a 422.

The person paying sees `GET /checkout/{id}`: one button per outcome (Paid, Failed, Canceled,
Expired). Choosing one sets the status and its timestamp, calls the webhook the way Mollie does
(`POST <webhookUrl>` with the form body `id=tr_...`, 2 s timeout, the outcome recorded, errors
ignored) and redirects (303) to the payment's `redirectUrl`. The checkout offers only the methods
the payment was created with (`method`: a string or a list), like Mollie's hosted checkout; without
one it offers every method the sandbox knows, bank transfer included. A chargeback (the dashboard's
button, or the control API) sets `amountChargedBack`, lists it under
`GET /v2/payments/{id}/chargebacks` and calls the webhook, as Mollie does. The form field
`webhook=skip` changes the status without calling the webhook: a lost webhook.

Control API for tests (no key needed; the server binds to loopback only):

    POST /_sandbox/payments/{id}/status     {"status": "paid", "webhook": true}
                                            (also pending and authorized; Mollie's transitions)
    POST /_sandbox/refunds/{id}/status      {"status": "refunded" | "failed", "webhook": true}
    POST /_sandbox/payments/{id}/chargeback {"amount": "90.00", "webhook": true}: the bank takes
                                            a paid payment's money back (default: all of it)
    POST /_sandbox/webhooks/{id}/replay     call the payment's webhook again (a duplicate)
    GET  /_sandbox/webhook-calls            [{payment_id, url, status_code, error, at}, ...]
    GET  /_sandbox/dashboard/{id}           a small HTML page (the payment's `dashboard` link)

Refunds are created `pending` and stay `pending` until settled explicitly through the control API
(or `MollieSandbox.set_refund_status`), to `refunded` or `failed`; settling calls the payment's
webhook, as Mollie does for refund status changes. A failed refund no longer counts in
`amountRefunded`. Nothing settles by itself, so tests are deterministic.

An open payment expires when its `expiresAt` (creation + 15 minutes) has passed, checked
whenever it is read; the webhook for that expiry is delivered from a background thread.

Known differences from the real Mollie API, on purpose:
- Loopback webhook URLs (http://127.0.0.1:...) are accepted; Mollie refuses webhook URLs it
  cannot reach. This is the one allowed difference in what is accepted.
- Only EUR, only the methods bancontact, creditcard, applepay, googlepay and banktransfer (which
  expires after 15 minutes like the others here), and only JSON
  bodies (Mollie also accepts form-encoded parameters). Descriptions over 255 characters are
  refused (Mollie's absolute maximum) and shorter ones are never truncated per method.
- Any well-formed test key sees every payment (one profile, `pfl_sandbox`); webhooks are not
  retried (use the replay endpoint); there is no cancel, update or list-payments endpoint.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import string
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from portal.devtools.serving import is_loopback, serving
from portal.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

LOOPBACK = "127.0.0.1"
PROFILE_ID = "pfl_sandbox"
EXPIRY = timedelta(minutes=15)
WEBHOOK_TIMEOUT = 2.0
MAX_BODY = 64 * 1024
MAX_DESCRIPTION = 255
MAX_METADATA = 1024

TEST_KEY = re.compile(r"test_[A-Za-z0-9]{30,}")
LIVE_KEY = re.compile(r"live_[A-Za-z0-9]{30,}")
AMOUNT_VALUE = re.compile(r"[0-9]+\.[0-9]{2}")
CURRENCY = re.compile(r"[A-Z]{3}")
ID_ALPHABET = string.ascii_letters + string.digits

LOCALES = frozenset(
    {
        "en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "de_DE", "de_AT", "de_CH", "es_ES",
        "ca_ES", "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL",
        "lv_LV", "lt_LT",
    }
)  # fmt: skip
METHODS = ("bancontact", "creditcard", "applepay", "googlepay", "banktransfer")
DEFAULT_METHOD = "bancontact"

# Mollie's payment life cycle: which status may follow which; the final ones have no successor.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "authorized", "paid", "failed", "canceled", "expired"}),
    "pending": frozenset({"authorized", "paid", "failed", "canceled", "expired"}),
    "authorized": frozenset({"paid", "failed", "canceled", "expired"}),
}
CHECKOUT_OUTCOMES = ("paid", "failed", "canceled", "expired")
WEBHOOK_STATUSES = frozenset({"authorized", "paid", "failed", "canceled", "expired"})
TIMESTAMPS = {
    "authorized": "authorizedAt",
    "paid": "paidAt",
    "failed": "failedAt",
    "canceled": "canceledAt",
    "expired": "expiredAt",
}
REFUND_OUTCOMES = ("refunded", "failed")

DOCS = "https://docs.mollie.com/reference"
DOC_ERRORS = f"{DOCS}/handling-errors"
DOC_AUTH = f"{DOCS}/authentication"
DOC_CREATE_PAYMENT = f"{DOCS}/create-payment"
DOC_GET_PAYMENT = f"{DOCS}/get-payment"
DOC_CREATE_REFUND = f"{DOCS}/create-refund"
DOC_LIST_REFUNDS = f"{DOCS}/list-refunds"
DOC_GET_REFUND = f"{DOCS}/get-refund"
DOC_LIST_CHARGEBACKS = f"{DOCS}/list-chargebacks"
DOC_IDEMPOTENCY = f"{DOCS}/api-idempotency"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    422: "Unprocessable Entity",
}


class SandboxError(Exception):
    """A request the sandbox refuses; rendered in Mollie's error shape."""

    def __init__(
        self,
        status: int,
        detail: str,
        field: str | None = None,
        documentation: str = DOC_ERRORS,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.documentation = documentation

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "title": TITLES.get(self.status, "Error"),
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        body["_links"] = {"documentation": {"href": self.documentation, "type": "text/html"}}
        return body


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


def _hal(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/hal+json"}


def _page_link(href: str) -> dict[str, str]:
    return {"href": href, "type": "text/html"}


@dataclass
class _Refund:
    id: str
    payment_id: str
    amount: Decimal
    currency: str
    description: str
    metadata: Any
    created_at: datetime
    status: str = "pending"

    def counts(self) -> bool:
        """Whether the refund takes money off the payment (a failed one gives it back)."""
        return self.status not in {"failed", "canceled"}

    def to_json(self, base: str) -> dict[str, Any]:
        payment = f"{base}/v2/payments/{self.payment_id}"
        return {
            "resource": "refund",
            "id": self.id,
            "mode": "test",
            "amount": _money(self.amount, self.currency),
            "settlementAmount": _money(-self.amount, self.currency),
            "status": self.status,
            "createdAt": _iso(self.created_at),
            "description": self.description,
            "metadata": self.metadata,
            "paymentId": self.payment_id,
            "_links": {
                "self": _hal(f"{payment}/refunds/{self.id}"),
                "payment": _hal(payment),
                "documentation": _page_link(DOC_GET_REFUND),
            },
        }


@dataclass
class _Chargeback:
    id: str
    payment_id: str
    amount: Decimal
    currency: str
    created_at: datetime

    def to_json(self, base: str) -> dict[str, Any]:
        payment = f"{base}/v2/payments/{self.payment_id}"
        return {
            "resource": "chargeback",
            "id": self.id,
            "amount": _money(self.amount, self.currency),
            "settlementAmount": _money(-self.amount, self.currency),
            "createdAt": _iso(self.created_at),
            "reason": {"code": "AC01", "description": "Account identifier incorrect"},
            "paymentId": self.payment_id,
            "_links": {
                "self": _hal(f"{payment}/chargebacks/{self.id}"),
                "payment": _hal(payment),
                "documentation": _page_link(DOC_LIST_CHARGEBACKS),
            },
        }


@dataclass
class _Payment:
    id: str
    created_at: datetime
    amount: Decimal
    currency: str
    description: str
    redirect_url: str
    webhook_url: str | None
    locale: str | None
    requested_methods: tuple[str, ...]
    method: str | None
    metadata: Any
    status: str = "open"
    moments: dict[str, datetime] = field(default_factory=dict)
    refunds: list[_Refund] = field(default_factory=list)
    chargebacks: list[_Chargeback] = field(default_factory=list)

    @property
    def offered_methods(self) -> tuple[str, ...]:
        return self.requested_methods or METHODS

    @property
    def amount_charged_back(self) -> Decimal:
        return sum((c.amount for c in self.chargebacks), Decimal("0.00"))

    @property
    def expires_at(self) -> datetime:
        return self.created_at + EXPIRY

    @property
    def amount_refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds if r.counts()), Decimal("0.00"))

    @property
    def amount_remaining(self) -> Decimal:
        return self.amount - self.amount_refunded - self.amount_charged_back

    def to_json(self, base: str) -> dict[str, Any]:
        self_href = f"{base}/v2/payments/{self.id}"
        body: dict[str, Any] = {
            "resource": "payment",
            "id": self.id,
            "mode": "test",
            "createdAt": _iso(self.created_at),
            "amount": _money(self.amount, self.currency),
            "description": self.description,
            "method": self.method,
            "metadata": self.metadata,
            "status": self.status,
            "isCancelable": False,  # the sandbox has no cancel endpoint
        }
        if self.status in {"open", "pending", "authorized"}:
            body["expiresAt"] = _iso(self.expires_at)  # omitted once it can no longer expire
        body.update(
            {
                "profileId": PROFILE_ID,
                "sequenceType": "oneoff",
                "redirectUrl": self.redirect_url,
            }
        )
        if self.webhook_url is not None:
            body["webhookUrl"] = self.webhook_url
        if self.locale is not None:
            body["locale"] = self.locale
        if self.status == "paid":
            body["amountRefunded"] = _money(self.amount_refunded, self.currency)
            body["amountRemaining"] = _money(self.amount_remaining, self.currency)
        if self.chargebacks:
            body["amountChargedBack"] = _money(self.amount_charged_back, self.currency)
        for status, name in TIMESTAMPS.items():
            if status in self.moments:
                body[name] = _iso(self.moments[status])
        links: dict[str, Any] = {"self": _hal(self_href)}
        if self.status == "open":
            links["checkout"] = _page_link(f"{base}/checkout/{self.id}")
        links["dashboard"] = _page_link(f"{base}/_sandbox/dashboard/{self.id}")
        if self.refunds:
            links["refunds"] = _hal(f"{self_href}/refunds")
        if self.chargebacks:
            links["chargebacks"] = _hal(f"{self_href}/chargebacks")
        links["documentation"] = _page_link(DOC_GET_PAYMENT)
        body["_links"] = links
        return body


# ---------------------------------------------------------------- validation (Mollie's rules)


def _parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}

    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise SandboxError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SandboxError(400, "The request body must be a JSON object.")
    return data


def _amount(data: dict[str, Any], documentation: str) -> tuple[Decimal, str]:
    amount = data.get("amount")
    if amount is None:
        raise SandboxError(422, "The amount is required.", "amount", documentation)
    if not isinstance(amount, dict):
        raise SandboxError(
            422,
            'The amount must be an object with a currency and a value, such as {"currency": '
            '"EUR", "value": "10.00"}.',
            "amount",
            documentation,
        )
    currency = amount.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise SandboxError(422, "The currency is invalid.", "amount.currency", documentation)
    if currency != "EUR":
        raise SandboxError(
            422,
            f"The currency {currency} is not supported; the sandbox accepts EUR only.",
            "amount.currency",
            documentation,
        )
    value = amount.get("value")
    if not isinstance(value, str) or not AMOUNT_VALUE.fullmatch(value):
        raise SandboxError(
            422,
            'The amount value must be a string with exactly two decimals, such as "10.00".',
            "amount.value",
            documentation,
        )
    number = Decimal(value)
    if number <= 0:
        raise SandboxError(422, "The amount is lower than the minimum.", "amount", documentation)
    return number, currency


def _text(data: dict[str, Any], name: str, documentation: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or (required and isinstance(value, str) and not value.strip()):
        if required:
            raise SandboxError(422, f"The {name} is required.", name, documentation)
        return None
    if not isinstance(value, str):
        raise SandboxError(422, f"The {name} must be a string.", name, documentation)
    if len(value) > MAX_DESCRIPTION:
        raise SandboxError(
            422,
            f"The {name} is too long; the maximum is {MAX_DESCRIPTION} characters.",
            name,
            documentation,
        )
    return value


def _url(data: dict[str, Any], name: str, documentation: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise SandboxError(422, f"The {name} is required.", name, documentation)
        return None
    invalid = SandboxError(
        422, f"The {name} is invalid; it must be an http or https URL.", name, documentation
    )
    if not isinstance(value, str) or len(value) > 2048:
        raise invalid
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise invalid
    try:
        parsed = urlparse(value)
        host = parsed.hostname
        parsed.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError:
        raise invalid from None
    if parsed.scheme not in {"http", "https"} or not host:
        raise invalid
    return value


def _locale(data: dict[str, Any]) -> str | None:
    value = data.get("locale")
    if value is None:
        return None
    if not isinstance(value, str) or value not in LOCALES:
        raise SandboxError(
            422,
            "The locale is invalid; use one of " + ", ".join(sorted(LOCALES)) + ".",
            "locale",
            DOC_CREATE_PAYMENT,
        )
    return value


def _methods(data: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """The requested methods and the payment's initial `method` (set when exactly one is named
    as a string, like Mollie; null when a list or nothing is given)."""
    value = data.get("method")
    if value is None:
        return (), None
    invalid = SandboxError(
        422,
        "The payment method is invalid; the sandbox offers " + ", ".join(METHODS) + ".",
        "method",
        DOC_CREATE_PAYMENT,
    )
    if isinstance(value, str):
        if value not in METHODS:
            raise invalid
        return (value,), value
    if isinstance(value, list) and value:
        if not all(isinstance(item, str) and item in METHODS for item in value):
            raise invalid
        return tuple(dict.fromkeys(value)), None
    raise invalid


def _metadata(data: dict[str, Any], documentation: str) -> Any:
    value = data.get("metadata")
    if value is None:
        return None
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA:
        raise SandboxError(
            422,
            f"The metadata is too large ({size} bytes); the maximum is {MAX_METADATA} bytes.",
            "metadata",
            documentation,
        )
    return value


# ---------------------------------------------------------------- pages


def _page(
    title: str, body: str, status: int = 200, heading: str = "Mollie sandbox checkout"
) -> Response:
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – Mollie sandbox</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #111; background: #fff; }}
fieldset {{ border: 1px solid #767676; padding: 1rem; }}
button {{ font: inherit; padding: .5rem 1rem; margin: .25rem .5rem .25rem 0; }}
button:focus-visible, a:focus-visible {{ outline: 3px solid #1a4fd6; outline-offset: 2px; }}
dt {{ font-weight: bold; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(heading)}</h1>
{body}
</main>
</body>
</html>
"""
    response = Response(document, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


def _summary(payment: _Payment) -> str:
    return (
        "<dl>"
        f"<dt>Amount</dt><dd>€ {payment.amount:.2f} ({html.escape(payment.currency)})</dd>"
        f"<dt>Description</dt><dd>{html.escape(payment.description)}</dd>"
        f"<dt>Payment</dt><dd><code>{html.escape(payment.id)}</code></dd>"
        "</dl>"
    )


# ---------------------------------------------------------------- the app


class MollieSandbox:
    """The WSGI app; holds the thread-safe in-memory store.

    `base_url` is the public URL used in `_links` (set by `running_sandbox`); empty means the
    URL the request came in on. `clock` returns the current time (tests may move it)."""

    def __init__(self, base_url: str = "", *, clock: Callable[[], datetime] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._payments: dict[str, _Payment] = {}
        self._refunds: dict[str, _Refund] = {}
        self._idempotency: dict[tuple[str, str, str], tuple[str, int, bytes]] = {}
        self._webhook_calls: list[dict[str, Any]] = []
        self._urls = Map(
            [
                Rule("/v2/payments", endpoint="create_payment", methods=["POST"]),
                Rule("/v2/payments/<payment_id>", endpoint="get_payment", methods=["GET"]),
                Rule(
                    "/v2/payments/<payment_id>/refunds",
                    endpoint="create_refund",
                    methods=["POST"],
                ),
                Rule("/v2/payments/<payment_id>/refunds", endpoint="list_refunds", methods=["GET"]),
                Rule(
                    "/v2/payments/<payment_id>/refunds/<refund_id>",
                    endpoint="get_refund",
                    methods=["GET"],
                ),
                Rule(
                    "/v2/payments/<payment_id>/chargebacks",
                    endpoint="list_chargebacks",
                    methods=["GET"],
                ),
                Rule("/checkout/<payment_id>", endpoint="checkout", methods=["GET", "POST"]),
                Rule(
                    "/_sandbox/payments/<payment_id>/status",
                    endpoint="control_payment",
                    methods=["POST"],
                ),
                Rule(
                    "/_sandbox/refunds/<refund_id>/status",
                    endpoint="control_refund",
                    methods=["POST"],
                ),
                Rule(
                    "/_sandbox/payments/<payment_id>/chargeback",
                    endpoint="control_chargeback",
                    methods=["POST"],
                ),
                Rule(
                    "/_sandbox/dashboard/<payment_id>/chargeback",
                    endpoint="dashboard_chargeback",
                    methods=["POST"],
                ),
                Rule(
                    "/_sandbox/webhooks/<payment_id>/replay",
                    endpoint="control_replay",
                    methods=["POST"],
                ),
                Rule("/_sandbox/webhook-calls", endpoint="control_calls", methods=["GET"]),
                Rule("/_sandbox/dashboard/<payment_id>", endpoint="dashboard", methods=["GET"]),
            ],
            strict_slashes=False,
            merge_slashes=False,
        )

    # ------------------------------------------------------------ Python API (tests, `make run`)

    def webhook_calls(self, payment_id: str | None = None) -> list[dict[str, Any]]:
        """The webhook calls made so far, oldest first (optionally for one payment)."""
        with self._lock:
            return [
                dict(call)
                for call in self._webhook_calls
                if payment_id is None or call["payment_id"] == payment_id
            ]

    def payment(self, payment_id: str, base_url: str | None = None) -> dict[str, Any]:
        """The payment as `GET /v2/payments/{id}` returns it."""
        with self._lock:
            return self._find_payment(payment_id).to_json(base_url or self.base_url)

    def set_payment_status(self, payment_id: str, status: str, *, webhook: bool = True) -> None:
        """Move a payment along Mollie's life cycle; call its webhook where Mollie would."""
        with self._lock:
            payment = self._find_payment(payment_id)
            allowed = TRANSITIONS.get(payment.status, frozenset())
            if status not in TRANSITIONS["open"]:
                raise SandboxError(
                    422,
                    "The status must be one of " + ", ".join(sorted(TRANSITIONS["open"])) + ".",
                    "status",
                )
            if status not in allowed:
                raise SandboxError(
                    409, f"A payment that is {payment.status} cannot become {status}."
                )
            notify = self._transition(payment, status)
        if notify and webhook:
            self._deliver(payment_id)

    def set_refund_status(self, refund_id: str, status: str, *, webhook: bool = True) -> None:
        """Settle a pending refund as `refunded` or `failed`; calls the payment's webhook."""
        if status not in REFUND_OUTCOMES:
            raise SandboxError(422, "The status must be refunded or failed.", "status")
        with self._lock:
            refund = self._refunds.get(refund_id)
            if refund is None:
                raise SandboxError(
                    404, f"No refund exists with token {refund_id}.", documentation=DOC_GET_REFUND
                )
            if refund.status not in {"queued", "pending", "processing"}:
                raise SandboxError(409, f"The refund is already {refund.status}.")
            refund.status = status
            notify = self._payments[refund.payment_id].webhook_url is not None
        if notify and webhook:
            self._deliver(refund.payment_id)

    def charge_back(
        self, payment_id: str, amount: Decimal | None = None, *, webhook: bool = True
    ) -> dict[str, Any]:
        """The person's bank takes (part of) a paid payment back; Mollie calls the webhook."""
        with self._lock:
            payment = self._find_payment(payment_id)
            if payment.status != "paid":
                raise SandboxError(409, f"A payment that is {payment.status} has no chargeback.")
            amount = payment.amount_remaining if amount is None else amount
            if not Decimal("0") < amount <= payment.amount_remaining:
                raise SandboxError(
                    422,
                    "The chargeback amount must be more than 0 and at most "
                    f"€ {payment.amount_remaining:.2f}.",
                    "amount",
                )
            chargeback = _Chargeback(
                id=_new_id("chb_"),
                payment_id=payment_id,
                amount=amount,
                currency=payment.currency,
                created_at=self._now(),
            )
            payment.chargebacks.append(chargeback)
            notify = payment.webhook_url is not None
            body = chargeback.to_json(self.base_url)
        if notify and webhook:
            self._deliver(payment_id)
        return body

    def offered_methods(self, payment_id: str) -> tuple[str, ...]:
        """The methods the payment's checkout offers."""
        with self._lock:
            return self._find_payment(payment_id).offered_methods

    def replay_webhook(self, payment_id: str) -> dict[str, Any]:
        """Call the payment's webhook again (Mollie may deliver a webhook more than once)."""
        with self._lock:
            payment = self._find_payment(payment_id)
            if payment.webhook_url is None:
                raise SandboxError(409, "The payment has no webhookUrl.")
        return self._deliver(payment_id)

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = _Request(environ)
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        api = request.path == "/v2" or request.path.startswith("/v2/")
        control = request.path.startswith("/_sandbox/")
        try:
            api_key = self._authenticate(request) if api else ""
            try:
                endpoint, args = self._urls.bind_to_environ(request.environ).match()
            except NotFound:
                if api or control:
                    raise SandboxError(404, "The requested resource does not exist.") from None
                return _page("Not found", "<p>There is nothing here.</p>", 404)
            except MethodNotAllowed:
                if api or control:
                    raise SandboxError(
                        405, f"The sandbox does not support {request.method} on this resource."
                    ) from None
                return _page("Not allowed", "<p>This method is not allowed here.</p>", 405)
            handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
            if api:
                return handler(request, api_key, **args)
            return handler(request, **args)
        except SandboxError as error:
            return self._json(error.body(), error.status)
        except HTTPException as error:  # e.g. 413 from the body size limit
            status = error.code or 400
            return self._json(SandboxError(status, error.description or "").body(), status)

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return MollieSandbox._raw_json(json.dumps(body).encode("ascii"), status, headers)

    @staticmethod
    def _raw_json(payload: bytes, status: int, headers: dict[str, str] | None = None) -> Response:
        response = Response(payload, status=status, content_type="application/hal+json")
        response.headers["Cache-Control"] = "no-store"
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    def _base(self, request: Request) -> str:
        return self.base_url or request.host_url.rstrip("/")

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(microsecond=0)

    @staticmethod
    def _authenticate(request: Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and TEST_KEY.fullmatch(token):
            return token
        if scheme.lower() == "bearer" and LIVE_KEY.fullmatch(token):
            raise SandboxError(
                401,
                "The sandbox accepts test API keys (test_...) only; never send it a live key.",
                documentation=DOC_AUTH,
            )
        raise SandboxError(
            401, "Missing authentication, or failed to authenticate.", documentation=DOC_AUTH
        )

    # ------------------------------------------------------------ store helpers (hold the lock)

    def _find_payment(self, payment_id: str, documentation: str = DOC_GET_PAYMENT) -> _Payment:
        payment = self._payments.get(payment_id)
        if payment is None:
            raise SandboxError(
                404, f"No payment exists with token {payment_id}.", documentation=documentation
            )
        if payment.status == "open" and self._now() >= payment.expires_at:
            if self._transition(payment, "expired"):
                threading.Thread(target=self._deliver, args=(payment.id,), daemon=True).start()
        return payment

    def _transition(self, payment: _Payment, status: str) -> bool:
        """Set the status and its timestamp; whether Mollie would call the webhook."""
        payment.status = status
        if status in TIMESTAMPS:
            payment.moments[status] = self._now()
        if status in {"authorized", "paid", "failed"} and payment.method is None:
            payment.method = (payment.requested_methods or (DEFAULT_METHOD,))[0]
        return status in WEBHOOK_STATUSES and payment.webhook_url is not None

    def _deliver(self, payment_id: str) -> dict[str, Any]:
        """POST `id=<payment id>` to the payment's webhook like Mollie; record the outcome.
        Call without holding the lock: the receiver usually fetches the payment right away."""
        with self._lock:
            url = self._payments[payment_id].webhook_url
        record: dict[str, Any] = {
            "payment_id": payment_id,
            "url": url,
            "status_code": None,
            "error": None,
            "at": _iso(self._now()),
        }
        if url is not None:
            try:
                with httpx.Client(timeout=WEBHOOK_TIMEOUT, trust_env=False) as client:
                    response = client.post(
                        url,
                        data={"id": payment_id},
                        headers={"User-Agent": "Mollie HTTP client/1.0 (sandbox)"},
                    )
                record["status_code"] = response.status_code
            except Exception as error:  # recorded, never raised: Mollie ignores failures too
                record["error"] = f"{type(error).__name__}: {error}"
        with self._lock:
            self._webhook_calls.append(record)
        return dict(record)

    def _idempotent(
        self, request: Request, api_key: str, create: Callable[[bytes], tuple[int, bytes]]
    ) -> Response:
        """Run `create(body)` once per Idempotency-Key; replay its response for the same body."""
        raw = request.get_data(cache=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            status, payload = create(raw)
            return self._raw_json(payload, status)
        digest = hashlib.sha256(raw).hexdigest()
        scope = (api_key, request.path, key)
        with self._lock:
            stored = self._idempotency.get(scope)
            if stored is not None:
                if stored[0] != digest:
                    raise SandboxError(
                        422,
                        "The Idempotency-Key was already used for a request with a different "
                        "body; idempotency keys must be unique per request.",
                        documentation=DOC_IDEMPOTENCY,
                    )
                return self._raw_json(stored[2], stored[1], {"Idempotent-Replayed": "true"})
            status, payload = create(raw)  # errors are not stored: a fixed retry may reuse it
            self._idempotency[scope] = (digest, status, payload)
        return self._raw_json(payload, status)

    # ------------------------------------------------------------ the API

    def _create_payment(self, request: Request, api_key: str) -> Response:
        base = self._base(request)

        def create(raw: bytes) -> tuple[int, bytes]:
            data = _parse_json_object(raw)
            doc = DOC_CREATE_PAYMENT
            amount, currency = _amount(data, doc)
            description = _text(data, "description", doc, required=True)
            redirect_url = _url(data, "redirectUrl", doc, required=True)
            webhook_url = _url(data, "webhookUrl", doc, required=False)
            locale = _locale(data)
            requested, method = _methods(data)
            metadata = _metadata(data, doc)
            assert description is not None and redirect_url is not None
            with self._lock:
                payment_id = _new_id("tr_")
                while payment_id in self._payments:
                    payment_id = _new_id("tr_")
                payment = _Payment(
                    id=payment_id,
                    created_at=self._now(),
                    amount=amount,
                    currency=currency,
                    description=description,
                    redirect_url=redirect_url,
                    webhook_url=webhook_url,
                    locale=locale,
                    requested_methods=requested,
                    method=method,
                    metadata=metadata,
                )
                self._payments[payment_id] = payment
                return 201, json.dumps(payment.to_json(base)).encode("ascii")

        return self._idempotent(request, api_key, create)

    def _get_payment(self, request: Request, api_key: str, payment_id: str) -> Response:
        with self._lock:
            return self._json(self._find_payment(payment_id).to_json(self._base(request)))

    def _create_refund(self, request: Request, api_key: str, payment_id: str) -> Response:
        base = self._base(request)
        with self._lock:
            self._find_payment(payment_id, DOC_CREATE_REFUND)  # 404 before validating the body

        def create(raw: bytes) -> tuple[int, bytes]:
            data = _parse_json_object(raw)
            doc = DOC_CREATE_REFUND
            amount, currency = _amount(data, doc)
            description = _text(data, "description", doc, required=False) or ""
            metadata = _metadata(data, doc)
            with self._lock:
                payment = self._find_payment(payment_id, doc)
                if payment.status != "paid":
                    raise SandboxError(
                        422,
                        f"The payment is {payment.status}; only a paid payment can be refunded.",
                        documentation=doc,
                    )
                if amount > payment.amount_remaining:
                    raise SandboxError(
                        422,
                        "The amount is higher than the amount that can be refunded "
                        f"(€ {payment.amount_remaining:.2f}).",
                        "amount",
                        doc,
                    )
                refund = _Refund(
                    id=_new_id("re_"),
                    payment_id=payment_id,
                    amount=amount,
                    currency=currency,
                    description=description,
                    metadata=metadata,
                    created_at=self._now(),
                )
                payment.refunds.append(refund)
                self._refunds[refund.id] = refund
                return 201, json.dumps(refund.to_json(base)).encode("ascii")

        return self._idempotent(request, api_key, create)

    def _list_refunds(self, request: Request, api_key: str, payment_id: str) -> Response:
        base = self._base(request)
        with self._lock:
            payment = self._find_payment(payment_id, DOC_LIST_REFUNDS)
            refunds = [refund.to_json(base) for refund in reversed(payment.refunds)]
        return self._json(
            {
                "count": len(refunds),
                "_embedded": {"refunds": refunds},
                "_links": {
                    "self": _hal(f"{base}/v2/payments/{payment_id}/refunds"),
                    "previous": None,
                    "next": None,
                    "documentation": _page_link(DOC_LIST_REFUNDS),
                },
            }
        )

    def _list_chargebacks(self, request: Request, api_key: str, payment_id: str) -> Response:
        base = self._base(request)
        with self._lock:
            payment = self._find_payment(payment_id, DOC_LIST_CHARGEBACKS)
            items = [c.to_json(base) for c in reversed(payment.chargebacks)]
        return self._json(
            {
                "count": len(items),
                "_embedded": {"chargebacks": items},
                "_links": {
                    "self": _hal(f"{base}/v2/payments/{payment_id}/chargebacks"),
                    "previous": None,
                    "next": None,
                    "documentation": _page_link(DOC_LIST_CHARGEBACKS),
                },
            }
        )

    def _get_refund(
        self, request: Request, api_key: str, payment_id: str, refund_id: str
    ) -> Response:
        with self._lock:
            payment = self._find_payment(payment_id, DOC_GET_REFUND)
            for refund in payment.refunds:
                if refund.id == refund_id:
                    return self._json(refund.to_json(self._base(request)))
        raise SandboxError(
            404, f"No refund exists with token {refund_id}.", documentation=DOC_GET_REFUND
        )

    # ------------------------------------------------------------ the checkout page

    def _checkout(self, request: Request, payment_id: str) -> Response:
        with self._lock:
            try:
                payment = self._find_payment(payment_id)
            except SandboxError:
                return _page("Unknown payment", "<p>This payment does not exist.</p>", 404)
            status, summary, redirect_url = payment.status, _summary(payment), payment.redirect_url
            offered = payment.offered_methods
        back = f'<p><a href="{html.escape(redirect_url)}">Return to the website</a></p>'
        if request.method == "GET":
            if status != "open":
                return _page(
                    "Payment " + status, f"{summary}<p>This payment is {status}.</p>{back}"
                )
            buttons = "\n".join(
                f'<button type="submit" name="status" value="{outcome}">{outcome.title()}</button>'
                for outcome in CHECKOUT_OUTCOMES
            )
            choices = "\n".join(
                f'<label><input type="radio" name="method" value="{method}"'
                f"{' checked' if index == 0 else ''}> {method}</label><br>"
                for index, method in enumerate(offered)
            )
            form = (
                '<form method="post">\n<fieldset id="methods">\n'
                f"<legend>Payment method</legend>\n{choices}\n</fieldset>\n<fieldset>\n"
                "<legend>This is a test payment: no money moves. Choose its outcome.</legend>\n"
                f"{buttons}\n</fieldset>\n</form>"
            )
            return _page("Checkout", summary + form)
        outcome = request.form.get("status", "")
        if outcome not in CHECKOUT_OUTCOMES:
            return _page("Bad request", "<p>Choose paid, failed, canceled or expired.</p>", 400)
        chosen = request.form.get("method") or offered[0]
        if chosen not in offered:
            return _page("Bad request", "<p>This payment method is not offered.</p>", 400)
        with self._lock:
            payment = self._find_payment(payment_id)
            if payment.status != "open":
                return _page(
                    "Payment not open",
                    f"{summary}<p>This payment is {payment.status}; it can no longer change.</p>"
                    f"{back}",
                    409,
                )
            if payment.method is None:
                payment.method = chosen
            notify = self._transition(payment, outcome)
        if notify and request.form.get("webhook") != "skip":
            self._deliver(payment_id)
        return Response(status=303, headers={"Location": redirect_url})

    def _dashboard(self, request: Request, payment_id: str) -> Response:
        with self._lock:
            try:
                payment = self._find_payment(payment_id)
            except SandboxError:
                return _page("Unknown payment", "<p>This payment does not exist.</p>", 404)
            rows = "".join(
                f"<li><code>{html.escape(r.id)}</code>: € {r.amount:.2f}, {r.status}</li>"
                for r in payment.refunds
            )
            body = f"{_summary(payment)}<p>Status: {payment.status}.</p>"
            if rows:
                body += f"<h2>Refunds</h2><ul>{rows}</ul>"
            if payment.chargebacks:
                body += f"<p>Charged back: € {payment.amount_charged_back:.2f}.</p>"
            if payment.status == "paid" and payment.amount_remaining > 0:
                body += (
                    '<form method="post" action="/_sandbox/dashboard/'
                    f'{html.escape(payment.id)}/chargeback"><button type="submit">'
                    "Charge back (the bank takes the money back)</button></form>"
                )
        return _page("Payment " + payment_id, body, heading="Mollie sandbox dashboard")

    # ------------------------------------------------------------ the control API

    @staticmethod
    def _control_body(request: Request) -> tuple[str, bool]:
        data = _parse_json_object(request.get_data(cache=True))
        status, webhook = data.get("status"), data.get("webhook", True)
        if not isinstance(status, str):
            raise SandboxError(422, "The status is required.", "status")
        if not isinstance(webhook, bool):
            raise SandboxError(422, "webhook must be true or false.", "webhook")
        return status, webhook

    def _control_payment(self, request: Request, payment_id: str) -> Response:
        status, webhook = self._control_body(request)
        self.set_payment_status(payment_id, status, webhook=webhook)
        return self._json(self.payment(payment_id, self._base(request)))

    def _control_refund(self, request: Request, refund_id: str) -> Response:
        status, webhook = self._control_body(request)
        self.set_refund_status(refund_id, status, webhook=webhook)
        with self._lock:
            return self._json(self._refunds[refund_id].to_json(self._base(request)))

    def _control_chargeback(self, request: Request, payment_id: str) -> Response:
        data = _parse_json_object(request.get_data(cache=True))
        webhook = data.get("webhook", True)
        if not isinstance(webhook, bool):
            raise SandboxError(422, "webhook must be true or false.", "webhook")
        amount: Decimal | None = None
        if data.get("amount") is not None:
            value = data["amount"]
            if not isinstance(value, str) or not AMOUNT_VALUE.fullmatch(value):
                raise SandboxError(422, 'The amount must be a string such as "10.00".', "amount")
            amount = Decimal(value)
        return self._json(self.charge_back(payment_id, amount, webhook=webhook), 201)

    def _dashboard_chargeback(self, request: Request, payment_id: str) -> Response:
        try:
            self.charge_back(payment_id)
        except SandboxError as error:
            return _page("Not possible", f"<p>{html.escape(error.detail)}</p>", error.status)
        return Response(status=303, headers={"Location": f"/_sandbox/dashboard/{payment_id}"})

    def _control_replay(self, request: Request, payment_id: str) -> Response:
        return self._json(self.replay_webhook(payment_id))

    def _control_calls(self, request: Request) -> Response:
        return self._json(self.webhook_calls(request.args.get("payment_id")))


class _Request(Request):
    max_content_length = MAX_BODY


# ---------------------------------------------------------------- serving


@dataclass(frozen=True)
class SandboxServer:
    url: str
    app: MollieSandbox
    port: int


@contextmanager
def running_sandbox(port: int = 0, host: str = LOOPBACK) -> Iterator[SandboxServer]:
    """Serve a fresh sandbox on loopback in a background thread for the `with` block."""
    if not is_loopback(host):
        raise ValueError(f"the payment sandbox binds to loopback only, not {host!r}")
    app = MollieSandbox()
    with serving(app, port, host) as server:
        shown = f"[{host}]" if ":" in host else host
        app.base_url = f"http://{shown}:{server.server_port}"
        yield SandboxServer(url=app.base_url, app=app, port=server.server_port)


def refuse_in_production(settings: Settings) -> None:
    if settings.production:
        raise RuntimeError("the payment sandbox never runs in production mode")
