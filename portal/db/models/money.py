"""Payments at the provider, what happened to them, and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from portal.db.models.base import utcnow


class Payment(SQLModel, table=True):
    """One attempt to pay one charge: online through Mollie, or recorded by staff."""

    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="positive_amount"),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"
        ),
        sa.CheckConstraint(
            "settled_cents >= 0 AND surplus_cents >= 0 "
            "AND settled_cents + surplus_cents <= amount_cents",
            name="settled_within_amount",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    charge_key: str = Field(max_length=60)
    description: str = Field(max_length=255)  # as sent to Mollie, in the language of that moment
    # what names the fee (labels.fee_params), to describe it in the reader's language
    fee: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    amount_cents: int
    currency: str = Field(default="EUR", max_length=3)
    channel: str = Field(default="mollie", max_length=20)  # mollie | counter | ocmw
    provider_id: str | None = Field(default=None, max_length=40, unique=True)
    mode: str = Field(default="", max_length=10)  # test | live
    status: str = Field(default="open", max_length=20)
    method: str = Field(default="", max_length=40)
    checkout_url: str = Field(default="", max_length=500)
    idempotency_key: str = Field(max_length=64, unique=True)
    # set while the payment is open or pending: one live attempt per charge at a time
    active_key: str | None = Field(default=None, max_length=80, unique=True)
    reference: str = Field(default="", max_length=100)
    recorded_by: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    settled_at: datetime | None = None
    refunded_cents: int = 0
    # what the payment settled of its charge (the rest, if any, is given back: surplus_cents)
    settled_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    surplus_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    charged_back_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    charged_back_at: datetime | None = None
    # what was sent to Mollie besides amount and description: the same again on a retry
    locale: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    redirect_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    webhook_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    flagged: bool = False
    flag_reason: str = Field(default="", max_length=300)


class PaymentEvent(SQLModel, table=True):
    """Every status change of a payment, appended, never changed."""

    __tablename__ = "payment_event"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    source: str = Field(max_length=20)  # create | webhook | reconcile | return | staff | refund
    from_status: str = Field(default="", max_length=20)
    to_status: str = Field(max_length=20)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Refund(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    provider_id: str | None = Field(default=None, max_length=40, unique=True)
    amount_cents: int
    status: str = Field(default="queued", max_length=20)
    reason: str = Field(default="", max_length=300)
    idempotency_key: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
