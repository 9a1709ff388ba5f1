"""Sign-in with OpenID Connect against the real local provider; sessions held on the server."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import csrf_token, sign_in


def test_sign_in_round_trip_lands_on_the_persons_home(client, idp):
    response = sign_in(client, "demo-gent-new")
    assert response.status_code == 303
    assert response.headers["location"] == "/my"
    page = client.get("/my")
    assert page.status_code == 200
    assert "Amina" in page.text


def test_token_request_carries_the_verifier_of_the_challenge_we_sent(client, idp):
    before = len(idp.recorder.requests)
    sign_in(client, "demo-gent-new")
    seen = idp.recorder.requests[before:]
    authorize = next(r for r in seen if r["path"] == "/oauth2/authorize")
    token = next(r for r in seen if r["path"] == "/oauth2/token")
    query = parse_qs(authorize["query"])
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"][0] and query["state"][0]
    verifier = parse_qs(token["body"])["code_verifier"][0]
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge"] == [expected]


def test_session_id_changes_at_sign_in(client):
    client.get("/login")  # creates an anonymous session holding the OIDC state
    before = client.cookies.get("portal_session")
    assert before
    sign_in(client, "demo-gent-new")
    after = client.cookies.get("portal_session")
    assert after and after != before


def test_cookie_is_http_only_and_same_site_lax(client):
    response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # on plain http in development the cookie cannot be Secure (nor use the __Host- prefix)
    assert "Secure" not in cookie


def test_sign_out_kills_the_session_so_a_replayed_cookie_is_dead(client, app):
    sign_in(client, "demo-gent-new")
    stolen = client.cookies.get("portal_session")
    page = client.get("/my")
    response = client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    client.cookies.set("portal_session", stolen)
    replay = client.get("/my")
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(select(m.WebSession).where(m.WebSession.subject == "demo-gent-new")).first()
            is None
        )


def test_idle_citizen_session_expires_after_30_minutes(client, app):
    sign_in(client, "demo-gent-new")
    clock = app.state.portal.clock
    start = clock.now()
    clock.set(start + timedelta(minutes=29))
    assert client.get("/my").status_code == 200
    clock.set(start + timedelta(minutes=29 + 31))
    assert client.get("/my").status_code == 303


def test_staff_session_idles_out_after_15_minutes(client, app):
    sign_in(client, "demo-counsellor")
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(minutes=16))
    assert client.get("/staff").status_code == 303


def test_absolute_session_limit_is_12_hours(client, app):
    sign_in(client, "demo-gent-new")
    clock = app.state.portal.clock
    start = clock.now()
    for hours in range(1, 13):  # stay active, never idle
        clock.set(start + timedelta(hours=hours) - timedelta(minutes=1))
        client.get("/my")
    clock.set(start + timedelta(hours=12, minutes=1))
    assert client.get("/my").status_code == 303


@pytest.mark.parametrize(
    "cookie", ["garbage", "x" * 43, "a" * 5000, "'; DROP TABLE web_session;--"]
)
def test_unknown_or_tampered_cookie_means_signed_out(client, cookie):
    client.cookies.set("portal_session", cookie)
    response = client.get("/my")
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_forged_callback_state_mismatch_is_a_clear_message(client):
    client.get("/login")
    response = client.get("/auth/callback?code=abc&state=forged")
    assert response.status_code == 400
    assert 'href="/login"' in response.text
    assert "Traceback" not in response.text


def test_callback_with_error_parameter(client):
    response = client.get("/auth/callback?error=access_denied&state=x")
    assert response.status_code == 400
    assert 'href="/login"' in response.text


def test_callback_without_a_started_sign_in(client):
    response = client.get("/auth/callback?code=abc&state=abc")
    assert response.status_code == 400


def test_provider_down_is_a_translated_message(database_url):
    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(database_url, "http://127.0.0.1:9")  # nothing listens there
    with TestClient(create_app(settings), follow_redirects=False) as client:
        response = client.get("/login?lang=fr")
    assert response.status_code == 503
    assert 'lang="fr"' in response.text
    assert 'href="/login"' in response.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example/path",
        "\\\\evil.example",
        "javascript:alert(1)",
        "my",
    ],
)
def test_next_parameter_is_local_only(client, target):
    from urllib.parse import quote

    response = sign_in(client, "demo-gent-new", next_path=quote(target, safe=""))
    assert response.headers["location"] == "/my"


def test_next_parameter_returns_to_the_page_asked_for(client):
    response = sign_in(client, "demo-gent-new", next_path="/my/plan")
    assert response.headers["location"] == "/my/plan"


def test_user_without_role_or_record_gets_a_clear_page(client):
    response = sign_in(client, "someone-unknown")
    assert response.headers["location"] == "/welcome"
    page = client.get("/welcome")
    assert page.status_code == 200
    assert client.get("/my").status_code == 403


def test_login_redirects_straight_to_the_provider(client, idp):
    response = client.get("/login")
    assert response.status_code == 303
    assert response.headers["location"].startswith(idp.issuer + "/oauth2/authorize")


def test_provider_page_lists_the_personas(client, idp):
    assert (
        httpx.get(idp.issuer + "/.well-known/openid-configuration").json()["issuer"] == idp.issuer
    )
    page = httpx.get(client.get("/login").headers["location"])
    assert page.status_code == 200
    for subject in ("demo-gent-new", "demo-counsellor", "demo-admin"):
        assert subject in page.text


def test_expired_sessions_are_removed_by_housekeeping(client, app):
    from portal.web.sessions import delete_expired_sessions

    sign_in(client, "demo-gent-new")
    portal = app.state.portal
    later = portal.clock.now() + timedelta(hours=13)
    assert delete_expired_sessions(portal.engine, portal.settings, later) >= 1
    with session_scope(portal.engine) as db:
        assert db.exec(select(m.WebSession)).first() is None


def test_after_the_database_drops_its_connections_one_signed_in_request_fails_then_all_work(
    client, app
):
    """The session lookup's own connections (PostgreSQL: on the event loop) recover as the
    engine's do: one failed request after a restart or failover, not more."""
    engine = app.state.portal.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    sign_in(client, "demo-gent-new")
    with ThreadPoolExecutor(16) as threads:  # requests at once: the pool opens several
        assert set(threads.map(lambda _: client.get("/ping").status_code, range(64))) == {200}
    with engine.connect() as killer:
        killer.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()  # the engine's own connections died too (that recovery is tested apart)
    answers = []
    for _ in range(4):
        try:
            answers.append(client.get("/ping").status_code)
        except psycopg.OperationalError:  # the test client raises what the server answers 500
            answers.append(500)
    assert answers.count(500) <= 1
    assert answers[-2:] == [200, 200]
    assert client.get("/my").status_code == 200  # still signed in: the session was kept


def test_an_odd_cookie_of_another_site_part_does_not_sign_the_person_out(client, app):
    """Browsers send every cookie of the domain; one the portal did not set and cannot read
    (a quote in its name, say) must not hide the session cookie beside it."""
    sign_in(client, "demo-gent-new")
    name = app.state.portal.settings.session_cookie_name
    session = client.cookies.get(name)
    assert session
    client.cookies.clear()
    page = client.get("/my", headers={"Cookie": f'bad"cookie=1; {name}={session}; x=[1'})
    assert page.status_code == 200 and "Amina" in page.text
    nobody = client.get("/my", headers={"Cookie": f'bad"cookie=1; {name}=not-a-session-id'})
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/login")
