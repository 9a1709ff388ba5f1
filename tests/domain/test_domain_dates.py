"""Calendar months, ages and suspensions, as the policy note and product defaults describe them."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.domain.dates import add_months, age_on, nth_birthday, shift_for_suspensions
from portal.domain.model import Suspension

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
MONTHS = st.integers(min_value=-600, max_value=600)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2024, 3, 15), 2, date(2024, 5, 15), id="signed 15 March → 15 May"),
        pytest.param(
            date(2022, 12, 31), 2, date(2023, 2, 28), id="signed 31 December → 28 February"
        ),
        pytest.param(
            date(2023, 12, 31),
            2,
            date(2024, 2, 29),
            id="signed 31 December before a leap year → 29 February",
        ),
        pytest.param(date(2023, 1, 31), 2, date(2023, 3, 31), id="signed 31 January → 31 March"),
        pytest.param(
            date(2099, 12, 31), 2, date(2100, 2, 28), id="2100 is not a leap year → 28 February"
        ),
        pytest.param(
            date(2024, 2, 29), 12, date(2025, 2, 28), id="29 February + 12 months → 28 February"
        ),
        pytest.param(date(2024, 10, 31), 14, date(2025, 12, 31), id="over a year end"),
        pytest.param(date(2024, 5, 15), -2, date(2024, 3, 15), id="two months back"),
        pytest.param(
            date(2024, 3, 31), -1, date(2024, 2, 29), id="back from 31 March → 29 February"
        ),
        pytest.param(date(2024, 1, 31), -1, date(2023, 12, 31), id="back over a year start"),
        pytest.param(date(2024, 6, 30), 0, date(2024, 6, 30), id="zero months → same day"),
    ],
)
def test_calendar_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        pytest.param(date(2006, 4, 2), date(2024, 4, 1), 17, id="day before 18th birthday → 17"),
        pytest.param(date(2006, 4, 2), date(2024, 4, 2), 18, id="on the 18th birthday → 18"),
        pytest.param(date(2006, 4, 2), date(2024, 12, 31), 18, id="later that year → 18"),
        pytest.param(
            date(2004, 2, 29), date(2022, 2, 28), 17, id="born 29 Feb: on 28 Feb, not yet"
        ),
        pytest.param(
            date(2004, 2, 29),
            date(2022, 3, 1),
            18,
            id="born 29 Feb: birthday is 1 March in a non-leap year",
        ),
        pytest.param(
            date(2004, 2, 29), date(2024, 2, 29), 20, id="born 29 Feb: 29 Feb in a leap year"
        ),
        pytest.param(date(2004, 2, 29), date(2024, 2, 28), 19, id="born 29 Feb: leap year eve"),
    ],
)
def test_age(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        pytest.param(date(1990, 5, 10), 66, date(2056, 5, 10), id="ordinary birthday"),
        pytest.param(date(2004, 2, 29), 18, date(2022, 3, 1), id="29 Feb → 1 March"),
        pytest.param(date(2004, 2, 29), 20, date(2024, 2, 29), id="29 Feb in a leap year"),
    ],
)
def test_nth_birthday(birth: date, years: int, expected: date) -> None:
    assert nth_birthday(birth, years) == expected


DEADLINE = date(2024, 5, 15)


@pytest.mark.parametrize(
    ("suspensions", "expected"),
    [
        pytest.param((), DEADLINE, id="no suspension → unchanged"),
        pytest.param(
            (Suspension(date(2024, 4, 1), date(2024, 4, 10)),),
            date(2024, 5, 25),
            id="10 days suspended before the deadline → 10 days later",
        ),
        pytest.param(
            (Suspension(date(2024, 1, 1), date(2024, 1, 31)),),
            date(2024, 6, 15),
            id="a suspension before signing-time deadlines still moves them",
        ),
        pytest.param(
            (Suspension(DEADLINE, DEADLINE),),
            date(2024, 5, 16),
            id="one day starting on the deadline day → 1 day later",
        ),
        pytest.param(
            (Suspension(date(2024, 5, 16), date(2024, 6, 30)),),
            DEADLINE,
            id="starting the day after the deadline → unchanged",
        ),
        pytest.param(
            (
                Suspension(date(2024, 5, 20), date(2024, 5, 24)),
                Suspension(date(2024, 5, 1), date(2024, 5, 10)),
            ),
            date(2024, 5, 30),
            id="a second suspension inside the moved deadline also counts",
        ),
        pytest.param(
            (
                Suspension(date(2024, 5, 1), date(2024, 5, 10)),
                Suspension(date(2024, 5, 26), date(2024, 5, 30)),
            ),
            date(2024, 5, 25),
            id="a second suspension after the moved deadline → not counted",
        ),
    ],
)
def test_suspension_moves_later_deadlines(
    suspensions: tuple[Suspension, ...], expected: date
) -> None:
    assert shift_for_suspensions(DEADLINE, suspensions) == expected


# --- properties -----------------------------------------------------------------------------


@given(DAYS, MONTHS)
def test_add_months_lands_in_the_right_month(day: date, months: int) -> None:
    result = add_months(day, months)
    index = day.year * 12 + day.month - 1 + months
    year, month_index = divmod(index, 12)
    assert (result.year, result.month) == (year, month_index + 1)
    assert result.day <= day.day
    if day.day <= calendar.monthrange(result.year, result.month)[1]:
        assert result.day == day.day
    else:
        assert result.day == calendar.monthrange(result.year, result.month)[1]


@given(DAYS, MONTHS, MONTHS)
def test_add_months_in_two_steps_never_beats_one_step(day: date, a: int, b: int) -> None:
    one_step = add_months(day, a + b)
    two_steps = add_months(add_months(day, a), b)
    assert (two_steps.year, two_steps.month) == (one_step.year, one_step.month)
    assert two_steps <= one_step
    if day.day <= 28:
        assert two_steps == one_step


@given(DAYS, MONTHS)
def test_add_months_there_and_back(day: date, months: int) -> None:
    back = add_months(add_months(day, months), -months)
    assert back <= day
    if day.day <= 28:
        assert back == day


@given(DAYS, DAYS, MONTHS)
def test_add_months_is_monotone(a: date, b: date, months: int) -> None:
    earlier, later = sorted((a, b))
    assert add_months(earlier, months) <= add_months(later, months)


SUSPENSIONS = st.lists(
    st.builds(
        lambda start, length: Suspension(start, start + timedelta(days=length)),
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
        st.integers(min_value=0, max_value=400),
    ),
    max_size=5,
)
DEADLINES = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))


@given(DEADLINES, SUSPENSIONS)
def test_suspensions_never_move_a_deadline_earlier_nor_beyond_their_days(
    deadline: date, suspensions: list[Suspension]
) -> None:
    moved = shift_for_suspensions(deadline, suspensions)
    assert deadline <= moved <= deadline + timedelta(days=sum(s.days for s in suspensions))


@given(DEADLINES, SUSPENSIONS)
def test_order_of_recording_suspensions_does_not_matter(
    deadline: date, suspensions: list[Suspension]
) -> None:
    assert shift_for_suspensions(deadline, suspensions) == shift_for_suspensions(
        deadline, list(reversed(suspensions))
    )


@given(DEADLINES, SUSPENSIONS, st.integers(min_value=1, max_value=400), st.integers(0, 100))
def test_a_suspension_starting_after_the_deadline_changes_nothing(
    deadline: date, suspensions: list[Suspension], gap: int, length: int
) -> None:
    moved = shift_for_suspensions(deadline, suspensions)
    start = moved + timedelta(days=gap)
    later = Suspension(start, start + timedelta(days=length))
    assert shift_for_suspensions(deadline, [*suspensions, later]) == moved


@given(DEADLINES, SUSPENSIONS)
def test_shifting_is_monotone_in_the_deadline(
    deadline: date, suspensions: list[Suspension]
) -> None:
    assert shift_for_suspensions(deadline, suspensions) < shift_for_suspensions(
        deadline + timedelta(days=1), suspensions
    )


@given(DAYS, DAYS, DAYS)
def test_age_never_decreases(birth: date, a: date, b: date) -> None:
    earlier, later = sorted((a, b))
    assert age_on(birth, earlier) <= age_on(birth, later)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 99))
def test_age_changes_on_the_birthday(birth: date, years: int) -> None:
    birthday = nth_birthday(birth, years)
    assert age_on(birth, birthday) == years
    assume(birthday > birth)
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1
