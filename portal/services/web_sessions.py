"""The server-side session store: a row per signed-in browser, keyed by the SHA-256 of the random
id its cookie carries, with the session's data and times. The web layer's session middleware
(web/sessions.py) decides when to load, write or drop a session; this module does the storing,
each call in its own unit of work."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete
from sqlalchemy.engine import Engine as Engine
from sqlmodel import col

from portal.db.engine import SERVER_POOL, session_scope
from portal.db.models import WebSession
from portal.settings import Settings

log = logging.getLogger("portal.sessions")


def digest(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


def limits(settings: Settings, staff: bool) -> tuple[timedelta, timedelta]:
    """How long a session may stay idle, and how long it may live at most."""
    idle = settings.session_idle_staff_minutes if staff else settings.session_idle_citizen_minutes
    return timedelta(minutes=idle), timedelta(hours=settings.session_absolute_hours)


@dataclass(frozen=True)
class Stored:
    """A live session as stored (`expired`: it was past a limit and is now deleted)."""

    data: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime
    expired: bool = False


_TABLE = WebSession.__table__  # type: ignore[attr-defined]
_LOOKUP = sa.select(
    _TABLE.c.staff, _TABLE.c.data, _TABLE.c.created_at, _TABLE.c.last_seen_at
).where(_TABLE.c.id == sa.bindparam("id"))
_DELETE = sa.delete(_TABLE).where(_TABLE.c.id == sa.bindparam("id"))


def _autocommit(engine: Engine) -> Engine:
    """The engine in autocommit, made once per engine (not per request) and kept on it."""
    found: Engine | None = getattr(engine, "_portal_autocommit", None)
    if found is None:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine._portal_autocommit = found  # type: ignore[attr-defined]
    return found


def load(engine: Engine, settings: Settings, raw_id: str, now: datetime) -> Stored | None:
    """The session of a cookie's id; None when unknown. A session past its idle or absolute
    limit is deleted and comes back `expired`. On every request of a signed-in person: one
    statement in autocommit (no BEGIN/COMMIT round trips, and on SQLite no write lock), read
    with SQLAlchemy Core (no ORM session and objects for four columns)."""
    key = digest(raw_id)
    with _autocommit(engine).connect() as conn:
        row = conn.execute(_LOOKUP, {"id": key}).first()
        if row is None:
            return None
        found = _judged(settings, row[0], row[1], row[2], row[3], now)
        if found.expired:
            conn.execute(_DELETE, {"id": key})
        return found


def _judged(
    settings: Settings, staff: bool, data: Any, created: datetime, seen: datetime, now: datetime
) -> Stored:
    """A stored session as found at `now` (expired: past its idle or absolute limit)."""
    idle, absolute = limits(settings, staff)
    if now - seen > idle or now - created > absolute:
        return Stored({}, created, seen, expired=True)
    return Stored(dict(data), created, seen)


# PostgreSQL tells every worker which sessions changed (migration 0025: a trigger on web_session
# sends the changed row's id on this channel, "*" when the table is emptied)
CHANNEL = "portal_web_session"
CACHE_SECONDS = 30.0  # the longest a worker trusts a kept lookup (the listener's heartbeat, too)
CACHE_SIZE = 5000  # lookups kept per worker and kind, the least recently used dropped first
LISTEN_RETRY_SECONDS = 2.0


class Kept:
    """Rows a worker keeps by key, so that a request need not ask the database (PostgreSQL
    only: `AsyncReader`), for one kind of row told of on one channel. Only kept while the worker
    listens for changes: every change to a row, on any server, reaches every worker by
    LISTEN/NOTIFY (a trigger sends the row's key, "*" for all) and drops the row here; the
    worker that makes a change drops it at once, before its answer leaves. Without a listening
    connection nothing is kept (every request asks the database). A kept row is trusted for
    `CACHE_SECONDS` at most (bounding what a notification lost without a broken connection could
    cost), and at most `size` are kept. Values are kept as given: immutable ones only.

    A lookup that was running while a change arrived is not kept: `generation` changes with
    every drop, and a lookup is kept only if it did not change while the lookup ran."""

    def __init__(self, size: int = CACHE_SIZE, seconds: float = CACHE_SECONDS) -> None:
        self.size = size
        self.seconds = seconds
        self.live = False  # a listening connection is up: lookups may be kept
        self.generation = 0
        self._ticks = itertools.count(1)
        self._rows: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()  # drops come from threads too (the middleware's writes)

    def __len__(self) -> int:
        return len(self._rows)

    def value(self, key: str) -> Any:
        """The kept value of `key`; None when not kept."""
        with self._lock:
            entry = self._rows.get(key)
            if entry is None:
                return None
            if not self.live or time.monotonic() - entry[0] > self.seconds:
                del self._rows[key]
                return None
            self._rows.move_to_end(key)
        return entry[1]

    def keep_value(self, key: str, generation: int, value: Any) -> None:
        """Keep a lookup's `value`, read while `generation` held."""
        with self._lock:
            if not self.live or generation != self.generation:
                return
            self._rows[key] = (time.monotonic(), value)
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def drop(self, key: str | None = None) -> None:
        """Forget a row (None or "*": every row)."""
        with self._lock:
            self.generation = next(self._ticks)
            if key is None or key == "*":
                self._rows.clear()
            else:
                self._rows.pop(key, None)

    def going(self, live: bool) -> None:
        """The listening connection is up (keep from now on) or down (keep nothing)."""
        with self._lock:
            self.generation = next(self._ticks)
            self._rows.clear()
            self.live = live


class SessionCache(Kept):
    """The session lookups a worker keeps: a signed-in request usually asks the database
    nothing. Every change to a session row (a sign-out, new data, the minute's "seen", an
    expiry) drops it (`CHANNEL`); a request gets its own copy of the data."""

    def get(self, key: str) -> tuple[bool, dict[str, Any], datetime, datetime] | None:
        """(staff, a copy of the data, created, seen) of a kept lookup; None when not kept."""
        entry = self.value(key)
        if entry is None:
            return None
        return entry[0], json.loads(entry[1]), entry[2], entry[3]

    def keep(self, key: str, generation: int, row: Any) -> None:
        """Keep a lookup's row (staff, data, created, seen) read while `generation` held."""
        self.keep_value(key, generation, (bool(row[0]), json.dumps(row[1]), row[2], row[3]))


class AsyncReader:
    """The session lookup on PostgreSQL without a thread: psycopg's asyncio driver with a small
    pool of its own (psycopg_pool), on the worker's event loop. A signed-in request then costs
    one query on the loop instead of a hop to a thread and back (measured: a signed-in /ping
    went from a third of an anonymous one's throughput to over half). The app's lifespan opens
    it in its loop and closes it; where it is not open (SQLite, a loop it was not opened in),
    `ready()` is False and callers use `load` in a thread. The statements are the Core ones
    above, compiled once for PostgreSQL. Other read-only page queries use it too (`first`:
    services.dashboard's "My integration")."""

    def __init__(
        self,
        engine: Engine,
        size: int = 4,
        cache: SessionCache | None = None,
        watch: tuple[str, ...] = (),
    ) -> None:
        self.cache = cache if cache is not None else SessionCache()
        # what the worker keeps, by the channel that tells of changes: the sessions, and the
        # rows of each channel in `watch` (services.dashboard's kept pages: `kept[channel]`)
        self.kept: dict[str, Kept] = {CHANNEL: self.cache, **{c: Kept() for c in watch}}
        self.listener: Any = None  # the task that keeps the cache true (LISTEN)
        self.conninfo: str | None = None
        self.connect_args: dict[str, Any] = {}
        if engine.dialect.name == "postgresql":
            url = engine.url.set(drivername="postgresql")
            self.conninfo = url.render_as_string(hide_password=False)
            self.connect_args = dict(SERVER_POOL["connect_args"])  # timeouts, keepalives
        self.size = size
        self.pools: dict[Any, Any] = {}  # event loop → its pool (a server has one loop)
        dialect = engine.dialect
        self.dialect = dialect
        self.lookup = str(_LOOKUP.compile(dialect=dialect))
        self.delete = str(_DELETE.compile(dialect=dialect))
        self.compiled: dict[Any, tuple[str, dict[str, Any]]] = {}

    @staticmethod
    def _loop() -> Any:
        import asyncio

        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    async def open(self) -> None:
        """Open a pool for the running loop."""
        if self.conninfo is None:
            return
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            self.conninfo,
            kwargs={**self.connect_args, "autocommit": True},
            min_size=1,
            max_size=self.size,
            open=False,
            name="sessions",
            timeout=10,
            max_lifetime=300,  # as the engine's pool_recycle
        )
        await pool.open(wait=False)  # a database that is not up yet does not stop start-up
        self.pools[self._loop()] = pool
        if self.listener is None:
            import asyncio

            self.listener = asyncio.get_running_loop().create_task(self._listen())

    async def close(self) -> None:
        """Close the running loop's pool (and stop listening)."""
        if self.listener is not None:
            import asyncio

            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.listener
            self.listener = None
        pool = self.pools.pop(self._loop(), None)
        if pool is not None:
            await pool.close()

    def _going(self, live: bool) -> None:
        for kept in self.kept.values():
            kept.going(live)

    async def _listen(self) -> None:
        """Keep what the worker keeps true: LISTEN on its own connection to every channel, drop
        what each notification names, and check the connection every `CACHE_SECONDS` (a query
        on a dead one fails). While there is no listening connection nothing is kept; it
        reconnects after a pause."""
        import asyncio

        import psycopg

        assert self.conninfo is not None
        beat = min(kept.seconds for kept in self.kept.values())
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, **self.connect_args
                )
                async with connection:
                    for channel in self.kept:
                        await connection.execute(f"LISTEN {channel}")
                    self._going(live=True)
                    while True:
                        async for note in connection.notifies(timeout=beat):
                            kept = self.kept.get(note.channel)
                            if kept is not None:
                                kept.drop(note.payload)
                        await connection.execute("SELECT 1")
            except (psycopg.Error, OSError) as error:
                log.warning("changes: not listening (%s); every lookup asks", error)
            finally:
                self._going(live=False)
            await asyncio.sleep(LISTEN_RETRY_SECONDS)

    def forget(self, raw_id: str) -> None:
        """Drop a session's kept lookup: this worker just changed or deleted it (any thread)."""
        self.cache.drop(digest(raw_id))

    def ready(self) -> bool:
        return bool(self.pools) and self._loop() in self.pools

    async def first(self, statement: Any, params: dict[str, Any]) -> Any:
        """The first row of a read-only Core `statement` (built once, compiled here once) with
        `params`, on the loop; None when there is none."""
        import psycopg

        found = self.compiled.get(statement)
        if found is None:
            compiled = statement.compile(dialect=self.dialect)
            found = self.compiled[statement] = (str(compiled), dict(compiled.params))
        sql, fixed = found
        pool = self.pools[self._loop()]
        try:
            async with pool.connection() as conn:
                cursor = await conn.execute(sql, {**fixed, **params})
                return await cursor.fetchone()
        except psycopg.OperationalError:
            await pool.check()  # as in `load`
            raise

    async def load(self, settings: Settings, raw_id: str, now: datetime) -> Stored | None:
        """As `load`, on the event loop; from the cache when it keeps the session."""
        import psycopg

        key = {"id": digest(raw_id)}
        kept = self.cache.get(key["id"])
        if kept is not None:
            found = _judged(settings, *kept, now)
            if not found.expired:
                return found
        generation = self.cache.generation
        pool = self.pools[self._loop()]
        try:
            async with pool.connection() as conn:
                cursor = await conn.execute(self.lookup, key)
                row = await cursor.fetchone()
                if row is None:
                    return None
                found = _judged(settings, row[0], row[1], row[2], row[3], now)
                if found.expired:
                    await conn.execute(self.delete, key)
                else:
                    self.cache.keep(key["id"], generation, row)
                return found
        except psycopg.OperationalError:
            # the server dropped the connection (a restart, a failover): this request fails,
            # and the pool drops its other idle connections that died with it (as the engine
            # invalidates its pool), so the next requests work
            await pool.check()
            raise


