"""What a person owes and why: the fee rules over their dossier, with every payment, refund and
waiver; and what a caller may see of it (their own statement, payments and receipts, or those
of a person of their agency)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from portal.adapters.payments.base import (
    AUTHORIZED,
    OPEN,
    PENDING,
)
from portal.db import models as m
from portal.domain.fees import (
    Charge,
    ChargeKind,
    Exempt,
    FeeSource,
    ResidencePeriod,
    charges,
)
from portal.services.caller import Principal
from portal.services.dossier import Dossier, dossier_for, load_dossier
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS

MO_COURSE_KEY = "mo_course:1"  # the fee of the MO course, which opens the online course

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
            MO_COURSE_KEY,
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
class About:
    """What is known of what a charge pays for, beyond the charge itself: the seat of a test
    fee, the NT2 module of a module fee, how the MO course is followed. Empty when unknown."""

    test_starts_at: datetime | None = None  # a test fee: when the test is
    test_place: str = ""  # a test fee: the name of the test location
    held_until: datetime | None = None  # a test fee: the seat is held until then (not paid yet)
    module: str = ""  # an NT2 module: its name ("1.2")
    provider: str = ""  # NT2: the CVO, CBE or UTC
    starts_on: date | None = None  # an NT2 module: its planned start
    mo_variant: str = ""  # the MO course: classroom | blended | online


@dataclass(frozen=True)
class Line:
    """One charge with what happened to it."""

    charge: Charge
    paid: m.Payment | None  # the payment that settled it
    open_payment: m.Payment | None
    waiver: m.Waiver | None
    about: About = field(default_factory=About)

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
    # every booking of the person with its session and place, whatever its status (read once
    # here, so that a page that also shows tests does not read them again)
    bookings: tuple[tuple[m.Booking, m.TestSession, m.TestLocation], ...] = ()

    @property
    def due_cents(self) -> int:
        """What is still to pay: the sum of the lines still payable."""
        return sum(line.charge.amount_cents for line in self.lines if line.payable)

    @property
    def paid_cents(self) -> int:
        """What is paid: the sum of what was kept for the lines that are paid."""
        return sum(line.charge.amount_cents for line in self.lines if line.paid is not None)

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def _about(
    dossier: Dossier, seats: Sequence[tuple[m.Booking, m.TestSession, m.TestLocation]]
) -> dict[str, About]:
    """What each fee source of `fee_sources` pays for, by key (the same keys)."""
    found: dict[str, About] = {}
    mo = next((c for c in dossier.components if c.pillar == "mo"), None)
    if mo is not None:
        found[MO_COURSE_KEY] = About(mo_variant=mo.variant)
    for booking, session, location in seats:
        found[f"test:{booking.id}"] = About(
            test_starts_at=session.starts_at,
            test_place=location.name,
            held_until=booking.hold_expires_at if booking.status == "held" else None,
        )
    nt2 = next((c for c in dossier.components if c.pillar == "nt2"), None)
    if nt2 is not None:
        found["nt2_utc:1"] = About(provider=nt2.provider)
        for module in dossier.modules:
            if module.component_id == nt2.id:
                found[f"nt2_module:{module.fee_key}"] = About(
                    module=module.name, provider=nt2.provider, starts_on=module.planned_start
                )
    return found


def statement(
    db: Session, dossier: Dossier, leave_out: int | None = None, *, refunds: bool = True
) -> Statement:
    """What the person owes and why, with every payment and refund. `leave_out`: a payment
    not counted as settling anything (the one being settled); `refunds=False` leaves the
    refunds out (a page that does not list them)."""
    person_id = dossier.person.id
    residences = db.exec(
        select(m.Residence, m.Municipality)
        .join(m.Municipality, col(m.Municipality.id) == col(m.Residence.municipality_id))
        .where(m.Residence.person_id == person_id)
        .order_by(col(m.Residence.since))
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
            .order_by(col(m.Payment.created_at).desc(), col(m.Payment.id).desc())
        ).all()
    )
    paid_back = (
        tuple(
            db.exec(
                select(m.Refund).where(col(m.Refund.payment_id).in_([p.id for p in payments]))
            ).all()
        )
        if refunds and payments
        else ()
    )
    settled: dict[str, int] = {}
    for p in payments:
        if p.settled_at is not None and p.id != leave_out:
            settled[p.charge_key] = settled.get(p.charge_key, 0) + p.settled_cents
    paid_keys = set(settled)
    bookings = tuple(
        (booking, session, location)
        for booking, session, location in db.exec(
            select(m.Booking, m.TestSession, m.TestLocation)
            .join(m.TestSession, col(m.TestSession.id) == col(m.Booking.session_id))
            .join(m.TestLocation, col(m.TestLocation.id) == col(m.TestSession.location_id))
            .where(m.Booking.person_id == person_id)
            .order_by(col(m.Booking.id))
        ).all()
    )
    seats = [
        (booking, session, location)
        for booking, session, location in bookings
        if booking.status in {"held", "confirmed", "attended"} or f"test:{booking.id}" in paid_keys
    ]
    about = _about(dossier, seats)
    computed = charges(
        fee_sources(dossier, [booking for booking, _session, _location in seats]),
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
        lines.append(Line(charge, paid, live, waivers.get(key), about.get(key, About())))
    return Statement(tuple(lines), payments, paid_back, bookings)


@dataclass(frozen=True)
class PersonStatement:
    dossier: Dossier
    statement: Statement


def open_line(db: Session, dossier: Dossier, charge_key: str, *, payable: bool = True) -> Line:
    """The person's line for a charge that is still open, or the refusal every way of settling
    it gives: unknown_charge, already_paid, and (when it is to be paid, `payable`) nothing_to_pay
    for a charge of 0 (free, or waived)."""
    line = statement(db, dossier).line(charge_key)
    if line is None:
        raise ServiceError("unknown_charge")
    if line.paid is not None:
        raise ServiceError("already_paid")
    if payable and line.charge.amount_cents == 0:
        raise ServiceError("nothing_to_pay")
    return line


def statement_for(
    db: Session, caller: Principal, person_id: int | None = None
) -> PersonStatement | None:
    """The statement `caller` may see: a citizen's own, a counsellor's person of their agency
    (None: out of scope or unknown)."""
    dossier = dossier_for(db, caller, person_id)
    if dossier is None:
        return None
    return PersonStatement(dossier, statement(db, dossier))


def own_payment(db: Session, caller: Principal, payment_id: int) -> m.Payment | None:
    """One of the signed-in person's own payments (None: someone else's, or none)."""
    if caller.role != "citizen" or caller.person_id is None:
        return None
    return db.exec(
        select(m.Payment).where(
            col(m.Payment.id) == payment_id, col(m.Payment.person_id) == caller.person_id
        )
    ).first()


@dataclass(frozen=True)
class Receipt:
    payment: m.Payment
    dossier: Dossier


def receipt(db: Session, caller: Principal, payment_id: int) -> Receipt | None:
    """The receipt of one of the person's own settled payments (None: not theirs, not settled)."""
    payment = own_payment(db, caller, payment_id)
    if payment is None or payment.settled_at is None:
        return None
    dossier = load_dossier(db, payment.person_id)
    if dossier is None:
        return None
    return Receipt(payment, dossier)
