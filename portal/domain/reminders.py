"""Reminders (pure): which reminders are due for a person today, each with a key that makes it
once per person (the service keeps the keys it sent).

- Before each deadline still to meet and before a booked test: in the window of 30, 7 and 1 days
  before (`RuleSet.reminder_days`). A round that did not run on the day sends the reminder of the
  window it is in, once: a person is never told twice in one window, and a window already passed
  is not made up for (one day before the deadline, the "30 days" reminder is no longer news).
- A fee still open: 7 and 30 days after it arose (`FEE_REMINDER_DAYS`, a product default: the
  note sets no payment term), once each.
- Sanction language only where the note makes missing the deadline a trigger for an obliged
  person: late VDAB registration and pillar 4 not met. The MO and NT2 deadlines get a plain
  reminder (for MO the trigger is not taking part; the NT2 term is a directional target).
  Voluntary persons always get plain reminders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.domain.model import Pillar
from portal.domain.sanctions import SANCTION_TRIGGERS

FEE_REMINDER_DAYS: tuple[int, ...] = (7, 30)


class ReminderKind(StrEnum):
    DEADLINE = "deadline"
    TEST = "test"
    FEE = "fee"


@dataclass(frozen=True)
class Reminder:
    key: str  # unique per person: what makes it once
    kind: ReminderKind
    on: date  # the deadline, the test's day, or the day the fee arose
    window: int  # the window's days (before the date; for a fee: after it arose)
    days: int  # today's distance: days left (deadline, test) or days open (fee)
    pillar: Pillar | None = None
    subject: str = ""  # the test kind, or the fee's charge key
    sanction: bool = False


def window_before(days_left: int, windows: Iterable[int]) -> int | None:
    """The window `days_left` falls in: the smallest window that is ≥ days_left; None when the
    date has passed or is further away than every window."""
    if days_left < 0:
        return None
    fitting = [w for w in windows if w >= days_left]
    return min(fitting) if fitting else None


def window_after(days_open: int, windows: Iterable[int]) -> int | None:
    """For something open `days_open` days: the largest window reached; None before the first."""
    reached = [w for w in windows if days_open >= w]
    return max(reached) if reached else None


def due_reminders(
    today: date,
    *,
    deadlines: Iterable[tuple[Pillar, date]] = (),
    tests: Iterable[tuple[int, str, date]] = (),
    fees: Iterable[tuple[str, date]] = (),
    obliged: bool,
    windows: tuple[int, ...] = (30, 7, 1),
    fee_windows: tuple[int, ...] = FEE_REMINDER_DAYS,
) -> tuple[Reminder, ...]:
    """The reminders due today. `deadlines`: (pillar, deadline) of the pillars still to meet;
    `tests`: (booking id, test kind, day) of the booked tests to come; `fees`: (charge key, the
    day it arose) of the fees still open. Sorted by date, then key."""
    found: list[Reminder] = []
    for pillar, deadline in deadlines:
        days = (deadline - today).days
        window = window_before(days, windows)
        if window is not None:
            found.append(
                Reminder(
                    f"deadline:{pillar.value}:{deadline.isoformat()}:{window}",
                    ReminderKind.DEADLINE,
                    deadline,
                    window,
                    days,
                    pillar=pillar,
                    sanction=obliged and pillar in SANCTION_TRIGGERS,
                )
            )
    for booking_id, test, day in tests:
        days = (day - today).days
        window = window_before(days, windows)
        if window is not None:
            found.append(
                Reminder(
                    f"test:{booking_id}:{day.isoformat()}:{window}",
                    ReminderKind.TEST,
                    day,
                    window,
                    days,
                    subject=test,
                )
            )
    for charge_key, arose_on in fees:
        days = (today - arose_on).days
        window = window_after(days, fee_windows)
        if window is not None:
            found.append(
                Reminder(
                    f"fee:{charge_key}:{window}",
                    ReminderKind.FEE,
                    arose_on,
                    window,
                    days,
                    subject=charge_key,
                )
            )
    return tuple(sorted(found, key=lambda r: (r.on, r.key)))
