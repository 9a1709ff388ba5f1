"""Services on SQLite and PostgreSQL: intake → contract → signing → facts → attest; each fact
changes the pillars and deadlines as the rules say; every change is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.domain.model import PillarStatus
from portal.domain.nrn import make_nrn
from portal.services import attest as attest_service
from portal.services import trajectory
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError
from portal.services.people import NewPerson, record_fact, register_person
from portal.settings import BRUSSELS

TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=BRUSSELS)
ACTOR = "counsellor-x"


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def new_person(**changes) -> NewPerson:
    values = dict(
        given_name="Ali",
        family_name="Test",
        birth_date=date(1990, 5, 1),
        municipality_nis="44021",
        agency_code="gent",
        register="foreigners",
        obligation="obliged",
        situation="none",
    )
    values.update(changes)
    return NewPerson(**values)


PLAN = trajectory.PlanInput(
    mo_variant="blended",
    mo_provider="In-Gent",
    mo_schedule="",
    mo_deadline=date(2027, 3, 16),
    nt2_provider_type="CVO",
    nt2_provider="CVO Gent",
    nt2_schedule="",
    nt2_deadline=None,
    modules=(
        trajectory.ModuleInput("1.1", 80, date(2026, 4, 1), date(2026, 6, 30)),
        trajectory.ModuleInput("1.2", 80, date(2026, 9, 1), date(2027, 6, 30)),
    ),
    participation_deadline=date(2027, 3, 16),
)


def signed_person(db, **changes) -> m.Person:
    person = register_person(db, ACTOR, new_person(subject="sub-ali", **changes), TODAY)
    trajectory.save_contract_draft(db, ACTOR, person, PLAN, TODAY)
    trajectory.sign_online(db, "sub-ali", person, "nl", {"text": "x"}, True, NOW)
    return person


def statuses(db, person, today=TODAY):
    dossier = load_dossier(db, person.id)
    return {v.pillar.value: v.status for v in dossier.evaluate(today).pillars}, dossier.evaluate(
        today
    )


def test_the_whole_trajectory(engine):
    with session_scope(engine) as db:
        person = signed_person(db)
        found, evaluation = statuses(db, person)
        assert set(found.values()) == {PillarStatus.NOT_STARTED}
        # the last NT2 module's planned end sets the directional deadline and validity
        assert evaluation.directional_deadline == date(2027, 6, 30)
        assert evaluation.valid_until == date(2027, 6, 30)
        for kind, extra in [
            ("vdab_registered", {}),
            ("mo_course_followed", {}),
            ("test_result", {"test": "mo", "passed": True}),
            ("test_result", {"test": "nt2", "passed": True, "level": "A2"}),
            ("pillar4_hours", {"hours": 40}),
        ]:
            record_fact(db, ACTOR, person, kind, TODAY, TODAY, **extra)
        found, evaluation = statuses(db, person)
        assert set(found.values()) == {PillarStatus.DONE}
        assert evaluation.attest_on == TODAY
        attest = attest_service.issue_attest(db, ACTOR, person, TODAY)
        assert len(attest.verification_code) == 14
        with pytest.raises(ServiceError, match="attest_exists"):
            attest_service.issue_attest(db, ACTOR, person, TODAY)
        actions = {a.action for a in db.exec(select(m.AuditLog)).all()}
        assert {
            "register_person",
            "draw_up_contract",
            "sign_contract",
            "record_fact",
            "issue_attest",
        } <= actions


@pytest.mark.parametrize(
    ("kind", "extra", "pillar", "expected"),
    [
        ("vdab_registered", {}, "vdab", PillarStatus.DONE),
        ("mo_course_followed", {}, "mo", PillarStatus.IN_PROGRESS),
        ("test_result", {"test": "mo", "passed": False}, "mo", PillarStatus.IN_PROGRESS),
        ("test_result", {"test": "mo_exemption", "passed": True}, "mo", PillarStatus.DONE),
        (
            "test_result",
            {"test": "nt2", "passed": True, "level": "A1"},
            "nt2",
            PillarStatus.IN_PROGRESS,
        ),
        ("test_result", {"test": "nt2", "passed": True, "level": "A2"}, "nt2", PillarStatus.DONE),
        ("nt2_module_followed", {}, "nt2", PillarStatus.IN_PROGRESS),
        ("uitgeleerd", {"pillar": "nt2"}, "nt2", PillarStatus.DONE),
        ("pillar4_hours", {"hours": 39}, "participation", PillarStatus.IN_PROGRESS),
        ("pillar4_hours", {"hours": 40}, "participation", PillarStatus.DONE),
    ],
)
def test_each_fact_changes_its_pillar(engine, kind, extra, pillar, expected):
    with session_scope(engine) as db:
        person = signed_person(db)
        record_fact(db, ACTOR, person, kind, TODAY, TODAY, **extra)
        assert statuses(db, person)[0][pillar] == expected


def test_low_literate_learner_passes_nt2_at_the_adapted_level(engine):
    with session_scope(engine) as db:
        person = signed_person(db, literacy="low")
        record_fact(
            db,
            ACTOR,
            person,
            "test_result",
            TODAY,
            TODAY,
            test="nt2",
            passed=True,
            level="A2_adapted",
        )
        assert statuses(db, person)[0]["nt2"] == PillarStatus.DONE


def test_late_vdab_registration_meets_the_pillar_and_is_a_sanction_fact(engine):
    from portal.domain.sanctions import sanction_facts

    with session_scope(engine) as db:
        person = signed_person(db)
        later = TODAY + timedelta(days=70)
        record_fact(db, ACTOR, person, "vdab_registered", later, later)
        found, _ = statuses(db, person, later)
        assert found["vdab"] == PillarStatus.DONE
        facts = sanction_facts(load_dossier(db, person.id).person_facts(), later)
        assert [f.kind for f in facts] == ["vdab_late"]


def test_suspension_moves_later_deadlines(engine):
    from portal.services.people import add_suspension

    with session_scope(engine) as db:
        person = signed_person(db)
        add_suspension(db, ACTOR, person, date(2026, 4, 1), date(2026, 4, 30), "medical")
        _, evaluation = statuses(db, person)
        deadlines = {v.pillar.value: v.deadline for v in evaluation.pillars}
        assert deadlines["vdab"] == date(2026, 6, 15)  # 16 May + 30 days
        assert evaluation.valid_until == date(2027, 7, 30)
        with pytest.raises(ServiceError, match="suspension_overlaps"):
            add_suspension(db, ACTOR, person, date(2026, 4, 20), date(2026, 5, 5), "again")


def test_nothing_is_half_saved_when_a_service_refuses(engine):
    with session_scope(engine) as db:
        person = signed_person(db)
        person_id = person.id
    with pytest.raises(ServiceError), session_scope(engine) as db:
        person = db.get(m.Person, person_id)
        record_fact(db, ACTOR, person, "vdab_registered", TODAY, TODAY)
        record_fact(db, ACTOR, person, "pillar4_hours", TODAY, TODAY, hours=0)
    with session_scope(engine) as db:
        assert db.exec(select(m.Fact).where(m.Fact.person_id == person_id)).all() == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"national_number": "85.07.30-033.99"}, "nrn_check_digits"),
        ({"national_number": make_nrn(date(1980, 1, 1), 33)}, "nrn_birth_date"),
        ({"birth_date": date(2030, 1, 1)}, "birth_date_future"),
        ({"municipality_nis": "00000"}, "unknown_municipality"),
        ({"register": "moon"}, "invalid_register"),
    ],
)
def test_intake_refusals(engine, change, code):
    with session_scope(engine) as db, pytest.raises(ServiceError) as error:
        register_person(db, ACTOR, new_person(**change), TODAY)
    assert error.value.code == code


def test_same_national_register_number_twice_is_refused(engine):
    nrn = make_nrn(date(1990, 5, 1), 41)
    with session_scope(engine) as db:
        register_person(db, ACTOR, new_person(national_number=nrn), TODAY)
        with pytest.raises(ServiceError, match="nrn_taken"):
            register_person(db, ACTOR, new_person(national_number=nrn, family_name="Other"), TODAY)


def test_a_second_contract_for_the_same_person_is_refused(engine):
    with session_scope(engine) as db:
        person = signed_person(db)
        with pytest.raises(ServiceError, match="contract_signed"):
            trajectory.save_contract_draft(db, ACTOR, person, PLAN, TODAY)


def test_a_plan_without_nt2_is_refused(engine):
    plan = trajectory.PlanInput(**{**PLAN.__dict__, "modules": (), "nt2_deadline": None})
    with session_scope(engine) as db:
        person = register_person(db, ACTOR, new_person(), TODAY)
        with pytest.raises(ServiceError) as error:
            trajectory.save_contract_draft(db, ACTOR, person, plan, TODAY)
        assert error.value.code == "invalid_plan" and "nt2_required" in str(error.value)


def test_no_contract_for_a_pending_applicant(engine):
    with session_scope(engine) as db:
        person = register_person(
            db, ACTOR, new_person(register="waiting", protection="pending"), TODAY
        )
        with pytest.raises(ServiceError, match="not_eligible"):
            trajectory.save_contract_draft(db, ACTOR, person, PLAN, TODAY)


def test_a_newcomer_signs_only_their_own_contract(engine):
    with session_scope(engine) as db:
        person = register_person(db, ACTOR, new_person(subject="sub-ali"), TODAY)
        trajectory.save_contract_draft(db, ACTOR, person, PLAN, TODAY)
        with pytest.raises(ServiceError, match="not_your_contract"):
            trajectory.sign_online(db, "sub-mallory", person, "nl", {}, True, NOW)
        with pytest.raises(ServiceError, match="confirmation_required"):
            trajectory.sign_online(db, "sub-ali", person, "nl", {}, False, NOW)


def test_amendment_keeps_before_and_after(engine):
    with session_scope(engine) as db:
        person = signed_person(db)
        changed = trajectory.PlanInput(**{**PLAN.__dict__, "mo_deadline": date(2027, 6, 16)})
        with pytest.raises(ServiceError, match="reason_required"):
            trajectory.amend_contract(db, ACTOR, person, changed, " ", TODAY)
        with pytest.raises(ServiceError, match="no_change"):
            trajectory.amend_contract(db, ACTOR, person, PLAN, "nothing", TODAY)
        amendment = trajectory.amend_contract(db, ACTOR, person, changed, "exam period", TODAY)
        assert amendment.changes[0]["pillar"] == "mo"
        assert amendment.changes[0]["before"]["deadline"] == "2027-03-16"
        assert amendment.changes[0]["after"]["deadline"] == "2027-06-16"
        audit = db.exec(select(m.AuditLog).where(m.AuditLog.action == "amend_contract")).one()
        assert audit.details["before"] != audit.details["after"]


def test_moving_to_brussels_records_the_residence_from_that_date(engine):
    with session_scope(engine) as db:
        person = signed_person(db)
        later = TODAY + timedelta(days=30)
        trajectory.move_person(db, ACTOR, person, "21004", TODAY + timedelta(days=20), later)
        rows = db.exec(
            select(m.Residence)
            .where(m.Residence.person_id == person.id)
            .order_by(m.Residence.since)
        ).all()
        assert [r.since for r in rows] == [TODAY, TODAY + timedelta(days=20)]
        assert load_dossier(db, person.id).municipality.region == "brussels"
        with pytest.raises(ServiceError, match="move_before_last_move"):
            trajectory.move_person(db, ACTOR, person, "44021", TODAY + timedelta(days=10), later)
        with pytest.raises(ServiceError, match="date_in_future"):
            trajectory.move_person(db, ACTOR, person, "44021", later + timedelta(days=1), later)
