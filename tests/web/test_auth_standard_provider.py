"""Sign-in against a second, independent OpenID Connect provider configured like a government
provider (tests/support/standard_idp.py: pyop on the certified pyoidc library): claims only at
the userinfo endpoint, an opaque subject, a provider session that outlives the portal's. Sign-in,
sign-out on a shared phone, and every way the provider can fail: never a 500, always a page in the
person's language, and the portal recovers by itself when the provider is fixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.nrn import make_nrn
from portal.services.people import NewPerson, register_person
from tests.support.standard_idp import CLIENT_ID, CLIENT_SECRET, StandardIdp, running_standard_idp
from tests.support.web import csrf_token

NRN = make_nrn(date(1991, 6, 2), 123)
USERS = {
    "yusuf": {
        "name": "Yusuf Demir",
        "given_name": "Yusuf",
        "family_name": "Demir",
        "email": "yusuf@example.be",
        "rrn": NRN,
    },
    "stranger": {"name": "Not Known", "email": "nobody@example.be", "rrn": "00000000000"},
}


@pytest.fixture(scope="module")
def standard_idp() -> Iterator[StandardIdp]:
    with running_standard_idp(
        USERS, ["http://testserver/auth/callback"], ["http://testserver/signed-out"]
    ) as idp:
        yield idp


@pytest.fixture
def app(database_url, standard_idp, sandbox):
    from portal.app import create_app
    from tests.conftest import make_settings

    standard_idp.faults.clear()
    settings = make_settings(
        database_url,
        standard_idp.url,
        PORTAL_MOLLIE_API_ENDPOINT=sandbox.url,
        PORTAL_OIDC_CLIENT_ID=CLIENT_ID,
        PORTAL_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        PORTAL_OIDC_SCOPES="openid profile email rrn",
    )
    application = create_app(settings)
    with session_scope(application.state.portal.engine) as db:
        register_person(
            db,
            "test",
            NewPerson(
                given_name="Yusuf",
                family_name="Demir",
                birth_date=date(1991, 6, 2),
                municipality_nis="44021",
                agency_code="gent",
                register="foreigners",
                obligation="obliged",
                national_number=NRN,
            ),
            date(2026, 3, 16),
        )
    yield application
    application.state.portal.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        test_client.cookies.set("lang", "en")  # the language the person chose earlier
        yield test_client


class Phone:
    """One phone: the portal's cookies (the TestClient) and the provider's (its own jar)."""

    def __init__(self, client: TestClient) -> None:
        self.portal = client
        self.provider = httpx.Client(follow_redirects=False, timeout=10)

    def sign_in(self, user: str | None) -> tuple[httpx.Response, bool]:
        """Returns the portal's answer to the callback, and whether the provider asked."""
        start = self.portal.get("/login")
        assert start.status_code == 303, start.text
        answer = self.provider.get(start.headers["location"])
        asked = answer.status_code == 200
        if asked:
            assert user is not None, "the provider asked who is signing in"
            form = dict(parse_qs(urlparse(start.headers["location"]).query))
            data = {key: values[0] for key, values in form.items()}
            answer = self.provider.post(
                start.headers["location"].split("?")[0], data={**data, "user": user}
            )
        assert answer.status_code == 302, answer.text
        callback = urlparse(answer.headers["location"])
        assert callback.path == "/auth/callback"
        return self.portal.get(f"{callback.path}?{callback.query}"), asked

    def sign_out(self) -> httpx.Response:
        page = self.portal.get("/my")
        out = self.portal.post("/logout", data={"csrf_token": csrf_token(page.text)})
        assert out.status_code == 303
        location = out.headers["location"]
        if location.startswith("http://testserver"):
            return self.portal.get(location)
        at_provider = self.provider.get(location)  # the provider ends its own session
        assert at_provider.status_code == 302, at_provider.text
        back = urlparse(at_provider.headers["location"])
        return self.portal.get(back.path)


def test_claims_at_userinfo_bind_the_person_registered_at_intake(client, app):
    phone = Phone(client)
    response, asked = phone.sign_in("yusuf")
    assert asked and response.status_code == 303 and response.headers["location"] == "/my"
    assert "Yusuf" in client.get("/my").text
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.national_number == NRN)).one()
        account = db.exec(select(m.Account).where(m.Account.subject == person.subject)).one()
    assert person.subject and person.subject != "yusuf"  # the provider's opaque subject
    assert account.display_name == "Yusuf Demir" and account.email == "yusuf@example.be"


