"""Fees and payments: what a person owes and why (the fee rules over their dossier), paying a
charge online, one state machine for every status change, settling exactly once, refunds,
waivers and payments made elsewhere, and reconciliation against the provider.

Provider calls never run inside a database transaction (SQLite would hold its write lock for
the length of a network call): a payment row is written first, the provider is called, then the
result is written in a new unit of work."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.adapters.payments.base import (
    AUTHORIZED,
    FINAL,
    OPEN,
    PAID,
    PENDING,
    STATUSES,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    ProviderPayment,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.fees import Charge, ChargeKind, FeeSource, ResidencePeriod, charges
from portal.services import notify
from portal.services.dossier import Dossier, load_dossier
from portal.services.people import ServiceError, audit
from portal.settings import BRUSSELS

log = logging.getLogger("portal.payments")

RANK = {OPEN: 0, PENDING: 1, AUTHORIZED: 2}


def _event(**values: Any) -> m.PaymentEvent:
    """One line of a payment's event log (appended, never changed)."""
    payment_id = values.pop("payment_id")
    assert payment_id is not None
    return m.PaymentEvent(payment_id=payment_id, **values)


def can_move(current: str, new: str) -> bool:
    """The state machine over Mollie's statuses: a final status is never overwritten, and an
    older non-final status never overwrites a newer one (webhooks may arrive out of order)."""
    if new not in STATUSES or current in FINAL or new == current:
        return False
    if new in FINAL:
        return True
    return RANK[new] > RANK.get(current, -1)


# ------------------------------------------------------------------------------ what is owed


TEST_CHARGES = {
    "mo": ChargeKind.MO_TEST,
    "mo_exemption": ChargeKind.MO_EXEMPTION_TEST,
    "nt2": ChargeKind.NT2_TEST,
    "b1_oral": ChargeKind.B1_ORAL,
}


def fee_sources(dossier: Dossier, bookings: Sequence[m.Booking] = ()) -> list[FeeSource]:
    """What gives rise to a fee: the signed contract and plan, and each test booking (held or
    confirmed, or one that was paid)."""
    contract = dossier.contract
    if contract is None or contract.signed_on is None:
        return []
    sources = [FeeSource("mo_course:1", ChargeKind.MO_COURSE, contract.signed_on, label="")]
    for booking in bookings:
        sources.append(
            FeeSource(
                f"test:{booking.id}",
                TEST_CHARGES[booking.test],
                booking.held_at.astimezone(BRUSSELS).date(),
                attempt=booking.attempt,
            )
        )
    nt2 = next((c for c in dossier.components if c.pillar == "nt2"), None)
    if nt2 is not None:
        if nt2.provider_type == "UTC":
            sources.append(
                FeeSource(
                    f"nt2_utc:{nt2.id}", ChargeKind.NT2_UTC, contract.signed_on, label=nt2.provider
                )
            )
        elif nt2.provider_type in {"CVO", "CBE"}:
            for module in dossier.modules:
                if module.component_id == nt2.id:
                    sources.append(
                        FeeSource(
                            f"nt2_module:{module.id}",
                            ChargeKind.NT2_MODULE,
                            max(module.planned_start, contract.signed_on),
                            lesson_periods=module.lesson_periods,
                            label=f"{nt2.provider}, {module.name}".strip(", "),
                        )
                    )
    return sources


@dataclass(frozen=True)
class Line:
    """One charge with what happened to it."""

    charge: Charge
    paid: m.Payment | None  # the payment that settled it
    open_payment: m.Payment | None
    waiver: m.Waiver | None

    @property
    def key(self) -> str:
        return self.charge.source.key

    @property
    def payable(self) -> bool:
        return self.charge.amount_cents > 0 and self.paid is None


