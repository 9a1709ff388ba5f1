"""§2C with money that arrived: a settled item is never asked again, whatever the plan becomes;
the NT2 cap counts what was really paid; money beyond what is due goes back (split_payment);
the MO course is not owed after passing the MO exemption test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.fees import (
    ChargeKind,
    Exempt,
    FeeSource,
    ResidencePeriod,
    charges,
    in_nt2_track,
    split_payment,
)

K = ChargeKind
DAY = date(2025, 3, 1)
GENT = (ResidencePeriod(since=date(2020, 1, 1), brussels=False),)
BRUSSELS = (ResidencePeriod(since=date(2020, 1, 1), brussels=True),)
CAP = 18000


def module(key: str, periods: int, day: date = DAY) -> FeeSource:
    return FeeSource(f"nt2_module:{key}", K.NT2_MODULE, day, lesson_periods=periods)


def by_key(result):
    return {charge.source.key: charge for charge in result}


@pytest.mark.parametrize(
    ("sources", "settled", "residences", "expected"),
    [
        pytest.param(
            [module("a", 80)],
            {"nt2_module:a": 12000},
            GENT,
            {"nt2_module:a": (12000, True)},
            id="a paid module shows what was paid and is settled",
        ),
        pytest.param(
            [module("a", 200)],
            {"nt2_module:a": 12000},
            GENT,
            {"nt2_module:a": (12000, True)},
            id="more lesson periods after paying: nothing more is asked for that module",
        ),
        pytest.param(
            [module("b", 80)],
            {"nt2_module:a": 12000},
            GENT,
            {"nt2_module:b": (6000, False)},
            id="a paid module removed from the plan still counts towards the cap",
        ),
        pytest.param(
            [module("a", 80, DAY + timedelta(days=30)), module("b", 80)],
            {"nt2_module:a": 12000},
            GENT,
            {"nt2_module:a": (12000, True), "nt2_module:b": (6000, False)},
            id="a later module paid first: the earlier unpaid one gets only what is left",
        ),
        pytest.param(
            [module("a", 80)],
            {"nt2_module:x": 6000, "nt2_module:y": 12000},
            GENT,
            {"nt2_module:a": (0, False)},
            id="the cap reached by money for modules no longer planned: 0 €",
        ),
        pytest.param(
            [module("a", 80)],
            {"nt2_module:a": 12000},
            BRUSSELS,
            {"nt2_module:a": (12000, True)},
            id="paid before a move to Brussels: still paid, never turned into 0",
        ),
        pytest.param(
            [FeeSource("test:7", K.MO_TEST, DAY, attempt=2)],
            {"mo_course:1": 9000},
            GENT,
            {"test:7": (9000, False)},
            id="money outside the NT2 track does not fill the cap or other items",
        ),
        pytest.param(
            [FeeSource("mo_course:1", K.MO_COURSE, DAY, exempt=Exempt.EXEMPTION_TEST)],
            {},
            GENT,
            {"mo_course:1": (0, False)},
            id="MO exemption test passed: the MO course costs nothing",
        ),
        pytest.param(
            [FeeSource("mo_course:1", K.MO_COURSE, DAY, exempt=Exempt.EXEMPTION_TEST)],
            {"mo_course:1": 9000},
            GENT,
            {"mo_course:1": (9000, True)},
            id="a course paid before the exemption test stays paid",
        ),
    ],
)
def test_settled_items(sources, settled, residences, expected):
    result = by_key(charges(sources, residences, {}, settled=settled))
    assert {key: (c.amount_cents, c.settled) for key, c in result.items()} == expected


def test_exemption_test_reason_is_given():
    (charge,) = charges(
        [FeeSource("mo_course:1", K.MO_COURSE, DAY, exempt=Exempt.EXEMPTION_TEST)], GENT
    )
    assert charge.exempt is Exempt.EXEMPTION_TEST and charge.base_cents == 9000


def test_a_negative_settled_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        charges([module("a", 10)], GENT, settled={"nt2_module:a": -1})


@pytest.mark.parametrize(
    ("due", "paid", "expected"),
    [
        (9000, 9000, (9000, 0)),
        (0, 9000, (0, 9000)),  # settled already, waived, Brussels, no longer in the plan
        (6000, 12000, (6000, 6000)),  # the cap moved while the checkout was open
        (12000, 6000, (6000, 0)),  # never more than came in
        (0, 0, (0, 0)),
    ],
)
def test_split_payment(due, paid, expected):
    assert split_payment(due, paid) == expected


@given(st.integers(0, 10**7), st.integers(0, 10**7))
def test_split_payment_keeps_every_cent(due, paid):
    kept, back = split_payment(due, paid)
    assert kept + back == paid and 0 <= kept <= due and back >= 0


def test_split_payment_refuses_negative_amounts():
    with pytest.raises(ValueError):
        split_payment(-1, 100)


# ---------------------------------------------------------------- any story of amendments


ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 200), st.integers(0, 90)),
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("periods"), st.integers(0, 9), st.integers(1, 200)),
        st.tuples(st.just("move"), st.integers(0, 9), st.integers(-60, 60)),
        st.tuples(st.just("pay"), st.integers(0, 9)),
        st.tuples(st.just("pay_late"), st.integers(0, 9), st.integers(0, 20000)),
        st.tuples(st.just("waive"), st.integers(0, 9)),
        st.tuples(
            st.just("utc"),
        ),
    ),
    max_size=30,
)


@given(ops)
def test_no_story_asks_paid_money_again_or_passes_the_cap(story):
    """A plan is amended in any way while the person pays (also with a checkout opened before
    the amendment, paid after it): what was paid is never due again, and what the NT2 track
    asks plus what it kept never passes the cap."""
    plan: list[FeeSource] = []
    settled: dict[str, int] = {}
    waivers: dict[str, str] = {}
    counter = 0
    for op in story:
        current = by_key(charges(plan, GENT, waivers, settled=settled))
        if op[0] == "add":
            counter += 1
            plan.append(module(str(counter), op[1], DAY + timedelta(days=op[2])))
        elif op[0] == "utc":
            if not any(s.kind is K.NT2_UTC for s in plan):
                plan.append(FeeSource("nt2_utc:1", K.NT2_UTC, DAY))
        elif not plan:
            continue
        elif op[0] == "remove":
            plan.pop(op[1] % len(plan))
        elif op[0] == "periods":
            index = op[1] % len(plan)
            if plan[index].kind is K.NT2_MODULE:
                plan[index] = replace(plan[index], lesson_periods=op[2])
        elif op[0] == "move":
            index = op[1] % len(plan)
            plan[index] = replace(
                plan[index], arose_on=plan[index].arose_on + timedelta(days=op[2])
            )
        elif op[0] == "waive":
            waivers[plan[op[1] % len(plan)].key] = "payment difficulties"
        else:  # pay what the page asks, or money from an old checkout with another amount
            key = plan[op[1] % len(plan)].key
            charge = current[key]
            if charge.settled:
                due = 0  # a second payment: everything goes back
            else:
                due = charge.amount_cents
            paid = due if op[0] == "pay" else op[2]
            kept, back = split_payment(due, paid)
            assert kept + back == paid
            if kept:
                settled[key] = settled.get(key, 0) + kept

        after = by_key(charges(plan, GENT, waivers, settled=settled))
        for key, cents in settled.items():
            if key in after:
                assert after[key].settled and after[key].amount_cents == cents
        kept_nt2 = sum(cents for key, cents in settled.items() if in_nt2_track(key))
        asked_nt2 = sum(
            c.amount_cents for c in after.values() if not c.settled and in_nt2_track(c.source.key)
        )
        assert kept_nt2 <= CAP
        assert kept_nt2 + asked_nt2 <= CAP
