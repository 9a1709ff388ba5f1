"""Engine and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Make an engine. On SQLite: WAL, foreign keys, a busy timeout, and `BEGIN IMMEDIATE`
    so that a write transaction takes the lock at its start (no lost updates between threads
    or processes)."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # a single read (the session lookup): no transaction, no write lock
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, **{**SERVER_POOL, **kwargs})


SERVER_POOL: dict[str, Any] = {
    # No ping before every checkout (it was a round trip per request): connections are kept
    # healthy instead. The pool replaces a connection after 5 minutes (before proxies and
    # firewalls drop idle ones, and so that a failover is picked up), TCP keepalives notice a
    # dead server on an idle connection, and a connection that fails anyway is invalidated by
    # SQLAlchemy with the whole pool (one failed request after a database restart, not more).
    "pool_pre_ping": False,
    "pool_recycle": 300,
    # as many connections as the worker runs threads for blocking work (app.py sets anyio's
    # limiter to the pool's size): a request never waits for a connection, and none is opened
    # and closed per request (an overflow connection is closed when it is given back; opening
    # one costs a PostgreSQL backend). The overflow serves the rare code that holds two.
    "pool_size": 10,
    "max_overflow": 10,
    "pool_timeout": 10,
    "connect_args": {
        "connect_timeout": 5,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    },
}


def insert_for(bind: Any, table: Any) -> Any:
    """An INSERT into `table` for the database `bind` (an engine, connection or session) uses,
    with PostgreSQL's and SQLite's ON CONFLICT clauses (`on_conflict_do_nothing`, `…_update`)."""
    from sqlalchemy.dialects import postgresql, sqlite

    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def threads_for(engine: Engine) -> int | None:
    """How many threads may do blocking work (database calls) at once in a worker: the
    connection pool's size, so that each has a connection waiting; None when the pool has no
    fixed size (SQLite in memory)."""
    size = getattr(engine.pool, "size", None)
    return size() if callable(size) else None