@dataclass(frozen=True)
class Statement:
    lines: tuple[Line, ...]
    payments: tuple[m.Payment, ...]
    refunds: tuple[m.Refund, ...]

    @property
    def due_cents(self) -> int:
        return sum(line.charge.amount_cents for line in self.lines if line.payable)

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def statement(db: Session, dossier: Dossier) -> Statement:
    person_id = dossier.person.id
    residences = db.exec(
        select(m.Residence, m.Municipality)
        .join(m.Municipality, m.Municipality.id == m.Residence.municipality_id)  # type: ignore[arg-type]
        .where(m.Residence.person_id == person_id)
        .order_by(m.Residence.since)  # type: ignore[arg-type]
    ).all()
    # The first known residence also covers the time before intake (when the person already
    # lived there); later ones count from the day of the move.
    periods = [
        ResidencePeriod(date.min if index == 0 else r.since, mun.region == "brussels")
        for index, (r, mun) in enumerate(residences)
    ]
    if not periods:  # registered before residences were kept: the current municipality
        periods = [ResidencePeriod(date.min, dossier.municipality.region == "brussels")]
    waivers = {
        w.charge_key: w
        for w in db.exec(select(m.Waiver).where(m.Waiver.person_id == person_id)).all()
    }
    payments = tuple(
        db.exec(
            select(m.Payment)
            .where(m.Payment.person_id == person_id)
            .order_by(m.Payment.created_at.desc(), m.Payment.id.desc())  # type: ignore[union-attr,attr-defined]
        ).all()
    )
    refunds = tuple(
        db.exec(
            select(m.Refund).where(
                m.Refund.payment_id.in_([p.id for p in payments])  # type: ignore[attr-defined]
            )
        ).all()
    )
    paid_keys = {p.charge_key for p in payments if p.settled_at}
    bookings = [
        b
        for b in db.exec(
            select(m.Booking).where(m.Booking.person_id == person_id).order_by(m.Booking.id)  # type: ignore[arg-type]
        ).all()
        if b.status in {"held", "confirmed", "attended"} or f"test:{b.id}" in paid_keys
    ]
    computed = charges(
        fee_sources(dossier, bookings), periods, {k: w.reason for k, w in waivers.items()}
    )
    lines = []
    for charge in computed:
        key = charge.source.key
        settled = next((p for p in payments if p.charge_key == key and p.settled_at), None)
        live = next(
            (
                p
                for p in payments
                if p.charge_key == key and p.status in {OPEN, PENDING, AUTHORIZED}
            ),
            None,
        )
        lines.append(Line(charge, settled, live, waivers.get(key)))
    return Statement(tuple(lines), payments, refunds)


# ------------------------------------------------------------------------------ paying


@dataclass(frozen=True)
class PayStart:
    payment_id: int
    checkout_url: str


