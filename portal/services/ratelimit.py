"""A sliding-window limit on wrong attempts, counted in the database so that every app process
(and every app server) shares the counts.

An attempt is written *before* it is judged and counted together with the others in the window;
a caller over the limit has its own row removed again (a refused attempt does not prolong the
wait) and an attempt that turns out right is removed too. Two processes racing near the limit can
therefore refuse each other, but can never let through more wrong attempts than the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func
from sqlmodel import col, select

from portal.db import models as m
from portal.db.engine import session_scope


@dataclass(frozen=True)
class Attempt:
    """Rows written for one attempt; settle it with `forgive` when it was not a wrong one."""

    ids: tuple[int, ...]
    allowed: bool
    retry_after_seconds: int = 0


def begin(
    engine: Engine,
    buckets: Sequence[str],
    now: datetime,
    *,
    limit: int,
    window: timedelta,
) -> Attempt:
    """Count an attempt in every bucket; refused when any bucket then holds more than `limit`."""
    since = now - window
    with session_scope(engine) as db:
        rows = [m.RateLimitHit(bucket=bucket, at=now) for bucket in buckets]
        db.add_all(rows)
        db.commit()
        ids = tuple(int(r.id) for r in rows if r.id is not None)
    with session_scope(engine) as db:
        over = False
        oldest: datetime | None = None
        for bucket in buckets:
            count, first = db.exec(
                select(func.count(), func.min(m.RateLimitHit.at)).where(
                    m.RateLimitHit.bucket == bucket, m.RateLimitHit.at > since
                )
            ).one()
            if count > limit:
                over = True
                if first is not None and (oldest is None or first > oldest):
                    oldest = first
    if not over:
        return Attempt(ids=ids, allowed=True)
    forgive(engine, ids)
    wait = window
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        wait = max(timedelta(seconds=1), oldest + window - now)
    return Attempt(ids=(), allowed=False, retry_after_seconds=max(1, int(wait.total_seconds())))


def forgive(engine: Engine, ids: Sequence[int]) -> None:
    """Remove an attempt's rows (it was refused, or it was not a wrong one)."""
    if not ids:
        return
    with session_scope(engine) as db:
        db.execute(delete(m.RateLimitHit).where(col(m.RateLimitHit.id).in_(ids)))
        db.commit()


def sweep(engine: Engine, now: datetime, keep: timedelta) -> int:
    """Drop rows older than any window still in use (housekeeping)."""
    with session_scope(engine) as db:
        result = db.execute(delete(m.RateLimitHit).where(col(m.RateLimitHit.at) <= now - keep))
        db.commit()
        return int(getattr(result, "rowcount", 0) or 0)
