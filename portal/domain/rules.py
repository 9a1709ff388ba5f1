"""The versioned rule set: every rule value (periods, ages, amounts) with the day it took effect.

An obligation is computed with the rules in force on the day it arose: `rules_on(day)`.
Amounts are integer euro cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RuleSet:
    effective_from: date
    version: str
    # pillars and deadlines
    vdab_registration_months: int = 2
    working_age_from: int = 18
    pension_age: int = 66  # legal pension age (Belgium, from 2025); a setting, not a constant
    participation_hours: int = 40
    # B1 oral follow-up (§2F)
    b1_window_months: int = 24
    b1_uninterrupted_months: int = 6
    # reminders and warnings: days before a deadline
    reminder_days: tuple[int, ...] = (30, 7, 1)
    # fees (§2C), in cents
    fee_mo_course_cents: int = 9000
    fee_mo_repeat_course_cents: int = 0
    fee_mo_test_cents: int = 9000
    fee_mo_exemption_test_cents: int = 9000
    fee_b1_oral_cents: int = 9000
    fee_nt2_retest_cents: int = 9000
    fee_nt2_per_lesson_period_cents: int = 150
    fee_nt2_cap_cents: int = 18000
    fee_nt2_utc_cents: int = 18000
    # test bookings (product defaults)
    booking_hold_minutes: int = 20  # a seat is held this long while the person pays
    free_cancellation_days: int = 7  # cancel/reschedule free up to this many days before

    @property
    def warn_days(self) -> int:
        """How far ahead a deadline counts as near (the earliest reminder)."""
        return max(self.reminder_days) if self.reminder_days else 0


# The rule sets in force, oldest first. The reform took effect on 1 January 2022.
RULE_SETS: tuple[RuleSet, ...] = (RuleSet(effective_from=date(2022, 1, 1), version="2022.1"),)


def rules_on(day: date, rule_sets: tuple[RuleSet, ...] = RULE_SETS) -> RuleSet:
    """The rule set in force on `day` (the first one for days before every effective date)."""
    ordered = sorted(rule_sets, key=lambda r: r.effective_from)
    chosen = ordered[0]
    for rule_set in ordered:
        if rule_set.effective_from <= day:
            chosen = rule_set
    return chosen
