"""§2J: a contract is valid for paid interpreting until its completion deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.evaluate import evaluate
from portal.domain.model import (
    ComponentDeadline,
    Fact,
    FactKind,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.validity import (
    Validity,
    contract_valid_on,
    last_valid_day,
    valid_until,
    validity_on,
)

SIGNED = date(2024, 3, 15)
NT2_DL = date(2025, 9, 15)


def person(**changes: object) -> PersonFacts:
    base = PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.FOREIGNERS,
        obligation=Obligation.OBLIGED,
        contract_signed_on=SIGNED,
        component_deadlines=(
            ComponentDeadline(Pillar.MO, date(2024, 9, 15)),
            ComponentDeadline(Pillar.NT2, NT2_DL),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


ENDED = Fact(FactKind.CONTRACT_ENDED, date(2024, 12, 1))
ATTEST_FACTS = (
    Fact(FactKind.TEST_RESULT, date(2024, 6, 1), test=TestKind.MO, passed=True),
    Fact(FactKind.TEST_RESULT, date(2024, 11, 1), test=TestKind.NT2, passed=True, level=Level.A2),
)
SUSPENDED_10_DAYS = (Suspension(date(2025, 1, 1), date(2025, 1, 10)),)


@pytest.mark.parametrize(
    ("changes", "day", "valid"),
    [
        pytest.param({}, SIGNED - timedelta(days=1), False, id="before signing → not valid"),
        pytest.param({}, SIGNED, True, id="on the signing day → valid"),
        pytest.param({}, NT2_DL, True, id="on the completion deadline → valid"),
        pytest.param({}, NT2_DL + timedelta(days=1), False, id="the day after → not valid"),
        pytest.param(
            {"facts": (ENDED,)}, date(2024, 11, 30), True, id="day before the agency ended it"
        ),
        pytest.param(
            {"facts": (ENDED,)}, date(2024, 12, 1), False, id="ended by the agency → not valid"
        ),
        pytest.param(
            {"facts": ATTEST_FACTS, "situation": Situation.WORKS},
            date(2025, 3, 1),
            True,
            id="attest reached → still valid until the deadline",
        ),
        pytest.param(
            {"suspensions": SUSPENDED_10_DAYS},
            NT2_DL + timedelta(days=10),
            True,
            id="a 10-day suspension → valid 10 days longer",
        ),
        pytest.param(
            {"suspensions": SUSPENDED_10_DAYS},
            NT2_DL + timedelta(days=11),
            False,
            id="… and not a day more",
        ),
        pytest.param({"contract_signed_on": None}, SIGNED, False, id="no contract → not valid"),
        pytest.param(
            {"component_deadlines": ()},
            SIGNED,
            False,
            id="no completion deadline agreed → nothing to prove validity",
        ),
    ],
)
def test_contract_validity(changes: dict[str, object], day: date, valid: bool) -> None:
    assert contract_valid_on(person(**changes), day) is valid


def test_valid_until_is_the_moved_directional_deadline() -> None:
    assert valid_until(person()) == NT2_DL
    assert valid_until(person(suspensions=SUSPENDED_10_DAYS)) == NT2_DL + timedelta(days=10)


@st.composite
def people(draw: st.DrawFn) -> PersonFacts:
    signed = draw(st.dates(min_value=date(2022, 1, 1), max_value=date(2026, 12, 31)))
    length = draw(st.integers(min_value=0, max_value=1200))
    suspensions = draw(
        st.lists(
            st.builds(
                lambda offset, days: Suspension(
                    signed + timedelta(days=offset), signed + timedelta(days=offset + days)
                ),
                st.integers(-100, 1500),
                st.integers(0, 200),
            ),
            max_size=3,
        )
    )
    ended = draw(st.none() | st.integers(0, 1500))
    facts = () if ended is None else (Fact(FactKind.CONTRACT_ENDED, signed + timedelta(ended)),)
    return person(
        contract_signed_on=signed,
        component_deadlines=(ComponentDeadline(Pillar.NT2, signed + timedelta(days=length)),),
        suspensions=tuple(suspensions),
        facts=facts,
    )


@given(people(), st.integers(0, 2000), st.integers(0, 2000))
def test_valid_on_a_day_means_valid_on_every_earlier_day_since_signing(
    p: PersonFacts, a: int, b: int
) -> None:
    assert p.contract_signed_on is not None
    earlier, later = sorted((a, b))
    if contract_valid_on(p, p.contract_signed_on + timedelta(days=later)):
        assert contract_valid_on(p, p.contract_signed_on + timedelta(days=earlier))


@given(people(), st.integers(1, 2000))
def test_never_valid_before_signing(p: PersonFacts, days_before: int) -> None:
    assert p.contract_signed_on is not None
    assert not contract_valid_on(p, p.contract_signed_on - timedelta(days=days_before))


@pytest.mark.parametrize(
    ("changes", "day", "expected"),
    [
        pytest.param({"contract_signed_on": None}, SIGNED, Validity.NOT_SIGNED, id="no contract"),
        pytest.param({}, SIGNED - timedelta(days=1), Validity.NOT_SIGNED, id="signed later"),
        pytest.param({"component_deadlines": ()}, SIGNED, Validity.NO_DEADLINE, id="no deadline"),
        pytest.param({"facts": (ENDED,)}, date(2024, 12, 1), Validity.ENDED, id="ended"),
        pytest.param({}, NT2_DL + timedelta(days=1), Validity.EXPIRED, id="deadline passed"),
        pytest.param({}, NT2_DL, Validity.VALID, id="deadline day"),
    ],
)
def test_the_reason_is_given(changes: dict[str, object], day: date, expected: Validity) -> None:
    assert validity_on(person(**changes), day) is expected


def test_last_valid_day() -> None:
    assert last_valid_day(person()) == NT2_DL
    assert last_valid_day(person(facts=(ENDED,))) == date(2024, 11, 30)
    late_end = Fact(FactKind.CONTRACT_ENDED, NT2_DL + timedelta(days=30))
    assert last_valid_day(person(facts=(late_end,))) == NT2_DL
    assert last_valid_day(person(contract_signed_on=None)) is None


@given(people(), st.dates(min_value=date(2021, 1, 1), max_value=date(2031, 12, 31)))
def test_validity_reason_agrees_with_validity(someone: PersonFacts, day: date) -> None:
    assert (validity_on(someone, day) is Validity.VALID) == contract_valid_on(someone, day)
    last = last_valid_day(someone)
    if contract_valid_on(someone, day):
        assert last is not None and day <= last


# ---------------------------------------------------------------- the plan and the contract agree


@pytest.mark.parametrize(
    ("changes", "today", "gaps"),
    [
        pytest.param({}, SIGNED, (), id="MO before the NT2 deadline: they agree"),
        pytest.param(
            {
                "component_deadlines": (
                    ComponentDeadline(Pillar.MO, date(2025, 12, 15)),
                    ComponentDeadline(Pillar.NT2, NT2_DL),
                )
            },
            SIGNED,
            ((Pillar.MO, date(2025, 12, 15)),),
            id="MO deadline after the contract ends",
        ),
        pytest.param(
            {
                "component_deadlines": (
                    ComponentDeadline(Pillar.MO, date(2025, 12, 15)),
                    ComponentDeadline(Pillar.NT2, NT2_DL),
                ),
                "facts": (ATTEST_FACTS[0],),
            },
            SIGNED + timedelta(days=90),
            (),
            id="MO already done: nothing left after the end",
        ),
        pytest.param(
            {"contract_signed_on": None}, SIGNED, (), id="no contract: no validity to compare"
        ),
    ],
)
def test_deadlines_after_validity(changes, today, gaps):
    facts = person(**changes)
    evaluation = evaluate(facts, today)
    assert evaluation.deadlines_after_validity == gaps


@given(mo=st.integers(30, 900), nt2=st.integers(30, 900), participation=st.integers(30, 900))
def test_a_gap_is_exactly_a_pillar_to_do_whose_deadline_is_after_the_last_valid_day(
    mo, nt2, participation
):
    facts = person(
        component_deadlines=(
            ComponentDeadline(Pillar.MO, SIGNED + timedelta(days=mo)),
            ComponentDeadline(Pillar.NT2, SIGNED + timedelta(days=nt2)),
            ComponentDeadline(Pillar.PARTICIPATION, SIGNED + timedelta(days=participation)),
        )
    )
    evaluation = evaluate(facts, SIGNED)
    until = evaluation.valid_until
    assert until == SIGNED + timedelta(days=nt2)
    expected = {
        view.pillar
        for view in evaluation.pillars
        if view.required and view.deadline and view.deadline > until
    }
    assert {pillar for pillar, _ in evaluation.deadlines_after_validity} == expected
    assert all(deadline > until for _, deadline in evaluation.deadlines_after_validity)
