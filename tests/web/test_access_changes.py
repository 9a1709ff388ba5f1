"""Access follows role changes at once: a revoked role stops at the next request (the subject's
sessions end with the change), a new role counts from the next sign-in, and nobody else is
signed out. Each test makes its own officer and colleague (tests/support/factories.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from portal.db.engine import session_scope
from portal.services import admin
from tests.support.web import sign_in


def test_a_revoked_officer_stops_reading_at_the_next_request(client, app, make):
    officer = make.officer()
    sign_in(client, officer)
    assert client.get("/municipality").status_code == 200
    with TestClient(app, follow_redirects=False) as colleague:
        sign_in(colleague, make.counsellor())
        with session_scope(app.state.portal.engine) as db:
            admin.revoke(db, "admin", officer, "municipality", now=datetime.now(UTC))
        after = client.get("/municipality")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
        assert client.get("/municipality/export.csv").status_code == 303
        assert colleague.get("/staff").status_code == 200  # others keep working
    # signing in again: the portal no longer knows a role for this subject
    landing = sign_in(client, officer)
    assert landing.headers["location"] == "/welcome"
    assert client.get("/municipality").status_code == 403


def test_a_new_role_counts_at_once(client, app, make):
    officer = make.officer()
    sign_in(client, officer)
    with session_scope(app.state.portal.engine) as db:
        admin.grant(db, "admin", officer, "admin", "Officer and admin")
    assert client.get("/admin").status_code == 303  # signed out: sign in again
    sign_in(client, officer)
    assert client.get("/admin").status_code == 200  # admin outranks the municipality role
