"""Deadlines (§2B, §2D), early warnings for obliged persons, plain reminders for voluntary ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from portal.domain.deadlines import (
    Alert,
    alerts,
    directional_deadline,
    upcoming_deadlines,
    vdab_deadline,
)
from portal.domain.model import (
    ComponentDeadline,
    Exemption,
    Fact,
    FactKind,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    Protection,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.rules import RuleSet, rules_on

MO, NT2, VDAB, P4 = Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION
RULES = rules_on(date(2024, 3, 15))
SIGNED = date(2024, 3, 15)
MO_DL = date(2024, 9, 15)
P4_DL = date(2025, 3, 15)
NT2_DL = date(2025, 9, 15)
REGISTERED = Fact(FactKind.VDAB_REGISTERED, date(2024, 4, 2))


def person(**changes: object) -> PersonFacts:
    """Obliged, not working, contract 15 March 2024, registered with VDAB in time."""
    base = PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.POPULATION,
        obligation=Obligation.OBLIGED,
        contract_signed_on=SIGNED,
        component_deadlines=(
            ComponentDeadline(MO, MO_DL),
            ComponentDeadline(NT2, NT2_DL),
            ComponentDeadline(P4, P4_DL),
        ),
        facts=(REGISTERED,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("signed_on", "expected"),
    [
        pytest.param(date(2024, 3, 15), date(2024, 5, 15), id="signed 15 March → VDAB by 15 May"),
        pytest.param(
            date(2022, 12, 31), date(2023, 2, 28), id="signed 31 December → VDAB by 28 February"
        ),
        pytest.param(
            date(2023, 12, 31),
            date(2024, 2, 29),
            id="signed 31 December 2023 → VDAB by 29 February (leap year)",
        ),
        pytest.param(
            date(2023, 1, 31), date(2023, 3, 31), id="signed 31 January → VDAB by 31 March"
        ),
    ],
)
def test_vdab_within_two_calendar_months(signed_on: date, expected: date) -> None:
    assert vdab_deadline(signed_on, RULES) == expected


def test_vdab_period_comes_from_the_rule_set() -> None:
    three_months = RuleSet(effective_from=date(2030, 1, 1), version="t", vdab_registration_months=3)
    assert vdab_deadline(date(2030, 3, 15), three_months) == date(2030, 6, 15)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, NT2_DL, id="the NT2 component's deadline sets the richttermijn"),
        pytest.param(
            {"component_deadlines": (ComponentDeadline(MO, MO_DL), ComponentDeadline(P4, P4_DL))},
            P4_DL,
            id="without an NT2 deadline → the latest component deadline",
        ),
        pytest.param(
            {"component_deadlines": (ComponentDeadline(NT2, P4_DL), ComponentDeadline(P4, NT2_DL))},
            P4_DL,
            id="NT2 deadline wins even if another component ends later",
        ),
        pytest.param(
            {"suspensions": (Suspension(date(2025, 1, 1), date(2025, 1, 31)),)},
            NT2_DL + timedelta(days=31),
            id="a 31-day suspension moves it by 31 days",
        ),
        pytest.param(
            {"suspensions": (Suspension(NT2_DL + timedelta(days=1), date(2025, 12, 31)),)},
            NT2_DL,
            id="a suspension after it changes nothing",
        ),
        pytest.param({"contract_signed_on": None}, None, id="no contract → none"),
        pytest.param({"component_deadlines": ()}, None, id="no components → none"),
    ],
)
def test_directional_deadline(changes: dict[str, object], expected: date | None) -> None:
    assert directional_deadline(person(**changes)) == expected


# --- alerts ---------------------------------------------------------------------------------


def mo_alert(today: date, sanction: bool = False) -> Alert:
    days_left = (MO_DL - today).days
    return Alert(MO, MO_DL, days_left, days_left < 0, sanction)


MO_PASS = Fact(FactKind.TEST_RESULT, date(2024, 6, 1), test=TestKind.MO, passed=True)


@pytest.mark.parametrize(
    ("changes", "today", "expected"),
    [
        pytest.param({}, MO_DL - timedelta(days=31), (), id="31 days before → no alert yet"),
        pytest.param(
            {},
            MO_DL - timedelta(days=30),
            (mo_alert(MO_DL - timedelta(days=30)),),
            id="30 days before → near; MO: a plain reminder, also for the obliged",
        ),
        pytest.param(
            {}, MO_DL, (mo_alert(MO_DL),), id="on the deadline day → near, 0 days left, not past"
        ),
        pytest.param(
            {},
            MO_DL + timedelta(days=1),
            (mo_alert(MO_DL + timedelta(days=1)),),
            id="the day after → past",
        ),
        pytest.param(
            {"obligation": Obligation.VOLUNTARY},
            MO_DL - timedelta(days=7),
            (mo_alert(MO_DL - timedelta(days=7)),),
            id="voluntary → plain reminder without sanction",
        ),
        pytest.param({"facts": (REGISTERED, MO_PASS)}, MO_DL, (), id="met pillar → no alert"),
        pytest.param(
            {"exemptions": (Exemption(MO, date(2024, 4, 1)),)},
            MO_DL,
            (),
            id="exempt pillar → no alert",
        ),
        pytest.param(
            {"situation": Situation.WORKS, "facts": (MO_PASS,)},
            P4_DL,
            (),
            id="pillar 4 optional for a worker → no alert",
        ),
        pytest.param(
            {"suspensions": (Suspension(MO_DL + timedelta(days=1), date(2024, 12, 31)),)},
            date(2024, 10, 1),
            (),
            id="suspended today → no alerts",
        ),
        pytest.param(
            {"protection": Protection.PENDING}, MO_DL, (), id="NT2-only person → no alerts"
        ),
    ],
)
def test_alerts(changes: dict[str, object], today: date, expected: tuple[Alert, ...]) -> None:
    assert alerts(person(**changes), today, RULES) == expected


def test_unregistered_and_overdue_vdab_alerts_until_registered() -> None:
    p = person(facts=())
    assert alerts(p, date(2024, 5, 16), RULES) == (Alert(VDAB, date(2024, 5, 15), -1, True, True),)
    assert (
        alerts(
            replace(p, facts=(Fact(FactKind.VDAB_REGISTERED, date(2024, 5, 20)),)),
            date(2024, 5, 20),
        )
        == ()
    )


@pytest.mark.parametrize(
    ("pillar", "deadline", "obligation", "sanction"),
    [
        pytest.param(P4, P4_DL, Obligation.OBLIGED, True, id="pillar 4, obliged → sanction"),
        pytest.param(MO, MO_DL, Obligation.OBLIGED, False, id="MO, obliged → plain reminder"),
        pytest.param(NT2, NT2_DL, Obligation.OBLIGED, False, id="NT2 (a target) → plain"),
        pytest.param(MO, MO_DL, Obligation.VOLUNTARY, False, id="voluntary → plain"),
    ],
)
def test_sanction_language_only_for_the_trigger_pillars(
    pillar: Pillar, deadline: date, obligation: Obligation, sanction: bool
) -> None:
    p = person(
        obligation=obligation,
        component_deadlines=(ComponentDeadline(pillar, deadline),),
    )
    found = [a for a in alerts(p, deadline + timedelta(days=1), RULES) if a.pillar is pillar]
    assert [a.sanction for a in found] == [sanction]


def test_alerts_sorted_by_deadline_then_pillar_order() -> None:
    same_day = person(
        facts=(),
        component_deadlines=(
            ComponentDeadline(P4, date(2024, 5, 10)),
            ComponentDeadline(NT2, date(2024, 5, 15)),
            ComponentDeadline(MO, date(2024, 5, 15)),
        ),
    )
    assert [(a.pillar, a.deadline) for a in alerts(same_day, date(2024, 5, 1))] == [
        (P4, date(2024, 5, 10)),
        (MO, date(2024, 5, 15)),
        (NT2, date(2024, 5, 15)),
        (VDAB, date(2024, 5, 15)),
    ]


def test_alert_window_comes_from_the_reminder_days() -> None:
    week = RuleSet(effective_from=date(2022, 1, 1), version="t", reminder_days=(7, 1))
    assert alerts(person(), MO_DL - timedelta(days=8), week) == ()
    assert alerts(person(), MO_DL - timedelta(days=7), week) == (mo_alert(MO_DL - timedelta(7)),)


def test_upcoming_deadlines_skip_met_and_past_ones() -> None:
    p = person(facts=(REGISTERED, Fact(FactKind.NT2_MODULE_FOLLOWED, date(2024, 4, 1))))
    assert upcoming_deadlines(p, date(2024, 4, 1)) == (
        (VDAB, date(2024, 5, 15)),
        (MO, MO_DL),
        (P4, P4_DL),
        (NT2, NT2_DL),
    )
    assert upcoming_deadlines(p, date(2024, 4, 2)) == ((MO, MO_DL), (P4, P4_DL), (NT2, NT2_DL))
    assert upcoming_deadlines(p, MO_DL + timedelta(days=1)) == ((P4, P4_DL), (NT2, NT2_DL))
    nt2_pass = Fact(
        FactKind.TEST_RESULT, date(2025, 1, 1), test=TestKind.NT2, passed=True, level=Level.A2
    )
    assert upcoming_deadlines(replace(p, facts=(REGISTERED, nt2_pass)), date(2025, 1, 2)) == (
        (P4, P4_DL),
    )
    assert upcoming_deadlines(person(protection=Protection.PENDING), date(2024, 4, 1)) == ()
