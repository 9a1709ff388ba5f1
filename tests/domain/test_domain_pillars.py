"""§2D: the four pillars, their status, and the day the attest is reached."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.dates import add_months, nth_birthday
from portal.domain.model import (
    ComponentDeadline,
    Exemption,
    Fact,
    FactKind,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    PillarStatus,
    Protection,
    Region,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.pillars import PillarView, attest_on, pillar_views, required_pillars
from portal.domain.rules import RuleSet, rules_on

MO, NT2, VDAB, P4 = Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION
ALL_FOUR = frozenset({MO, NT2, VDAB, P4})
RULES = rules_on(date(2024, 3, 15))

SIGNED = date(2024, 3, 15)  # VDAB deadline: 15 May 2024
VDAB_DL = date(2024, 5, 15)
MO_DL = date(2024, 9, 15)
P4_DL = date(2025, 3, 15)
NT2_DL = date(2025, 9, 15)
TODAY = date(2024, 4, 1)


def person(**changes: object) -> PersonFacts:
    """An obliged newcomer aged 33 who neither works nor studies, contract signed 15 March 2024."""
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
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def passed(test: TestKind, on: date, level: Level | None = None) -> Fact:
    return Fact(FactKind.TEST_RESULT, on, test=test, passed=True, level=level)


def failed(test: TestKind, on: date, level: Level | None = None) -> Fact:
    return Fact(FactKind.TEST_RESULT, on, test=test, passed=False, level=level)


def fact(kind: FactKind, on: date) -> Fact:
    return Fact(kind, on)


def hours(on: date, n: int) -> Fact:
    return Fact(FactKind.PILLAR4_HOURS, on, hours=n)


def uitgeleerd(pillar: Pillar, on: date) -> Fact:
    return Fact(FactKind.UITGELEERD, on, pillar=pillar)


def view(p: PersonFacts, pillar: Pillar, today: date = TODAY) -> PillarView:
    return {v.pillar: v for v in pillar_views(p, today, RULES)}[pillar]


# --- which pillars apply --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, ALL_FOUR, id="obliged, neither works nor studies → all four"),
        pytest.param(
            {"situation": Situation.WORKS},
            {MO, NT2},
            id="obliged and working → MO and NT2 (no VDAB, pillar 4 optional)",
        ),
        pytest.param(
            {"situation": Situation.STUDIES},
            {MO, NT2, VDAB},
            id="obliged student of working age → VDAB too, pillar 4 optional",
        ),
        pytest.param(
            {"obligation": Obligation.VOLUNTARY},
            {MO, NT2, VDAB},
            id="voluntary, not working → pillar 4 optional",
        ),
        pytest.param(
            {"obligation": Obligation.VOLUNTARY, "situation": Situation.WORKS},
            {MO, NT2},
            id="voluntary and working → MO and NT2",
        ),
        pytest.param(
            {"birth_date": date(2006, 4, 2)},
            {MO, NT2, P4},
            id="17 years old (18 tomorrow) → no VDAB",
        ),
        pytest.param(
            {"birth_date": date(2006, 4, 1)}, ALL_FOUR, id="18th birthday today → VDAB required"
        ),
        pytest.param(
            {"birth_date": date(1958, 4, 2)}, ALL_FOUR, id="65 (66 tomorrow) → VDAB required"
        ),
        pytest.param(
            {"birth_date": date(1958, 4, 1)},
            {MO, NT2, P4},
            id="legal pension age (66) today → no VDAB",
        ),
        pytest.param(
            {"region": Region.BRUSSELS},
            ALL_FOUR,
            id="Brussels resident → same rule (registers with Actiris)",
        ),
        pytest.param(
            {"protection": Protection.PENDING}, set(), id="pending applicant → no pillars"
        ),
        pytest.param({"register": Register.NONE}, set(), id="not registered → no pillars"),
    ],
)
def test_required_pillars(changes: dict[str, object], expected: set[Pillar]) -> None:
    assert required_pillars(person(**changes), TODAY, RULES) == expected


def test_working_age_comes_from_the_rule_set() -> None:
    later_pension = RuleSet(effective_from=date(2030, 1, 1), version="test", pension_age=67)
    at_66 = person(birth_date=date(1958, 4, 1))
    assert VDAB in required_pillars(at_66, TODAY, later_pension)


# --- status of each pillar ------------------------------------------------------------------

D = date(2024, 6, 1)  # a day during the trajectory, before the MO deadline
AFTER_MO_DL = date(2024, 9, 16)


@pytest.mark.parametrize(
    ("facts", "today", "status", "met_on"),
    [
        pytest.param((), D, PillarStatus.NOT_STARTED, None, id="nothing yet → not started"),
        pytest.param(
            (fact(FactKind.MO_COURSE_FOLLOWED, D),),
            D,
            PillarStatus.IN_PROGRESS,
            None,
            id="course followed → in progress",
        ),
        pytest.param(
            (failed(TestKind.MO, D),),
            D,
            PillarStatus.IN_PROGRESS,
            None,
            id="failed the test → in progress (attending is not enough)",
        ),
        pytest.param(
            (passed(TestKind.MO, D),), D, PillarStatus.DONE, D, id="passed the MO test → done"
        ),
        pytest.param(
            (passed(TestKind.MO_EXEMPTION, date(2024, 3, 20)),),
            D,
            PillarStatus.DONE,
            date(2024, 3, 20),
            id="passed the exemption test at the start → done",
        ),
        pytest.param(
            (failed(TestKind.MO, date(2024, 5, 1)), uitgeleerd(MO, D)),
            D,
            PillarStatus.DONE,
            D,
            id="uitgeleerd → counts as met without a pass",
        ),
        pytest.param(
            (),
            AFTER_MO_DL,
            PillarStatus.OVERDUE,
            None,
            id="day after the deadline without a pass → overdue",
        ),
        pytest.param(
            (),
            MO_DL,
            PillarStatus.NOT_STARTED,
            None,
            id="on the deadline day → not yet overdue",
        ),
        pytest.param(
            (fact(FactKind.MO_COURSE_FOLLOWED, D),),
            AFTER_MO_DL,
            PillarStatus.OVERDUE,
            None,
            id="course followed but deadline passed → overdue",
        ),
        pytest.param(
            (passed(TestKind.MO, date(2024, 10, 1)),),
            date(2024, 10, 1),
            PillarStatus.DONE,
            date(2024, 10, 1),
            id="passed after the deadline → done",
        ),
        pytest.param(
            (passed(TestKind.MO, date(2024, 6, 2)),),
            D,
            PillarStatus.NOT_STARTED,
            None,
            id="a pass dated after today does not count yet",
        ),
    ],
)
def test_mo_status(
    facts: tuple[Fact, ...], today: date, status: PillarStatus, met_on: date | None
) -> None:
    v = view(person(facts=facts), MO, today)
    assert (v.status, v.met_on, v.required, v.deadline) == (status, met_on, True, MO_DL)


def test_exemption_makes_a_pillar_exempt() -> None:
    exempt = person(exemptions=(Exemption(MO, date(2024, 4, 1), "serious illness"),))
    assert view(exempt, MO, D).status is PillarStatus.EXEMPT
    assert view(exempt, MO, D).met_on == date(2024, 4, 1)
    assert view(exempt, MO, date(2024, 3, 31)).status is PillarStatus.NOT_STARTED


def test_an_exemption_before_a_pass_stays_exempt() -> None:
    p = person(
        facts=(passed(TestKind.MO, date(2024, 5, 1)),),
        exemptions=(Exemption(MO, date(2024, 4, 1)),),
    )
    assert (view(p, MO, D).status, view(p, MO, D).met_on) == (PillarStatus.EXEMPT, date(2024, 4, 1))


def test_a_pass_before_an_exemption_stays_done() -> None:
    p = person(
        facts=(passed(TestKind.MO, date(2024, 3, 20)),),
        exemptions=(Exemption(MO, date(2024, 4, 1)),),
    )
    assert view(p, MO, D).status is PillarStatus.DONE


@pytest.mark.parametrize(
    ("facts", "target", "status"),
    [
        pytest.param(
            (passed(TestKind.NT2, D, Level.A2),), Level.A2, PillarStatus.DONE, id="A2 → done"
        ),
        pytest.param(
            (passed(TestKind.NT2, D, Level.B1),),
            Level.A2,
            PillarStatus.DONE,
            id="above the target → done",
        ),
        pytest.param(
            (passed(TestKind.NT2, D, Level.A1),),
            Level.A2,
            PillarStatus.IN_PROGRESS,
            id="A1 only → in progress",
        ),
        pytest.param(
            (passed(TestKind.NT2, D, Level.A2_ADAPTED),),
            Level.A2_ADAPTED,
            PillarStatus.DONE,
            id="adapted A2 for a low-literate person → done",
        ),
        pytest.param(
            (passed(TestKind.NT2, D, Level.A2_ADAPTED),),
            Level.A2,
            PillarStatus.IN_PROGRESS,
            id="adapted A2 when the plan says A2 → in progress",
        ),
        pytest.param(
            (passed(TestKind.NT2, D),),
            Level.A2,
            PillarStatus.IN_PROGRESS,
            id="a pass without a recorded level → not met",
        ),
        pytest.param(
            (failed(TestKind.NT2, D, Level.A2),),
            Level.A2,
            PillarStatus.IN_PROGRESS,
            id="failed A2 → in progress",
        ),
        pytest.param(
            (fact(FactKind.NT2_MODULE_FOLLOWED, D),),
            Level.A2,
            PillarStatus.IN_PROGRESS,
            id="module followed → in progress",
        ),
        pytest.param(
            (uitgeleerd(NT2, D),), Level.A2, PillarStatus.DONE, id="uitgeleerd in NT2 → done"
        ),
        pytest.param(
            (uitgeleerd(MO, D), passed(TestKind.B1_ORAL, D, Level.B1)),
            Level.A2,
            PillarStatus.NOT_STARTED,
            id="uitgeleerd in MO or a B1 oral pass does not meet NT2",
        ),
    ],
)
def test_nt2_status(facts: tuple[Fact, ...], target: Level, status: PillarStatus) -> None:
    assert view(person(facts=facts, nt2_target=target), NT2, D).status is status


@pytest.mark.parametrize(
    ("facts", "today", "status", "met_on", "late"),
    [
        pytest.param(
            (), TODAY, PillarStatus.NOT_STARTED, None, False, id="not registered yet → not started"
        ),
        pytest.param(
            (fact(FactKind.VDAB_REGISTERED, date(2024, 4, 2)),),
            D,
            PillarStatus.DONE,
            date(2024, 4, 2),
            False,
            id="registered within 2 months → done",
        ),
        pytest.param(
            (fact(FactKind.VDAB_REGISTERED, VDAB_DL),),
            D,
            PillarStatus.DONE,
            VDAB_DL,
            False,
            id="registered on the deadline day → in time",
        ),
        pytest.param(
            (),
            date(2024, 5, 16),
            PillarStatus.OVERDUE,
            None,
            False,
            id="not registered the day after the deadline → overdue",
        ),
        pytest.param(
            (fact(FactKind.VDAB_REGISTERED, date(2024, 5, 16)),),
            D,
            PillarStatus.DONE,
            date(2024, 5, 16),
            True,
            id="registered late → still met, flagged late",
        ),
    ],
)
def test_vdab_status(
    facts: tuple[Fact, ...], today: date, status: PillarStatus, met_on: date | None, late: bool
) -> None:
    v = view(person(facts=facts), VDAB, today)
    assert (v.status, v.met_on, v.late, v.deadline) == (status, met_on, late, VDAB_DL)


def test_vdab_deadline_moves_with_a_suspension() -> None:
    p = person(suspensions=(Suspension(date(2024, 4, 1), date(2024, 4, 30)),))
    assert view(p, VDAB, D).deadline == date(2024, 6, 14)


def test_vdab_not_required_for_a_worker() -> None:
    v = view(person(situation=Situation.WORKS), VDAB)
    assert (v.status, v.required, v.deadline) == (PillarStatus.NOT_REQUIRED, False, None)


@pytest.mark.parametrize(
    ("facts", "status", "hours", "met_on"),
    [
        pytest.param((), PillarStatus.NOT_STARTED, 0, None, id="no hours → not started"),
        pytest.param(
            (hours(date(2024, 4, 10), 20), hours(date(2024, 5, 10), 19)),
            PillarStatus.IN_PROGRESS,
            39,
            None,
            id="39 confirmed hours → in progress",
        ),
        pytest.param(
            (hours(date(2024, 5, 10), 25), hours(date(2024, 4, 10), 15), hours(D, 8)),
            PillarStatus.DONE,
            48,
            date(2024, 5, 10),
            id="met on the day the 40th hour was confirmed",
        ),
        pytest.param(
            (hours(date(2024, 4, 10), 39), hours(date(2024, 7, 1), 1)),
            PillarStatus.IN_PROGRESS,
            39,
            None,
            id="hours confirmed after today do not count",
        ),
    ],
)
def test_participation_hours(
    facts: tuple[Fact, ...], status: PillarStatus, hours: int, met_on: date | None
) -> None:
    v = view(person(facts=facts), P4, D)
    assert (v.status, v.hours, v.met_on) == (status, hours, met_on)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"situation": Situation.WORKS}, id="works"),
        pytest.param({"situation": Situation.STUDIES}, id="studies"),
        pytest.param({"obligation": Obligation.VOLUNTARY}, id="voluntary"),
    ],
)
def test_participation_is_optional_but_hours_are_shown(changes: dict[str, object]) -> None:
    some = view(person(facts=(hours(date(2024, 4, 10), 12),), **changes), P4, D)
    assert (some.status, some.required, some.hours, some.deadline) == (
        PillarStatus.NOT_REQUIRED,
        False,
        12,
        None,
    )
    enough = view(person(facts=(hours(date(2024, 4, 10), 40),), **changes), P4, D)
    assert (enough.status, enough.required) == (PillarStatus.DONE, False)


def test_suspended_today_shows_suspended_even_past_a_deadline() -> None:
    after_deadline = Suspension(date(2024, 9, 20), date(2024, 10, 20))
    p = person(suspensions=(after_deadline,), facts=(fact(FactKind.VDAB_REGISTERED, D),))
    statuses = {v.pillar: v.status for v in pillar_views(p, date(2024, 10, 1), RULES)}
    assert statuses == {
        MO: PillarStatus.SUSPENDED,
        NT2: PillarStatus.SUSPENDED,
        VDAB: PillarStatus.DONE,
        P4: PillarStatus.SUSPENDED,
    }
    assert view(p, MO, date(2024, 10, 21)).status is PillarStatus.OVERDUE


def test_deadlines_come_from_the_contract_and_move_with_suspensions() -> None:
    p = person(suspensions=(Suspension(date(2024, 6, 1), date(2024, 6, 10)),))
    deadlines = {v.pillar: v.deadline for v in pillar_views(p, D, RULES)}
    assert deadlines == {
        MO: date(2024, 9, 25),
        NT2: date(2025, 9, 25),
        VDAB: VDAB_DL,  # the suspension starts after it: unchanged
        P4: date(2025, 3, 25),
    }


def test_no_contract_no_deadlines() -> None:
    p = person(contract_signed_on=None)
    assert all(v.deadline is None for v in pillar_views(p, D, RULES))


def test_missing_component_deadline_means_none() -> None:
    p = person(component_deadlines=(ComponentDeadline(NT2, NT2_DL),))
    assert view(p, MO, date(2030, 1, 1)).deadline is None
    assert view(p, MO, date(2030, 1, 1)).status is PillarStatus.NOT_STARTED


def test_the_latest_agreed_component_deadline_holds() -> None:
    revised = person(
        component_deadlines=(ComponentDeadline(MO, MO_DL), ComponentDeadline(MO, date(2024, 8, 1)))
    )
    assert view(revised, MO, D).deadline == date(2024, 8, 1)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"protection": Protection.PENDING}, id="pending applicant"),
        pytest.param({"register": Register.NONE}, id="not eligible"),
    ],
)
def test_outside_the_trajectory_nothing_is_required(changes: dict[str, object]) -> None:
    p = person(facts=(passed(TestKind.NT2, D, Level.A2), hours(D, 5)), **changes)
    views = pillar_views(p, D)
    assert [v.pillar for v in views] == [MO, NT2, VDAB, P4]
    assert all(
        (v.status, v.required, v.deadline, v.met_on)
        == (PillarStatus.NOT_REQUIRED, False, None, None)
        for v in views
    )
    assert views[3].hours == 5


def test_views_in_pillar_order_with_default_rules() -> None:
    assert [v.pillar for v in pillar_views(person(), TODAY)] == [MO, NT2, VDAB, P4]


# --- the attest -----------------------------------------------------------------------------

MO_PASS = passed(TestKind.MO, date(2024, 8, 1))
NT2_PASS = passed(TestKind.NT2, date(2025, 6, 1), Level.A2)
VDAB_IN_TIME = fact(FactKind.VDAB_REGISTERED, date(2024, 4, 2))
FORTY_HOURS = hours(date(2025, 2, 1), 40)
LATER = date(2025, 7, 1)


@pytest.mark.parametrize(
    ("changes", "facts", "today", "expected"),
    [
        pytest.param(
            {"situation": Situation.WORKS},
            (MO_PASS, NT2_PASS),
            LATER,
            date(2025, 6, 1),
            id="worker: MO and NT2 met → attest on the last pass",
        ),
        pytest.param(
            {},
            (MO_PASS, NT2_PASS, VDAB_IN_TIME),
            LATER,
            None,
            id="obliged non-worker without 40 hours → no attest",
        ),
        pytest.param(
            {},
            (MO_PASS, NT2_PASS, VDAB_IN_TIME, FORTY_HOURS),
            LATER,
            date(2025, 6, 1),
            id="obliged non-worker with all four → attest",
        ),
        pytest.param(
            {"obligation": Obligation.VOLUNTARY},
            (MO_PASS, NT2_PASS, VDAB_IN_TIME),
            LATER,
            date(2025, 6, 1),
            id="voluntary: pillar 4 optional",
        ),
        pytest.param(
            {"situation": Situation.STUDIES},
            (MO_PASS, NT2_PASS),
            LATER,
            None,
            id="student of working age still needs VDAB",
        ),
        pytest.param(
            {},
            (MO_PASS, uitgeleerd(NT2, date(2025, 6, 10)), VDAB_IN_TIME, FORTY_HOURS),
            LATER,
            date(2025, 6, 10),
            id="uitgeleerd in NT2 counts as met",
        ),
        pytest.param(
            {},
            (MO_PASS, NT2_PASS, fact(FactKind.VDAB_REGISTERED, date(2025, 6, 20)), FORTY_HOURS),
            LATER,
            date(2025, 6, 20),
            id="late VDAB registration still meets the pillar",
        ),
        pytest.param(
            {"situation": Situation.WORKS},
            (MO_PASS, NT2_PASS),
            date(2025, 5, 31),
            None,
            id="a pass dated after today is ignored",
        ),
        pytest.param(
            {"situation": Situation.WORKS, "exemptions": (Exemption(MO, date(2024, 4, 1)),)},
            (NT2_PASS,),
            LATER,
            date(2025, 6, 1),
            id="exemption counts as met",
        ),
        pytest.param(
            {"situation": Situation.WORKS, "protection": Protection.PENDING},
            (MO_PASS, NT2_PASS),
            LATER,
            None,
            id="NT2-only person gets no attest",
        ),
        pytest.param(
            {"birth_date": date(1959, 6, 20)},
            (MO_PASS, NT2_PASS, FORTY_HOURS),
            LATER,
            date(2025, 6, 20),
            id="never registered with VDAB, reaches pension age → attest that day",
        ),
    ],
)
def test_attest(
    changes: dict[str, object], facts: tuple[Fact, ...], today: date, expected: date | None
) -> None:
    assert attest_on(person(facts=facts, **changes), today, RULES) == expected
    assert attest_on(person(facts=facts, **changes), today) == expected


def test_attest_once_reached_stays_reached() -> None:
    p = person(situation=Situation.WORKS, facts=(MO_PASS, NT2_PASS))
    assert {attest_on(p, d) for d in (LATER, date(2030, 1, 1), date(2060, 1, 1))} == {
        date(2025, 6, 1)
    }


# ---------------------------------------------------------------- minors (product default)
# Signed on 15 March 2024 at 16 (born 1 July 2007): the VDAB two months run from the 18th
# birthday, 1 July 2025 → deadline 1 September 2025; before the 18th birthday VDAB is not required.
MINOR_BIRTH = date(2007, 7, 1)
EIGHTEEN = date(2025, 7, 1)


@pytest.mark.parametrize(
    ("birth", "today", "status", "deadline"),
    [
        pytest.param(MINOR_BIRTH, date(2024, 6, 1), PillarStatus.NOT_REQUIRED, None,
                     id="minor, after signing + 2 months: not required, not overdue"),
        pytest.param(MINOR_BIRTH, date(2025, 6, 30), PillarStatus.NOT_REQUIRED, None,
                     id="the day before the 18th birthday: not required"),
        pytest.param(MINOR_BIRTH, EIGHTEEN, PillarStatus.NOT_STARTED, date(2025, 9, 1),
                     id="18th birthday: two months from today"),
        pytest.param(MINOR_BIRTH, date(2025, 9, 1), PillarStatus.NOT_STARTED, date(2025, 9, 1),
                     id="on the deadline: not overdue yet"),
        pytest.param(MINOR_BIRTH, date(2025, 9, 2), PillarStatus.OVERDUE, date(2025, 9, 1),
                     id="after the deadline counted from the 18th birthday: overdue"),
        pytest.param(date(2006, 3, 15), date(2024, 5, 16), PillarStatus.OVERDUE, VDAB_DL,
                     id="18 on the signing day: two months from signing"),
        pytest.param(date(2006, 3, 16), date(2024, 5, 16), PillarStatus.NOT_STARTED,
                     date(2024, 5, 16), id="18 the day after signing: from the birthday"),
    ],
)  # fmt: skip
def test_a_minor_gets_the_vdab_months_from_the_18th_birthday(
    birth: date, today: date, status: PillarStatus, deadline: date | None
) -> None:
    v = view(person(birth_date=birth), VDAB, today)
    assert (v.status, v.deadline) == (status, deadline)


def test_a_minors_vdab_deadline_moves_with_a_later_suspension() -> None:
    p = person(
        birth_date=MINOR_BIRTH, suspensions=(Suspension(date(2025, 8, 1), date(2025, 8, 10)),)
    )
    assert view(p, VDAB, date(2025, 8, 20)).deadline == date(2025, 9, 11)


@given(
    birth=st.dates(min_value=date(2000, 1, 1), max_value=date(2012, 12, 31)),
    signed=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)),
    days=st.integers(min_value=0, max_value=3000),
)
def test_no_overdue_vdab_for_a_deadline_that_passed_while_a_minor(
    birth: date, signed: date, days: int
) -> None:
    today = signed + timedelta(days=days)
    p = person(birth_date=birth, contract_signed_on=signed)
    v = view(p, VDAB, today)
    eighteen = nth_birthday(birth, 18)
    if v.status is PillarStatus.OVERDUE:
        assert v.deadline is not None and v.deadline < today
        # the deadline lies two months after signing and after the 18th birthday
        assert v.deadline >= add_months(max(signed, eighteen), 2)
    if today < eighteen:
        assert v.status is PillarStatus.NOT_REQUIRED


# ---------------------------------------------------------------- MO exemption test (product default)


@pytest.mark.parametrize(
    ("facts", "status", "met_on"),
    [
        pytest.param((passed(TestKind.MO_EXEMPTION, date(2024, 3, 20)),), PillarStatus.DONE,
                     date(2024, 3, 20), id="exemption test passed, no course: met"),
        pytest.param((failed(TestKind.MO_EXEMPTION, date(2024, 3, 20)),), PillarStatus.IN_PROGRESS,
                     None, id="exemption test failed: the course and the MO test remain"),
        pytest.param((passed(TestKind.MO_EXEMPTION, date(2024, 3, 20)),
                      failed(TestKind.MO, date(2024, 3, 25))), PillarStatus.DONE,
                     date(2024, 3, 20), id="a later MO fail does not undo the exemption pass"),
        pytest.param((passed(TestKind.MO_EXEMPTION, date(2024, 4, 2)),), PillarStatus.NOT_STARTED,
                     None, id="a pass dated after today does not count yet"),
    ],
)  # fmt: skip
def test_a_passed_mo_exemption_test_meets_mo_without_the_course(
    facts: tuple[Fact, ...], status: PillarStatus, met_on: date | None
) -> None:
    v = view(person(facts=facts), MO)
    assert (v.status, v.met_on) == (status, met_on)


@given(
    passed_on=st.dates(min_value=SIGNED, max_value=date(2026, 1, 1)),
    later=st.lists(
        st.builds(
            Fact,
            kind=st.just(FactKind.TEST_RESULT),
            on=st.dates(min_value=SIGNED, max_value=date(2026, 1, 1)),
            test=st.sampled_from([TestKind.MO, TestKind.MO_EXEMPTION]),
            passed=st.booleans(),
        ),
        max_size=4,
    ),
    days=st.integers(min_value=0, max_value=900),
)
def test_mo_is_met_from_an_exemption_pass_on_whatever_follows(
    passed_on: date, later: list[Fact], days: int
) -> None:
    today = passed_on + timedelta(days=days)
    facts = (passed(TestKind.MO_EXEMPTION, passed_on), *later)
    v = view(person(facts=facts), MO, today)
    assert v.status is PillarStatus.DONE
    assert v.met_on is not None and v.met_on <= passed_on
    assert not any(f.kind is FactKind.MO_COURSE_FOLLOWED for f in facts)
