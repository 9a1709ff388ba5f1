"""The control API for tests (`/_sandbox/...`, JSON, no key: the server binds to loopback only):
settle payments and refunds, charge back, replay a webhook, list the webhook calls."""

from __future__ import annotations

from decimal import Decimal

from werkzeug.wrappers import Request, Response

import portal.devtools.mollie_sandbox.validation as validation
from portal.devtools.mollie_sandbox.api import json_response
from portal.devtools.mollie_sandbox.models import SandboxError
from portal.devtools.mollie_sandbox.store import SandboxStore


def _control_body(request: Request) -> tuple[str, bool]:
    data = validation.json_object(request.get_data(cache=True))
    status, webhook = data.get("status"), data.get("webhook", True)
    if not isinstance(status, str):
        raise SandboxError(422, "The status is required.", "status")
    if not isinstance(webhook, bool):
        raise SandboxError(422, "webhook must be true or false.", "webhook")
    return status, webhook


class ControlApi(SandboxStore):
    """`/_sandbox/...` (but the dashboard, a page): each endpoint takes the request and the
    path's ids."""

    def _control_payment(self, request: Request, payment_id: str) -> Response:
        status, webhook = _control_body(request)
        self.set_payment_status(payment_id, status, webhook=webhook)
        return json_response(self.payment(payment_id, self._base(request)))

    def _control_refund(self, request: Request, refund_id: str) -> Response:
        status, webhook = _control_body(request)
        self.set_refund_status(refund_id, status, webhook=webhook)
        with self._lock:
            return json_response(self._refunds[refund_id].to_json(self._base(request)))

    def _control_chargeback(self, request: Request, payment_id: str) -> Response:
        data = validation.json_object(request.get_data(cache=True))
        webhook = data.get("webhook", True)
        if not isinstance(webhook, bool):
            raise SandboxError(422, "webhook must be true or false.", "webhook")
        amount: Decimal | None = None
        if data.get("amount") is not None:
            value = data["amount"]
            if not isinstance(value, str) or not validation.AMOUNT_VALUE.fullmatch(value):
                raise SandboxError(422, 'The amount must be a string such as "10.00".', "amount")
            amount = Decimal(value)
        return json_response(self.charge_back(payment_id, amount, webhook=webhook), 201)

    def _control_replay(self, request: Request, payment_id: str) -> Response:
        return json_response(self.replay_webhook(payment_id))

    def _control_calls(self, request: Request) -> Response:
        return json_response(self.webhook_calls(request.args.get("payment_id")))
