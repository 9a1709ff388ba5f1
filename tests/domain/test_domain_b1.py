"""§2F: B1 oral follow-up — owed only when derived from the recorded periods, never for everyone.

The person below reached the attest on 10 January 2025; the window runs to 10 January 2027.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.b1 import B1Status, B1View, activity_spells, b1_status, b1_view
from portal.domain.dates import add_months
from portal.domain.model import (
    ComponentDeadline,
    Fact,
    FactKind,
    Level,
    Obligation,
    PeriodKind,
    PersonFacts,
    Pillar,
    Register,
    Situation,
    TestKind,
)
from portal.domain.rules import RuleSet

ATTEST = date(2025, 1, 10)
WINDOW_END = date(2027, 1, 10)
PASSES = (
    Fact(FactKind.TEST_RESULT, date(2024, 6, 1), test=TestKind.MO, passed=True),
    Fact(FactKind.TEST_RESULT, ATTEST, test=TestKind.NT2, passed=True, level=Level.A2),
)


def period(kind: PeriodKind, start: date, until: date | None) -> Fact:
    return Fact(FactKind.PERIOD, start, period_kind=kind, until=until)


WORK, TRAINING, STUDY = PeriodKind.WORK, PeriodKind.TRAINING, PeriodKind.STUDY


def person(*periods: Fact, **changes: object) -> PersonFacts:
    """Obliged, 34 at the attest; MO and NT2 are the required pillars (works at intake)."""
    base = PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.POPULATION,
        obligation=Obligation.OBLIGED,
        situation=Situation.WORKS,
        contract_signed_on=date(2024, 3, 15),
        component_deadlines=(ComponentDeadline(Pillar.NT2, date(2025, 9, 15)),),
        facts=PASSES + periods,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


AFTER_WINDOW = date(2027, 1, 11)
EARLY = date(2025, 2, 1)


@pytest.mark.parametrize(
    ("p", "today", "expected"),
    [
        pytest.param(
            person(obligation=Obligation.VOLUNTARY),
            AFTER_WINDOW,
            B1Status.NOT_APPLICABLE,
            id="voluntary → not applicable",
        ),
        pytest.param(
            person(),
            date(2025, 1, 9),
            B1Status.NOT_APPLICABLE,
            id="no attest yet → not applicable",
        ),
        pytest.param(
            person(birth_date=date(1959, 1, 1)),
            AFTER_WINDOW,
            B1Status.NOT_APPLICABLE,
            id="pension age on the attest day → not applicable",
        ),
        pytest.param(
            person(register=Register.WAITING),
            AFTER_WINDOW,
            B1Status.NOT_APPLICABLE,
            id="NT2-only → not applicable",
        ),
        pytest.param(
            person(period(WORK, date(2025, 3, 1), date(2025, 8, 31))),
            AFTER_WINDOW,
            B1Status.NOT_OWED,
            id="6-month job in the window (1 March – 31 August) → not owed",
        ),
        pytest.param(
            person(period(WORK, date(2025, 3, 1), date(2025, 8, 30))),
            AFTER_WINDOW,
            B1Status.OWED,
            id="one day short of 6 months, window over → owed",
        ),
        pytest.param(
            person(
                period(WORK, date(2025, 3, 1), date(2025, 5, 31)),
                period(STUDY, date(2025, 6, 1), date(2025, 8, 31)),
            ),
            AFTER_WINDOW,
            B1Status.NOT_OWED,
            id="work then study, touching, together 6 months → not owed",
        ),
        pytest.param(
            person(
                period(TRAINING, date(2025, 5, 1), date(2025, 8, 31)),
                period(WORK, date(2025, 3, 1), date(2025, 6, 15)),
            ),
            AFTER_WINDOW,
            B1Status.NOT_OWED,
            id="overlapping training and work merge → not owed",
        ),
        pytest.param(
            person(
                period(WORK, date(2025, 3, 1), date(2025, 5, 30)),
                period(STUDY, date(2025, 6, 1), date(2025, 8, 31)),
            ),
            AFTER_WINDOW,
            B1Status.OWED,
            id="a one-day gap interrupts → owed",
        ),
        pytest.param(
            person(period(WORK, date(2024, 9, 1), date(2025, 6, 1))),
            AFTER_WINDOW,
            B1Status.OWED,
            id="work before the attest does not count → owed",
        ),
        pytest.param(
            person(period(WORK, date(2026, 9, 1), None)),
            date(2027, 6, 1),
            B1Status.OWED,
            id="job running past the window end counts only up to it → owed",
        ),
        pytest.param(person(), AFTER_WINDOW, B1Status.OWED, id="nothing, window over → owed"),
        pytest.param(person(), EARLY, B1Status.OPEN, id="nothing yet, early in the window → open"),
        pytest.param(
            person(),
            date(2026, 7, 11),
            B1Status.OPEN,
            id="exactly 6 months left → still open",
        ),
        pytest.param(
            person(),
            date(2026, 7, 12),
            B1Status.OWED,
            id="less than 6 months left, nothing ongoing → owed",
        ),
        pytest.param(
            person(period(WORK, date(2026, 5, 1), None)),
            date(2026, 8, 1),
            B1Status.OPEN,
            id="less than 6 months left but a job ongoing since May → open",
        ),
        pytest.param(
            person(period(WORK, date(2026, 5, 1), date(2026, 7, 31))),
            date(2026, 8, 1),
            B1Status.OPEN,
            id="job ended yesterday, a new one today would still touch it → open",
        ),
        pytest.param(
            person(period(WORK, date(2026, 5, 1), date(2026, 7, 31))),
            date(2026, 8, 2),
            B1Status.OWED,
            id="job ended two days ago, too little time left → owed",
        ),
        pytest.param(
            person(period(WORK, date(2025, 2, 1), None)),
            date(2025, 7, 31),
            B1Status.NOT_OWED,
            id="ongoing job counts up to today: 6 months reached → not owed",
        ),
        pytest.param(
            person(period(WORK, date(2025, 2, 1), None)),
            date(2025, 7, 30),
            B1Status.OPEN,
            id="ongoing job, one day short → open",
        ),
        pytest.param(
            person(period(WORK, date(2025, 2, 1), date(2026, 2, 1))),
            date(2025, 5, 1),
            B1Status.OPEN,
            id="a recorded future end does not count before it happens → open",
        ),
        pytest.param(
            person(period(WORK, date(2025, 6, 1), date(2025, 12, 31))),
            date(2025, 5, 1),
            B1Status.OPEN,
            id="a period starting after today is ignored → open",
        ),
    ],
)
def test_b1_status(p: PersonFacts, today: date, expected: B1Status) -> None:
    assert b1_status(p, today) is expected


def test_b1_periods_come_from_the_rule_set() -> None:
    three = RuleSet(effective_from=date(2022, 1, 1), version="t", b1_uninterrupted_months=3)
    short_job = person(period(WORK, date(2025, 3, 1), date(2025, 5, 31)))
    assert b1_status(short_job, AFTER_WINDOW) is B1Status.OWED
    assert b1_status(short_job, AFTER_WINDOW, three) is B1Status.NOT_OWED


def test_spells_are_clipped_to_the_window_and_merged() -> None:
    p = person(
        period(STUDY, date(2024, 1, 1), date(2024, 12, 31)),
        period(WORK, date(2024, 12, 1), date(2025, 2, 1)),
        period(STUDY, date(2025, 2, 2), date(2025, 3, 1)),
        period(TRAINING, date(2025, 5, 1), None),
    )
    assert activity_spells(p, ATTEST, WINDOW_END, date(2025, 6, 1)) == (
        (ATTEST, date(2025, 3, 1)),
        (date(2025, 5, 1), date(2025, 6, 1)),
    )


def b1_pass(on: date) -> Fact:
    return Fact(FactKind.TEST_RESULT, on, test=TestKind.B1_ORAL, passed=True)


@pytest.mark.parametrize(
    ("p", "today", "expected"),
    [
        pytest.param(
            person(), date(2025, 1, 9), B1View(B1Status.NOT_APPLICABLE), id="before the attest"
        ),
        pytest.param(
            person(), EARLY, B1View(B1Status.OPEN, ATTEST, WINDOW_END), id="open until the end"
        ),
        pytest.param(person(), AFTER_WINDOW, B1View(B1Status.OWED, ATTEST, WINDOW_END), id="owed"),
        pytest.param(
            person(period(WORK, date(2025, 3, 1), date(2025, 8, 31))),
            AFTER_WINDOW,
            B1View(
                B1Status.NOT_OWED, ATTEST, WINDOW_END, spell=(date(2025, 3, 1), date(2025, 8, 31))
            ),
            id="not owed: the spell that did it",
        ),
        pytest.param(
            person(b1_pass(date(2026, 9, 1))),
            AFTER_WINDOW,
            B1View(B1Status.PASSED, ATTEST, WINDOW_END, passed_on=date(2026, 9, 1)),
            id="a pass closes it (it was owed)",
        ),
        pytest.param(
            person(b1_pass(date(2025, 3, 1))),
            date(2025, 3, 1),
            B1View(B1Status.PASSED, ATTEST, WINDOW_END, passed_on=date(2025, 3, 1)),
            id="a pass while still open closes it on the day",
        ),
        pytest.param(
            person(b1_pass(date(2026, 9, 1))),
            date(2026, 8, 31),
            B1View(B1Status.OWED, ATTEST, WINDOW_END),
            id="a pass after today does not count yet",
        ),
        pytest.param(
            person(
                Fact(FactKind.TEST_RESULT, date(2026, 9, 1), test=TestKind.B1_ORAL, passed=False)
            ),
            AFTER_WINDOW,
            B1View(B1Status.OWED, ATTEST, WINDOW_END),
            id="a fail does not close it",
        ),
    ],
)
def test_b1_view_says_why_and_until_when(p: PersonFacts, today: date, expected: B1View) -> None:
    assert b1_view(p, today) == expected
    assert b1_status(p, today) is expected.status


DAYS = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 1, 1))
PERIODS = st.builds(
    period,
    st.sampled_from([WORK, TRAINING, STUDY]),
    DAYS,
    st.one_of(st.none(), DAYS),
)


@given(periods=st.lists(PERIODS, max_size=4), passed_on=DAYS, today=DAYS)
def test_a_b1_pass_closes_the_follow_up(periods: list[Fact], passed_on: date, today: date) -> None:
    p = person(*periods, b1_pass(passed_on))
    view = b1_view(p, today)
    if view.status is B1Status.NOT_APPLICABLE:
        assert today < ATTEST
    elif passed_on <= today:
        assert view.status is B1Status.PASSED and view.passed_on == passed_on
    else:
        assert view.status is not B1Status.PASSED
    if view.attest_on is not None:
        assert view.attest_on == ATTEST
        assert view.until == add_months(ATTEST, 24)
    assert (view.spell is not None) == (view.status is B1Status.NOT_OWED)
