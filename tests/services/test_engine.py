"""Database connections stay healthy without a ping before every request: no `SELECT 1` per
checkout, and a server that drops its connections costs one failed request, not more."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from portal.db.engine import make_engine


def test_no_ping_before_each_use(database_url, monkeypatch):
    engine = make_engine(database_url)
    statements: list[str] = []
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        for _ in range(3):
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 42"))
    finally:
        engine.dispose()
    asked = [s for s in statements if not s.upper().startswith(("BEGIN", "PRAGMA"))]
    assert asked == ["SELECT 42"] * 3
    assert pings == []


def test_after_the_server_drops_the_connections_one_request_fails_and_then_all_work(
    database_url,
):
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite has no server to drop connections")
    admin = make_engine(database_url)
    try:
        with engine.connect() as connection:  # two pooled connections, both idle afterwards
            with engine.connect() as other:
                pids = {
                    connection.execute(sa.text("SELECT pg_backend_pid()")).scalar(),
                    other.execute(sa.text("SELECT pg_backend_pid()")).scalar(),
                }
        with admin.connect() as killer:
            for pid in pids:
                killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        failures = 0
        for _ in range(4):
            try:
                with engine.connect() as connection:
                    assert connection.execute(sa.text("SELECT 1")).scalar() == 1
            except DBAPIError as error:
                assert error.connection_invalidated  # the pool starts afresh
                failures += 1
        assert failures == 1
    finally:
        engine.dispose()
        admin.dispose()
