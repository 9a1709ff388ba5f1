"""The endpoints that mimic Mollie's v2 REST API (`/v2/payments...`): test keys only,
Idempotency-Key replay, Mollie's JSON shapes and error responses."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from werkzeug.wrappers import Request, Response

import portal.devtools.mollie_sandbox.validation as validation
from portal.devtools.mollie_sandbox.models import (
    DOC_AUTH,
    DOC_CREATE_PAYMENT,
    DOC_CREATE_REFUND,
    DOC_GET_REFUND,
    DOC_IDEMPOTENCY,
    DOC_LIST_CHARGEBACKS,
    DOC_LIST_REFUNDS,
    Chargeback,
    Payment,
    Refund,
    SandboxError,
    hal,
    new_id,
    page_link,
)
from portal.devtools.mollie_sandbox.store import SandboxStore

TEST_KEY = re.compile(r"test_[A-Za-z0-9]{30,}")
LIVE_KEY = re.compile(r"live_[A-Za-z0-9]{30,}")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return raw_json_response(json.dumps(body).encode("ascii"), status, headers)


def raw_json_response(
    payload: bytes, status: int, headers: dict[str, str] | None = None
) -> Response:
    response = Response(payload, status=status, content_type="application/hal+json")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def authenticate(request: Request) -> str:
    """The request's test API key; a live key or none at all is a 401."""
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


class MollieApi(SandboxStore):
    """`/v2/...`: each endpoint takes the request, the caller's test key and the path's ids."""

    def _idempotent(
        self, request: Request, api_key: str, create: Callable[[bytes], tuple[int, bytes]]
    ) -> Response:
        """Run `create(body)` once per Idempotency-Key; replay its response for the same body."""
        raw = request.get_data(cache=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            status, payload = create(raw)
            return raw_json_response(payload, status)
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
                return raw_json_response(stored[2], stored[1], {"Idempotent-Replayed": "true"})
            status, payload = create(raw)  # errors are not stored: a fixed retry may reuse it
            self._idempotency[scope] = (digest, status, payload)
        return raw_json_response(payload, status)

    def _create_payment(self, request: Request, api_key: str) -> Response:
        base = self._base(request)

        def create(raw: bytes) -> tuple[int, bytes]:
            data = validation.json_object(raw)
            doc = DOC_CREATE_PAYMENT
            amount, currency = validation.amount(data, doc)
            description = validation.text(data, "description", doc, required=True)
            redirect_url = validation.url(data, "redirectUrl", doc, required=True)
            webhook_url = validation.url(data, "webhookUrl", doc, required=False)
            locale = validation.locale(data)
            requested, method = validation.methods(data)
            metadata = validation.metadata(data, doc)
            assert description is not None and redirect_url is not None
            with self._lock:
                payment_id = new_id("tr_")
                while payment_id in self._payments:
                    payment_id = new_id("tr_")
                payment = Payment(
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
            return json_response(self._find_payment(payment_id).to_json(self._base(request)))

    def _create_refund(self, request: Request, api_key: str, payment_id: str) -> Response:
        base = self._base(request)
        with self._lock:
            self._find_payment(payment_id, DOC_CREATE_REFUND)  # 404 before validating the body

        def create(raw: bytes) -> tuple[int, bytes]:
            data = validation.json_object(raw)
            doc = DOC_CREATE_REFUND
            amount, currency = validation.amount(data, doc)
            description = validation.text(data, "description", doc, required=False) or ""
            metadata = validation.metadata(data, doc)
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
                refund = Refund(
                    id=new_id("re_"),
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
        return self._listing(request, payment_id, "refunds", DOC_LIST_REFUNDS)

    def _list_chargebacks(self, request: Request, api_key: str, payment_id: str) -> Response:
        return self._listing(request, payment_id, "chargebacks", DOC_LIST_CHARGEBACKS)

    def _listing(
        self,
        request: Request,
        payment_id: str,
        name: Literal["refunds", "chargebacks"],
        documentation: str,
    ) -> Response:
        """A payment's refunds or chargebacks in Mollie's list shape: one page, newest first."""
        base = self._base(request)
        with self._lock:
            payment = self._find_payment(payment_id, documentation)
            records: Sequence[Refund | Chargeback] = (
                payment.refunds if name == "refunds" else payment.chargebacks
            )
            items = [record.to_json(base) for record in reversed(records)]
        return json_response(
            {
                "count": len(items),
                "_embedded": {name: items},
                "_links": {
                    "self": hal(f"{base}/v2/payments/{payment_id}/{name}"),
                    "previous": None,
                    "next": None,
                    "documentation": page_link(documentation),
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
                    return json_response(refund.to_json(self._base(request)))
        raise SandboxError(
            404, f"No refund exists with token {refund_id}.", documentation=DOC_GET_REFUND
        )
