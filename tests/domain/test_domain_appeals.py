"""Appeals (product default): only a failed MO test can be appealed; an upheld appeal counts as a
pass on the test day."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.appeals import appealable, upheld_result
from portal.domain.model import (
    Fact,
    FactKind,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    PillarStatus,
    Register,
    Situation,
    TestKind,
)
from portal.domain.pillars import pillar_views

TEST_DAY = date(2026, 2, 10)


def result(test: TestKind, passed: bool | None, level: Level | None = None) -> Fact:
    return Fact(FactKind.TEST_RESULT, TEST_DAY, test=test, passed=passed, level=level)


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        pytest.param(result(TestKind.MO, False), True, id="failed MO test: appealable"),
        pytest.param(result(TestKind.MO, True), False, id="passed MO test: no"),
        pytest.param(result(TestKind.MO_EXEMPTION, False), False, id="failed exemption test: no"),
        pytest.param(result(TestKind.NT2, False, Level.A2), False, id="failed NT2 test: no"),
        pytest.param(result(TestKind.B1_ORAL, False), False, id="failed B1 oral test: no"),
        pytest.param(Fact(FactKind.MO_COURSE_FOLLOWED, TEST_DAY), False, id="not a result: no"),
    ],
)
def test_only_a_failed_mo_test_can_be_appealed(fact: Fact, expected: bool) -> None:
    assert appealable(fact) is expected


def test_an_upheld_appeal_is_a_pass_on_the_test_day() -> None:
    assert upheld_result(result(TestKind.MO, False)) == result(TestKind.MO, True)
    with pytest.raises(ValueError):
        upheld_result(result(TestKind.MO_EXEMPTION, False))


def test_the_mo_pillar_is_met_on_the_test_day_after_an_upheld_appeal() -> None:
    fail = result(TestKind.MO, False)
    person = PersonFacts(
        birth_date=date(1990, 1, 1),
        register=Register.POPULATION,
        obligation=Obligation.OBLIGED,
        situation=Situation.WORKS,
        contract_signed_on=date(2025, 6, 1),
        facts=(fail, upheld_result(fail)),
    )
    mo = next(v for v in pillar_views(person, date(2026, 4, 1)) if v.pillar is Pillar.MO)
    assert mo.status is PillarStatus.DONE and mo.met_on == TEST_DAY


RESULTS = st.builds(
    Fact,
    kind=st.sampled_from([FactKind.TEST_RESULT, FactKind.MO_COURSE_FOLLOWED]),
    on=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    test=st.one_of(st.none(), st.sampled_from(list(TestKind))),
    passed=st.one_of(st.none(), st.booleans()),
    level=st.one_of(st.none(), st.sampled_from(list(Level))),
)


@given(fact=RESULTS)
def test_an_upheld_appeal_keeps_the_test_and_its_day(fact: Fact) -> None:
    assert appealable(fact) == (
        fact.kind is FactKind.TEST_RESULT and fact.test is TestKind.MO and fact.passed is False
    )
    if appealable(fact):
        passed = upheld_result(fact)
        assert (passed.on, passed.test, passed.passed) == (fact.on, TestKind.MO, True)
        assert not appealable(passed)  # a pass is never appealable again
    else:
        with pytest.raises(ValueError):
            upheld_result(fact)
