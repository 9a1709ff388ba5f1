"""Every route declares who may use it; every other audience gets 403 or 404."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from portal.web.routing import Audience, AudienceRoute
from tests.support.web import check_page, csrf_token, sign_in

ROLE_SUBJECTS = {
    "anonymous": None,
    "no_role": "someone-without-a-role",
    "citizen": "demo-gent-new",
    "counsellor": "demo-counsellor",
    "municipality": "demo-gent-officer",
    "interpreting": "demo-interpreter",
    "admin": "demo-admin",
}


def allowed_roles(audience: Audience) -> set[str]:
    if audience is Audience.PUBLIC:
        return set(ROLE_SUBJECTS)
    if audience is Audience.SIGNED_IN:
        return set(ROLE_SUBJECTS) - {"anonymous"}
    if audience is Audience.API_KEY:
        return set()
    return {audience.value}


def concrete(path: str) -> str:
    """A path with sample values for its parameters (ids that exist for somebody)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def app_routes(app):
    return [r for r in app.routes if isinstance(r, Route)]


def test_every_route_declares_an_audience(app):
    for r in app_routes(app):
        assert isinstance(r, AudienceRoute), r.path
        assert isinstance(r.audience, Audience), r.path


@pytest.mark.parametrize("role", list(ROLE_SUBJECTS))
def test_only_the_declared_audience_gets_through(client, app, role):
    subject = ROLE_SUBJECTS[role]
    if subject:
        sign_in(client, subject)
    token = csrf_token(client.get("/").text) if subject else ""
    for r in app_routes(app):
        audience: Audience = r.audience
        if r.path.startswith("/static/") or r.path in {"/login", "/auth/callback", "/logout"}:
            continue  # covered by their own tests (they change the session)
        for method in sorted(r.methods - {"HEAD"}):
            path = concrete(r.path)
            if method == "GET":
                response = client.get(path)
            else:
                response = client.request(method, path, data={"csrf_token": token})
            if audience is Audience.API_KEY:
                # no session role gets through: an API key is required (401, not a redirect)
                assert response.status_code == 401, (role, method, path)
                assert response.headers["www-authenticate"].startswith("Bearer")
            elif (
                role == "anonymous"
                and audience is Audience.PUBLIC
                and method == "POST"
                and not r.csrf_exempt
            ):
                # a public form (the host organisation's confirmation link) still needs the
                # CSRF token of the page it was on; without one nothing gets through
                assert response.status_code == 403, (role, method, path)
            elif role in allowed_roles(audience):
                assert response.status_code not in {401, 403}, (role, method, path)
                assert not response.headers.get("location", "").startswith("/login"), (role, path)
                if response.status_code == 200 and "text/html" in response.headers["content-type"]:
                    check_page(response.text)  # every page: one h1, title, unique ids, labels
            elif role == "anonymous":
                assert response.status_code in {303, 403, 404}, (role, method, path)
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login")
            else:
                assert response.status_code in {403, 404}, (
                    role,
                    method,
                    path,
                    response.status_code,
                )


def test_logout_needs_a_signed_in_user(client):
    assert client.post("/logout").status_code == 403


def test_a_citizen_cannot_read_another_persons_message(client, app, make):
    from sqlmodel import select

    from portal.db import models as m
    from portal.db.engine import session_scope

    owner = make.person()  # welcomed with a message
    with session_scope(app.state.portal.engine) as db:
        other = db.exec(select(m.Message).where(m.Message.person_id == owner.id)).first()
    sign_in(client, make.person().subject)
    assert client.get(f"/my/inbox/{other.id}").status_code == 404


HOSTILE_IDS = ("99999999999999999999", "2147483648", "%C2%B2", "-1", "0x10", "1e3")


@pytest.mark.parametrize("role", ["citizen", "counsellor", "municipality", "admin"])
def test_hostile_ids_in_paths_are_404_never_a_crash(client, app, role):
    sign_in(client, ROLE_SUBJECTS[role])
    token = csrf_token(client.get("/").text)
    for r in app_routes(app):
        if "{" not in r.path or r.path.startswith("/static/") or "token" in r.path:
            continue
        if r.audience.value != role:
            continue
        for value in HOSTILE_IDS:
            path = re.sub(r"\{[^}]+\}", value, r.path)
            for method in sorted(r.methods - {"HEAD"}):
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.request(method, path, data={"csrf_token": token})
                assert response.status_code in {400, 404, 405}, (method, path, response.status_code)
