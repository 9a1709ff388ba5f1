"""Paying a charge online: one live attempt per charge at the provider, whatever the timing.

Provider calls never run inside a database transaction (SQLite would hold its write lock for
the length of a network call): a payment row is written first, the provider is called, then the
result is written in a new unit of work."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.adapters.payments.base import (
    FAILED,
    OPEN,
    GatewayConflict,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.fees import naming
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments.ledger import event, new_key, note
from portal.services.payments.owed import open_line
from portal.services.payments.sync import refresh_from_provider

log = logging.getLogger("portal.payments")


@dataclass(frozen=True)
class PayStart:
    payment_id: int
    checkout_url: str


@dataclass(frozen=True)
class _Attempt:
    """What is sent to Mollie for one attempt: the same on every retry, so that Mollie's
    idempotency key gives back the same payment."""

    id: int
    idempotency_key: str
    amount_cents: int
    description: str
    locale: str
    redirect_url: str
    webhook_url: str
    fresh: bool  # made by this request (not one under way in another request)


# How long a request waits for another request that is creating the same attempt at Mollie
# (just over the Mollie client's connect + read timeout).
CREATION_WAIT_SECONDS = 11.0


def _live(db: Session, active_key: str) -> m.Payment | None:
    return db.exec(select(m.Payment).where(m.Payment.active_key == active_key)).first()


def _retire(db: Session, payment: m.Payment, now: datetime, why: str) -> None:
    """The attempt is no longer the one offered for its charge. It stays what Mollie says it is:
    money that still comes in through it is kept up to what is due and the rest given back."""
    payment.active_key = None
    payment.updated_at = now
    db.add(payment)
    note(db, payment, "create", now, retired=why)
    db.flush()


class _Race(Exception):
    """Another request inserted the live attempt for the same charge first."""


def _prepare(
    engine: Engine,
    person_id: int,
    charge_key: str,
    *,
    description: str,
    redirect_base: str,
    webhook_url: str,
    locale: str,
    now: datetime,
) -> PayStart | _Attempt:
    """Under the database's write lock: the checkout to send the person to, or the attempt to
    create (or create again) at Mollie. One live attempt per charge (a unique key)."""
    active_key = f"{person_id}:{charge_key}"
    with session_scope(engine) as db:
        dossier = load_dossier(db, person_id)
        if dossier is None:
            raise ServiceError("unknown_person")
        charge = open_line(db, dossier, charge_key).charge
        due = charge.amount_cents
        live = _live(db, active_key)
        if live is not None and live.provider_id is not None:
            if live.checkout_url and live.amount_cents == due:
                assert live.id is not None  # a stored payment
                return PayStart(live.id, live.checkout_url)
            _retire(db, live, now, "the amount due changed" if live.checkout_url else "no checkout")
            live = None
        fresh = False
        if live is None:
            live = m.Payment(
                person_id=person_id,
                charge_key=charge_key,
                description=description[:255],
                fee=naming(charge.source),
                amount_cents=due,
                idempotency_key=new_key(),
                active_key=active_key,
                status=OPEN,
                locale=locale,
                webhook_url=webhook_url,
                created_at=now,
                updated_at=now,
            )
            db.add(live)
            try:
                db.flush()
            except IntegrityError:
                raise _Race from None
            fresh = True
            live.redirect_url = f"{redirect_base}/my/payments/{live.id}/return"
            db.add(live)
            db.add(
                event(
                    payment_id=live.id,
                    source="create",
                    to_status=OPEN,
                    at=now,
                    detail={"amount_cents": due},
                )
            )
            audit(
                db,
                f"person:{person_id}",
                "start_payment",
                "payment",
                live.id,
                person_id=person_id,
                charge_key=charge_key,
                amount_cents=due,
            )
        # else: an attempt whose creation at Mollie is under way in another request, or whose
        # outcome is unknown (a time-out): it is created again with the same idempotency key.
        assert live.id is not None  # flushed above, or stored before
        return _Attempt(
            live.id,
            live.idempotency_key,
            live.amount_cents,
            live.description,
            live.locale,
            live.redirect_url,
            live.webhook_url or webhook_url,
            fresh,
        )


def _wait_for_checkout(engine: Engine, payment_id: int, seconds: float) -> PayStart | None:
    """Another request is creating this attempt at Mollie: wait for its checkout."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with session_scope(engine) as db:
            row = db.get(m.Payment, payment_id)
            if row is None or row.active_key is None:
                return None
            if row.checkout_url:
                return PayStart(payment_id, row.checkout_url)
        time.sleep(0.1)
    return None


