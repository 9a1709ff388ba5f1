"""What the sandbox stores, in Mollie's shapes: payments, refunds and chargebacks as Mollie's
API shows them, the error Mollie's API answers with, and the constants of Mollie's reference."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

PROFILE_ID = "pfl_sandbox"
EXPIRY = timedelta(minutes=15)
ID_ALPHABET = string.ascii_letters + string.digits
METHODS = ("bancontact", "creditcard", "applepay", "googlepay", "banktransfer")
DEFAULT_METHOD = "bancontact"

TIMESTAMPS = {
    "authorized": "authorizedAt",
    "paid": "paidAt",
    "failed": "failedAt",
    "canceled": "canceledAt",
    "expired": "expiredAt",
}

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


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def money(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


def hal(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/hal+json"}


def page_link(href: str) -> dict[str, str]:
    return {"href": href, "type": "text/html"}


@dataclass
class Refund:
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
            "amount": money(self.amount, self.currency),
            "settlementAmount": money(-self.amount, self.currency),
            "status": self.status,
            "createdAt": iso(self.created_at),
            "description": self.description,
            "metadata": self.metadata,
            "paymentId": self.payment_id,
            "_links": {
                "self": hal(f"{payment}/refunds/{self.id}"),
                "payment": hal(payment),
                "documentation": page_link(DOC_GET_REFUND),
            },
        }


@dataclass
class Chargeback:
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
            "amount": money(self.amount, self.currency),
            "settlementAmount": money(-self.amount, self.currency),
            "createdAt": iso(self.created_at),
            "reason": {"code": "AC01", "description": "Account identifier incorrect"},
            "paymentId": self.payment_id,
            "_links": {
                "self": hal(f"{payment}/chargebacks/{self.id}"),
                "payment": hal(payment),
                "documentation": page_link(DOC_LIST_CHARGEBACKS),
            },
        }


@dataclass
class Payment:
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
    refunds: list[Refund] = field(default_factory=list)
    chargebacks: list[Chargeback] = field(default_factory=list)

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
            "createdAt": iso(self.created_at),
            "amount": money(self.amount, self.currency),
            "description": self.description,
            "method": self.method,
            "metadata": self.metadata,
            "status": self.status,
            "isCancelable": False,  # the sandbox has no cancel endpoint
        }
        if self.status in {"open", "pending", "authorized"}:
            body["expiresAt"] = iso(self.expires_at)  # omitted once it can no longer expire
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
            body["amountRefunded"] = money(self.amount_refunded, self.currency)
            body["amountRemaining"] = money(self.amount_remaining, self.currency)
        if self.chargebacks:
            body["amountChargedBack"] = money(self.amount_charged_back, self.currency)
        for status, name in TIMESTAMPS.items():
            if status in self.moments:
                body[name] = iso(self.moments[status])
        links: dict[str, Any] = {"self": hal(self_href)}
        if self.status == "open":
            links["checkout"] = page_link(f"{base}/checkout/{self.id}")
        links["dashboard"] = page_link(f"{base}/_sandbox/dashboard/{self.id}")
        if self.refunds:
            links["refunds"] = hal(f"{self_href}/refunds")
        if self.chargebacks:
            links["chargebacks"] = hal(f"{self_href}/chargebacks")
        links["documentation"] = page_link(DOC_GET_PAYMENT)
        body["_links"] = links
        return body
