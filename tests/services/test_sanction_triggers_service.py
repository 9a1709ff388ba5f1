"""Recording the note's sanction triggers (services.facts / people.record_fact) and the list of
sanction facts (services.sanctions): what each needs, the figures shown, the caller's scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.services import facts, sanctions
from portal.services.caller import Principal
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from tests.support.factories import Factory

TODAY = date(2026, 3, 16)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make(engine) -> Factory:
    return Factory(engine, TODAY)


def counsellor(db, subject: str) -> Principal:
    grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).one()
    return Principal(
        subject=subject, role="counsellor", grant_id=grant.id, agency_id=grant.agency_id
    )


ENTRIES = [
    facts.FactEntry("late_registration", date(2026, 3, 1), due=date(2026, 2, 1)),
    facts.FactEntry("intake_refused", date(2026, 3, 2), note="did not come"),
    facts.FactEntry("contract_refused", date(2026, 3, 3), note="will not sign"),
    facts.FactEntry("irregular_participation", date(2026, 3, 4), pillar="nt2", note="absent"),
    facts.FactEntry("test_refused", date(2026, 3, 5), test="mo", note="refused"),
]


def test_each_trigger_is_recorded_and_listed_with_its_figures(engine, make):
    agency = make.agency()
    person = make.person(agency=agency)
    subject = make.counsellor(agency)
    with session_scope(engine) as db:
        caller = counsellor(db, subject)
        for entry in ENTRIES:
            facts.record(db, caller, person.id, entry, TODAY)
    with session_scope(engine) as db:
        items = sanctions.agency_sanctions(db, counsellor(db, subject), TODAY).items
        found = {item.fact.kind: item for item in items if item.person.id == person.id}
    assert set(found) == {
        "late_registration",
        "intake_refused",
        "contract_refused",
        "irregular_participation",
        "test_refused",
    }
    assert found["late_registration"].fact.days_overdue == 28
    assert found["late_registration"].fact.day == date(2026, 2, 1)
    assert found["irregular_participation"].attendance == (0, 0)  # none taken yet
    assert found["intake_refused"].attendance is None
    assert found["test_refused"].fact.reason == "refused"


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (facts.FactEntry("late_registration", TODAY), "due_required"),
        (facts.FactEntry("late_registration", TODAY, due=TODAY), "not_late"),
        (facts.FactEntry("intake_refused", TODAY, note="  "), "reason_required"),
        (
            facts.FactEntry("irregular_participation", TODAY, pillar="vdab", note="x"),
            "invalid_pillar",
        ),
        (facts.FactEntry("test_refused", TODAY, test="mo_exemption", note="x"), "invalid_test"),
    ],
)
def test_a_trigger_without_what_it_needs_is_refused(engine, make, entry, code):
    agency = make.agency()
    person = make.person(agency=agency)
    subject = make.counsellor(agency)
    with pytest.raises(ServiceError) as error, session_scope(engine) as db:
        facts.record(db, counsellor(db, subject), person.id, entry, TODAY)
    assert error.value.code == code


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.kind for e in ENTRIES])
def test_another_agencys_counsellor_cannot_record_a_trigger(engine, make, entry):
    person = make.person(agency=make.agency())
    outsider = make.counsellor(make.agency())
    with pytest.raises(ServiceError) as error, session_scope(engine) as db:
        facts.record(db, counsellor(db, outsider), person.id, entry, TODAY)
    assert error.value.code == "not_found"
    with session_scope(engine) as db:
        assert db.exec(select(m.Fact).where(m.Fact.person_id == person.id)).all() == []


def test_the_deadline_reminders_sent_are_what_the_person_was_told(engine, make):
    agency = make.agency()
    person = make.person(agency=agency, signed=make.vdab_deadline_in(5))
    subject = make.counsellor(agency)
    sent = datetime(2026, 3, 14, 9, 0, tzinfo=BRUSSELS)
    with session_scope(engine) as db:
        for pillar, kind in (("vdab", "deadline_reminder_obliged"), ("mo", "deadline_reminder")):
            message = m.Message(person_id=person.id, kind=kind, params={})
            db.add(message)
            db.flush()
            db.add(
                m.ReminderSent(
                    person_id=person.id,
                    key=f"deadline:{pillar}:2026-03-21:7",
                    message_id=message.id,
                    sent_at=sent,
                )
            )
    with session_scope(engine) as db:
        items = sanctions.agency_sanctions(
            db, counsellor(db, subject), TODAY + timedelta(days=10)
        ).items
    (item,) = [i for i in items if i.person.id == person.id]
    assert [(t.kind, t.pillar, t.window) for t in item.told] == [
        ("deadline_reminder_obliged", "vdab", 7)
    ]
    assert item.fact.days_overdue == 5
