"""Sanction facts (§2D) — only for obliged persons; ABB imposes sanctions, the portal records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

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
from portal.domain.sanctions import DEADLINE_PASSED, VDAB_LATE, SanctionFact, sanction_facts

MO, VDAB, P4 = Pillar.MO, Pillar.VDAB, Pillar.PARTICIPATION
MO_DL = date(2024, 9, 15)
VDAB_DL = date(2024, 5, 15)
P4_DL = date(2024, 9, 15)
LATE_REGISTRATION = Fact(FactKind.VDAB_REGISTERED, date(2024, 6, 3))
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
            person(LATE_REGISTRATION, MO_PASS, HOURS),
            date(2024, 7, 1),
            (SanctionFact(VDAB_LATE, VDAB, VDAB_DL, date(2024, 6, 3)),),
            id="late VDAB registration → a sanction fact dated on the registration",
        ),
        pytest.param(
            person(LATE_REGISTRATION, MO_PASS, HOURS, obligation=Obligation.VOLUNTARY),
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
            (SanctionFact(DEADLINE_PASSED, VDAB, VDAB_DL, None),),
            id="not registered the day after → deadline passed",
        ),
        pytest.param(
            person(LATE_REGISTRATION, HOURS),
            date(2024, 9, 16),
            (
                SanctionFact(VDAB_LATE, VDAB, VDAB_DL, date(2024, 6, 3)),
                SanctionFact(DEADLINE_PASSED, MO, MO_DL, None),
            ),
            id="MO test not passed by its deadline → deadline passed",
        ),
        pytest.param(
            person(LATE_REGISTRATION, MO_PASS, situation=Situation.WORKS),
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
        HOURS,
        suspensions=(Suspension(date(2024, 9, 20), date(2024, 10, 31)),),
    )
    assert sanction_facts(p, date(2024, 10, 1)) == (SanctionFact(DEADLINE_PASSED, MO, MO_DL, None),)
