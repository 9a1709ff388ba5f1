"""What the provider says, applied once: the status through the state machine, settling exactly
once (what is kept, what is surplus), chargebacks."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from portal.adapters.payments.base import (
    AUTHORIZED,
    FINAL,
    OPEN,
    PAID,
    PENDING,
    ProviderPayment,
)
from portal.db import models as m
from portal.domain.fees import (
    split_payment,
)
from portal.services import notify
from portal.services.dossier import load_dossier
from portal.services.errors import audit
from portal.services.payments.ledger import can_move, event, note
from portal.services.payments.owed import statement
from portal.services.seats import settle_booking

log = logging.getLogger("portal.payments")


def _verify(payment: m.Payment, provider: ProviderPayment, expected_mode: str | None) -> str:
    """Why the provider's payment does not match ours ("" when it does)."""
    if provider.amount_cents != payment.amount_cents:
        return "amount differs"
    if provider.currency != payment.currency:
        return "currency differs"
    if expected_mode and provider.mode != expected_mode:
        return "mode differs"
    if provider.metadata.get("payment_id") != payment.id:
        return "metadata differs"
    return ""


def _actor(source: str) -> str:
    return f"mollie:{source}"


def apply_provider_status(
    db: Session,
    payment: m.Payment,
    provider: ProviderPayment,
    source: str,
    now: datetime,
    expected_mode: str | None = None,
) -> bool:
    """Apply what the provider says through the state machine; settle exactly once; a
    chargeback makes the fee due again. Returns whether anything changed."""
    mismatch = _verify(payment, provider, expected_mode)
    if mismatch:
        if not payment.flagged:
            payment.flagged = True
            payment.flag_reason = mismatch
            db.add(payment)
            note(db, payment, source, now, flag=mismatch, provider_status=provider.status)
            audit(
                db,
                _actor(source),
                "flag_payment",
                "payment",
                payment.id,
                person_id=payment.person_id,
                reason=mismatch,
            )
            log.warning("payment %s flagged: %s", payment.id, mismatch)
        return False
    changed = False
    if provider.refunded_cents != payment.refunded_cents and payment.status == PAID:
        payment.refunded_cents = min(provider.refunded_cents, payment.amount_cents)
        changed = True
    if can_move(payment.status, provider.status):
        previous = payment.status
        was_live = payment.active_key is not None
        payment.status = provider.status
        payment.method = provider.method
        payment.updated_at = now
        if provider.status not in {OPEN, PENDING, AUTHORIZED}:
            payment.active_key = None
        db.add(
            event(
                payment_id=payment.id,
                source=source,
                from_status=previous,
                to_status=provider.status,
                at=now,
            )
        )
        audit(
            db,
            _actor(source),
            "payment_status",
            "payment",
            payment.id,
            person_id=payment.person_id,
            before=previous,
            after=provider.status,
        )
        changed = True
        if provider.status == PAID:
            settle(db, payment, provider.paid_at or now, now, _actor(source))
        elif provider.status in FINAL and was_live:
            person = db.get(m.Person, payment.person_id)
            if person is not None:
                notify.notify(
                    db,
                    person,
                    "payment_failed",
                    description=payment.description,
                    paid_for=payment.fee,
                )
    if provider.charged_back_cents > payment.charged_back_cents and payment.status == PAID:
        _charge_back(db, payment, provider.charged_back_cents, now, _actor(source))
        changed = True
    if changed:
        db.add(payment)
    return changed


def _due_for(db: Session, payment: m.Payment) -> int:
    """What the payment's charge asks now, not counting this payment (0 when it is settled by
    another payment, waived, free, or no longer owed)."""
    dossier = load_dossier(db, payment.person_id)
    if dossier is None:
        return 0
    line = statement(db, dossier, leave_out=payment.id).line(payment.charge_key)
    if line is None or line.paid is not None:
        return 0
    return line.charge.amount_cents


# the flag of a payment whose surplus Mollie would not refund (the return page reads it too)
REFUND_REFUSED = "refund refused by the provider: a counsellor pays it back"