def _new_key() -> str:
    return secrets.token_hex(16)


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
) -> PayStart:
    """Pay a charge online. Tapping "Pay" twice, or reloading, gives the same Mollie payment:
    one live attempt per charge (a unique key in the database), one idempotency key per
    attempt at Mollie. A live attempt is first checked with Mollie: if the person closed the
    checkout and it expired, a new attempt starts."""
    with session_scope(engine) as db:
        live = db.exec(
            select(m.Payment.id).where(
                m.Payment.active_key == f"{person_id}:{charge_key}",
                m.Payment.provider_id != None,  # noqa: E711
            )
        ).first()
    if live is not None:
        try:
            refresh_from_provider(engine, gateway, live, "create", now)
        except (GatewayUnavailable, GatewayRejected) as error:
            log.info("could not check payment %s before a new attempt: %s", live, error)
    with session_scope(engine) as db:
        dossier = load_dossier(db, person_id)
        if dossier is None:
            raise ServiceError("unknown_person")
        line = statement(db, dossier).line(charge_key)
        if line is None:
            raise ServiceError("unknown_charge")
        if line.paid is not None:
            raise ServiceError("already_paid")
        if line.charge.amount_cents == 0:
            raise ServiceError("nothing_to_pay")
        existing = line.open_payment
        if (
            existing is not None
            and existing.checkout_url
            and existing.amount_cents == (line.charge.amount_cents)
        ):
            return PayStart(existing.id, existing.checkout_url)  # type: ignore[arg-type]
        payment = m.Payment(
            person_id=person_id,
            charge_key=charge_key,
            description=description[:255],
            amount_cents=line.charge.amount_cents,
            idempotency_key=_new_key(),
            active_key=f"{person_id}:{charge_key}",
            status=OPEN,
            created_at=now,
            updated_at=now,
        )
        if existing is not None:  # an attempt without checkout (Mollie was down): retire it
            existing.active_key = None
            existing.status = "failed" if existing.provider_id is None else existing.status
            db.add(existing)
            db.flush()
        db.add(payment)
        try:
            db.flush()
        except IntegrityError:
            raise ServiceError("payment_in_progress") from None
        db.add(
            _event(
                payment_id=payment.id,
                source="create",
                to_status=OPEN,
                at=now,
                detail={"amount_cents": payment.amount_cents},
            )
        )
        audit(
            db,
            f"person:{person_id}",
            "start_payment",
            "payment",
            payment.id,
            person_id=person_id,
            charge_key=charge_key,
        )
        payment_id, idempotency_key, amount = (
            payment.id,
            payment.idempotency_key,
            payment.amount_cents,
        )
    try:
        created = gateway.create_payment(
            amount_cents=amount,
            description=description,
            redirect_url=f"{redirect_base}/my/payments/{payment_id}/return",
            webhook_url=webhook_url,
            locale=locale,
            metadata={"payment_id": payment_id},
            idempotency_key=idempotency_key,
        )
    except (GatewayUnavailable, GatewayRejected) as error:
        log.warning("creating payment %s failed: %s", payment_id, error)
        with session_scope(engine) as db:
            row = db.get(m.Payment, payment_id)
            assert row is not None
            row.status = "failed"
            row.active_key = None
            db.add(row)
            db.add(
                _event(
                    payment_id=payment_id,
                    source="create",
                    from_status=OPEN,
                    to_status="failed",
                    at=now,
                    detail={"error": str(error)[:200]},
                )
            )
        raise ServiceError("provider_unavailable") from error
    with session_scope(engine) as db:
        row = db.get(m.Payment, payment_id)
        assert row is not None
        row.provider_id = created.id
        row.mode = created.mode
        row.checkout_url = created.checkout_url
        row.updated_at = now
        db.add(row)
    return PayStart(payment_id, created.checkout_url)  # type: ignore[arg-type]


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


def apply_provider_status(
    db: Session,
    payment: m.Payment,
    provider: ProviderPayment,
    source: str,
    now: datetime,
    expected_mode: str | None = None,
) -> bool:
    """Apply what the provider says through the state machine; settle exactly once. Returns
    whether anything changed."""
    mismatch = _verify(payment, provider, expected_mode)
    if mismatch:
        if not payment.flagged:
            payment.flagged = True
            payment.flag_reason = mismatch
            db.add(payment)
            db.add(
                _event(
                    payment_id=payment.id,
                    source=source,
                    from_status=payment.status,
                    to_status=payment.status,
                    at=now,
                    detail={"flag": mismatch, "provider_status": provider.status},
                )
            )
            log.warning("payment %s flagged: %s", payment.id, mismatch)
        return False
    changed = False
    if provider.refunded_cents != payment.refunded_cents and payment.status == PAID:
        payment.refunded_cents = min(provider.refunded_cents, payment.amount_cents)
        changed = True
    if can_move(payment.status, provider.status):
        previous = payment.status
        payment.status = provider.status
        payment.method = provider.method
        payment.updated_at = now
        if provider.status not in {OPEN, PENDING, AUTHORIZED}:
            payment.active_key = None
        db.add(
            _event(
                payment_id=payment.id,
                source=source,
                from_status=previous,
                to_status=provider.status,
                at=now,
            )
        )
        changed = True
        if provider.status == PAID:
            _settle(db, payment, provider.paid_at or now, now)
        elif provider.status in FINAL:
            person = db.get(m.Person, payment.person_id)
            if person is not None:
                notify.notify(db, person, "payment_failed", description=payment.description)
    if changed:
        db.add(payment)
    return changed


