"""What a counsellor records about fees: waivers, and payments made elsewhere (at the counter,
by the OCMW/CPAS)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from portal.adapters.payments.base import (
    PAID,
)
from portal.db import models as m
from portal.domain.fees import naming
from portal.services.dossier import Dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments.ledger import event, new_key
from portal.services.payments.owed import open_line
from portal.services.payments.settling import settle

WAIVER_CATEGORIES = ("payment_difficulties", "exemption_category", "other")


def record_waiver(
    db: Session, actor: str, dossier: Dossier, charge_key: str, category: str, reason: str
) -> m.Waiver:
    if category not in WAIVER_CATEGORIES:
        raise ServiceError("choose")
    if not reason.strip():
        raise ServiceError("reason_required")
    line = open_line(db, dossier, charge_key, payable=False)
    if line.waiver is not None:
        raise ServiceError("already_waived")
    waiver = m.Waiver(
        person_id=dossier.person_id,
        charge_key=charge_key,
        category=category,
        reason=reason.strip()[:500],
        recorded_by=actor,
    )
    db.add(waiver)
    db.flush()
    audit(
        db,
        actor,
        "record_waiver",
        "waiver",
        waiver.id,
        person_id=dossier.person_id,
        after={"charge_key": charge_key, "category": category, "reason": waiver.reason},
    )
    return waiver


def record_external_payment(
    db: Session,
    actor: str,
    dossier: Dossier,
    charge_key: str,
    channel: str,
    reference: str,
    paid_on: date,
    description: str,
    now: datetime,
) -> m.Payment:
    """A payment made elsewhere (at the counter, or by the OCMW/CPAS), with its reference."""
    if channel not in {"counter", "ocmw"}:
        raise ServiceError("choose")
    if not reference.strip():
        raise ServiceError("reference_required")
    if paid_on > now.date():
        raise ServiceError("date_in_future")
    line = open_line(db, dossier, charge_key)
    payment = m.Payment(
        person_id=dossier.person_id,
        charge_key=charge_key,
        description=description[:255],
        fee=naming(line.charge.source),
        amount_cents=line.charge.amount_cents,
        channel=channel,
        status=PAID,
        reference=reference.strip()[:100],
        recorded_by=actor,
        idempotency_key=new_key(),
        created_at=now,
        updated_at=now,
    )
    db.add(payment)
    db.flush()
    db.add(
        event(
            payment_id=payment.id,
            source="staff",
            to_status=PAID,
            at=now,
            detail={"channel": channel, "reference": payment.reference},
        )
    )
    settle(db, payment, datetime.combine(paid_on, now.timetz()), now, actor)
    db.add(payment)
    audit(
        db,
        actor,
        "record_external_payment",
        "payment",
        payment.id,
        person_id=dossier.person_id,
        after={"charge_key": charge_key, "channel": channel, "reference": payment.reference},
    )
    return payment
