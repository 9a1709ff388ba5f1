"""Calendar arithmetic for deadlines, ages and suspensions (pure; no clock reads)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from portal.domain.model import Suspension


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the last day of the target month.

    15 March + 2 → 15 May; 31 December + 2 → 28 February (29 in a leap year);
    31 January + 2 → 31 March. `months` may be negative.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(index, 12)
    month = month_index + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def nth_birthday(birth_date: date, years: int) -> date:
    """The day a person born on `birth_date` turns `years` old.

    Someone born on 29 February has their birthday on 1 March in a non-leap year
    (the day they are no longer "not yet" that age), consistent with `age_on`.
    """
    year = birth_date.year + years
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth_date.month, birth_date.day)


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on `day`.

    Born on 29 February: the birthday falls on 1 March in non-leap years (on 28 February such a
    person is still the younger age). Before the birth date the result is negative.
    """
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def shift_for_suspensions(deadline: date, suspensions: Iterable[Suspension]) -> date:
    """Move `deadline` by every suspension that starts on or before it (product default).

    A suspension of N days moves every later deadline by N days. Suspensions are taken in order of
    their start; each compares against the deadline as already moved by the earlier ones, so a
    suspension that starts after the (moved) deadline changes nothing.
    """
    current = deadline
    for suspension in sorted(suspensions, key=lambda s: (s.start, s.end)):
        if suspension.start <= current:
            current += timedelta(days=suspension.days)
    return current
