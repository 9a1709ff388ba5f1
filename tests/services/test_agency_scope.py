"""A counsellor reaches the people of their own agency only (services.agency_scope), at the
service layer: every counsellor service treats a real person of another agency as not found and
changes nothing, and no list shows them. Each test makes its own agencies, counsellors and people
(tests/support/factories.py): `home` is the person's agency, `away` another one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.domain.sanctions import sanction_facts
from portal.services import agency_scope, attest, caseload, facts, sanctions, trajectory
from portal.services.caller import Principal
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError
from portal.services.plan import ModuleInput, PlanInput
from portal.settings import BRUSSELS
from tests.support.factories import Agency, Factory

TODAY = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=BRUSSELS)

PLAN = PlanInput(
    mo_variant="blended",
    mo_provider="In-Gent",
    mo_schedule="",
    mo_deadline=date(2027, 3, 16),
    nt2_provider_type="CVO",
    nt2_provider="CVO Gent",
    nt2_schedule="",
    nt2_deadline=None,
    modules=(ModuleInput("1.1", 80, date(2026, 4, 1), date(2026, 6, 30)),),
    participation_deadline=date(2027, 3, 16),
)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make(engine) -> Factory:
    return Factory(engine, TODAY)


@pytest.fixture
def home(make) -> Agency:
    return make.agency()


@pytest.fixture
def away(make) -> Agency:
    return make.agency()


def counsellor(db, subject: str) -> Principal:
    grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).one()
    return Principal(
        subject=subject, role="counsellor", grant_id=grant.id, agency_id=grant.agency_id
    )


def audit_count(engine) -> int:
    with session_scope(engine) as db:
        return db.exec(select(func.count()).select_from(m.AuditLog)).one()


def refused(engine, outsider: str, call) -> None:
    """`call(db, outsider)` (a counsellor of another agency) is refused as not found, and
    nothing is written."""
    before = audit_count(engine)
    with pytest.raises(ServiceError) as error, session_scope(engine) as db:
        call(db, counsellor(db, outsider))
    assert error.value.code == "not_found"
    assert audit_count(engine) == before


def test_one_agencys_person_is_not_found_by_another_agencys_counsellor(engine, make, home, away):
    own, other = make.person(agency=away).id, make.person(agency=home).id
    home_counsellor, away_counsellor = make.counsellor(home), make.counsellor(away)
    with session_scope(engine) as db:
        at_home, away_caller = counsellor(db, home_counsellor), counsellor(db, away_counsellor)
        assert agency_scope.person_in_scope(db, away_caller, own).id == own
        assert agency_scope.dossier_in_scope(db, away_caller, own).person.id == own
        assert agency_scope.person_in_scope(db, at_home, other).id == other
        for call in (
            agency_scope.person_in_scope,
            agency_scope.dossier_in_scope,
            lambda db, caller, pid: caseload.person_file(db, caller, pid, TODAY),
        ):
            with pytest.raises(ServiceError, match="not_found"):
                call(db, away_caller, other)
            with pytest.raises(ServiceError, match="not_found"):
                call(db, at_home, own)


def test_a_caller_who_is_not_a_counsellor_reaches_nobody(engine, make, home):
    person = make.person(agency=home)
    make.person(agency=home, signed=make.vdab_deadline_in(5))  # a sanction fact in ten days
    subject = make.counsellor(home)
    with session_scope(engine) as db:
        grant = counsellor(db, subject)
        officer = Principal(subject="x", role="municipality", agency_id=grant.agency_id)
        with pytest.raises(ServiceError, match="not_found"):
            agency_scope.person_in_scope(db, officer, person.id)
        assert caseload.caseload(db, officer, "", TODAY).rows == []
        assert sanctions.agency_sanctions(db, officer, TODAY + timedelta(days=10)).items == []


def test_the_plan_of_another_agencys_person_cannot_be_saved(engine, make, home, away):
    intake = make.person(agency=home, contract=False).id  # no contract yet
    refused(
        engine,
        make.counsellor(away),
        lambda db, c: trajectory.save_plan(db, c, intake, PLAN, "", TODAY),
    )


def test_a_paper_signature_of_another_agencys_person_cannot_be_recorded(engine, make, home, away):
    intake = make.person(agency=home, contract=False).id
    own = make.counsellor(home)
    with session_scope(engine) as db:
        trajectory.save_plan(db, counsellor(db, own), intake, PLAN, "", TODAY)
    refused(
        engine,
        make.counsellor(away),
        lambda db, c: trajectory.paper_signature(db, c, intake, TODAY, TODAY),
    )


@pytest.mark.parametrize(
    "entry",
    [
        facts.FactEntry("vdab_registered", TODAY),
        facts.FactEntry("suspension", TODAY, until=TODAY + timedelta(days=5), reason="ill"),
        facts.FactEntry("exemption", TODAY, pillar="vdab", reason="works"),
        facts.FactEntry("move", TODAY, municipality="21004"),
    ],
    ids=lambda entry: entry.kind,
)
def test_no_fact_of_another_agencys_person_can_be_recorded(engine, make, home, away, entry):
    person = make.person(agency=home).id
    refused(engine, make.counsellor(away), lambda db, c: facts.record(db, c, person, entry, TODAY))


def test_a_fact_of_another_agencys_person_cannot_be_withdrawn(engine, make, home, away):
    person = make.person(agency=home)
    fact = make.fact(person, "vdab_registered", source="VDAB")
    refused(
        engine,
        make.counsellor(away),
        lambda db, c: facts.withdraw(db, c, person.id, fact, "mistake", NOW),
    )
    with session_scope(engine) as db:
        assert db.get(m.Fact, fact).withdrawn_at is None


def test_the_certificate_of_another_agencys_person_cannot_be_issued(engine, make, home, away):
    complete = make.person(agency=home)
    make.every_pillar_met(complete)  # their own counsellor could issue it
    refused(engine, make.counsellor(away), lambda db, c: attest.issue(db, c, complete.id, TODAY))


def test_another_agencys_sanction_fact_is_neither_listed_nor_reviewed(engine, make, home, away):
    later = TODAY + timedelta(days=10)  # the late person's VDAB deadline (in 5 days) has passed
    late = make.person(agency=home, signed=make.vdab_deadline_in(5)).id
    home_counsellor, away_counsellor = make.counsellor(home), make.counsellor(away)
    with session_scope(engine) as db:
        (fact,) = sanction_facts(load_dossier(db, late).person_facts(), later)
        home_list = sanctions.agency_sanctions(db, counsellor(db, home_counsellor), later).items
        away_list = sanctions.agency_sanctions(db, counsellor(db, away_counsellor), later).items
    assert late in {item.person.id for item in home_list}
    assert late not in {item.person.id for item in away_list}
    refused(
        engine,
        away_counsellor,
        lambda db, c: sanctions.review(
            db, c, late, fact.kind, fact.key[1], fact.day, "report", "", later
        ),
    )


def test_the_caseload_holds_the_callers_agency_only(engine, make, home, away):
    theirs = make.person(agency=home, name="Amina Haddad")
    own = make.person(agency=away)
    home_counsellor, away_counsellor = make.counsellor(home), make.counsellor(away)
    with session_scope(engine) as db:
        home_list = caseload.caseload(db, counsellor(db, home_counsellor), "", TODAY)
        away_list = caseload.caseload(db, counsellor(db, away_counsellor), "", TODAY)
        searched = caseload.caseload(db, counsellor(db, away_counsellor), "Haddad", TODAY)
    subjects = {row.person.subject for row in away_list.rows}
    assert subjects == {own.subject}
    assert own.subject not in {row.person.subject for row in home_list.rows}
    assert theirs.subject in {row.person.subject for row in home_list.rows}
    assert searched.rows == []
    assert away_list.agency is not None and away_list.agency.code == away.code


def test_lists_start_from_the_callers_people_only(engine, make, home, away):
    """The statements and loads every list of people is built on (caseload, sanction facts)."""
    own, other = make.person(agency=away).id, make.person(agency=home).id
    away_counsellor = make.counsellor(away)
    with session_scope(engine) as db:
        away_caller = counsellor(db, away_counsellor)
        assert db.exec(agency_scope.people_in_scope(away_caller)).all() == [own]
        dossiers = agency_scope.dossiers_in_scope(db, away_caller, [other, own])
        assert [d.person.id for d in dossiers] == [own]
