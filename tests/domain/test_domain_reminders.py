"""Reminders: 30, 7 and 1 days before a deadline or a booked test, 7 and 30 days after a fee
arose; each once (its key), never for what passed; sanction language only for the note's
triggers and obliged persons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.model import Pillar
from portal.domain.reminders import (
    ReminderKind,
    due_reminders,
    window_after,
    window_before,
)

TODAY = date(2026, 12, 14)


@pytest.mark.parametrize(
    ("days_left", "window"),
    [(31, None), (30, 30), (29, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)],
)
def test_window_before(days_left, window):
    assert window_before(days_left, (30, 7, 1)) == window


@pytest.mark.parametrize(
    ("days_open", "window"), [(0, None), (6, None), (7, 7), (29, 7), (30, 30), (400, 30)]
)
def test_window_after(days_open, window):
    assert window_after(days_open, (7, 30)) == window


@pytest.mark.parametrize(
    ("pillar", "obliged", "sanction"),
    [
        (Pillar.VDAB, True, True),
        (Pillar.PARTICIPATION, True, True),
        (Pillar.MO, True, False),  # the trigger is not taking part, not the date
        (Pillar.NT2, True, False),  # a directional target
        (Pillar.VDAB, False, False),  # voluntary: plain reminders
    ],
)
def test_sanction_language_only_for_the_notes_triggers(pillar, obliged, sanction):
    [reminder] = due_reminders(
        TODAY, deadlines=[(pillar, TODAY + timedelta(days=7))], obliged=obliged
    )
    assert reminder.sanction is sanction
    assert (reminder.kind, reminder.window, reminder.days) == (ReminderKind.DEADLINE, 7, 7)


def test_a_test_and_a_fee():
    test_day = TODAY + timedelta(days=1)
    reminders = due_reminders(
        TODAY,
        tests=[(12, "mo", test_day)],
        fees=[("mo_course:1", TODAY - timedelta(days=7)), ("test:3", TODAY - timedelta(days=2))],
        obliged=True,
    )
    assert [(r.kind, r.key) for r in reminders] == [
        (ReminderKind.FEE, "fee:mo_course:1:7"),
        (ReminderKind.TEST, f"test:12:{test_day.isoformat()}:1"),
    ]


def test_a_moved_deadline_or_test_day_is_reminded_again():
    before = due_reminders(TODAY, deadlines=[(Pillar.MO, TODAY + timedelta(days=5))], obliged=True)
    after = due_reminders(TODAY, deadlines=[(Pillar.MO, TODAY + timedelta(days=6))], obliged=True)
    assert before[0].key != after[0].key


days = st.integers(-60, 400)


@given(
    st.lists(st.tuples(st.sampled_from(list(Pillar)), days), max_size=4),
    st.lists(st.tuples(st.integers(1, 99), st.sampled_from(["mo", "nt2"]), days), max_size=3),
    st.integers(0, 200),
)
def test_every_day_of_a_year_each_window_is_sent_at_most_once_and_never_after_the_date(
    deadlines, tests, start
):
    """Run a round every day from `start` days before: no key comes twice with another window
    of the same date, nothing comes after its date, and the windows only narrow."""
    first = TODAY - timedelta(days=start)
    dated = [(p, TODAY + timedelta(days=d)) for p, d in deadlines]
    booked = [(b, t, TODAY + timedelta(days=d)) for b, t, d in tests]
    sent: dict[str, int] = {}
    for offset in range(start + 401):
        today = first + timedelta(days=offset)
        for reminder in due_reminders(today, deadlines=dated, tests=booked, obliged=True):
            assert today <= reminder.on
            assert 0 <= reminder.days <= reminder.window
            sent.setdefault(reminder.key, reminder.window)
    # per date, the windows sent are among 30, 7, 1: at most three reminders per deadline
    per_date: dict[str, set[int]] = {}
    for key, window in sent.items():
        per_date.setdefault(key.rsplit(":", 1)[0], set()).add(window)
    assert all(windows <= {30, 7, 1} for windows in per_date.values())
