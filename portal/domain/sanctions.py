"""Sanction facts the portal derives for obliged persons (ABB imposes sanctions, not the portal).

The note's triggers (§2D; DOMAIN.md "Sanctions", Product default "sanction language"): late first
registration; refusing the intake or to sign the contract; not taking part regularly and actively
in MO or NT2; refusing to take the MO or NT2 test, or to retake it after failing; late VDAB
registration; not meeting pillar 4. Nothing else is a sanction fact: a missed MO deadline is not
(the trigger is not taking part) and the NT2 term is a directional target, never a hard deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.contract import rules_for
from portal.domain.eligibility import person_eligibility
from portal.domain.model import (
    MET_STATUSES,
    PILLARS,
    Eligibility,
    Fact,
    FactKind,
    PersonFacts,
    Pillar,
    TestKind,
)
from portal.domain.pillars import pillar_views
from portal.domain.rules import RuleSet

# The pillars whose missed deadline is itself a trigger for an obliged person (the one definition:
# the alerts, the reminders and the sanction list all use it).
SANCTION_TRIGGERS: frozenset[Pillar] = frozenset({Pillar.VDAB, Pillar.PARTICIPATION})

VDAB_LATE = "vdab_late"
DEADLINE_PASSED = "deadline_passed"
LATE_REGISTRATION = "late_registration"
INTAKE_REFUSED = "intake_refused"
CONTRACT_REFUSED = "contract_refused"
IRREGULAR_PARTICIPATION = "irregular_participation"
TEST_REFUSED = "test_refused"
RETEST_REFUSED = "retest_refused"

# The tests whose refusal is a trigger (the MO exemption test is an offer, the B1 a follow-up).
REFUSABLE_TESTS: frozenset[TestKind] = frozenset({TestKind.MO, TestKind.NT2})
TEST_PILLAR = {TestKind.MO: Pillar.MO, TestKind.NT2: Pillar.NT2}

# Fact kinds the counsellor records that are sanction facts by themselves, and their kind here.
_RECORDED = {
    FactKind.LATE_REGISTRATION: LATE_REGISTRATION,
    FactKind.INTAKE_REFUSED: INTAKE_REFUSED,
    FactKind.CONTRACT_REFUSED: CONTRACT_REFUSED,
    FactKind.IRREGULAR_PARTICIPATION: IRREGULAR_PARTICIPATION,
}


@dataclass(frozen=True)
class SanctionFact:
    kind: str
    pillar: Pillar | None  # None: about the whole trajectory (registration, intake, contract)
    deadline: date | None  # the term, where one applies
    on: date | None  # the day it happened; None for a deadline passed (nothing happened)
    days_overdue: int | None = None  # after the term: on (or today, still open) - deadline
    reason: str = ""  # what the counsellor wrote when recording it

    @property
    def day(self) -> date:
        """The day that identifies it: the term where one applies, else the day it happened."""
        day = self.deadline if self.deadline is not None else self.on
        assert day is not None
        return day

    @property
    def key(self) -> tuple[str, str, date]:
        """(kind, pillar or "", day): what a counsellor's decision on it is kept under."""
        return self.kind, self.pillar.value if self.pillar else "", self.day


def days_overdue(deadline: date, on: date) -> int:
    """Whole days `on` lies after `deadline`; 0 on or before it."""
    return max(0, (on - deadline).days)


def is_retest(facts: tuple[Fact, ...], test: TestKind, on: date) -> bool:
    """A test refused on `on` is a retest when that test was failed before (or that day)."""
    return any(
        f.kind is FactKind.TEST_RESULT and f.test is test and f.passed is False and f.on <= on
        for f in facts
    )


def recorded_sanction_fact(fact: Fact, facts: tuple[Fact, ...] = ()) -> SanctionFact | None:
    """The sanction fact a recorded fact is (None when it is none): a first registration after
    its term, a refused intake or contract, irregular participation in MO or NT2, a refused
    (re)test. `facts`: the person's facts, to tell a retest from a first test."""
    if fact.kind is FactKind.LATE_REGISTRATION:
        if fact.due is None or fact.on <= fact.due:
            return None
        return SanctionFact(
            LATE_REGISTRATION, None, fact.due, fact.on, days_overdue(fact.due, fact.on), fact.note
        )
    if fact.kind is FactKind.IRREGULAR_PARTICIPATION:
        if fact.pillar not in {Pillar.MO, Pillar.NT2}:
            return None
        return SanctionFact(IRREGULAR_PARTICIPATION, fact.pillar, None, fact.on, None, fact.note)
    if fact.kind is FactKind.TEST_REFUSED:
        if fact.test not in REFUSABLE_TESTS:
            return None
        kind = RETEST_REFUSED if is_retest(facts, fact.test, fact.on) else TEST_REFUSED
        return SanctionFact(kind, TEST_PILLAR[fact.test], None, fact.on, None, fact.note)
    if fact.kind in _RECORDED:
        return SanctionFact(_RECORDED[fact.kind], None, None, fact.on, None, fact.note)
    return None


def _order(fact: SanctionFact) -> tuple[date, int, str]:
    return fact.day, PILLARS.index(fact.pillar) if fact.pillar else -1, fact.kind


def sanction_facts(
    person: PersonFacts, today: date, rules: RuleSet | None = None
) -> tuple[SanctionFact, ...]:
    """The note's triggers for an obliged person: the facts the counsellor recorded (see
    `recorded_sanction_fact`), late VDAB registration, and a trigger pillar (SANCTION_TRIGGERS)
    not met by its passed deadline.

    Only for obliged persons; empty for everyone else. A suspension that starts after a deadline
    does not undo the fact that it passed. Sorted by day, then pillar order, then kind.
    """
    if rules is None:
        rules = rules_for(person, today)
    if person_eligibility(person) is not Eligibility.OBLIGED:
        return ()
    result: list[SanctionFact] = []
    for view in pillar_views(person, today, rules):
        if view.deadline is None or view.pillar not in SANCTION_TRIGGERS:
            continue
        if view.late:
            assert view.met_on is not None
            result.append(
                SanctionFact(
                    VDAB_LATE,
                    view.pillar,
                    view.deadline,
                    view.met_on,
                    days_overdue(view.deadline, view.met_on),
                )
            )
        elif view.required and view.status not in MET_STATUSES and today > view.deadline:
            result.append(
                SanctionFact(
                    DEADLINE_PASSED,
                    view.pillar,
                    view.deadline,
                    None,
                    days_overdue(view.deadline, today),
                )
            )
    for fact in person.facts:
        found = recorded_sanction_fact(fact, person.facts)
        if found is not None:
            result.append(found)
    return tuple(sorted(result, key=_order))