AUTO_REFUND = "hold expired and the session is full: refunded"


def _settle(db: Session, payment: m.Payment, paid_at: datetime, now: datetime) -> None:
    """What a payment settles, decided in one place: the charge it was for, exactly once."""
    payment.paid_at = paid_at
    other = db.exec(
        select(m.Payment).where(
            m.Payment.person_id == payment.person_id,
            m.Payment.charge_key == payment.charge_key,
            m.Payment.settled_at != None,  # noqa: E711
            m.Payment.id != payment.id,
        )
    ).first()
    if other is not None:
        payment.flagged = True
        payment.flag_reason = "paid twice: refund this payment"
        log.warning("payment %s paid a charge already settled by %s", payment.id, other.id)
        return
    if payment.charge_key.startswith("test:"):
        from portal.services.booking import settle_booking

        if not settle_booking(db, int(payment.charge_key.split(":", 1)[1]), now):
            payment.flagged = True
            payment.flag_reason = AUTO_REFUND
            log.info("payment %s arrived after its hold ran out and the seat is gone", payment.id)
            return
    payment.settled_at = now
    person = db.get(m.Person, payment.person_id)
    if person is not None:
        notify.notify(
            db,
            person,
            "payment_received",
            description=payment.description,
            amount_cents=payment.amount_cents,
        )


def refresh_from_provider(
    engine: Engine,
    gateway: PaymentGateway,
    payment_id: int,
    source: str,
    now: datetime,
    expected_mode: str | None = None,
) -> m.Payment | None:
    """Fetch the payment from the provider and apply it (webhook, return page, reconcile)."""
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
        owes_refund = (
            payment.flag_reason == AUTO_REFUND
            and not db.exec(select(m.Refund).where(m.Refund.payment_id == payment_id)).first()
        )
    if owes_refund:
        refund(
            engine,
            gateway,
            "portal:booking",
            payment_id,
            payment.amount_cents,
            "Seat no longer available",
            now,
        )
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
    try:
        refresh_from_provider(engine, gateway, payment_id, "webhook", now, expected_mode)  # type: ignore[arg-type]
    except GatewayNotFound:
        return "ignored: provider does not know it"
    # Mollie calls the same webhook when a refund changes: bring our refunds up to date too.
    with session_scope(engine) as db:
        open_refunds = db.exec(
            select(m.Refund.id).where(
                m.Refund.payment_id == payment_id,
                m.Refund.provider_id != None,  # noqa: E711
                m.Refund.status.in_(["queued", "pending", "processing"]),  # type: ignore[attr-defined]
            )
        ).all()
    for refund_id in open_refunds:
        refresh_refund(engine, gateway, refund_id, now)  # type: ignore[arg-type]
    return "applied"


def reconcile(
    engine: Engine,
    gateway: PaymentGateway,
    now: datetime,
    older_than: timedelta,
    expected_mode: str | None = None,
    limit: int = 200,
) -> int:
    """Fetch every payment still open or pending after `older_than` and apply its real status:
    recovers lost webhooks. Safe on several instances (each apply is idempotent)."""
    with session_scope(engine) as db:
        ids = db.exec(
            select(m.Payment.id)
            .where(
                m.Payment.status.in_([OPEN, PENDING, AUTHORIZED]),  # type: ignore[attr-defined]
                m.Payment.provider_id != None,  # noqa: E711
                m.Payment.created_at < now - older_than,
            )
            .limit(limit)
        ).all()
    applied = 0
    for payment_id in ids:
        try:
            refresh_from_provider(engine, gateway, payment_id, "reconcile", now, expected_mode)  # type: ignore[arg-type]
            applied += 1
        except (GatewayUnavailable, GatewayRejected) as error:
            log.warning("reconciling payment %s failed: %s", payment_id, error)
    return applied


# ------------------------------------------------------------------------------ staff


