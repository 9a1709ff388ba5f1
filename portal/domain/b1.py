"""B1 oral follow-up (§2F): is the B1 oral test owed after the attest? (pure)

Owed only by an obliged person of working age on the attest day who, in the window
[attest day, attest day + b1_window_months], did not work, train or study for
b1_uninterrupted_months uninterrupted months. Never assumed for everyone. A B1 oral pass closes it.
`b1_view` says why and until when (shown to the person and the counsellor from the attest on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from portal.domain.contract import rules_for
from portal.domain.dates import add_months
from portal.domain.eligibility import person_eligibility
from portal.domain.model import Eligibility, FactKind, PersonFacts, TestKind
from portal.domain.pillars import attest_on, of_working_age
from portal.domain.rules import RuleSet

_ONE_DAY = timedelta(days=1)


class B1Status(StrEnum):
    NOT_APPLICABLE = "not_applicable"  # voluntary, not of working age, or no attest (yet)
    NOT_OWED = "not_owed"  # an uninterrupted spell of work/training/study in the window
    OPEN = "open"  # no such spell yet, but one can still happen in the window
    OWED = "owed"  # no such spell, and there is no longer time for one
    PASSED = "passed"  # a B1 oral test passed: nothing more is owed


#: The statuses in which the B1 oral test can be booked (from the attest on, until it is passed).
B1_BOOKABLE = frozenset({B1Status.OPEN, B1Status.OWED})


@dataclass(frozen=True)
class B1View:
    """The B1 oral follow-up on `today`: the status, and why and until when.

    `attest_on`: the day the window starts; `until`: the last day of the window (attest day +
    b1_window_months); `spell`: the first uninterrupted spell of work, training or study long
    enough to make it not owed; `passed_on`: the day of the first B1 oral pass.
    """

    status: B1Status
    attest_on: date | None = None
    until: date | None = None
    spell: tuple[date, date] | None = None
    passed_on: date | None = None


def activity_spells(
    person: PersonFacts, window_start: date, window_end: date, today: date
) -> tuple[tuple[date, date], ...]:
    """Spells of work, training or study (any PeriodKind), clipped to the window, merged.

    Overlapping periods and periods that touch (the next one starts the day after) merge into one
    spell. Periods starting after `today` are ignored; an ongoing period (until=None), or one whose
    recorded end is still in the future, counts up to `today`.
    """
    spans: list[tuple[date, date]] = []
    for fact in person.facts:
        if fact.kind is not FactKind.PERIOD or fact.on > today:
            continue
        end = today if fact.until is None else min(fact.until, today)
        start, end = max(fact.on, window_start), min(end, window_end)
        if start <= end:
            spans.append((start, end))
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def b1_view(person: PersonFacts, today: date, rules: RuleSet | None = None) -> B1View:
    """The B1 oral follow-up on `today` (only facts dated on or before `today` count).

    NOT_APPLICABLE for anyone but an obliged person of working age on the attest day; then PASSED
    once a B1 oral test is passed; NOT_OWED after an uninterrupted spell of b1_uninterrupted_months
    in the window; OPEN while such a spell can still fit in the window; OWED otherwise.
    """
    if rules is None:
        rules = rules_for(person, today)
    if person_eligibility(person) is not Eligibility.OBLIGED:
        return B1View(B1Status.NOT_APPLICABLE)
    attest = attest_on(person, today, rules)
    if attest is None or not of_working_age(person.birth_date, attest, rules):
        return B1View(B1Status.NOT_APPLICABLE)
    window_end = add_months(attest, rules.b1_window_months)
    passes = [
        f.on
        for f in person.facts
        if f.kind is FactKind.TEST_RESULT
        and f.test is TestKind.B1_ORAL
        and f.passed is True
        and f.on <= today
    ]
    if passes:
        return B1View(B1Status.PASSED, attest, window_end, passed_on=min(passes))

    def long_enough(start: date, end: date) -> bool:
        return end >= add_months(start, rules.b1_uninterrupted_months) - _ONE_DAY

    spells = activity_spells(person, attest, window_end, today)
    for start, end in spells:
        if long_enough(start, end):
            return B1View(B1Status.NOT_OWED, attest, window_end, spell=(start, end))
    # the earliest start a qualifying spell could still have: today, or the start of a spell that
    # runs up to today (or ended yesterday: a period starting today would touch it)
    earliest = min([today, *(start for start, end in spells if end + _ONE_DAY >= today)])
    if long_enough(earliest, window_end):
        return B1View(B1Status.OPEN, attest, window_end)
    return B1View(B1Status.OWED, attest, window_end)


def b1_status(person: PersonFacts, today: date, rules: RuleSet | None = None) -> B1Status:
    return b1_view(person, today, rules).status
