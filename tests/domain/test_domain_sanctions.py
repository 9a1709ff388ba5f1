"""Sanction facts (§2D) — only for obliged persons; ABB imposes sanctions, the portal records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.model import (
    ComponentDeadline,
    Fact,
    FactKind,
    Obligation,
    PersonFacts,
    Pillar,
    Protection,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.sanctions import (
    CONTRACT_REFUSED,
    DEADLINE_PASSED,
    INTAKE_REFUSED,
    IRREGULAR_PARTICIPATION,
    LATE_REGISTRATION,
    RETEST_REFUSED,
    TEST_REFUSED,
    VDAB_LATE,
    SanctionFact,
    days_overdue,
    is_retest,
    recorded_sanction_fact,
    sanction_facts,
)

MO, VDAB, P4 = Pillar.MO, Pillar.VDAB, Pillar.PARTICIPATION
MO_DL = date(2024, 9, 15)
VDAB_DL = date(2024, 5, 15)
P4_DL = date(2024, 9, 15)
LATE_VDAB = Fact(FactKind.VDAB_REGISTERED, date(2024, 6, 3))
MO_PASS = Fact(FactKind.TEST_RESULT, date(2024, 6, 1), test=TestKind.MO, passed=True)
HOURS = Fact(FactKind.PILLAR4_HOURS, date(2024, 6, 1), hours=40)


def person(*facts: Fact, **changes: object) -> PersonFacts:
    base = PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.POPULATION,
        obligation=Obligation.OBLIGED,
        contract_signed_on=date(2024, 3, 15),
        component_deadlines=(ComponentDeadline(MO, MO_DL), ComponentDeadline(P4, P4_DL)),
        facts=facts,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("p", "today", "expected"),
    [
        pytest.param(
            person(LATE_VDAB, MO_PASS, HOURS),
            date(2024, 7, 1),
            (SanctionFact(VDAB_LATE, VDAB, VDAB_DL, date(2024, 6, 3), 19),),
            id="late VDAB registration → a sanction fact dated on the registration, 19 days late",
        ),
        pytest.param(
            person(LATE_VDAB, MO_PASS, HOURS, obligation=Obligation.VOLUNTARY),
            date(2024, 7, 1),
            (),
            id="voluntary → never sanction facts",
        ),
        pytest.param(
            person(),
            VDAB_DL,
            (),
            id="on the deadline day → nothing yet",
        ),
        pytest.param(
            person(),
            date(2024, 5, 16),
            (SanctionFact(DEADLINE_PASSED, VDAB, VDAB_DL, None, 1),),
            id="not registered the day after → deadline passed, 1 day overdue",
        ),
        pytest.param(
            person(LATE_VDAB, HOURS),
            date(2024, 9, 16),
            (SanctionFact(VDAB_LATE, VDAB, VDAB_DL, date(2024, 6, 3), 19),),
            id="MO test not passed by its deadline → no fact (the trigger is not taking part)",
        ),
        pytest.param(
            person(LATE_VDAB, MO_PASS),
            date(2024, 9, 17),
            (
                SanctionFact(VDAB_LATE, VDAB, VDAB_DL, date(2024, 6, 3), 19),
                SanctionFact(DEADLINE_PASSED, P4, P4_DL, None, 2),
            ),
            id="pillar 4 not met by its deadline → deadline passed, 2 days overdue",
        ),
        pytest.param(
            person(LATE_VDAB, MO_PASS, situation=Situation.WORKS),
            date(2024, 9, 16),
            (),
            id="worker: VDAB and pillar 4 not required → no facts",
        ),
        pytest.param(
            person(
                MO_PASS,
                HOURS,
                Fact(FactKind.VDAB_REGISTERED, date(2024, 4, 1)),
                suspensions=(Suspension(date(2024, 9, 10), date(2024, 9, 30)),),
            ),
            date(2024, 9, 20),
            (),
            id="all met in time → nothing",
        ),
        pytest.param(
            person(protection=Protection.PENDING),
            date(2025, 1, 1),
            (),
            id="NT2-only → nothing",
        ),
    ],
)
def test_sanction_facts(p: PersonFacts, today: date, expected: tuple[SanctionFact, ...]) -> None:
    assert sanction_facts(p, today) == expected


def test_a_suspension_after_a_passed_deadline_does_not_undo_it() -> None:
    p = person(
        Fact(FactKind.VDAB_REGISTERED, date(2024, 4, 1)),
        MO_PASS,
        suspensions=(Suspension(date(2024, 9, 20), date(2024, 10, 31)),),
    )
    assert sanction_facts(p, date(2024, 10, 1)) == (
        SanctionFact(DEADLINE_PASSED, P4, P4_DL, None, 16),
    )


# --- the triggers the counsellor records ----------------------------------------------------

NT2 = Pillar.NT2
DAY = date(2024, 6, 10)
DUE = date(2024, 2, 1)


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        pytest.param(
            Fact(FactKind.LATE_REGISTRATION, date(2024, 2, 11), due=DUE, note="letter"),
            SanctionFact(LATE_REGISTRATION, None, DUE, date(2024, 2, 11), 10, "letter"),
            id="registered 10 days after the term → late registration, 10 days overdue",
        ),
        pytest.param(
            Fact(FactKind.LATE_REGISTRATION, DUE, due=DUE),
            None,
            id="registered on the last day → not late",
        ),
        pytest.param(
            Fact(FactKind.LATE_REGISTRATION, date(2024, 2, 11)),
            None,
            id="no term recorded → nothing derived",
        ),
        pytest.param(
            Fact(FactKind.INTAKE_REFUSED, DAY, note="did not come"),
            SanctionFact(INTAKE_REFUSED, None, None, DAY, None, "did not come"),
            id="intake refused",
        ),
        pytest.param(
            Fact(FactKind.CONTRACT_REFUSED, DAY),
            SanctionFact(CONTRACT_REFUSED, None, None, DAY),
            id="contract refused",
        ),
        pytest.param(
            Fact(FactKind.IRREGULAR_PARTICIPATION, DAY, pillar=NT2, note="3 of 10 lessons"),
            SanctionFact(IRREGULAR_PARTICIPATION, NT2, None, DAY, None, "3 of 10 lessons"),
            id="not taking part regularly in NT2",
        ),
        pytest.param(
            Fact(FactKind.IRREGULAR_PARTICIPATION, DAY, pillar=VDAB),
            None,
            id="irregular participation is about MO or NT2 only",
        ),
        pytest.param(
            Fact(FactKind.TEST_REFUSED, DAY, test=TestKind.MO),
            SanctionFact(TEST_REFUSED, MO, None, DAY),
            id="MO test refused",
        ),
        pytest.param(
            Fact(FactKind.TEST_REFUSED, DAY, test=TestKind.MO_EXEMPTION),
            None,
            id="the exemption test is an offer: refusing it is no trigger",
        ),
        pytest.param(Fact(FactKind.VDAB_REGISTERED, DAY), None, id="other facts → none"),
    ],
)
def test_recorded_sanction_fact(fact: Fact, expected: SanctionFact | None) -> None:
    assert recorded_sanction_fact(fact) == expected


NT2_FAIL = Fact(FactKind.TEST_RESULT, date(2024, 5, 1), test=TestKind.NT2, passed=False)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param((NT2_FAIL,), RETEST_REFUSED, id="after a failed NT2 test → retest refused"),
        pytest.param((), TEST_REFUSED, id="no result before → test refused"),
        pytest.param(
            (replace(NT2_FAIL, on=DAY + timedelta(days=1)),),
            TEST_REFUSED,
            id="a fail after the refusal does not make it a retest",
        ),
        pytest.param(
            (replace(NT2_FAIL, test=TestKind.MO),), TEST_REFUSED, id="a failed MO test: not NT2"
        ),
    ],
)
def test_a_refused_test_after_a_fail_is_a_refused_retest(
    facts: tuple[Fact, ...], expected: str
) -> None:
    refused = Fact(FactKind.TEST_REFUSED, DAY, test=TestKind.NT2)
    found = recorded_sanction_fact(refused, (*facts, refused))
    assert found is not None and found.kind == expected


def test_recorded_triggers_are_on_the_list_only_for_the_obliged() -> None:
    refused = Fact(FactKind.INTAKE_REFUSED, date(2024, 3, 1))
    irregular = Fact(FactKind.IRREGULAR_PARTICIPATION, date(2024, 4, 1), pillar=MO)
    obliged = person(refused, irregular, MO_PASS, HOURS)
    assert sanction_facts(obliged, date(2024, 4, 2)) == (
        SanctionFact(INTAKE_REFUSED, None, None, date(2024, 3, 1)),
        SanctionFact(IRREGULAR_PARTICIPATION, MO, None, date(2024, 4, 1)),
    )
    voluntary = replace(obliged, obligation=Obligation.VOLUNTARY)
    assert sanction_facts(voluntary, date(2024, 4, 2)) == ()


RECORDED_KINDS = st.sampled_from(
    [
        FactKind.LATE_REGISTRATION,
        FactKind.INTAKE_REFUSED,
        FactKind.CONTRACT_REFUSED,
        FactKind.IRREGULAR_PARTICIPATION,
        FactKind.TEST_REFUSED,
    ]
)
DAYS = st.dates(date(2023, 1, 1), date(2026, 12, 31))


@st.composite
def recorded_facts(draw: st.DrawFn) -> Fact:
    return Fact(
        draw(RECORDED_KINDS),
        draw(DAYS),
        test=draw(st.none() | st.sampled_from(list(TestKind))),
        pillar=draw(st.none() | st.sampled_from(list(Pillar))),
        due=draw(st.none() | DAYS),
        note=draw(st.text(max_size=20)),
    )


@given(recorded_facts(), st.lists(recorded_facts() | st.just(NT2_FAIL), max_size=4))
def test_recorded_sanction_facts_are_about_what_happened(fact: Fact, others: list[Fact]) -> None:
    found = recorded_sanction_fact(fact, tuple(others))
    if found is None:
        return
    assert found.on == fact.on and found.reason == fact.note
    assert found.day == (fact.due if found.kind == LATE_REGISTRATION else fact.on)
    if found.kind == LATE_REGISTRATION:
        assert fact.due is not None and found.days_overdue == (fact.on - fact.due).days > 0
    else:
        assert found.deadline is None and found.days_overdue is None
    if found.pillar is not None:
        assert found.pillar in {MO, NT2}
    assert (found.kind == RETEST_REFUSED) == (
        fact.kind is FactKind.TEST_REFUSED
        and fact.test is not None
        and is_retest(tuple(others), fact.test, fact.on)
    )


@given(DAYS, DAYS)
def test_days_overdue_is_never_negative_and_counts_the_days_after(deadline: date, on: date) -> None:
    overdue = days_overdue(deadline, on)
    assert overdue >= 0
    assert overdue == max(0, (on - deadline).days)
    assert (overdue > 0) is (on > deadline)
