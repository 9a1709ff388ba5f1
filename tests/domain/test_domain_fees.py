"""§2C: fees — each item priced with the rules and the residence of the day it arose.

Amounts are integer euro cents. Unless a test says otherwise the person lives in Gent (Flanders)
since 2020 and the rules are the 2022 defaults: MO course 90 €, MO test 90 € per attempt, NT2 at a
CVO/CBE 1.50 € per lesson period capped at 180 € for the track, UTC 180 €, first NT2 test included.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.fees import (
    Charge,
    ChargeKind,
    Exempt,
    FeeSource,
    ResidencePeriod,
    brussels_on,
    charges,
)
from portal.domain.rules import RULE_SETS, RuleSet

K = ChargeKind
DAY = date(2025, 3, 1)
GENT = (ResidencePeriod(since=date(2020, 1, 1), brussels=False),)
BRUSSELS = (ResidencePeriod(since=date(2020, 1, 1), brussels=True),)
EUR = 100  # cents


def src(
    key: str,
    kind: ChargeKind,
    day: date = DAY,
    *,
    periods: int = 0,
    attempt: int = 1,
    label: str = "",
) -> FeeSource:
    return FeeSource(
        key=key, kind=kind, arose_on=day, lesson_periods=periods, attempt=attempt, label=label
    )


def module(n: int, periods: int, day: date, label: str = "CVO Gent") -> FeeSource:
    return src(f"nt2_module:{n}", K.NT2_MODULE, day, periods=periods, label=label)


def utc(n: int, day: date, label: str = "UTC Leuven") -> FeeSource:
    return src(f"nt2_utc:{n}", K.NT2_UTC, day, label=label)


def one(
    source: FeeSource,
    residences: tuple[ResidencePeriod, ...] = GENT,
    waivers: dict[str, str] | None = None,
) -> Charge:
    (charge,) = charges([source], residences, waivers or {})
    return charge


# ---------------------------------------------------------------- single items


@pytest.mark.parametrize(
    ("source", "amount", "exempt"),
    [
        pytest.param(src("mo_course:1", K.MO_COURSE), 90 * EUR, None, id="MO course → 90 €, once"),
        pytest.param(
            src("mo_course:2", K.MO_COURSE, attempt=2),
            0,
            None,
            id="MO course followed again (repeat) → 0 € by default",
        ),
        pytest.param(src("test:mo:1", K.MO_TEST), 90 * EUR, None, id="MO test, attempt 1 → 90 €"),
        pytest.param(
            src("test:mo:2", K.MO_TEST, attempt=2),
            90 * EUR,
            None,
            id="MO test, attempt 2 → 90 € (a retake is paid again)",
        ),
        pytest.param(
            src("test:mo_exemption:1", K.MO_EXEMPTION_TEST),
            90 * EUR,
            None,
            id="MO exemption test after screening → 90 €",
        ),
        pytest.param(
            src("test:nt2:1", K.NT2_TEST),
            0,
            Exempt.INCLUDED,
            id="first NT2 test → 0 €, included in the course fee",
        ),
        pytest.param(
            src("test:nt2:2", K.NT2_TEST, attempt=2),
            90 * EUR,
            None,
            id="NT2 retest after a fail → 90 €",
        ),
        pytest.param(src("test:b1:1", K.B1_ORAL), 90 * EUR, None, id="B1 oral test → 90 €"),
        pytest.param(
            src("test:b1:2", K.B1_ORAL, attempt=2),
            90 * EUR,
            None,
            id="B1 oral test, attempt 2 → 90 € again",
        ),
        pytest.param(
            module(1, 80, DAY), 120 * EUR, None, id="NT2 module at CVO Gent, 80 periods → 120 €"
        ),
        pytest.param(utc(1, DAY), 180 * EUR, None, id="UTC track → 180 € own contribution"),
    ],
)
def test_the_fee_of_one_item(source: FeeSource, amount: int, exempt: Exempt | None) -> None:
    charge = one(source)
    assert charge.amount_cents == amount
    assert charge.exempt is exempt
    assert charge.capped is False
    assert charge.waiver_reason == ""
    assert charge.rule_version == "2022.1"
    assert charge.source is source


def test_the_first_nt2_test_has_no_base_fee() -> None:
    assert one(src("test:nt2:1", K.NT2_TEST)).base_cents == 0


# ---------------------------------------------------------------- the NT2 cap


@pytest.mark.parametrize(
    ("sources", "amounts"),
    [
        pytest.param(
            [
                module(1, 40, date(2025, 1, 6)),
                module(2, 80, date(2025, 3, 3)),
                module(3, 80, date(2025, 6, 2)),
            ],
            [60 * EUR, 120 * EUR, 0],
            id="CVO Gent modules of 40, 80, 80 periods → 60 € + 120 € + 0 € (the 180 € cap is reached)",
        ),
        pytest.param(
            [module(1, 80, date(2025, 1, 6)), module(2, 80, date(2025, 3, 3))],
            [120 * EUR, 60 * EUR],
            id="NT2 module 2 at CVO Gent, 80 periods, 60 € left under the cap → 60 €",
        ),
        pytest.param(
            [module(1, 40, date(2025, 1, 6)), utc(2, date(2025, 3, 3))],
            [60 * EUR, 120 * EUR],
            id="UTC after a 40-period CVO module → the 120 € left under the cap",
        ),
        pytest.param(
            [
                module(1, 60, date(2025, 1, 6), "A1 CBE Antwerpen"),
                module(2, 60, date(2025, 3, 3), "A1 CBE Antwerpen"),
                module(3, 60, date(2025, 6, 2), "A1 CBE Antwerpen"),
            ],
            [90 * EUR, 90 * EUR, 0],
            id="a module followed again counts towards the cap: 60 periods three times → 90 € + 90 € + 0 €",
        ),
        pytest.param(
            [
                module(3, 80, date(2025, 6, 2)),
                module(1, 40, date(2025, 1, 6)),
                module(2, 80, date(2025, 3, 3)),
            ],
            [0, 60 * EUR, 120 * EUR],
            id="the cap fills in the order the modules arose, whatever order they are given in",
        ),
        pytest.param(
            [module(1, 400, date(2025, 1, 6))],
            [180 * EUR],
            id="one 400-period module (600 €) → 180 €",
        ),
    ],
)
def test_the_nt2_track_is_capped(sources: list[FeeSource], amounts: list[int]) -> None:
    result = charges(sources, GENT)
    assert [c.amount_cents for c in result] == amounts
    assert [c.source for c in result] == sources
    for charge in result:
        assert (
            charge.base_cents == charge.source.lesson_periods * 150
            or charge.source.kind is K.NT2_UTC
        )
        assert charge.capped is (charge.amount_cents < charge.base_cents)


def test_charged_before_reports_what_the_track_already_cost() -> None:
    result = charges(
        [
            module(1, 40, date(2025, 1, 6)),
            module(2, 80, date(2025, 3, 3)),
            module(3, 80, date(2025, 6, 2)),
        ],
        GENT,
    )
    assert [c.nt2_charged_before_cents for c in result] == [0, 60 * EUR, 180 * EUR]
    assert [c.capped for c in result] == [False, False, True]


def test_an_nt2_retest_is_not_capped_and_does_not_fill_the_cap() -> None:
    result = charges(
        [
            module(1, 120, date(2025, 1, 6)),
            src("test:nt2:2", K.NT2_TEST, date(2025, 2, 1), attempt=2),
            utc(2, date(2025, 3, 3)),
        ],
        GENT,
    )
    assert [c.amount_cents for c in result] == [180 * EUR, 90 * EUR, 0]
    assert result[1].capped is False


def test_a_waived_module_leaves_the_cap_untouched() -> None:
    result = charges(
        [
            module(1, 80, date(2025, 1, 6)),
            module(2, 80, date(2025, 3, 3)),
            module(3, 80, date(2025, 6, 2)),
        ],
        GENT,
        waivers={"nt2_module:1": "payment difficulties"},
    )
    assert [c.amount_cents for c in result] == [0, 120 * EUR, 60 * EUR]
    assert [c.nt2_charged_before_cents for c in result] == [0, 0, 120 * EUR]


# ---------------------------------------------------------------- Brussels, waivers


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(src("mo_course:1", K.MO_COURSE), id="MO course in Brussels → 0 €"),
        pytest.param(src("test:mo:2", K.MO_TEST, attempt=2), id="MO test retake in Brussels → 0 €"),
        pytest.param(module(1, 80, DAY), id="NT2 module in Brussels → 0 €"),
        pytest.param(utc(1, DAY), id="UTC track in Brussels → 0 €"),
        pytest.param(src("test:b1:1", K.B1_ORAL), id="B1 oral test in Brussels → 0 €"),
    ],
)
def test_brussels_residents_pay_nothing(source: FeeSource) -> None:
    charge = one(source, residences=BRUSSELS)
    assert (charge.amount_cents, charge.exempt, charge.capped) == (0, Exempt.BRUSSELS, False)
    assert charge.base_cents > 0  # the base is still shown


def test_a_waiver_makes_an_item_free_with_its_reason() -> None:
    charge = one(
        src("test:mo:2", K.MO_TEST, attempt=2), waivers={"test:mo:2": "payment difficulties"}
    )
    assert (charge.amount_cents, charge.base_cents) == (0, 90 * EUR)
    assert (charge.exempt, charge.waiver_reason) == (Exempt.WAIVER, "payment difficulties")


def test_a_waiver_applies_only_to_its_own_key() -> None:
    result = charges(
        [src("test:mo:1", K.MO_TEST), src("test:mo:2", K.MO_TEST, attempt=2)],
        GENT,
        waivers={"test:mo:1": "payment difficulties"},
    )
    assert [c.amount_cents for c in result] == [0, 90 * EUR]
    assert result[1].waiver_reason == ""


def test_brussels_wins_over_a_waiver() -> None:
    charge = one(
        src("test:mo:1", K.MO_TEST),
        residences=BRUSSELS,
        waivers={"test:mo:1": "payment difficulties"},
    )
    assert (charge.amount_cents, charge.exempt, charge.waiver_reason) == (0, Exempt.BRUSSELS, "")


MOVED = date(2025, 5, 1)
GENT_THEN_BRUSSELS = (
    ResidencePeriod(since=date(2020, 1, 1), brussels=False),
    ResidencePeriod(since=MOVED, brussels=True),
)


@pytest.mark.parametrize(
    ("day", "amount", "exempt"),
    [
        pytest.param(
            MOVED - timedelta(days=1),
            90 * EUR,
            None,
            id="MO test the day before moving to Brussels → 90 €",
        ),
        pytest.param(
            MOVED, 0, Exempt.BRUSSELS, id="MO test on the day of the move to Brussels → 0 €"
        ),
        pytest.param(
            MOVED + timedelta(days=30),
            0,
            Exempt.BRUSSELS,
            id="MO test a month after the move → 0 €",
        ),
    ],
)
def test_moving_to_brussels_frees_items_from_that_day_on(
    day: date, amount: int, exempt: Exempt | None
) -> None:
    charge = one(src("test:mo:1", K.MO_TEST, day), residences=GENT_THEN_BRUSSELS)
    assert (charge.amount_cents, charge.exempt) == (amount, exempt)


def test_moving_out_of_brussels_makes_later_items_payable() -> None:
    residences = (
        ResidencePeriod(since=date(2020, 1, 1), brussels=True),
        ResidencePeriod(since=MOVED, brussels=False),
    )
    result = charges(
        [
            src("test:mo:1", K.MO_TEST, date(2025, 4, 1)),
            src("test:mo:2", K.MO_TEST, date(2025, 6, 1), attempt=2),
        ],
        residences,
    )
    assert [c.amount_cents for c in result] == [0, 90 * EUR]


@pytest.mark.parametrize(
    ("residences", "day", "expected"),
    [
        pytest.param((), DAY, False, id="no residence recorded → not Brussels"),
        pytest.param(
            BRUSSELS, date(2019, 12, 31), False, id="before the first residence → not Brussels"
        ),
        pytest.param(
            BRUSSELS, date(2020, 1, 1), True, id="from the day the residence starts → Brussels"
        ),
        pytest.param(
            tuple(reversed(GENT_THEN_BRUSSELS)),
            MOVED,
            True,
            id="periods given out of order → the latest since decides",
        ),
        pytest.param(
            tuple(reversed(GENT_THEN_BRUSSELS)),
            MOVED - timedelta(days=1),
            False,
            id="periods out of order, the day before the move → Gent",
        ),
    ],
)
def test_brussels_on(residences: tuple[ResidencePeriod, ...], day: date, expected: bool) -> None:
    assert brussels_on(residences, day) is expected


# ---------------------------------------------------------------- rule-set changes

RULES_2027 = RuleSet(effective_from=date(2027, 1, 1), version="2027.1", fee_mo_test_cents=110 * EUR)
TWO_RULE_SETS = (*RULE_SETS, RULES_2027)


@pytest.mark.parametrize(
    ("day", "amount", "version"),
    [
        pytest.param(
            date(2026, 12, 31),
            90 * EUR,
            "2022.1",
            id="MO test arising on 31 Dec 2026 → 90 € under rules 2022.1",
        ),
        pytest.param(
            date(2027, 1, 1),
            110 * EUR,
            "2027.1",
            id="MO test arising on 1 Jan 2027 → 110 € under rules 2027.1",
        ),
    ],
)
def test_an_obligation_uses_the_rules_of_the_day_it_arose(
    day: date, amount: int, version: str
) -> None:
    (charge,) = charges([src("test:mo:1", K.MO_TEST, day)], GENT, rule_sets=TWO_RULE_SETS)
    assert (charge.amount_cents, charge.rule_version) == (amount, version)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "sources",
    [
        pytest.param([module(1, 0, DAY)], id="NT2 module without lesson periods"),
        pytest.param([module(1, -5, DAY)], id="NT2 module with negative lesson periods"),
        pytest.param([src("test:mo:0", K.MO_TEST, attempt=0)], id="attempt 0"),
        pytest.param([src("mo_course:0", K.MO_COURSE, attempt=-1)], id="negative attempt"),
        pytest.param([src("x", K.MO_TEST), src("x", K.B1_ORAL)], id="the same key twice"),
    ],
)
def test_invalid_sources_are_refused(sources: list[FeeSource]) -> None:
    with pytest.raises(ValueError):
        charges(sources, GENT)


def test_no_sources_no_charges() -> None:
    assert charges([], GENT) == ()


# ---------------------------------------------------------------- properties

CAP = 180 * EUR
days = st.dates(min_value=date(2022, 1, 1), max_value=date(2030, 12, 31))
labels = st.sampled_from(["CVO Gent", "CBE Antwerpen", "UTC Leuven"])


@st.composite
def nt2_sources(draw: st.DrawFn) -> list[FeeSource]:
    """NT2 modules and UTC contributions: any periods, dates (ties too) and repeated modules."""
    items = draw(
        st.lists(
            st.tuples(st.booleans(), st.integers(1, 400), days, labels), min_size=0, max_size=12
        )
    )
    return [
        src(
            f"nt2:{i}",
            K.NT2_UTC if is_utc else K.NT2_MODULE,
            day,
            periods=0 if is_utc else periods,
            label=label,
        )
        for i, (is_utc, periods, day, label) in enumerate(items)
    ]


@st.composite
def any_sources(draw: st.DrawFn) -> list[FeeSource]:
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(ChargeKind)), days, st.integers(1, 4), st.integers(1, 400)
            ),
            max_size=12,
        )
    )
    return [
        src(
            f"{kind}:{i}",
            kind,
            day,
            attempt=attempt,
            periods=periods if kind is K.NT2_MODULE else 0,
        )
        for i, (kind, day, attempt, periods) in enumerate(items)
    ]


@given(nt2_sources())
def test_the_nt2_track_never_costs_more_than_the_cap(sources: list[FeeSource]) -> None:
    result = charges(sources, GENT)
    total = sum(c.amount_cents for c in result)
    assert total <= CAP
    assert total == min(sum(c.base_cents for c in result), CAP)


@given(nt2_sources(), st.data())
def test_waived_nt2_items_never_fill_the_cap(sources: list[FeeSource], data: st.DataObject) -> None:
    waived = data.draw(
        st.sets(st.sampled_from([s.key for s in sources])) if sources else st.just(set[str]())
    )
    result = charges(sources, GENT, {k: "payment difficulties" for k in waived})
    charged = [c for c in result if c.source.key not in waived]
    assert sum(c.amount_cents for c in result) == min(sum(c.base_cents for c in charged), CAP)


@given(any_sources())
def test_a_brussels_resident_pays_nothing(sources: list[FeeSource]) -> None:
    for charge in charges(sources, BRUSSELS):
        assert charge.amount_cents == 0
        assert charge.exempt is Exempt.BRUSSELS


@given(any_sources(), st.data())
def test_a_waived_item_is_always_free(sources: list[FeeSource], data: st.DataObject) -> None:
    waived = data.draw(
        st.sets(st.sampled_from([s.key for s in sources])) if sources else st.just(set[str]())
    )
    residences = data.draw(st.sampled_from([GENT, BRUSSELS, GENT_THEN_BRUSSELS]))
    for charge in charges(sources, residences, {k: "reason" for k in waived}):
        if charge.source.key in waived:
            assert charge.amount_cents == 0
            assert charge.exempt in (Exempt.WAIVER, Exempt.BRUSSELS)


@given(any_sources())
def test_a_retake_always_costs_something(sources: list[FeeSource]) -> None:
    for charge in charges(sources, GENT):
        if charge.source.kind in (K.MO_TEST, K.B1_ORAL, K.NT2_TEST) and charge.source.attempt >= 2:
            assert charge.amount_cents > 0


@given(any_sources(), st.sampled_from([GENT, BRUSSELS, GENT_THEN_BRUSSELS]))
def test_amounts_are_whole_cents_within_the_base_and_keep_the_input_order(
    sources: list[FeeSource], residences: tuple[ResidencePeriod, ...]
) -> None:
    result = charges(iter(sources), residences)
    assert [c.source for c in result] == sources
    for charge in result:
        assert type(charge.amount_cents) is int and type(charge.base_cents) is int
        assert 0 <= charge.amount_cents <= charge.base_cents
        assert charge.capped is (charge.exempt is None and charge.amount_cents < charge.base_cents)
        assert charge.rule_version == "2022.1"


@given(any_sources(), days)
def test_moving_to_brussels_frees_exactly_the_items_from_that_day_on(
    sources: list[FeeSource], moved: date
) -> None:
    residences = (ResidencePeriod(date(2020, 1, 1), False), ResidencePeriod(moved, True))
    stayed = charges(sources, GENT)
    for before, after in zip(stayed, charges(sources, residences), strict=True):
        if after.source.arose_on >= moved:
            assert (after.amount_cents, after.exempt) == (0, Exempt.BRUSSELS)
        else:
            # earlier items keep their amount (and their place under the cap)
            assert after == before
