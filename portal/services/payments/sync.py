"""Following the provider: the webhook, the return page's refresh and the reconciliation round.
Provider calls never run inside a database transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.adapters.payments.base import (
    AUTHORIZED,
    OPEN,
    PAID,
    PENDING,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.services.payments.refunds import refresh_refund, refund_surplus
from portal.services.payments.settling import apply_provider_status

log = logging.getLogger("portal.payments")


def refresh_from_provider(
    engine: Engine,
    gateway: PaymentGateway,
    payment_id: int,
    source: str,
    now: datetime,
    expected_mode: str | None = None,
) -> m.Payment | None:
    """Fetch the payment from the provider and apply it (webhook, return page, reconcile);
    money that came in beyond what is due is refunded right after."""
    with session_scope(engine) as db:
        payment = db.get(m.Payment, payment_id)
        if payment is None or payment.provider_id is None:
            return payment
        provider_id = payment.provider_id
    provider = gateway.get_payment(provider_id)  # outside any transaction
    with session_scope(engine) as db:
        payment = db.exec(
            select(m.Payment).where(m.Payment.id == payment_id).with_for_update()
        ).one()
        apply_provider_status(db, payment, provider, source, now, expected_mode)
    refund_surplus(engine, gateway, payment_id, now)
    return payment


def handle_webhook(
    engine: Engine,
    gateway: PaymentGateway,
    provider_id: str,
    now: datetime,
    expected_mode: str | None = None,
) -> str:
    """Mollie's webhook carries only an id. We act only on payments we created, after fetching
    the payment from Mollie; anything else is logged and ignored (answered 200)."""
    if not provider_id.startswith("tr_") or len(provider_id) > 40:
        return "ignored: not a payment id"
    with session_scope(engine) as db:
        payment = db.exec(select(m.Payment).where(m.Payment.provider_id == provider_id)).first()
        if payment is None:
            log.info("webhook for unknown payment %s ignored", provider_id)
            return "ignored: unknown payment"
        payment_id = payment.id
    assert payment_id is not None  # a stored payment
    try:
        refresh_from_provider(engine, gateway, payment_id, "webhook", now, expected_mode)
    except GatewayNotFound:
        return "ignored: provider does not know it"
    # Mollie calls the same webhook when a refund changes: bring our refunds up to date too.
    with session_scope(engine) as db:
        open_refunds = db.exec(
            select(m.Refund.id).where(
                m.Refund.payment_id == payment_id,
                col(m.Refund.provider_id).is_not(None),
                col(m.Refund.status).in_(["queued", "pending", "processing"]),
            )
        ).all()
    for refund_id in open_refunds:
        assert refund_id is not None  # a primary key
        refresh_refund(engine, gateway, refund_id, now)
    return "applied"


def reconcile(
    engine: Engine,
    gateway: PaymentGateway,
    now: datetime,
    older_than: timedelta,
    expected_mode: str | None = None,
    limit: int = 200,
) -> int:
    """Fetch every payment still open or pending after `older_than` and apply its real status
    (recovers lost webhooks), and give back every surplus not yet refunded (Mollie was down at
    the time). Safe on several instances: each apply is idempotent under the payment's lock."""
    with session_scope(engine) as db:
        ids = db.exec(
            select(m.Payment.id)
            .where(
                col(m.Payment.status).in_([OPEN, PENDING, AUTHORIZED]),
                col(m.Payment.provider_id).is_not(None),
                m.Payment.created_at < now - older_than,
            )
            .limit(limit)
        ).all()
        surplus_ids = db.exec(
            select(m.Payment.id)
            .where(
                m.Payment.surplus_cents > 0,
                m.Payment.status == PAID,
                col(m.Payment.provider_id).is_not(None),
            )
            .limit(limit)
        ).all()
    applied = 0
    for payment_id in ids:
        assert payment_id is not None  # a primary key
        try:
            refresh_from_provider(engine, gateway, payment_id, "reconcile", now, expected_mode)
            applied += 1
        except (GatewayUnavailable, GatewayRejected) as error:
            log.warning("reconciling payment %s failed: %s", payment_id, error)
    for payment_id in surplus_ids:
        assert payment_id is not None  # a primary key
        refund_surplus(engine, gateway, payment_id, now)
    return applied
