"""Fees and payments: what a person owes and why (the fee rules over their dossier), paying a
charge online, one state machine for every status change, settling exactly once, refunds,
waivers and payments made elsewhere, and reconciliation against the provider.

Provider calls never run inside a database transaction (SQLite would hold its write lock for
the length of a network call): a payment row is written first, the provider is called, then the
result is written in a new unit of work."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.adapters.payments.base import (
    AUTHORIZED,
    FAILED,
    FINAL,
    OPEN,
    PAID,
    PENDING,
    STATUSES,
    GatewayConflict,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    ProviderPayment,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.fees import (
    Charge,
    ChargeKind,
    Exempt,
    FeeSource,
    ResidencePeriod,
    charges,
    split_payment,
)
from portal.services import notify
from portal.services.dossier import Dossier, load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.seats import settle_booking
from portal.settings import BRUSSELS

log = logging.getLogger("portal.payments")

RANK = {OPEN: 0, PENDING: 1, AUTHORIZED: 2}


def _event(**values: Any) -> m.PaymentEvent:
    """One line of a payment's event log (appended, never changed)."""
    payment_id = values.pop("payment_id")
    assert payment_id is not None
    return m.PaymentEvent(payment_id=payment_id, **values)


def _note(db: Session, payment: m.Payment, source: str, now: datetime, **detail: Any) -> None:
    """A line in the payment's event log for something that is not a status change (retired,
    flagged, charged back, a refund asked)."""
    db.add(
        _event(
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


# ------------------------------------------------------------------------------ what is owed


TEST_CHARGES = {
    "mo": ChargeKind.MO_TEST,
    "mo_exemption": ChargeKind.MO_EXEMPTION_TEST,
    "nt2": ChargeKind.NT2_TEST,
    "b1_oral": ChargeKind.B1_ORAL,
}


def _passed_mo_exemption(dossier: Dossier) -> bool:
    return any(
        f.kind == "test_result" and f.test == "mo_exemption" and f.passed is True
        for f in dossier.active_facts
    )


def fee_sources(dossier: Dossier, bookings: Sequence[m.Booking] = ()) -> list[FeeSource]:
    """What gives rise to a fee: the signed contract and plan, and each test booking (held or
    confirmed, or one that was paid). Keys are stable: the MO course is "mo_course:1", an NT2
    module is keyed on its lasting fee key (amendments rewrite the plan rows, not the key), the
    UTC contribution is one per person, a test on its booking."""
    contract = dossier.contract
    if contract is None or contract.signed_on is None:
        return []
    sources = [
        FeeSource(
            "mo_course:1",
            ChargeKind.MO_COURSE,
            contract.signed_on,
            label="",
            exempt=Exempt.EXEMPTION_TEST if _passed_mo_exemption(dossier) else None,
        )
    ]
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
                FeeSource("nt2_utc:1", ChargeKind.NT2_UTC, contract.signed_on, label=nt2.provider)
            )
        elif nt2.provider_type in {"CVO", "CBE"}:
            for module in dossier.modules:
                if module.component_id == nt2.id:
                    sources.append(
                        FeeSource(
                            f"nt2_module:{module.fee_key}",
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


def statement(db: Session, dossier: Dossier, leave_out: int | None = None) -> Statement:
    """What the person owes and why, with every payment and refund. `leave_out`: a payment
    not counted as settling anything (the one being settled)."""
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
    settled: dict[str, int] = {}
    for p in payments:
        if p.settled_at is not None and p.id != leave_out:
            settled[p.charge_key] = settled.get(p.charge_key, 0) + p.settled_cents
    paid_keys = set(settled)
    bookings = [
        b
        for b in db.exec(
            select(m.Booking).where(m.Booking.person_id == person_id).order_by(m.Booking.id)  # type: ignore[arg-type]
        ).all()
        if b.status in {"held", "confirmed", "attended"} or f"test:{b.id}" in paid_keys
    ]
    computed = charges(
        fee_sources(dossier, bookings),
        periods,
        {k: w.reason for k, w in waivers.items()},
        settled=settled,
    )
    lines = []
    for charge in computed:
        key = charge.source.key
        paid = next(
            (p for p in payments if p.charge_key == key and p.settled_at and p.id != leave_out),
            None,
        )
        live = next(
            (
                p
                for p in payments
                if p.charge_key == key and p.status in {OPEN, PENDING, AUTHORIZED}
            ),
            None,
        )
        lines.append(Line(charge, paid, live, waivers.get(key)))
    return Statement(tuple(lines), payments, refunds)


# ------------------------------------------------------------------------------ paying


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


def _new_key() -> str:
    return secrets.token_hex(16)


def _live(db: Session, active_key: str) -> m.Payment | None:
    return db.exec(select(m.Payment).where(m.Payment.active_key == active_key)).first()


def _retire(db: Session, payment: m.Payment, now: datetime, why: str) -> None:
    """The attempt is no longer the one offered for its charge. It stays what Mollie says it is:
    money that still comes in through it is kept up to what is due and the rest given back."""
    payment.active_key = None
    payment.updated_at = now
    db.add(payment)
    _note(db, payment, "create", now, retired=why)
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
        line = statement(db, dossier).line(charge_key)
        if line is None:
            raise ServiceError("unknown_charge")
        if line.paid is not None:
            raise ServiceError("already_paid")
        due = line.charge.amount_cents
        if due == 0:
            raise ServiceError("nothing_to_pay")
        live = _live(db, active_key)
        if live is not None and live.provider_id is not None:
            if live.checkout_url and live.amount_cents == due:
                return PayStart(live.id, live.checkout_url)  # type: ignore[arg-type]
            _retire(db, live, now, "the amount due changed" if live.checkout_url else "no checkout")
            live = None
        fresh = False
        if live is None:
            live = m.Payment(
                person_id=person_id,
                charge_key=charge_key,
                description=description[:255],
                amount_cents=due,
                idempotency_key=_new_key(),
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
                _event(
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
        return _Attempt(
            live.id,  # type: ignore[arg-type]
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
                    _event(
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
            _note(db, payment, source, now, flag=mismatch, provider_status=provider.status)
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
            _event(
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
            _settle(db, payment, provider.paid_at or now, now, _actor(source))
        elif provider.status in FINAL and was_live:
            person = db.get(m.Person, payment.person_id)
            if person is not None:
                notify.notify(db, person, "payment_failed", description=payment.description)
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


def _settle(db: Session, payment: m.Payment, paid_at: datetime, now: datetime, actor: str) -> None:
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
            m.Payment.settled_at != None,  # noqa: E711
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
            amount_cents=kept,
        )
    if surplus and payment.channel == "mollie":
        notify.notify(
            db, person, "payment_surplus", description=payment.description, amount_cents=surplus
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
    _note(
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
            amount_cents=added,
        )


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
                        amount_cents=amount,
                    )
        else:
            log.info("refunding the surplus of payment %s: %s (next round)", payment_id, error)
        return False
    return True


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
    """Fetch every payment still open or pending after `older_than` and apply its real status
    (recovers lost webhooks), and give back every surplus not yet refunded (Mollie was down at
    the time). Safe on several instances: each apply is idempotent under the payment's lock."""
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
        surplus_ids = db.exec(
            select(m.Payment.id)
            .where(
                m.Payment.surplus_cents > 0,
                m.Payment.status == PAID,
                m.Payment.provider_id != None,  # noqa: E711
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
    for payment_id in surplus_ids:
        refund_surplus(engine, gateway, payment_id, now)  # type: ignore[arg-type]
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
    _settle(db, payment, datetime.combine(paid_on, now.timetz()), now, actor)
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
            idempotency_key=idempotency_key or _new_key(),
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
