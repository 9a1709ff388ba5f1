"""The single entry point the web layer uses, and properties that hold for any person."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import contract
from portal.domain.b1 import B1Status
from portal.domain.deadlines import Alert, alerts
from portal.domain.evaluate import evaluate
from portal.domain.model import (
    MET_STATUSES,
    PILLARS,
    ComponentDeadline,
    Eligibility,
    Fact,
    FactKind,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    PillarStatus,
    Protection,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.pillars import attest_on, pillar_views
from portal.domain.rules import RuleSet, rules_on
from portal.domain.sanctions import SANCTION_TRIGGERS, sanction_facts

MO, NT2, VDAB, P4 = Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION
SIGNED = date(2024, 3, 15)
NT2_DL = date(2025, 9, 15)


def person(**changes: object) -> PersonFacts:
    base = PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.POPULATION,
        obligation=Obligation.OBLIGED,
        contract_signed_on=SIGNED,
        component_deadlines=(
            ComponentDeadline(MO, date(2024, 9, 15)),
            ComponentDeadline(NT2, NT2_DL),
            ComponentDeadline(P4, date(2025, 3, 15)),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_obliged_newcomer_two_months_in() -> None:
    today = date(2024, 5, 10)
    result = evaluate(person(), today)
    assert result.eligibility is Eligibility.OBLIGED
    assert [v.status for v in result.pillars] == [PillarStatus.NOT_STARTED] * 4
    assert (result.attest_on, result.directional_deadline, result.valid_until) == (
        None,
        NT2_DL,
        NT2_DL,
    )
    assert result.valid_today
    assert result.suspended_today is None
    assert result.alerts == (Alert(VDAB, date(2024, 5, 15), 5, False, True),)
    assert [p for p, _ in result.upcoming] == [VDAB, MO, P4, NT2]
    assert result.b1 is B1Status.NOT_APPLICABLE


def test_a_suspended_newcomer() -> None:
    suspension = Suspension(date(2024, 5, 1), date(2024, 5, 31))
    result = evaluate(person(suspensions=(suspension,)), date(2024, 5, 10))
    assert result.suspended_today == suspension
    assert result.alerts == ()
    assert result.directional_deadline == NT2_DL + timedelta(days=31)
    assert {v.status for v in result.pillars} == {PillarStatus.SUSPENDED}


def test_an_nt2_only_applicant_sees_no_trajectory() -> None:
    result = evaluate(person(protection=Protection.PENDING, contract_signed_on=None), SIGNED)
    assert result.eligibility is Eligibility.NT2_ONLY
    assert {v.status for v in result.pillars} == {PillarStatus.NOT_REQUIRED}
    assert (result.attest_on, result.valid_today, result.alerts, result.upcoming) == (
        None,
        False,
        (),
        (),
    )
    assert result.b1 is B1Status.NOT_APPLICABLE


def test_a_worker_with_the_attest_owes_b1_when_nothing_is_recorded() -> None:
    facts = (
        Fact(FactKind.TEST_RESULT, date(2024, 6, 1), test=TestKind.MO, passed=True),
        Fact(
            FactKind.TEST_RESULT, date(2025, 1, 10), test=TestKind.NT2, passed=True, level=Level.A2
        ),
    )
    worker = person(situation=Situation.WORKS, facts=facts)
    assert evaluate(worker, date(2025, 2, 1)).b1 is B1Status.OPEN
    later = evaluate(worker, date(2027, 1, 11))
    assert (later.attest_on, later.b1, later.valid_today) == (
        date(2025, 1, 10),
        B1Status.OWED,
        False,
    )


@pytest.mark.parametrize(
    ("signed_on", "today", "expected_day"),
    [
        pytest.param(SIGNED, date(2030, 1, 1), SIGNED, id="rules in force on the signing day"),
        pytest.param(
            None, date(2030, 1, 1), date(2030, 1, 1), id="no contract yet → today's rules"
        ),
    ],
)
def test_default_rules_are_those_in_force_when_the_obligation_arose(
    monkeypatch: pytest.MonkeyPatch, signed_on: date | None, today: date, expected_day: date
) -> None:
    asked: list[date] = []

    def spy(day: date) -> RuleSet:
        asked.append(day)
        return rules_on(day)

    monkeypatch.setattr(contract, "rules_on", spy)
    evaluate(person(contract_signed_on=signed_on), today)
    assert asked == [expected_day]


def test_rules_passed_in_are_used() -> None:
    one_month = RuleSet(effective_from=date(2022, 1, 1), version="t", vdab_registration_months=1)
    result = evaluate(person(), date(2024, 4, 1), one_month)
    assert result.pillars[2].deadline == date(2024, 4, 15)


# --- properties over arbitrary people -------------------------------------------------------

DAY_OFFSETS = st.integers(min_value=-30, max_value=1500)


@st.composite
def people(draw: st.DrawFn) -> PersonFacts:
    signed = date(2024, 3, 15)

    def day() -> date:
        return signed + timedelta(days=draw(DAY_OFFSETS))

    facts: list[Fact] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(list(FactKind)))
        facts.append(
            Fact(
                kind,
                day(),
                test=draw(st.sampled_from(list(TestKind))),
                passed=draw(st.booleans()),
                level=draw(st.sampled_from(list(Level))),
                hours=draw(st.integers(0, 40)),
                pillar=draw(st.sampled_from([MO, NT2])),
                until=draw(st.none() | st.just(day())),
            )
        )
    suspensions = []
    for _ in range(draw(st.integers(0, 2))):
        start = day()
        suspensions.append(Suspension(start, start + timedelta(days=draw(st.integers(0, 90)))))
    return PersonFacts(
        birth_date=draw(st.dates(min_value=date(1955, 1, 1), max_value=date(2010, 1, 1))),
        register=draw(st.sampled_from(list(Register))),
        obligation=draw(st.sampled_from(list(Obligation))),
        protection=draw(st.sampled_from(list(Protection))),
        situation=draw(st.sampled_from(list(Situation))),
        contract_signed_on=signed,
        component_deadlines=tuple(
            ComponentDeadline(p, day())
            for p in draw(st.lists(st.sampled_from(PILLARS), max_size=4))
        ),
        suspensions=tuple(suspensions),
        facts=tuple(facts),
    )


TODAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))


@given(people(), TODAYS, st.integers(0, 1000))
def test_once_reached_the_attest_stays_reached(p: PersonFacts, today: date, later: int) -> None:
    reached = attest_on(p, today)
    if reached is not None:
        assert reached <= today
        assert attest_on(p, today + timedelta(days=later)) == reached


@given(people(), TODAYS)
def test_alerts_only_for_required_unmet_pillars_and_sanctions_only_for_the_obliged(
    p: PersonFacts, today: date
) -> None:
    views = {v.pillar: v for v in pillar_views(p, today)}
    for alert in alerts(p, today):
        view = views[alert.pillar]
        assert view.required and view.status not in MET_STATUSES
        assert alert.deadline == view.deadline
        assert alert.days_left == (alert.deadline - today).days
        assert alert.past is (alert.days_left < 0)
        assert alert.sanction is (
            p.obligation is Obligation.OBLIGED and alert.pillar in SANCTION_TRIGGERS
        )
    if evaluate(p, today).eligibility is not Eligibility.OBLIGED:
        assert sanction_facts(p, today) == ()


@given(people(), TODAYS)
def test_all_pillars_met_means_the_attest_is_reached(p: PersonFacts, today: date) -> None:
    result = evaluate(p, today)
    in_trajectory = result.eligibility in (Eligibility.OBLIGED, Eligibility.VOLUNTARY)
    if in_trajectory and all(v.status in MET_STATUSES for v in result.pillars):
        assert result.attest_on is not None
        assert result.attest_on <= max(v.met_on or today for v in result.pillars)
    if not in_trajectory:
        assert result.attest_on is None
