"""Suspensions (product default): they lie after the signing day and never overlap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.contract import SuspensionProblem, suspension_problem
from portal.domain.model import Suspension

SIGNED = date(2026, 1, 15)
APRIL = Suspension(date(2026, 4, 1), date(2026, 4, 30))


@pytest.mark.parametrize(
    ("new", "signed", "existing", "expected"),
    [
        pytest.param(Suspension(date(2026, 1, 16), date(2026, 1, 20)), SIGNED, (), None,
                     id="the day after signing: fine"),
        pytest.param(Suspension(SIGNED, date(2026, 1, 20)), SIGNED, (),
                     SuspensionProblem.BEFORE_SIGNING, id="on the signing day: refused"),
        pytest.param(Suspension(date(2025, 12, 1), date(2026, 2, 1)), SIGNED, (),
                     SuspensionProblem.BEFORE_SIGNING, id="starting before signing: refused"),
        pytest.param(Suspension(date(2026, 2, 1), date(2026, 2, 5)), None, (),
                     SuspensionProblem.NO_CONTRACT, id="no signed contract: refused"),
        pytest.param(Suspension(date(2026, 2, 5), date(2026, 2, 1)), SIGNED, (),
                     SuspensionProblem.PERIOD_ORDER, id="ends before it starts: refused"),
        pytest.param(Suspension(date(2026, 3, 1), date(2026, 4, 1)), SIGNED, (APRIL,),
                     SuspensionProblem.OVERLAPS, id="ends on the first day of another: refused"),
        pytest.param(Suspension(date(2026, 4, 30), date(2026, 5, 5)), SIGNED, (APRIL,),
                     SuspensionProblem.OVERLAPS, id="starts on the last day of another: refused"),
        pytest.param(Suspension(date(2026, 4, 10), date(2026, 4, 12)), SIGNED, (APRIL,),
                     SuspensionProblem.OVERLAPS, id="inside another: refused"),
        pytest.param(Suspension(date(2026, 3, 1), date(2026, 5, 31)), SIGNED, (APRIL,),
                     SuspensionProblem.OVERLAPS, id="around another: refused"),
        pytest.param(Suspension(date(2026, 5, 1), date(2026, 5, 5)), SIGNED, (APRIL,), None,
                     id="the day after another ends: fine"),
        pytest.param(Suspension(date(2026, 3, 1), date(2026, 3, 31)), SIGNED, (APRIL,), None,
                     id="ends the day before another starts: fine"),
    ],
)  # fmt: skip
def test_suspension_problem(
    new: Suspension,
    signed: date | None,
    existing: tuple[Suspension, ...],
    expected: SuspensionProblem | None,
) -> None:
    assert suspension_problem(new, signed, existing) is expected


DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))
SPANS = st.builds(
    lambda start, days: Suspension(start, start + timedelta(days=days)),
    DAYS,
    st.integers(min_value=0, max_value=120),
)


@given(signed=DAYS, wanted=st.lists(SPANS, max_size=8))
def test_accepted_suspensions_lie_after_signing_and_never_share_a_day(
    signed: date, wanted: list[Suspension]
) -> None:
    accepted: list[Suspension] = []
    for new in wanted:
        if suspension_problem(new, signed, accepted) is None:
            accepted.append(new)
    days = [s.start + timedelta(days=i) for s in accepted for i in range(s.days)]
    assert len(days) == len(set(days))  # no day is suspended twice
    assert all(s.start > signed for s in accepted)
    # the order in which they were added does not matter: every accepted one still fits the rest
    for i, s in enumerate(accepted):
        assert suspension_problem(s, signed, accepted[:i] + accepted[i + 1 :]) is None
