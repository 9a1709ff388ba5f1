"""The session lookups a worker keeps (services.web_sessions.SessionCache): a signed-in request
answers without the database, and every change to a session — on this server or another —
reaches every worker, so that a sign-out signs out everywhere."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from portal.services.web_sessions import SessionCache
from tests.support.web import csrf_token, sign_in, wait_for

SEEN = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def row(data: dict[str, Any], staff: bool = False) -> tuple[Any, ...]:
    return (staff, data, SEEN, SEEN)


def live_cache(**kwargs: Any) -> SessionCache:
    cache = SessionCache(**kwargs)
    cache.going(live=True)
    return cache


# ---------------------------------------------------------------- the cache on its own


def test_nothing_is_kept_while_the_worker_does_not_listen():
    cache = SessionCache()
    cache.keep("a", cache.generation, row({"subject": "x"}))
    assert cache.get("a") is None
    cache.going(live=True)
    cache.keep("a", cache.generation, row({"subject": "x"}))
    assert cache.get("a") is not None
    cache.going(live=False)  # the listening connection broke: forget everything
    assert cache.get("a") is None and len(cache) == 0


def test_a_lookup_that_ran_while_a_change_arrived_is_not_kept():
    cache = live_cache()
    generation = cache.generation  # the lookup starts
    cache.drop("a")  # a notification: session "a" changed (or any other session)
    cache.keep("a", generation, row({"subject": "old"}))
    assert cache.get("a") is None
    cache.keep("a", cache.generation, row({"subject": "new"}))
    assert cache.get("a")[1] == {"subject": "new"}


def test_each_request_gets_its_own_copy_of_the_data():
    cache = live_cache()
    cache.keep("a", cache.generation, row({"auth": {"role": "citizen"}}))
    first = cache.get("a")[1]
    first["auth"]["role"] = "admin"  # a handler changing what it was given
    assert cache.get("a")[1] == {"auth": {"role": "citizen"}}


def test_a_kept_lookup_is_trusted_for_a_short_time_only(monkeypatch):
    cache = live_cache(seconds=30)
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache.keep("a", cache.generation, row({}))
    now[0] += 29
    assert cache.get("a") is not None
    now[0] += 2
    assert cache.get("a") is None


def test_emptying_the_table_drops_every_lookup():
    cache = live_cache()
    for key in "abc":
        cache.keep(key, cache.generation, row({}))
    cache.drop("*")
    assert [cache.get(key) for key in "abc"] == [None, None, None]


@given(st.lists(st.sampled_from("abcdefgh"), max_size=60), st.integers(1, 5))
def test_at_most_size_lookups_are_kept_the_most_recently_used(keys, size):
    cache = live_cache(size=size)
    used: list[str] = []
    for key in keys:
        if cache.get(key) is None:
            cache.keep(key, cache.generation, row({"k": key}))
        used = [k for k in used if k != key] + [key]
    assert len(cache) <= size
    assert {k for k in "abcdefgh" if cache.get(k)} == set(used[-size:])


# ---------------------------------------------------------------- on PostgreSQL, in the app


@pytest.fixture
def pg_only(app):
    if app.state.portal.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one process: nothing is kept")
    return app


def lookups(monkeypatch) -> list[str]:
    """The session lookups that reach the database (psycopg's async connections)."""
    seen: list[str] = []
    real = psycopg.AsyncConnection.execute

    async def counted(self, query, *args, **kwargs):
        if str(query).startswith("SELECT") and "web_session" in str(query):
            seen.append(str(query).split()[0])
        return await real(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counted)
    return seen


def test_a_signed_in_request_after_the_first_asks_no_database(pg_only, client, monkeypatch):
    reader = pg_only.state.portal.reader
    assert wait_for(lambda: reader.cache.live)
    sign_in(client, "demo-gent-new")
    seen = lookups(monkeypatch)
    assert client.get("/ping").status_code == 200
    assert seen == ["SELECT"]  # looked up once, then kept
    assert client.get("/ping").status_code == 200
    page = client.get("/my")
    assert page.status_code == 200 and "Amina" in page.text
    assert seen == ["SELECT"]


def test_a_change_to_the_session_is_seen_by_the_next_request(pg_only, client):
    """The worker that writes a session drops what it kept before answering."""
    reader = pg_only.state.portal.reader
    assert wait_for(lambda: reader.cache.live)
    sign_in(client, "demo-gent-new")
    assert 'lang="nl"' in client.get("/my").text
    client.get("/my?lang=fr")  # saved in the session
    assert 'lang="fr"' in client.get("/my").text


def test_a_sign_out_on_one_server_signs_out_on_the_other(pg_only, client, settings):
    from starlette.testclient import TestClient

    from portal.app import create_app

    with TestClient(create_app(settings), follow_redirects=False) as other:
        readers = [pg_only.state.portal.reader, other.app.state.portal.reader]
        assert wait_for(lambda: all(r.cache.live for r in readers))
        sign_in(client, "demo-gent-new")
        other.cookies.set("portal_session", client.cookies.get("portal_session"))
        assert other.get("/my").status_code == 200
        assert other.get("/my").status_code == 200  # the other server keeps the session now
        assert wait_for(lambda: len(readers[1].cache) == 1)
        page = client.get("/my")
        assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 303
        # the database tells the other server at once (a notification, milliseconds)
        assert wait_for(lambda: len(readers[1].cache) == 0, seconds=2)
        replay = other.get("/my")
        assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_without_its_listening_connection_a_worker_keeps_nothing_then_listens_again(
    pg_only, client, monkeypatch
):
    reader = pg_only.state.portal.reader
    assert wait_for(lambda: reader.cache.live)
    sign_in(client, "demo-gent-new")
    client.get("/ping")
    engine = pg_only.state.portal.engine
    with engine.connect() as killer:  # the listener's connection dies (a restart, a proxy)
        killer.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    assert wait_for(lambda: not reader.cache.live, seconds=2)
    assert len(reader.cache) == 0
    seen = lookups(monkeypatch)
    assert client.get("/ping").status_code == 200
    assert client.get("/ping").status_code == 200
    assert seen == ["SELECT", "SELECT"]  # every request asks while nobody listens
    assert wait_for(lambda: reader.cache.live, seconds=10)  # it listens again
    client.get("/ping")
    client.get("/ping")
    assert seen == ["SELECT", "SELECT", "SELECT"]