SURPLUS_REASONS = {
    "twice": "paid twice: the charge was already settled",
    "not_due": "the charge was no longer due (or less was due)",
    "seat_gone": "hold expired and the session is full",
    "chargeback": "charged back: what remained of the payment goes back",
}


def settle(db: Session, payment: m.Payment, paid_at: datetime, now: datetime, actor: str) -> None:
    """What a payment settles, decided in one place and once: the charge it was for, up to
    what the charge asks now; the rest is surplus, refunded automatically (the caller does it
    after the transaction). The person's row is locked so that two payments for one person
    are settled one after the other (the NT2 cap is shared)."""
    db.exec(select(m.Person.id).where(m.Person.id == payment.person_id).with_for_update()).one()
    payment.paid_at = paid_at
    settled_elsewhere = db.exec(
        select(m.Payment.id).where(
            m.Payment.person_id == payment.person_id,
            m.Payment.charge_key == payment.charge_key,
            col(m.Payment.settled_at).is_not(None),
            m.Payment.id != payment.id,
        )
    ).first()
    reason = "twice" if settled_elsewhere is not None else "not_due"
    seat = True
    if settled_elsewhere is None and payment.charge_key.startswith("test:"):
        seat = settle_booking(db, int(payment.charge_key.split(":", 1)[1]), now)
        if not seat:
            reason = "seat_gone"
            log.info("payment %s arrived after its hold ran out and the seat is gone", payment.id)
    due = _due_for(db, payment) if seat else 0
    kept, surplus = split_payment(due, payment.amount_cents - payment.refunded_cents)
    payment.settled_cents = kept
    payment.surplus_cents = surplus
    if kept:
        payment.settled_at = now
    if surplus:
        payment.flagged = True
        payment.flag_reason = SURPLUS_REASONS[reason]
    db.add(payment)
    audit(
        db,
        actor,
        "settle_payment",
        "payment",
        payment.id,
        person_id=payment.person_id,
        charge_key=payment.charge_key,
        kept_cents=kept,
        surplus_cents=surplus,
        reason=reason if surplus else "",
    )
    person = db.get(m.Person, payment.person_id)
    if person is None:
        return
    if kept:
        notify.notify(
            db,
            person,
            "payment_received",
            description=payment.description,
            paid_for=payment.fee,
            amount_cents=kept,
        )
    if surplus and payment.channel == "mollie":
        notify.notify(
            db,
            person,
            "payment_surplus",
            description=payment.description,
            paid_for=payment.fee,
            amount_cents=surplus,
        )


def _charge_back(
    db: Session, payment: m.Payment, charged_back_cents: int, now: datetime, actor: str
) -> None:
    """The bank took the money back: the fee is due again (unless nothing was kept from this
    payment), what is left of the payment goes back, the person and the counsellor are told."""
    added = charged_back_cents - payment.charged_back_cents
    payment.charged_back_cents = min(charged_back_cents, payment.amount_cents)
    payment.charged_back_at = now
    was_settled = payment.settled_at is not None
    payment.settled_at = None
    payment.settled_cents = 0
    remaining = max(0, payment.amount_cents - payment.charged_back_cents - payment.refunded_cents)
    payment.surplus_cents = remaining
    payment.flagged = True
    payment.flag_reason = SURPLUS_REASONS["chargeback"] if remaining else "charged back"
    db.add(payment)
    note(
        db,
        payment,
        "chargeback",
        now,
        charged_back_cents=payment.charged_back_cents,
        was_settled=was_settled,
    )
    audit(
        db,
        actor,
        "chargeback",
        "payment",
        payment.id,
        person_id=payment.person_id,
        charge_key=payment.charge_key,
        amount_cents=added,
        fee_due_again=was_settled,
    )
    person = db.get(m.Person, payment.person_id)
    if person is not None:
        notify.notify(
            db,
            person,
            "payment_charged_back",
            description=payment.description,
            paid_for=payment.fee,
            amount_cents=added,
        )
