"""The payment provider behind a small Protocol (Mollie for real; the local sandbox speaks the
same API, so the same client talks to both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Mollie's payment statuses; the last four are final.
OPEN, PENDING, AUTHORIZED = "open", "pending", "authorized"
PAID, CANCELED, EXPIRED, FAILED = "paid", "canceled", "expired", "failed"
FINAL = frozenset({PAID, CANCELED, EXPIRED, FAILED})
STATUSES = (OPEN, PENDING, AUTHORIZED, PAID, CANCELED, EXPIRED, FAILED)


class GatewayUnavailable(RuntimeError):
    """The provider could not be reached or did not answer in time: nothing was charged."""


class GatewayRejected(RuntimeError):
    """The provider refused the request (4xx)."""


class GatewayNotFound(GatewayRejected):
    """No such payment at the provider."""


class GatewayConflict(GatewayRejected):
    """The provider is still handling a request with the same idempotency key (409)."""


@dataclass(frozen=True)
class ProviderPayment:
    id: str
    status: str
    amount_cents: int
    currency: str
    mode: str
    metadata: dict[str, Any] = field(default_factory=dict)
    checkout_url: str = ""
    method: str = ""
    paid_at: datetime | None = None
    refunded_cents: int = 0
    charged_back_cents: int = 0  # Mollie's amountChargedBack: the bank took the money back


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    status: str
    amount_cents: int
    payment_id: str


class PaymentGateway(Protocol):
    def create_payment(
        self,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        locale: str,
        metadata: dict[str, Any],
        idempotency_key: str,
        methods: tuple[str, ...] = (),
    ) -> ProviderPayment: ...

    def get_payment(self, provider_id: str) -> ProviderPayment: ...

    def create_refund(
        self, provider_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ProviderRefund: ...

    def get_refund(self, provider_id: str, refund_id: str) -> ProviderRefund: ...


def cents_to_value(cents: int) -> str:
    """Integer cents as Mollie's two-decimal string, without floats: 9000 → "90.00"."""
    if cents < 0:
        raise ValueError("negative amount")
    return f"{cents // 100}.{cents % 100:02d}"


def value_to_cents(value: str) -> int:
    """Mollie's two-decimal string as integer cents: "90.00" → 9000."""
    whole, _, fraction = value.partition(".")
    if not whole.isdigit() or len(fraction) != 2 or not fraction.isdigit():
        raise ValueError(f"not a Mollie amount: {value!r}")
    return int(whole) * 100 + int(fraction)


MOLLIE_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_US"}


def mollie_locale(language: str) -> str:
    """Mollie accepts only its own locales; ar, tr, uk, ru and the rest map to en_US."""
    return MOLLIE_LOCALES.get(language, "en_US")