WAIVER_CATEGORIES = ("payment_difficulties", "exemption_category", "other")


def record_waiver(
    db: Session, actor: str, dossier: Dossier, charge_key: str, category: str, reason: str
) -> m.Waiver:
    if category not in WAIVER_CATEGORIES:
        raise ServiceError("choose")
    if not reason.strip():
        raise ServiceError("reason_required")
    line = statement(db, dossier).line(charge_key)
    if line is None:
        raise ServiceError("unknown_charge")
    if line.paid is not None:
        raise ServiceError("already_paid")
    if line.waiver is not None:
        raise ServiceError("already_waived")
    waiver = m.Waiver(
        person_id=dossier.person.id,  # type: ignore[arg-type]
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
        person_id=dossier.person.id,
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
    line = statement(db, dossier).line(charge_key)
    if line is None:
        raise ServiceError("unknown_charge")
    if line.paid is not None:
        raise ServiceError("already_paid")
    if line.charge.amount_cents == 0:
        raise ServiceError("nothing_to_pay")
    payment = m.Payment(
        person_id=dossier.person.id,  # type: ignore[arg-type]
        charge_key=charge_key,
        description=description[:255],
        amount_cents=line.charge.amount_cents,
        channel=channel,
        status=PAID,
        reference=reference.strip()[:100],
        recorded_by=actor,
        idempotency_key=_new_key(),
        created_at=now,
        updated_at=now,
    )
    db.add(payment)
    db.flush()
    db.add(
        _event(
            payment_id=payment.id,
            source="staff",
            to_status=PAID,
            at=now,
            detail={"channel": channel, "reference": payment.reference},
        )
    )
    _settle(db, payment, datetime.combine(paid_on, now.timetz()), now)
    db.add(payment)
    audit(
        db,
        actor,
        "record_external_payment",
        "payment",
        payment.id,
        person_id=dossier.person.id,
        after={"charge_key": charge_key, "channel": channel, "reference": payment.reference},
    )
    return payment


def refund(
    engine: Engine,
    gateway: PaymentGateway,
    actor: str,
    payment_id: int,
    amount_cents: int,
    reason: str,
    now: datetime,
) -> m.Refund:
    """Refund (part of) a paid online payment through the provider; the refund has its own
    status and the payment stays paid."""
    with session_scope(engine) as db:
        payment = db.get(m.Payment, payment_id)
        if payment is None or payment.status != PAID or payment.provider_id is None:
            raise ServiceError("not_refundable")
        pending = sum(
            r.amount_cents  # type: ignore[misc]
            for r in db.exec(
                select(m.Refund).where(
                    m.Refund.payment_id == payment_id,
                    m.Refund.status.in_(  # type: ignore[attr-defined]
                        [
                            "queued",
                            "pending",
                            "processing",
                            "refunded",
                        ]
                    ),
                )
            ).all()
        )
        if not 0 < amount_cents <= payment.amount_cents - pending:
            raise ServiceError("refund_too_large")
        row = m.Refund(
            payment_id=payment_id,
            amount_cents=amount_cents,
            reason=reason[:300],
            idempotency_key=_new_key(),
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
            row = db.get(m.Refund, refund_id)  # type: ignore[assignment]
            assert row is not None
            row.status = "failed"
            db.add(row)
        raise ServiceError("provider_unavailable") from error
    with session_scope(engine) as db:
        row = db.get(m.Refund, refund_id)  # type: ignore[assignment]
        assert row is not None
        row.provider_id = created.id
        row.status = created.status
        row.updated_at = now
        db.add(row)
        db.add(
            _event(
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
            .join(m.Payment, m.Payment.person_id == m.Person.id)  # type: ignore[arg-type]
            .where(m.Payment.id == payment_id)
        ).one()
        notify.notify(db, person, "payment_refunded", amount_cents=amount_cents)
        return row


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
            row.status = provider.status
            row.updated_at = now
            db.add(row)
        return row


__all__ = ["Any"]