def test_sign_out_on_a_shared_phone_ends_the_providers_session_too(client, standard_idp):
    phone = Phone(client)
    phone.sign_in("yusuf")
    client.get("/my?lang=en")
    page = phone.sign_out()
    assert page.status_code == 200
    assert "You are signed out" in page.text and "Close the browser" in page.text
    assert standard_idp.ended  # the provider ended its session (id_token_hint was sent)
    assert client.get("/my").status_code == 303  # the portal's session is gone
    # the next person on this phone gets the provider's form, not Yusuf's account
    _, asked = phone.sign_in("stranger")
    assert asked


def test_without_logging_out_at_the_provider_its_session_would_sign_in_again(client):
    """Why RP-initiated logout matters: the provider's session outlives the portal's."""
    phone = Phone(client)
    phone.sign_in("yusuf")
    client.cookies.clear()  # the portal's session ends (expiry), the provider's stays
    response, asked = phone.sign_in(None)
    assert not asked and response.headers["location"] == "/my"


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        ("id_token_aud", "audience ['another-client'] lacks our client id"),
        ("id_token_expired", "ID token invalid: ExpiredTokenError"),
        ("id_token_signature", "ID token invalid: BadSignatureError"),
        ("userinfo_sub", "userinfo is about another subject"),
        ("token_500", "provider unavailable: HTTPStatusError"),
    ],
)
def test_a_token_the_portal_must_refuse_is_a_clear_page_never_a_500(
    client, standard_idp, caplog, fault, logged
):
    phone = Phone(client)
    standard_idp.faults.add(fault)
    response, _ = phone.sign_in("yusuf")
    status = 503 if fault == "token_500" else 400
    assert response.status_code == status
    assert logged in caplog.text  # a line for operators that names the problem
    assert "Signing in did not work" in response.text
    assert client.get("/my").status_code == 303  # nobody is signed in
    # the next try, with the provider fixed, works without a restart
    again, _ = phone.sign_in("yusuf")
    assert again.status_code == 303 and again.headers["location"] == "/my"


def test_the_failure_page_is_in_the_persons_language(client, standard_idp):
    phone = Phone(client)
    client.get("/?lang=ar")
    standard_idp.faults.add("id_token_expired")
    response, _ = phone.sign_in("yusuf")
    assert response.status_code == 400
    assert 'lang="ar"' in response.text and 'dir="rtl"' in response.text
    assert "Signing in did not work" not in response.text


def test_a_provider_whose_discovery_fails_or_lies_is_refused_and_recovered_from(
    client, standard_idp
):
    standard_idp.faults.add("discovery_500")
    down = client.get("/login")
    assert down.status_code == 503 and "not available" in down.text
    standard_idp.faults.add("discovery_issuer")  # another issuer than the one configured
    lying = client.get("/login")
    assert lying.status_code == 503
    standard_idp.faults.discard("discovery_issuer")
    response, _ = Phone(client).sign_in("yusuf")  # fixed: no restart needed
    assert response.headers["location"] == "/my"


def test_keys_rotated_at_the_provider_are_fetched_again(client, standard_idp):
    phone = Phone(client)
    phone.sign_in("yusuf")
    phone.sign_out()
    standard_idp.rotate_keys()
    response, _ = phone.sign_in("yusuf")
    assert response.headers["location"] == "/my"


def test_role_changes_hold_for_a_subject_of_the_standard_provider(client, app):
    """The provider's session lives on, but a role change still counts at the next request."""
    from datetime import UTC, datetime

    from portal.services import admin

    phone = Phone(client)
    phone.sign_in("yusuf")
    with session_scope(app.state.portal.engine) as db:
        subject = db.exec(select(m.Person.subject).where(m.Person.national_number == NRN)).one()
        admin.grant(db, "test", subject, "admin", "Yusuf as admin")
    assert client.get("/admin").status_code == 303  # signed out by the change
    response, asked = phone.sign_in(None)  # the provider signs him in without a form
    assert not asked and response.headers["location"] == "/admin"
    assert client.get("/admin").status_code == 200
    with session_scope(app.state.portal.engine) as db:
        admin.revoke(db, "test", subject, "admin", now=datetime.now(UTC), reason="done")
    assert client.get("/admin").status_code == 303
    response, _ = phone.sign_in(None)
    assert response.headers["location"] == "/my"  # back to being a citizen only
    assert client.get("/admin").status_code == 403