def drop(engine: Engine, raw_id: str) -> None:
    """Delete the session (sign-out, or a new id after sign-in)."""
    with session_scope(engine) as db:
        db.execute(delete(WebSession).where(col(WebSession.id) == digest(raw_id)))


def create(
    engine: Engine,
    raw_id: str,
    subject: str | None,
    staff: bool,
    data: dict[str, Any],
    now: datetime,
) -> None:
    with session_scope(engine) as db:
        db.add(
            WebSession(
                id=digest(raw_id),
                subject=subject,
                staff=staff,
                data=data,
                created_at=now,
                last_seen_at=now,
            )
        )


def save(
    engine: Engine, raw_id: str, subject: str | None, data: dict[str, Any], now: datetime
) -> None:
    """Write the data back and mark the session seen now (nothing when it is gone): one
    UPDATE."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(_TABLE)
            .where(_TABLE.c.id == digest(raw_id))
            .values(data=data, subject=subject, last_seen_at=now)
        )


def delete_expired(engine: Engine, settings: Settings, now: datetime) -> int:
    """Housekeeping: remove sessions past the absolute limit or the longest idle limit."""
    longest_idle = timedelta(
        minutes=max(settings.session_idle_citizen_minutes, settings.session_idle_staff_minutes)
    )
    absolute = timedelta(hours=settings.session_absolute_hours)
    with session_scope(engine) as db:
        result = db.execute(
            delete(WebSession).where(
                (col(WebSession.last_seen_at) < now - longest_idle)
                | (col(WebSession.created_at) < now - absolute)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