def start_payment(
    engine: Engine,
    gateway: PaymentGateway,
    person_id: int,
    charge_key: str,
    *,
    description: str,
    redirect_base: str,
    webhook_url: str,
    locale: str,
    now: datetime,
    methods: Sequence[str] = (),
    wait_seconds: float = CREATION_WAIT_SECONDS,
) -> PayStart:
    """Pay a charge online. One charge has at most one live attempt, whatever the timing and
    however many app processes run: a double tap, a reload or a second tab gives the same
    Mollie payment. An attempt still being created is never taken for failed: it is created
    again with its own idempotency key (Mollie answers with the same payment), so a time-out
    never leads to a second payment. A live attempt is first checked with Mollie: if the person
    abandoned it and it expired, a new attempt starts. Only `methods` are offered."""
    active_key = f"{person_id}:{charge_key}"
    with session_scope(engine) as db:
        live = _live(db, active_key)
        known = live.id if live is not None and live.provider_id is not None else None
    if known is not None:
        try:
            refresh_from_provider(engine, gateway, known, "create", now)
        except (GatewayUnavailable, GatewayRejected) as error:
            log.info("could not check payment %s before a new attempt: %s", known, error)
    for _ in range(3):
        try:
            prepared = _prepare(
                engine,
                person_id,
                charge_key,
                description=description,
                redirect_base=redirect_base,
                webhook_url=webhook_url,
                locale=locale,
                now=now,
            )
            break
        except _Race:
            continue
    else:
        raise ServiceError("payment_in_progress")
    if isinstance(prepared, PayStart):
        return prepared
    attempt = prepared
    try:
        created = gateway.create_payment(
            amount_cents=attempt.amount_cents,
            description=attempt.description,
            redirect_url=attempt.redirect_url,
            webhook_url=attempt.webhook_url,
            locale=attempt.locale,
            metadata={"payment_id": attempt.id},
            idempotency_key=attempt.idempotency_key,
            methods=tuple(methods),
        )
    except GatewayRejected as error:
        if isinstance(error, GatewayConflict) or not attempt.fresh:
            # Another request may be making this attempt: its outcome is the one.
            log.info("payment %s may be created elsewhere: %s", attempt.id, error)
            waited = _wait_for_checkout(engine, attempt.id, wait_seconds)
            if waited is not None:
                return waited
        # Mollie refused it and nobody made it meanwhile: no payment the person could have
        # seen exists for this attempt. It ends; the next tap starts a new one.
        log.warning("creating payment %s was refused: %s", attempt.id, error)
        with session_scope(engine) as db:
            row = db.exec(
                select(m.Payment).where(m.Payment.id == attempt.id).with_for_update()
            ).one()
            if row.provider_id is None:
                row.status = FAILED
                row.active_key = None
                row.updated_at = now
                db.add(row)
                db.add(
                    event(
                        payment_id=attempt.id,
                        source="create",
                        from_status=OPEN,
                        to_status=FAILED,
                        at=now,
                        detail={"error": str(error)[:200]},
                    )
                )
        raise ServiceError("provider_unavailable") from error
    except GatewayUnavailable as error:
        # Unknown whether Mollie made it: the attempt stays, and the next try sends the same
        # idempotency key (never a second payment).
        log.warning("creating payment %s: no answer from the provider: %s", attempt.id, error)
        raise ServiceError("provider_unavailable") from error
    with session_scope(engine) as db:
        row = db.exec(select(m.Payment).where(m.Payment.id == attempt.id).with_for_update()).one()
        if row.provider_id is None:
            row.provider_id = created.id
            row.mode = created.mode
            row.checkout_url = created.checkout_url
            row.updated_at = now
            db.add(row)
        elif row.provider_id != created.id:  # never expected: Mollie broke idempotency
            row.flagged = True
            row.flag_reason = f"a second provider payment {created.id} for one attempt"
            db.add(row)
            log.error("payment %s: provider gave %s after %s", row.id, created.id, row.provider_id)
        checkout_url = row.checkout_url or created.checkout_url
    return PayStart(attempt.id, checkout_url)
