"""Periodic jobs run once per round per deployment: separate OS processes on one database
(SQLite and PostgreSQL) claim a round, and exactly one of them gets it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.services import jobs

WALL = datetime(2026, 12, 4, 15, 0, 30, tzinfo=UTC)

CLAIM = """
import sys
from datetime import datetime
from portal.db.engine import make_engine
from portal.services import jobs
engine = make_engine(sys.argv[1])
print("claimed" if jobs.claim(engine, "payments", 60, datetime.fromisoformat(sys.argv[2])) else "-")
"""


@pytest.mark.parametrize(
    ("moment", "seconds", "same_as_wall"),
    [
        (WALL, 60, True),
        (WALL + timedelta(seconds=29), 60, True),  # 15:00:59: the same minute
        (WALL + timedelta(seconds=30), 60, False),  # 15:01:00: the next round
        (WALL - timedelta(seconds=31), 60, False),
        (WALL + timedelta(minutes=4), 300, True),  # 15:04:30 in the round 15:00-15:05
    ],
)
def test_rounds_are_slices_of_wall_clock_time(moment, seconds, same_as_wall):
    assert (jobs.round_of(moment, seconds) == jobs.round_of(WALL, seconds)) is same_as_wall


def test_a_round_lasts_at_least_a_second():
    with pytest.raises(ValueError):
        jobs.round_of(WALL, 0)


@pytest.mark.slow
def test_separate_processes_claim_a_round_once(database_url):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, database_url, WALL.isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["-", "-", "-", "claimed"]
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            [run] = db.exec(select(m.JobRun).where(m.JobRun.job == "payments")).all()
        assert run.round == jobs.round_of(WALL, 60)
        # the next round is free again, and another job's round is its own
        assert jobs.claim(engine, "payments", 60, WALL + timedelta(seconds=30))
        assert jobs.claim(engine, "mail", 60, WALL)
        assert not jobs.claim(engine, "mail", 60, WALL + timedelta(seconds=10))
        # old rounds are swept
        assert jobs.sweep(engine, WALL + timedelta(days=3)) == 3
    finally:
        engine.dispose()


def test_work_runs_only_for_the_process_that_claims_the_round(database_url, caplog):
    engine = make_engine(database_url)
    done: list[str] = []
    try:

        def work() -> None:
            done.append("ran")
            raise RuntimeError("Mollie is down")

        first = jobs.run_once_per_round(engine, "tidy", 60, work, WALL)
        again = jobs.run_once_per_round(engine, "tidy", 60, work, WALL + timedelta(seconds=5))
        later = jobs.run_once_per_round(engine, "tidy", 60, work, WALL + timedelta(seconds=60))
    finally:
        engine.dispose()
    assert [first, again, later] == [True, False, True] and done == ["ran", "ran"]
    assert "job tidy failed" in caplog.text  # logged, never raised


def test_a_job_still_running_elsewhere_is_not_started_again(database_url):
    """A round turns while another server still runs the job: this process skips it."""
    engine = make_engine(database_url)
    done: list[str] = []
    try:
        with jobs.exclusive(engine, "reminders") as first:
            assert first
            skipped = jobs.run_once_per_round(
                engine, "reminders", 60, lambda: done.append("ran"), WALL
            )
            other_job = jobs.run_once_per_round(
                engine, "tidy", 60, lambda: done.append("tidy"), WALL
            )
        after = jobs.run_once_per_round(
            engine, "reminders", 60, lambda: done.append("ran"), WALL + timedelta(seconds=60)
        )
    finally:
        engine.dispose()
    if engine.dialect.name == "postgresql":
        assert (skipped, other_job, after) == (False, True, True)
        assert done == ["tidy", "ran"]
    else:  # SQLite: one writer at a time; the round's claim is what keeps it once
        assert (skipped, other_job, after) == (True, True, True)


@pytest.mark.parametrize("job", ["mail", "tidy", "payments", "reminders"])
def test_lock_keys_are_stable_and_distinct(job):
    assert jobs.lock_key(job) == jobs.lock_key(job)
    others = {jobs.lock_key(j) for j in ("mail", "tidy", "payments", "reminders") if j != job}
    assert jobs.lock_key(job) not in others
    assert -(2**63) <= jobs.lock_key(job) < 2**63
