"""The payment's state machine over the provider's statuses and its event log (appended, never
changed)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session

from portal.adapters.payments.base import (
    AUTHORIZED,
    FINAL,
    OPEN,
    PAID,
    PENDING,
    STATUSES,
)
from portal.db import models as m

RANK = {OPEN: 0, PENDING: 1, AUTHORIZED: 2}


def event(**values: Any) -> m.PaymentEvent:
    """One line of a payment's event log (appended, never changed)."""
    payment_id = values.pop("payment_id")
    assert payment_id is not None
    return m.PaymentEvent(payment_id=payment_id, **values)


def note(db: Session, payment: m.Payment, source: str, now: datetime, **detail: Any) -> None:
    """A line in the payment's event log for something that is not a status change (retired,
    flagged, charged back, a refund asked)."""
    db.add(
        event(
            payment_id=payment.id,
            source=source,
            from_status=payment.status,
            to_status=payment.status,
            at=now,
            detail=detail,
        )
    )


def can_move(current: str, new: str) -> bool:
    """The state machine over Mollie's statuses: a final status is never overwritten, and an
    older non-final status never overwrites a newer one (webhooks may arrive out of order).
    One exception: money that arrived (paid) is always recorded, whatever the portal thought
    of the attempt (it may have ended it itself)."""
    if new not in STATUSES or new == current:
        return False
    if new == PAID:
        return True
    if current in FINAL:
        return False
    if new in FINAL:
        return True
    return RANK[new] > RANK.get(current, -1)


def new_key() -> str:
    return secrets.token_hex(16)
