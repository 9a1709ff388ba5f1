"""The guide from what is stored: each fee, booking, course module and participation submission
moves the task's status and next step (services.guide on real records, made by the factories)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.guide import StepKind, TaskStatus
from portal.domain.model import Pillar
from portal.services import course, guide, participation
from portal.services.dossier import load_dossier
from portal.settings import BRUSSELS


@pytest.fixture
def now(app):
    return app.state.portal.clock.now()


def guide_of(app, person, now):
    with session_scope(app.state.portal.engine) as db:
        dossier = load_dossier(db, person.id)
        assert dossier is not None
        return guide.guide_for(db, dossier, now)


def test_an_open_course_fee_is_the_mo_step_and_counts_in_the_total(app, make, now):
    person = make.person()
    found = guide_of(app, person, now)
    mo = found.task(Pillar.MO)
    assert mo is not None and mo.status is TaskStatus.NOT_STARTED
    assert mo.step is not None and mo.step.kind is StepKind.PAY
    assert mo.step.fee is not None and mo.step.fee.key == "mo_course:1"
    assert found.charges["mo_course:1"].amount_cents == mo.step.fee.amount_cents > 0
    assert found.open_cents >= mo.step.fee.amount_cents
    make.paid_at_counter(person, "mo_course:1")
    paid = guide_of(app, person, now)
    assert "mo_course:1" not in paid.charges
    assert paid.open_cents == found.open_cents - mo.step.fee.amount_cents
    task = paid.task(Pillar.MO)
    assert task is not None and task.status is TaskStatus.IN_PROGRESS  # paid: begun
    assert task.step is not None and task.step.kind is StepKind.START_COURSE


def test_a_finished_module_makes_the_course_in_progress_with_the_next_module(app, make, now):
    person = make.person()
    make.paid_at_counter(person, "mo_course:1")
    with session_scope(app.state.portal.engine) as db:
        first = next(r for r in course.active_modules(db) if r.required and not r.free)
        for lesson in first.content["lessons"]:
            course.read_lesson(db, person.id, first.module_id, lesson["id"], now)
        choices = {q["id"]: q["correct"] for q in first.content["questions"]}
        course.answer(db, person.id, first.module_id, choices, now)
    found = guide_of(app, person, now)
    mo = found.task(Pillar.MO)
    assert mo is not None and mo.status is TaskStatus.IN_PROGRESS
    assert mo.step is not None and mo.step.kind is StepKind.CONTINUE_COURSE
    assert mo.step.module is not None and mo.step.module != first.module_id
    assert found.course_counts is not None and found.course_counts[0] >= 1


def test_hours_sent_wait_for_the_municipality_and_a_question_is_the_persons_turn(app, make, now):
    person = make.person()
    activity_id = make.sent_activity(person, hours=20)
    found = guide_of(app, person, now).task(Pillar.PARTICIPATION)
    assert found is not None and found.status is TaskStatus.WAITING
    assert found.hours_waiting == 20
    assert found.step is not None and found.step.kind is StepKind.RECORD_HOURS  # 20 of 40
    with session_scope(app.state.portal.engine) as db:
        municipality = db.exec(
            select(m.Municipality).where(m.Municipality.nis_code == person.nis)
        ).one()
        assert municipality.id is not None
        participation.decide(
            db,
            municipality.id,
            activity_id,
            "ask_info",
            confirmed=None,
            reason="Please add the signed attendance list.",
            actor="officer",
            now=now,
            today=now.date(),
        )
    asked = guide_of(app, person, now).task(Pillar.PARTICIPATION)
    assert asked is not None and asked.status is TaskStatus.IN_PROGRESS
    assert asked.step is not None and asked.step.kind is StepKind.ANSWER_MUNICIPALITY


def test_a_booked_test_is_the_step_until_its_day_has_passed(app, make, now):
    from datetime import timedelta

    from portal.services import booking

    person = make.person()
    with session_scope(app.state.portal.engine) as db:
        location = db.exec(select(m.TestLocation)).first()
        assert location is not None and location.id is not None
        day = now.date() + timedelta(days=20)
        session = m.TestSession(
            location_id=location.id,
            test="nt2",
            starts_at=datetime.combine(day, time(9, 30), BRUSSELS),
            ends_at=datetime.combine(day, time(12, 0), BRUSSELS),
            capacity=10,
        )
        db.add(session)
        db.flush()
        assert session.id is not None
        held = booking.hold_seat_in(db, person.id, session.id, now)
        assert held.id is not None
        booking.confirm(db, held.id, now)
    found = guide_of(app, person, now).task(Pillar.NT2)
    assert found is not None and found.status is TaskStatus.TEST_BOOKED
    assert found.step is not None and found.step.kind is StepKind.GO_TO_TEST
    assert found.step.due == day
    after = guide_of(app, person, datetime.combine(day, time(13, 0), BRUSSELS)).task(Pillar.NT2)
    assert after is not None and after.status is not TaskStatus.TEST_BOOKED
