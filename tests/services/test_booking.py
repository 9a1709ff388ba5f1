"""Booking a test seat: capacity never exceeded (50 attempts on 10 seats from several
processes, on SQLite and PostgreSQL), one active booking per test, holds expire."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.services import booking, trajectory
from portal.services.people import (
    NewPerson,
    ServiceError,
    record_fact,
    register_person,
)
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


def ready_people(db, count: int) -> list[int]:
    """Persons who may book the MO test: contract signed, MO course followed."""
    ids = []
    for i in range(count):
        person = register_person(
            db,
            "t",
            NewPerson(
                given_name=f"P{i}",
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
        statuses = sorted(b.status for b in db.exec(select(m.Booking)).all())
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
