"""Periodic jobs, once per round per deployment.

Every app process runs the same housekeeping loop; before a job runs, the process claims the
job's current round by inserting (job, round) under a unique key. Exactly one process succeeds,
on SQLite and on PostgreSQL alike, so with four workers a stale payment is still asked at Mollie
once per round, not four times. A round is a slice of wall-clock time (`round_seconds`); the
fixed demo clock (PORTAL_NOW) does not stop rounds from turning."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from portal.db import models as m
from portal.db.engine import session_scope

log = logging.getLogger("portal.jobs")

WORKER = f"{socket.gethostname()}:{os.getpid()}"[:100]


def round_of(moment: datetime, round_seconds: int) -> int:
    """The number of the round `moment` falls in (rounds of `round_seconds` since the epoch)."""
    if round_seconds < 1:
        raise ValueError("a round lasts at least 1 second")
    return int(moment.timestamp()) // round_seconds


def claim(engine: Engine, job: str, round_seconds: int, wall: datetime | None = None) -> bool:
    """Claim this round of `job` for this process; False when another process has it."""
    wall = wall or datetime.now(UTC)
    try:
        with session_scope(engine) as db:
            db.add(
                m.JobRun(
                    job=job, round=round_of(wall, round_seconds), started_at=wall, worker=WORKER
                )
            )
    except IntegrityError:
        return False
    return True


def run_once_per_round(
    engine: Engine,
    job: str,
    round_seconds: int,
    work: Callable[[], object],
    wall: datetime | None = None,
) -> bool:
    """Run `work` if this process claims the round; whether it ran. Errors are logged (the
    next round tries again)."""
    if not claim(engine, job, round_seconds, wall):
        return False
    try:
        work()
    except Exception:
        log.exception("job %s failed", job)
    return True


def sweep(engine: Engine, wall: datetime | None = None, keep: timedelta = timedelta(days=2)) -> int:
    """Forget rounds older than `keep`."""
    wall = wall or datetime.now(UTC)
    with session_scope(engine) as db:
        return db.exec(delete(m.JobRun).where(col(m.JobRun.started_at) < wall - keep)).rowcount
