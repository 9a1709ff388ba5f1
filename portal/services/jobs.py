"""Periodic jobs, once per round per deployment.

Every app process runs the same housekeeping loop; before a job runs, the process claims the
job's current round by inserting (job, round) under a unique key. Exactly one process succeeds,
on SQLite and on PostgreSQL alike, so with four workers a stale payment is still asked at Mollie
once per round, not four times. A round is a slice of wall-clock time (`round_seconds`); the
fixed demo clock (PORTAL_NOW) does not stop rounds from turning.

A job that takes longer than its round must not run twice at once either (two app servers
sending the same reminders): on PostgreSQL the work runs under a session advisory lock per job
(`pg_try_advisory_lock`); a process that claims a new round while the job still runs elsewhere
skips it. SQLite has one writer at a time anyway (`BEGIN IMMEDIATE`)."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
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
    with exclusive(engine, job) as alone:
        if not alone:
            log.info("job %s still runs elsewhere: this round is skipped", job)
            return False
        try:
            work()
        except Exception:
            log.exception("job %s failed", job)
    return True


def lock_key(job: str) -> int:
    """A stable 64-bit advisory-lock key for a job (the same in every process and server)."""
    digest = hashlib.sha256(f"portal.job:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, job: str) -> Iterator[bool]:
    """While inside, no other process runs `job` (PostgreSQL: a session advisory lock on a
    connection of its own, in autocommit so that no transaction stays open); yields whether
    this process has it. Elsewhere (SQLite: one machine, one writer) always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = lock_key(job)
        alone = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        try:
            yield alone
        finally:
            if alone:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def sweep(engine: Engine, wall: datetime | None = None, keep: timedelta = timedelta(days=2)) -> int:
    """Forget rounds older than `keep`."""
    wall = wall or datetime.now(UTC)
    with session_scope(engine) as db:
        return db.exec(delete(m.JobRun).where(col(m.JobRun.started_at) < wall - keep)).rowcount
