"""A counsellor reaches the people of their own agency only (services.agency_scope), at the
service layer: every counsellor service treats a real person of another agency as not found and
changes nothing, and no list shows them. The demo data has people of both agencies: the Ghent
personas (In-Gent) and Yusuf Demir (the Brussels office, aii-brussel)."""

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


def counsellor(db, subject: str) -> Principal:
    grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).one()
    return Principal(
        subject=subject, role="counsellor", grant_id=grant.id, agency_id=grant.agency_id
    )


def person_id(db, subject: str) -> int:
    return db.exec(select(m.Person.id).where(m.Person.subject == subject)).one()


def audit_count(engine) -> int:
    with session_scope(engine) as db:
        return db.exec(select(func.count()).select_from(m.AuditLog)).one()


def refused(engine, call) -> None:
    """`call(db, brussels_counsellor)` is refused as not found, and nothing is written."""
    before = audit_count(engine)
    with pytest.raises(ServiceError) as error, session_scope(engine) as db:
        call(db, counsellor(db, "demo-counsellor-brussels"))
    assert error.value.code == "not_found"
    assert audit_count(engine) == before


def test_one_agencys_person_is_not_found_by_another_agencys_counsellor(engine):
    with session_scope(engine) as db:
        gent, brussels = (
            counsellor(db, "demo-counsellor"),
            counsellor(db, "demo-counsellor-brussels"),
        )
        own, other = person_id(db, "demo-brussels"), person_id(db, "demo-gent-new")
        assert agency_scope.person_in_scope(db, brussels, own).id == own
        assert agency_scope.dossier_in_scope(db, brussels, own).person.id == own
        assert agency_scope.person_in_scope(db, gent, other).id == other
        for call in (
            agency_scope.person_in_scope,
            agency_scope.dossier_in_scope,
            lambda db, caller, pid: caseload.person_file(db, caller, pid, TODAY),
        ):
            with pytest.raises(ServiceError, match="not_found"):
                call(db, brussels, other)
            with pytest.raises(ServiceError, match="not_found"):
                call(db, gent, own)


def test_a_caller_who_is_not_a_counsellor_reaches_nobody(engine):
    with session_scope(engine) as db:
        grant = counsellor(db, "demo-counsellor")
        officer = Principal(subject="x", role="municipality", agency_id=grant.agency_id)
        with pytest.raises(ServiceError, match="not_found"):
            agency_scope.person_in_scope(db, officer, person_id(db, "demo-gent-new"))
        assert caseload.caseload(db, officer, "", TODAY).rows == []
        assert sanctions.agency_sanctions(db, officer, TODAY + timedelta(days=10)) == []


def test_the_plan_of_another_agencys_person_cannot_be_saved(engine):
    with session_scope(engine) as db:
        intake = person_id(db, "demo-intake")  # Ghent, no contract yet
    refused(engine, lambda db, c: trajectory.save_plan(db, c, intake, PLAN, "", TODAY))


def test_a_paper_signature_of_another_agencys_person_cannot_be_recorded(engine):
    with session_scope(engine) as db:
        intake = person_id(db, "demo-intake")
        trajectory.save_plan(db, counsellor(db, "demo-counsellor"), intake, PLAN, "", TODAY)
    refused(engine, lambda db, c: trajectory.paper_signature(db, c, intake, TODAY, TODAY))


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
def test_no_fact_of_another_agencys_person_can_be_recorded(engine, entry):
    with session_scope(engine) as db:
        gent_new = person_id(db, "demo-gent-new")
    refused(engine, lambda db, c: facts.record(db, c, gent_new, entry, TODAY))


def test_a_fact_of_another_agencys_person_cannot_be_withdrawn(engine):
    with session_scope(engine) as db:
        complete = person_id(db, "demo-complete")
        fact = db.exec(select(m.Fact).where(m.Fact.person_id == complete)).first()
    refused(engine, lambda db, c: facts.withdraw(db, c, complete, fact.id, "mistake", NOW))
    with session_scope(engine) as db:
        assert db.get(m.Fact, fact.id).withdrawn_at is None


def test_the_certificate_of_another_agencys_person_cannot_be_issued(engine):
    with session_scope(engine) as db:
        complete = person_id(db, "demo-complete")  # every pillar met: their own counsellor could
    refused(engine, lambda db, c: attest.issue(db, c, complete, TODAY))


def test_another_agencys_sanction_fact_is_neither_listed_nor_reviewed(engine):
    later = TODAY + timedelta(days=10)  # demo-vdab-soon's VDAB deadline has passed
    with session_scope(engine) as db:
        late = person_id(db, "demo-vdab-soon")
        (fact,) = sanction_facts(load_dossier(db, late).person_facts(), later)
        gent = sanctions.agency_sanctions(db, counsellor(db, "demo-counsellor"), later)
        brussels = sanctions.agency_sanctions(db, counsellor(db, "demo-counsellor-brussels"), later)
    assert late in {item.person.id for item in gent}
    assert late not in {item.person.id for item in brussels}
    refused(
        engine,
        lambda db, c: sanctions.review(
            db, c, late, fact.kind, fact.pillar.value, fact.deadline, "report", "", later
        ),
    )


def test_the_caseload_holds_the_callers_agency_only(engine):
    with session_scope(engine) as db:
        gent = caseload.caseload(db, counsellor(db, "demo-counsellor"), "", TODAY)
        brussels = caseload.caseload(db, counsellor(db, "demo-counsellor-brussels"), "", TODAY)
        searched = caseload.caseload(
            db, counsellor(db, "demo-counsellor-brussels"), "Haddad", TODAY
        )
    subjects = {row.dossier.person.subject for row in brussels.rows}
    assert subjects == {"demo-brussels"}
    assert "demo-brussels" not in {row.dossier.person.subject for row in gent.rows}
    assert "demo-gent-new" in {row.dossier.person.subject for row in gent.rows}
    assert searched.rows == []
    assert brussels.agency is not None and brussels.agency.code == "aii-brussel"


def test_lists_start_from_the_callers_people_only(engine):
    """The statements and loads every list of people is built on (caseload, sanction facts)."""
    with session_scope(engine) as db:
        brussels = counsellor(db, "demo-counsellor-brussels")
        own, other = person_id(db, "demo-brussels"), person_id(db, "demo-gent-new")
        assert db.exec(agency_scope.people_in_scope(brussels)).all() == [own]
        dossiers = agency_scope.dossiers_in_scope(db, brussels, [other, own])
        assert [d.person.id for d in dossiers] == [own]
