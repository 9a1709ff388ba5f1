""" "My integration" kept by the worker (services.dashboard on PostgreSQL, web.pages.render_kept):
a page view that nothing changed asks the database nothing and renders nothing, yet every
change — a record, a message, on this server or another — is on the next view, each answer
has its own form token, and one person's page is never another's."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from portal.web.context import Rendered
from tests.support.web import csrf_token, sign_in, wait_for

# ---------------------------------------------------------------- the rendered pages on their own


@given(st.lists(st.integers(0, 6), max_size=60), st.integers(1, 4))
def test_rendered_pages_keep_the_most_recently_used(keys: list[int], size: int):
    pages = Rendered(size=size)
    used: list[int] = []
    for key in keys:
        if pages.get(key) is None:
            pages.put(key, f"page {key}")
        used = [k for k in used if k != key] + [key]
    assert len(pages) == min(size, len(set(keys)))
    assert {k for k in range(7) if pages.get(k) is not None} == set(used[-size:])


# ---------------------------------------------------------------- on PostgreSQL, in the app


@pytest.fixture
def pg_only(app, client):
    if app.state.portal.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one process: nothing is kept")
    assert wait_for(lambda: app.state.portal.reader.cache.live)
    return app


def queries(monkeypatch) -> list[str]:
    """The queries the event loop's connections send (sessions, kept pages)."""
    seen: list[str] = []
    real = psycopg.AsyncConnection.execute

    async def counted(self, query, *args, **kwargs):
        text = str(query)
        if text.startswith("SELECT") and ("web_session" in text or "person_dashboard" in text):
            seen.append("session" if "web_session" in text else "page")
        return await real(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counted)
    return seen


def renders(monkeypatch, app) -> list[str]:
    seen: list[str] = []
    templates = app.state.portal.templates
    real = templates.get_template

    def counted(name, *args, **kwargs):
        seen.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(templates, "get_template", counted)
    return seen


def person_id(engine: Any, subject: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT id FROM person WHERE subject = :s"), {"s": subject}
        ).scalar_one()


def test_a_page_nothing_changed_asks_no_database_and_renders_nothing(pg_only, client, monkeypatch):
    sign_in(client, "demo-gent-new")
    client.get("/my")  # computed and stored
    client.get("/my")  # read and kept by the worker, rendered and kept
    seen, rendered = queries(monkeypatch), renders(monkeypatch, pg_only)
    first, second = client.get("/my"), client.get("/my")
    assert first.status_code == second.status_code == 200
    assert seen == [] and rendered == []
    assert "Amina" in first.text and first.headers["cache-control"] == "no-store"
    # the same page, each answer with its own masking of the form token, and both valid
    tokens = csrf_token(first.text), csrf_token(second.text)
    assert tokens[0] != tokens[1]
    assert re.sub(r'value="[^"]{40,}"', "", first.text) == re.sub(
        r'value="[^"]{40,}"', "", second.text
    )
    assert client.post("/logout", data={"csrf_token": tokens[0]}).status_code == 303


def test_a_message_written_by_another_server_is_on_the_next_view(pg_only, client):
    sign_in(client, "demo-gent-new")
    client.get("/my")
    before = client.get("/my").text
    engine = pg_only.state.portal.engine
    who = person_id(engine, "demo-gent-new")
    count = re.search(r'<span class="badge">(\d+)<', before)
    unread = int(count.group(1)) if count else 0
    with engine.begin() as conn:  # another server, a job: not through this worker
        conn.execute(
            sa.text(
                "INSERT INTO message (person_id, kind, params, created_at) "
                "VALUES (:p, 'contract_ready', '{}', now())"
            ),
            {"p": who},
        )
    badge = f'<span class="badge">{unread + 1}<'
    assert badge not in before
    assert wait_for(lambda: badge in client.get("/my").text, seconds=2)


def test_a_record_changed_by_another_server_is_on_the_next_view(pg_only, client):
    sign_in(client, "demo-gent-new")
    client.get("/my")
    assert "Aminata" not in client.get("/my").text
    engine = pg_only.state.portal.engine
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE person SET given_name = 'Aminata' WHERE subject = :s"),
            {"s": "demo-gent-new"},
        )
    assert wait_for(lambda: "Aminata" in client.get("/my").text, seconds=2)


def test_each_language_and_each_person_has_its_own_page(pg_only, client, settings):
    from starlette.testclient import TestClient

    from portal.app import create_app

    sign_in(client, "demo-gent-new")
    client.get("/my")
    assert 'lang="nl"' in client.get("/my").text
    french = client.get("/my?lang=fr")
    assert 'lang="fr"' in french.text and "Bonjour Amina." in french.text
    assert 'lang="fr"' in client.get("/my").text  # the choice is kept, and so is its page
    with TestClient(pg_only, follow_redirects=False) as other:
        sign_in(other, "demo-mo-done")
        theirs = other.get("/my").text
        theirs = other.get("/my").text
        assert "Amina" not in theirs
    assert "Amina" in client.get("/my").text
    with TestClient(create_app(settings), follow_redirects=False) as elsewhere:
        sign_in(elsewhere, "demo-mo-done")
        assert "Amina" not in elsewhere.get("/my").text


def test_without_its_listening_connection_a_worker_keeps_no_page(pg_only, client, monkeypatch):
    reader = pg_only.state.portal.reader
    sign_in(client, "demo-gent-new")
    client.get("/my")
    client.get("/my")
    with pg_only.state.portal.engine.connect() as killer:
        killer.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    assert wait_for(lambda: not reader.cache.live, seconds=2)
    assert all(len(kept) == 0 for kept in reader.kept.values())
    seen = queries(monkeypatch)
    assert "Amina" in client.get("/my").text
    assert "Amina" in client.get("/my").text
    assert seen.count("page") == 2  # every view reads the page while nobody listens
