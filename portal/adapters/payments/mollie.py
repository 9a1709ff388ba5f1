"""Mollie through mollie-api-python (synchronous: called from the thread pool). Short timeouts:
connect 3 s, read 7 s; no retries on our side for creating a payment (the idempotency key makes a
repeated call safe when the person tries again)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mollie.api.client import Client
from mollie.api.error import NotFoundError, RequestError, ResponseError

from portal.adapters.payments.base import (
    GatewayConflict,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    ProviderPayment,
    ProviderRefund,
    cents_to_value,
    value_to_cents,
)

TIMEOUT = (3, 7)


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class MolliePayments:
    def __init__(self, api_key: str, api_endpoint: str = "") -> None:
        if not api_key.startswith(("test_", "live_")):
            raise ValueError("a Mollie API key starts with test_ or live_")
        self.client = Client(api_endpoint=api_endpoint, timeout=TIMEOUT, retry=0)
        self.client.set_api_key(api_key)

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except NotFoundError as error:
            raise GatewayNotFound(str(error)) from error
        except ResponseError as error:
            status = getattr(error, "status", 0) or 0
            if int(status) >= 500:
                raise GatewayUnavailable(str(error)) from error
            if int(status) == 409:
                raise GatewayConflict(str(error)) from error
            raise GatewayRejected(str(error)) from error
        except RequestError as error:
            raise GatewayUnavailable(str(error)) from error

    @staticmethod
    def _payment(data: Any) -> ProviderPayment:
        amount = data.amount or {}
        refunded = data.amount_refunded or {}
        charged_back = data.amount_chargedback or {}
        return ProviderPayment(
            id=data.id,
            status=data.status,
            amount_cents=value_to_cents(amount.get("value", "0.00")),
            currency=amount.get("currency", ""),
            mode=data.mode or "",
            metadata=data.metadata if isinstance(data.metadata, dict) else {},
            checkout_url=data.checkout_url or "",
            method=data.method or "",
            paid_at=_parse_time(data.paid_at),
            refunded_cents=value_to_cents(refunded["value"]) if refunded.get("value") else 0,
            charged_back_cents=(
                value_to_cents(charged_back["value"]) if charged_back.get("value") else 0
            ),
        )

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
    ) -> ProviderPayment:
        body: dict[str, Any] = {
            "amount": {"currency": "EUR", "value": cents_to_value(amount_cents)},
            "description": description[:255],
            "redirectUrl": redirect_url,
            "webhookUrl": webhook_url,
            "locale": locale,
            "metadata": metadata,
        }
        if methods:  # only these in the checkout (Mollie: a list of method ids)
            body["method"] = list(methods)
        created = self._call(
            lambda: self.client.payments.create(body, idempotency_key=idempotency_key)
        )
        return self._payment(created)

    def get_payment(self, provider_id: str) -> ProviderPayment:
        if not provider_id.startswith("tr_"):
            raise GatewayNotFound(provider_id)
        return self._payment(self._call(lambda: self.client.payments.get(provider_id)))

    @staticmethod
    def _refund(data: Any) -> ProviderRefund:
        return ProviderRefund(
            id=data.id,
            status=data.status,
            amount_cents=value_to_cents((data.amount or {}).get("value", "0.00")),
            payment_id=data.payment_id,
        )

    def create_refund(
        self, provider_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ProviderRefund:
        def create() -> Any:
            payment = self.client.payments.get(provider_id)
            return payment.refunds.create(
                {
                    "amount": {"currency": "EUR", "value": cents_to_value(amount_cents)},
                    "description": description[:255],
                },
                idempotency_key=idempotency_key,
            )

        return self._refund(self._call(create))

    def get_refund(self, provider_id: str, refund_id: str) -> ProviderRefund:
        def get() -> Any:
            payment = self.client.payments.get(provider_id)
            return payment.refunds.get(refund_id)

        return self._refund(self._call(get))
