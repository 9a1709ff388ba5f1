"""Booking a test seat: capacity never exceeded (50 attempts on 10 seats from several
processes, on SQLite and PostgreSQL), one active booking per test, holds expire."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.services import booking, trajectory
from portal.services.errors import ServiceError
from portal.services.people import NewPerson, record_fact, register_person
from portal.settings import BRUSSELS

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=BRUSSELS)
TODAY = NOW.date()
PLAN = trajectory.PlanInput(
    mo_variant="online",
    mo_provider="In-Gent",
    mo_schedule="",
    mo_deadline=date(2027, 3, 1),
    nt2_provider_type="CVO",
    nt2_provider="CVO Gent",
    nt2_schedule="",
    nt2_deadline=date(2027, 9, 1),
)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


_NAMES = itertools.count()  # another name for everyone: no intake of the same person twice


def ready_people(db, count: int) -> list[int]:
    """Persons who may book the MO test: contract signed, MO course followed."""
    ids = []
    for _ in range(count):
        person = register_person(
            db,
            "t",
            NewPerson(
                given_name=f"P{next(_NAMES)}",
                family_name="Ready",
                birth_date=date(1990, 1, 1),
                municipality_nis="44021",
                agency_code="gent",
                register="foreigners",
                obligation="obliged",
            ),
            TODAY,
        )
        drawn = TODAY - timedelta(days=60)
        trajectory.save_contract_draft(db, "t", person, PLAN, drawn, tell_person=False)
        trajectory.record_paper_signature(db, "t", person, drawn, TODAY, {})
        record_fact(
            db,
            "t",
            person,
            "mo_course_followed",
            TODAY - timedelta(days=1),
            TODAY,
            tell_person=False,
        )
        ids.append(person.id)
    return ids


def new_session(db, capacity: int, starts: datetime | None = None) -> int:
    location = m.TestLocation(
        name="Examencentrum Gent",
        address="Kongostraat 42, 9000 Gent",
        province="Oost-Vlaanderen",
        region="flanders",
    )
    db.add(location)
    db.flush()
    starts = starts or NOW + timedelta(days=30)
    session = m.TestSession(
        location_id=location.id,
        test="mo",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
    )
    db.add(session)
    db.flush()
    return session.id


def test_fifty_parallel_attempts_on_ten_seats_from_several_processes(engine, database_url):
    with session_scope(engine) as db:
        people = ready_people(db, 50)
        session_id = new_session(db, 10)
    context = multiprocessing.get_context("spawn")
    jobs = [(database_url, pid, session_id, NOW.isoformat()) for pid in people]
    with context.Pool(6) as pool:
        results = pool.map(booking_worker_attempt(), jobs)
    assert not [r for r in results if r.startswith("error")], results
    assert results.count("ok") == 10
    assert results.count("session_full") == 40
    with session_scope(engine) as db:
        session = db.get(m.TestSession, session_id)
        held = db.exec(
            select(func.count())
            .select_from(m.Booking)
            .where(m.Booking.session_id == session_id, m.Booking.status == "held")
        ).one()
    assert session.booked == 10 == held


def booking_worker_attempt():
    from tests.services.booking_worker import attempt

    return attempt


def test_one_active_booking_per_test_and_holds_expire(engine):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        first = new_session(db, 5)
        second = new_session(db, 5)
    booking.hold_seat(engine, person, first, NOW)
    with pytest.raises(ServiceError, match="active_booking"):
        booking.hold_seat(engine, person, second, NOW + timedelta(minutes=5))
    # 20 minutes later the unpaid hold has expired: its seat is free and a new hold is possible
    later = NOW + timedelta(minutes=20)
    booking.hold_seat(engine, person, second, later)
    with session_scope(engine) as db:
        assert db.get(m.TestSession, first).booked == 0
        assert db.get(m.TestSession, second).booked == 1
        statuses = sorted(
            b.status for b in db.exec(select(m.Booking).where(m.Booking.person_id == person)).all()
        )
    assert statuses == ["expired", "held"]
    assert booking.expire_holds(engine, later) == 0  # idempotent


def test_closed_sessions_and_people_who_may_not_book_are_refused(engine):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        past = new_session(db, 5, starts=NOW - timedelta(days=1))
        full = new_session(db, 1)
        [other] = ready_people(db, 1)
        fresh = register_person(
            db,
            "t",
            NewPerson(
                given_name="New",
                family_name="Comer",
                birth_date=date(1990, 1, 1),
                municipality_nis="44021",
                agency_code="gent",
                register="foreigners",
                obligation="obliged",
            ),
            TODAY,
        ).id
    with pytest.raises(ServiceError, match="session_closed"):
        booking.hold_seat(engine, person, past, NOW)
    booking.hold_seat(engine, other, full, NOW)
    with pytest.raises(ServiceError, match="session_full"):
        booking.hold_seat(engine, person, full, NOW)
    with pytest.raises(ServiceError, match="not_in_trajectory"):
        booking.hold_seat(engine, fresh, full, NOW)


def test_confirm_happens_exactly_once(engine):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        session_id = new_session(db, 2)
    held = booking.hold_seat(engine, person, session_id, NOW)
    with session_scope(engine) as db:
        assert booking.confirm(db, held.id, NOW) is True
        assert booking.confirm(db, held.id, NOW) is False
    # a confirmed booking is not expired by the sweep
    assert booking.expire_holds(engine, NOW + timedelta(hours=1)) == 0


# ------------------------------------------------------------------ fees, payment, cancellation

import httpx  # noqa: E402

from portal.services import payments  # noqa: E402


@pytest.fixture
def gateway(sandbox):
    from portal.adapters.payments.mollie import MolliePayments

    return MolliePayments("test_" + "s" * 30, sandbox.url)


def start(engine, gateway, person, booking_id, now):
    return payments.start_payment(
        engine,
        gateway,
        person,
        f"test:{booking_id}",
        description="MO test",
        redirect_base="http://testserver",
        webhook_url="http://testserver/webhooks/mollie",
        locale="nl_BE",
        now=now,
    )


def finish(engine, gateway, started, now):
    back = httpx.post(started.checkout_url, data={"status": "paid", "webhook": "skip"})
    assert back.status_code == 303
    payments.refresh_from_provider(engine, gateway, started.payment_id, "webhook", now)
    return started.payment_id


def pay(engine, gateway, person, booking_id, now):
    return finish(engine, gateway, start(engine, gateway, person, booking_id, now), now)


def status(engine, booking_id):
    with session_scope(engine) as db:
        return db.get(m.Booking, booking_id).status


def line(engine, person, key):
    from portal.services.dossier import load_dossier

    with session_scope(engine) as db:
        return payments.statement(db, load_dossier(db, person)).line(key)


def test_the_mo_test_costs_90_and_is_confirmed_when_paid(engine, gateway):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        session_id = new_session(db, 5)
    held = booking.hold_seat(engine, person, session_id, NOW)
    assert held.status == "held"
    assert line(engine, person, f"test:{held.id}").charge.amount_cents == 9000
    payment_id = pay(engine, gateway, person, held.id, NOW + timedelta(minutes=5))
    assert status(engine, held.id) == "confirmed"
    with session_scope(engine) as db:
        assert db.get(m.Payment, payment_id).settled_at is not None


def test_the_first_nt2_test_is_included_and_confirmed_at_once(engine):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        session_id = new_session(db, 5)
        db.get(m.TestSession, session_id).test = "nt2"
    held = booking.hold_seat(engine, person, session_id, NOW)
    assert held.status == "confirmed"
    assert line(engine, person, f"test:{held.id}").charge.amount_cents == 0


def test_a_late_payment_keeps_a_free_seat(engine, gateway):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        session_id = new_session(db, 2)
    held = booking.hold_seat(engine, person, session_id, NOW)
    started = start(engine, gateway, person, held.id, NOW + timedelta(minutes=15))
    later = NOW + timedelta(minutes=25)
    assert booking.expire_holds(engine, later) == 1
    finish(engine, gateway, started, later)  # paid in time at Mollie, the news came late
    assert status(engine, held.id) == "confirmed"
    with session_scope(engine) as db:
        assert db.get(m.TestSession, session_id).booked == 1


def test_a_late_payment_for_a_seat_that_is_gone_is_refunded(engine, gateway):
    with session_scope(engine) as db:
        first, second = ready_people(db, 2)
        session_id = new_session(db, 1)
    held = booking.hold_seat(engine, first, session_id, NOW)
    started = start(engine, gateway, first, held.id, NOW + timedelta(minutes=15))
    later = NOW + timedelta(minutes=25)
    booking.hold_seat(engine, second, session_id, later)  # the expired hold's seat is taken
    payment_id = finish(engine, gateway, started, later)
    assert status(engine, held.id) == "expired"
    with session_scope(engine) as db:
        payment = db.get(m.Payment, payment_id)
        assert payment.flagged and payment.settled_at is None
        assert (
            db.exec(select(m.Refund).where(m.Refund.payment_id == payment_id)).one().amount_cents
            == 9000
        )


def test_cancelling_early_refunds_late_asks_and_after_the_start_refuses(engine, gateway):
    with session_scope(engine) as db:
        a, b, c = ready_people(db, 3)
        early = new_session(db, 5, starts=NOW + timedelta(days=30))
        soon = new_session(db, 5, starts=NOW + timedelta(days=3))
    held = booking.hold_seat(engine, a, early, NOW)
    payment_id = pay(engine, gateway, a, held.id, NOW)
    assert booking.cancel(engine, gateway, a, held.id, NOW) == "free"
    with session_scope(engine) as db:
        assert db.exec(select(m.Refund).where(m.Refund.payment_id == payment_id)).one()
        assert db.get(m.TestSession, early).booked == 0
    late = booking.hold_seat(engine, b, soon, NOW)
    with pytest.raises(ServiceError, match="accept_no_refund"):
        booking.cancel(engine, gateway, b, late.id, NOW)
    assert booking.cancel(engine, gateway, b, late.id, NOW, accept_no_refund=True) == "no_refund"
    started = booking.hold_seat(engine, c, soon, NOW)
    with pytest.raises(ServiceError, match="too_late"):
        booking.cancel(engine, gateway, c, started.id, NOW + timedelta(days=3, hours=1))
    with pytest.raises(ServiceError, match="unknown_booking"):
        booking.cancel(engine, gateway, a, started.id, NOW)  # not theirs


def test_a_retake_after_a_fail_costs_again(engine):
    with session_scope(engine) as db:
        [person] = ready_people(db, 1)
        session_id = new_session(db, 5)
        row = db.get(m.Person, person)
        record_fact(
            db,
            "t",
            row,
            "test_result",
            TODAY - timedelta(days=1),
            TODAY,
            test="mo",
            passed=False,
            tell_person=False,
        )
    with pytest.raises(ServiceError, match="repeat_course_not_followed"):
        booking.hold_seat(engine, person, session_id, NOW)
    with session_scope(engine) as db:
        record_fact(
            db,
            "t",
            db.get(m.Person, person),
            "mo_course_followed",
            TODAY,
            TODAY,
            tell_person=False,
        )
    held = booking.hold_seat(engine, person, session_id, NOW)
    assert held.attempt == 2
    assert line(engine, person, f"test:{held.id}").charge.amount_cents == 9000
