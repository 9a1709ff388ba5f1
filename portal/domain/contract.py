"""The integration contract's deadlines and shared helpers (pure).

Lower-level than `pillars` and `deadlines` so that both can use it without an import cycle;
`deadlines` re-exports `vdab_deadline` and `directional_deadline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from portal.domain.dates import add_months, nth_birthday, shift_for_suspensions
from portal.domain.model import Fact, PersonFacts, Pillar, Suspension
from portal.domain.rules import RuleSet, rules_on


def rules_for(person: PersonFacts, today: date) -> RuleSet:
    """The rules an obligation is computed with: those in force on the day it arose (signing)."""
    return rules_on(person.contract_signed_on or today)


def facts_until(person: PersonFacts, today: date) -> tuple[Fact, ...]:
    """The facts that happened on or before `today` (later-dated facts are ignored)."""
    return tuple(f for f in person.facts if f.on <= today)


def suspension_on(person: PersonFacts, day: date) -> Suspension | None:
    """The suspension that covers `day` (the earliest-starting one if several overlap)."""
    for suspension in sorted(person.suspensions, key=lambda s: (s.start, s.end)):
        if suspension.start <= day <= suspension.end:
            return suspension
    return None


class SuspensionProblem(StrEnum):
    """Why a suspension cannot be recorded (the service's error codes)."""

    PERIOD_ORDER = "period_order"  # ends before it starts
    NO_CONTRACT = "no_contract"  # no signed contract: nothing to suspend
    BEFORE_SIGNING = "suspension_before_signing"  # starts on or before the signing day
    OVERLAPS = "suspension_overlaps"  # shares a day with a suspension already recorded


def suspension_problem(
    new: Suspension, signed_on: date | None, existing: Iterable[Suspension]
) -> SuspensionProblem | None:
    """Whether `new` may be added to the `existing` suspensions (product default: suspensions lie
    after the signing day and never overlap). The first problem found, in the order of
    SuspensionProblem; None when it may be added."""
    if new.end < new.start:
        return SuspensionProblem.PERIOD_ORDER
    if signed_on is None:
        return SuspensionProblem.NO_CONTRACT
    if new.start <= signed_on:
        return SuspensionProblem.BEFORE_SIGNING
    if any(s.start <= new.end and new.start <= s.end for s in existing):
        return SuspensionProblem.OVERLAPS
    return None


def vdab_deadline(signed_on: date, rules: RuleSet) -> date:
    """Register with VDAB/Actiris within N calendar months of signing (before suspensions)."""
    return add_months(signed_on, rules.vdab_registration_months)


def vdab_start(person: PersonFacts, rules: RuleSet) -> date | None:
    """The day the VDAB months start running: the signing day, or for a person who signed before
    working age (a minor) the birthday on which they reach it (product default: the 18th). None
    without a contract."""
    if person.contract_signed_on is None:
        return None
    return max(person.contract_signed_on, nth_birthday(person.birth_date, rules.working_age_from))


def component_deadline(person: PersonFacts, pillar: Pillar) -> date | None:
    """The deadline recorded for `pillar`'s component (before suspensions), or None.

    If several are recorded for one pillar, the last one listed (the latest agreement) holds.
    Callers check that a contract was signed (without one there are no deadlines).
    """
    agreed = [c.deadline for c in person.component_deadlines if c.pillar is pillar]
    return agreed[-1] if agreed else None


def agreed_deadline(person: PersonFacts, pillar: Pillar, rules: RuleSet) -> date | None:
    """A pillar's deadline after suspensions; None without a contract (or agreed deadline).

    VDAB: `vdab_start` (signing, or the 18th birthday of a person who signed as a minor) +
    `rules.vdab_registration_months`; the others: the contract's component deadline.
    """
    start = vdab_start(person, rules)
    if start is None:
        return None
    if pillar is Pillar.VDAB:
        raw: date | None = vdab_deadline(start, rules)
    else:
        raw = component_deadline(person, pillar)
    if raw is None:
        return None
    return shift_for_suspensions(raw, person.suspensions)


def directional_deadline(person: PersonFacts) -> date | None:
    """The trajectory's richttermijn, after suspensions.

    The NT2 component's deadline (the planned NT2 duration sets it), else the latest component
    deadline; None without a contract or without component deadlines.
    """
    if person.contract_signed_on is None or not person.component_deadlines:
        return None
    raw = component_deadline(person, Pillar.NT2)
    if raw is None:
        raw = max(c.deadline for c in person.component_deadlines)
    return shift_for_suspensions(raw, person.suspensions)
