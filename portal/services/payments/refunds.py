"""Refunds through the provider: a counsellor's refund, and giving back a surplus automatically
(or asking a counsellor to, where the provider refuses)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.adapters.payments.base import (
    PAID,
    GatewayConflict,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import notify
from portal.services.errors import ServiceError, audit
from portal.services.payments.ledger import event, new_key
from portal.services.payments.settling import REFUND_REFUSED

log = logging.getLogger("portal.payments")


def _surplus_refund_key(payment_id: int, tries: int) -> str:
    return f"surplus-{payment_id}-{tries}"


def refund_surplus(engine: Engine, gateway: PaymentGateway, payment_id: int, now: datetime) -> bool:
    """Give back what a payment brought beyond what was due (paid twice, no longer due, the
    seat gone, a chargeback's rest). Once: under the payment's row lock, and with a fixed
    idempotency key per try at Mollie. Where Mollie refuses, a counsellor is asked to pay it
    back. Returns whether a refund was asked."""
    with session_scope(engine) as db:
        payment = db.exec(
            select(m.Payment).where(m.Payment.id == payment_id).with_for_update()
        ).one()
        if payment.surplus_cents <= 0 or payment.provider_id is None or payment.status != PAID:
            return False
        if payment.flag_reason == REFUND_REFUSED:
            return False  # a counsellor handles it
        surplus_refunds = db.exec(
            select(m.Refund).where(
                m.Refund.payment_id == payment_id,
                m.Refund.idempotency_key.startswith(f"surplus-{payment_id}-"),
            )
        ).all()
        if any(r.status != "failed" for r in surplus_refunds):
            return False  # asked already
        key = _surplus_refund_key(payment_id, len(surplus_refunds) + 1)
        amount = payment.surplus_cents
    try:
        refund(
            engine,
            gateway,
            "portal:treasury",
            payment_id,
            amount,
            "Paid more than was due",
            now,
            idempotency_key=key,
        )
    except ServiceError as error:
        if error.code == "refund_refused":
            with session_scope(engine) as db:
                row = db.get(m.Payment, payment_id)
                assert row is not None
                row.flagged = True
                row.flag_reason = REFUND_REFUSED
                db.add(row)
                audit(
                    db,
                    "portal:treasury",
                    "refund_for_counsellor",
                    "payment",
                    payment_id,
                    person_id=row.person_id,
                    amount_cents=amount,
                )
                person = db.get(m.Person, row.person_id)
                if person is not None:
                    notify.notify(
                        db,
                        person,
                        "payment_refund_by_counsellor",
                        description=row.description,
                        paid_for=row.fee,
                        amount_cents=amount,
                    )
        else:
            log.info("refunding the surplus of payment %s: %s (next round)", payment_id, error)
        return False
    return True


def refund(
    engine: Engine,
    gateway: PaymentGateway,
    actor: str,
    payment_id: int,
    amount_cents: int,
    reason: str,
    now: datetime,
    *,
    idempotency_key: str | None = None,
) -> m.Refund:
    """Refund (part of) a paid online payment through the provider; the refund has its own
    status and the payment stays paid. The payment's row is locked while the refund is
    written, so two processes never refund more than was paid."""
    with session_scope(engine) as db:
        payment = db.exec(
            select(m.Payment).where(m.Payment.id == payment_id).with_for_update()
        ).first()
        if payment is None or payment.status != PAID or payment.provider_id is None:
            raise ServiceError("not_refundable")
        pending = sum(
            r.amount_cents
            for r in db.exec(
                select(m.Refund).where(
                    m.Refund.payment_id == payment_id,
                    col(m.Refund.status).in_(["queued", "pending", "processing", "refunded"]),
                )
            ).all()
        )
        available = payment.amount_cents - payment.charged_back_cents - pending
        if not 0 < amount_cents <= available:
            raise ServiceError("refund_too_large")
        if (
            idempotency_key is not None
            and db.exec(
                select(m.Refund.id).where(m.Refund.idempotency_key == idempotency_key)
            ).first()
        ):
            raise ServiceError("refund_in_progress")  # asked already (another process)
        row = m.Refund(
            payment_id=payment_id,
            amount_cents=amount_cents,
            reason=reason[:300],
            idempotency_key=idempotency_key or new_key(),
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        refund_id, key, provider_id = row.id, row.idempotency_key, payment.provider_id
        audit(
            db,
            actor,
            "refund",
            "payment",
            payment_id,
            person_id=payment.person_id,
            amount_cents=amount_cents,
            reason=reason,
        )
    try:
        created = gateway.create_refund(provider_id, amount_cents, reason or "Refund", key)
    except (GatewayUnavailable, GatewayRejected) as error:
        with session_scope(engine) as db:
            failed = db.get(m.Refund, refund_id)
            assert failed is not None
            failed.status = "failed"
            db.add(failed)
            audit(
                db,
                actor,
                "refund_failed",
                "payment",
                payment_id,
                amount_cents=amount_cents,
                error=str(error)[:200],
            )
        if isinstance(error, GatewayRejected) and not isinstance(error, GatewayConflict):
            raise ServiceError("refund_refused") from error
        raise ServiceError("provider_unavailable") from error
    with session_scope(engine) as db:
        asked = db.get(m.Refund, refund_id)
        assert asked is not None
        asked.provider_id = created.id
        asked.status = created.status
        asked.updated_at = now
        db.add(asked)
        db.add(
            event(
                payment_id=payment_id,
                source="refund",
                from_status=PAID,
                to_status=PAID,
                at=now,
                detail={
                    "refund": created.id,
                    "status": created.status,
                    "amount_cents": amount_cents,
                },
            )
        )
        person = db.exec(
            select(m.Person)
            .join(m.Payment, col(m.Payment.person_id) == col(m.Person.id))
            .where(m.Payment.id == payment_id)
        ).one()
        notify.notify(db, person, "payment_refunded", amount_cents=amount_cents)
        return asked


def refresh_refund(
    engine: Engine, gateway: PaymentGateway, refund_id: int, now: datetime
) -> m.Refund:
    with session_scope(engine) as db:
        row = db.get(m.Refund, refund_id)
        if row is None or row.provider_id is None:
            raise ServiceError("unknown_refund")
        payment = db.get(m.Payment, row.payment_id)
        assert payment is not None and payment.provider_id is not None
        ids = (payment.provider_id, row.provider_id)
    provider = gateway.get_refund(*ids)
    with session_scope(engine) as db:
        row = db.get(m.Refund, refund_id)
        assert row is not None
        if row.status != provider.status:
            audit(
                db,
                "mollie:refund",
                "refund_status",
                "payment",
                row.payment_id,
                refund_id=row.id,
                before=row.status,
                after=provider.status,
                amount_cents=row.amount_cents,
            )
            row.status = provider.status
            row.updated_at = now
            db.add(row)
        return row
