"""The sandbox's state: the thread-safe in-memory store of payments and refunds, Mollie's
payment life cycle, the webhook calls it makes, and the Python API that tests and `make run` use
to move payments along."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from werkzeug.wrappers import Request

from portal.devtools.mollie_sandbox.models import (
    DEFAULT_METHOD,
    DOC_GET_PAYMENT,
    DOC_GET_REFUND,
    TIMESTAMPS,
    Chargeback,
    Payment,
    Refund,
    SandboxError,
    iso,
    new_id,
)

WEBHOOK_TIMEOUT = 2.0

# Mollie's payment life cycle: which status may follow which; the final ones have no successor.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "authorized", "paid", "failed", "canceled", "expired"}),
    "pending": frozenset({"authorized", "paid", "failed", "canceled", "expired"}),
    "authorized": frozenset({"paid", "failed", "canceled", "expired"}),
}
WEBHOOK_STATUSES = frozenset({"authorized", "paid", "failed", "canceled", "expired"})
REFUND_OUTCOMES = ("refunded", "failed")


class SandboxStore:
    """The thread-safe in-memory store, and what may happen to what it holds.

    `base_url` is the public URL used in `_links` (set by `running_sandbox`); empty means the
    URL the request came in on. `clock` returns the current time (tests may move it)."""

    def __init__(self, base_url: str = "", *, clock: Callable[[], datetime] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._payments: dict[str, Payment] = {}
        self._refunds: dict[str, Refund] = {}
        self._idempotency: dict[tuple[str, str, str], tuple[str, int, bytes]] = {}
        self._webhook_calls: list[dict[str, Any]] = []

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
            chargeback = Chargeback(
                id=new_id("chb_"),
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

    # ------------------------------------------------------------ store helpers (hold the lock)

    def _base(self, request: Request) -> str:
        return self.base_url or request.host_url.rstrip("/")

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(microsecond=0)

    def _find_payment(self, payment_id: str, documentation: str = DOC_GET_PAYMENT) -> Payment:
        payment = self._payments.get(payment_id)
        if payment is None:
            raise SandboxError(
                404, f"No payment exists with token {payment_id}.", documentation=documentation
            )
        if payment.status == "open" and self._now() >= payment.expires_at:
            if self._transition(payment, "expired"):
                threading.Thread(target=self._deliver, args=(payment.id,), daemon=True).start()
        return payment

    def _transition(self, payment: Payment, status: str) -> bool:
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
            "at": iso(self._now()),
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
