"""Proof for free social interpreting (§2J): the newcomer's code and QR, the service's check page,
the API with keys, the record of every check, the shared rate limit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain import share_codes
from portal.services import interpreting
from tests.support.web import check_page, csrf_token, sign_in

CODE = re.compile(r'class="share-code"[^>]*><strong>([A-Z0-9-]+)</strong>')


def make_code(client, subject="demo-gent-new"):
    sign_in(client, subject)
    page = client.get("/my/interpreting?lang=en")
    response = client.post("/my/interpreting/codes", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return CODE.search(response.text).group(1), response


def check_on_web(client, code, lang="en"):
    page = client.get(f"/interpreting?lang={lang}")
    return client.post(
        f"/interpreting/check?lang={lang}", data={"csrf_token": csrf_token(page.text), "code": code}
    )


def api_key(app, label="test"):
    with session_scope(app.state.portal.engine) as db:
        service = db.exec(select(m.InterpretingService)).first()
        key, raw = interpreting.issue_api_key(db, "test", service.id, label)
    return key.id, raw


def person_id(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.Person.id).where(m.Person.subject == subject)).one()


def test_newcomer_gets_a_code_with_qr_and_sees_what_is_shown(client, app):
    code, response = make_code(client)
    html = response.text
    check_page(html)
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", code)
    assert not set(code) & set("01OILUV")
    assert "<svg" in html and "QR" in html
    # the QR opens the check page with the code in the fragment, never in a query string
    assert f"?code={code}" not in html
    # only the hash is kept, the person sees the hint
    with session_scope(app.state.portal.engine) as db:
        row = db.exec(select(m.ShareCode)).one()
    assert row.code_hash == share_codes.digest(
        code.replace("-", ""), app.state.portal.settings.code_key
    )
    assert code.replace("-", "") not in str(row.model_dump())
    page_before = client.get("/my/interpreting?lang=en").text
    assert f"Code ending in {code[-3:]}" in page_before
    assert "national register number" in page_before  # what the service does NOT see
    assert code not in page_before  # shown once only


def test_service_checks_a_valid_code_and_the_person_sees_the_check(client, app):
    code, _ = make_code(client)
    sign_in(client, "demo-interpreter")
    answer = check_on_web(client, code.lower().replace("-", " "))
    assert answer.status_code == 200
    check_page(answer.text)
    assert "Valid today:" in answer.text and ">yes<" not in answer.text  # plain text, below
    text = re.sub(r"<[^>]+>", " ", answer.text)
    assert re.search(r"Valid today:\s+yes", text)
    assert "Amina Haddad" in text and "12 May 1994" in text
    # nothing more than the minimum
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
    assert person.email not in answer.text
    assert re.findall(r"<dt>([^<]+)</dt>", answer.text) == [
        "Name",
        "Date of birth",
        "Contract valid until",
    ]
    sign_in(client, "demo-gent-new")
    mine = client.get("/my/interpreting?lang=en").text
    assert "Sociaal Tolken Vlaanderen (demo)" in mine and "valid" in mine
    assert "Nobody has checked your status yet." not in mine


def test_revoked_expired_unknown_and_malformed_codes_all_answer_the_same(client, app):
    code, _ = make_code(client)
    second, _ = make_code(client)
    page = client.get("/my/interpreting?lang=en")
    with session_scope(app.state.portal.engine) as db:
        first_row = db.exec(
            select(m.ShareCode).where(
                m.ShareCode.code_hash
                == share_codes.digest(code.replace("-", ""), app.state.portal.settings.code_key)
            )
        ).one()
        second_row = db.exec(
            select(m.ShareCode).where(
                m.ShareCode.code_hash
                == share_codes.digest(second.replace("-", ""), app.state.portal.settings.code_key)
            )
        ).one()
        second_row.expires_at = app.state.portal.clock.now() - timedelta(seconds=1)
        db.add(second_row)
    revoked = client.post(
        f"/my/interpreting/codes/{first_row.id}/revoke", data={"csrf_token": csrf_token(page.text)}
    )
    assert revoked.status_code == 303
    assert "withdrawn" in client.get(revoked.headers["location"] + "&lang=en").text
    sign_in(client, "demo-interpreter")
    answers = [check_on_web(client, c) for c in (code, second, "K7M-29P-XQ4", "not a code")]
    for answer in answers:
        assert answer.status_code == 200
        assert "This code does not work" in answer.text
        assert "Amina" not in answer.text and "1994" not in answer.text

    # the bodies differ only by the echoed input and the CSRF token
    def strip(html):
        return re.sub(r'(value|content)="[^"]*"', "", html)

    assert len({strip(a.text) for a in answers}) == 1
    # the person sees that someone tried their withdrawn code
    sign_in(client, "demo-gent-new")
    assert "an old or withdrawn code was used" in client.get("/my/interpreting?lang=en").text


def test_contract_not_valid_today_offers_no_code_and_says_why(client, app):
    sign_in(client, "demo-intake")
    page = client.get("/my/interpreting?lang=en")
    assert page.status_code == 200
    check_page(page.text)
    assert "You have not signed an integration contract yet." in page.text
    assert 'action="/my/interpreting/codes"' not in page.text
    refused = client.post("/my/interpreting/codes", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 409
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.ShareCode)).all() == []


def test_a_code_whose_contract_ended_answers_not_valid_today(client, app):
    from portal.services.people import record_fact

    code, _ = make_code(client)
    today = app.state.portal.clock.today()
    with session_scope(app.state.portal.engine) as db:
        person = db.get(m.Person, person_id(app, "demo-gent-new"))
        record_fact(db, "test", person, kind="contract_ended", on=today, today=today)
    sign_in(client, "demo-interpreter")
    text = re.sub(r"<[^>]+>", " ", check_on_web(client, code).text)
    assert re.search(r"Valid today:\s+no", text)
    assert "Interpreting is not paid for this person today." in text
    # the day before the end is the last valid day
    assert (today - timedelta(days=1)).strftime("%Y") in text


def test_codes_are_the_persons_own(client, app):
    make_code(client, "demo-antwerp")
    with session_scope(app.state.portal.engine) as db:
        other = db.exec(select(m.ShareCode)).one()
    sign_in(client, "demo-gent-new")
    page = client.get("/my/interpreting")
    refused = client.post(
        f"/my/interpreting/codes/{other.id}/revoke", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.ShareCode, other.id).revoked_at is None
    assert "ending in" not in client.get("/my/interpreting?lang=en").text


def test_no_csrf_no_code(client, app):
    sign_in(client, "demo-gent-new")
    assert client.post("/my/interpreting/codes", data={}).status_code == 403
    sign_in(client, "demo-interpreter")
    assert client.post("/interpreting/check", data={"code": "K7M-29P-XQ4"}).status_code == 403


def test_empty_code_is_a_clear_error_next_to_the_field(client):
    sign_in(client, "demo-interpreter")
    response = check_on_web(client, "   ")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert "Type the code the person gives you." in response.text


def test_brute_force_is_stopped_by_the_rate_limit(client, app):
    code, _ = make_code(client)
    sign_in(client, "demo-interpreter")
    limit = app.state.portal.settings.check_limit
    for i in range(limit):
        wrong = "K7M29PXQ" + share_codes.ALPHABET[i % len(share_codes.ALPHABET)]
        assert check_on_web(client, wrong).status_code == 200
    stopped = check_on_web(client, code)  # even the right code waits now
    assert stopped.status_code == 429
    assert int(stopped.headers["retry-after"]) > 0
    assert "Too many wrong codes" in stopped.text and "15 minutes" in stopped.text
    with session_scope(app.state.portal.engine) as db:
        outcomes = [c.outcome for c in db.exec(select(m.StatusCheck)).all()]
    assert outcomes.count("wrong") == limit and outcomes[-1] == "rate_limited"


def test_api_valid_wrong_and_key_errors(client, app):
    code, _ = make_code(client)
    key_id, raw = api_key(app)
    client.cookies.clear()
    ok = client.post(
        "/api/v1/status-checks", json={"code": code}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["result"] == "valid" and body["valid_today"] is True
    assert set(body["person"]) == {"name", "birth_date", "contract_valid_until"}
    assert body["person"]["birth_date"] == "1994-05-12"
    wrong = client.post(
        "/api/v1/status-checks",
        json={"code": "K7M-29P-XQ4"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert wrong.json() == {
        "result": "wrong",
        "valid_today": False,
        "checked_at": wrong.json()["checked_at"],
        "person": None,
    }
    for headers in ({}, {"Authorization": "Bearer isk_wrong"}, {"Authorization": raw}):
        refused = client.post("/api/v1/status-checks", json={"code": code}, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"] == "unauthorized"
    with session_scope(app.state.portal.engine) as db:
        interpreting.revoke_api_key(db, "test", key_id, app.state.portal.clock.now())
    revoked = client.post(
        "/api/v1/status-checks", json={"code": code}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert revoked.status_code == 401
    with session_scope(app.state.portal.engine) as db:
        checks = db.exec(select(m.StatusCheck).where(m.StatusCheck.channel == "api")).all()
        key = db.get(m.ApiKey, key_id)
    assert len(checks) == 2 and {c.api_key_id for c in checks} == {key_id}
    assert key.key_hash != raw and raw not in key.model_dump_json()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param(b"{", "application/json", 400, id="bad json"),
        pytest.param(b'{"code": 5}', "application/json", 422, id="code not a string"),
        pytest.param(b"[]", "application/json", 422, id="not an object"),
        pytest.param(b'{"code": ""}', "application/json", 422, id="empty code"),
        pytest.param(b'{"code": "   "}', "application/json", 422, id="only spaces"),
        pytest.param(
            b'{"code": "K7M-29P-XQ4", "extra": 1}', "application/json", 422, id="extra property"
        ),
        pytest.param(b"code=K7M29PXQ4", "application/x-www-form-urlencoded", 415, id="a form"),
        pytest.param(b'{"code": "' + b"A" * 5000 + b'"}', "application/json", 413, id="too large"),
    ],
)
def test_api_bad_input_is_refused_and_records_nothing(client, app, body, content_type, status):
    _, raw = api_key(app)
    response = client.post(
        "/api/v1/status-checks",
        content=body,
        headers={"Authorization": f"Bearer {raw}", "Content-Type": content_type},
    )
    assert response.status_code == status
    assert response.json()["error"]
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.StatusCheck)).all() == []


def test_api_rate_limit_answers_429(client, app):
    _, raw = api_key(app)
    headers = {"Authorization": f"Bearer {raw}"}
    limit = app.state.portal.settings.check_limit
    for _ in range(limit):
        assert (
            client.post(
                "/api/v1/status-checks", json={"code": "K7M-29P-XQ4"}, headers=headers
            ).status_code
            == 200
        )
    stopped = client.post("/api/v1/status-checks", json={"code": "K7M-29P-XQ4"}, headers=headers)
    assert stopped.status_code == 429 and stopped.json()["error"] == "rate_limited"
    assert int(stopped.headers["retry-after"]) > 0


def test_openapi_document_is_valid_and_describes_the_check(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    operation = document["paths"]["/api/v1/status-checks"]["post"]
    assert {"200", "401", "429"} <= set(operation["responses"])


def test_unsupported_methods_answer_json_405_with_allow(client, app):
    _, raw = api_key(app)
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = client.request(
            method, "/api/v1/status-checks", headers={"Authorization": f"Bearer {raw}"}
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == "method_not_allowed"
    page = client.post("/api/v1/openapi.json")
    assert page.status_code == 405 and "GET" in page.headers["allow"]
    assert (
        "405"
        in client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/status-checks"]["post"][
            "responses"
        ]
    )


def test_admin_issues_and_revokes_keys_on_the_page(client, app):
    sign_in(client, "demo-admin")
    page = client.get("/admin/api-keys?lang=en")
    check_page(page.text)
    with session_scope(app.state.portal.engine) as db:
        service = db.exec(select(m.InterpretingService)).first()
    bad = client.post(
        "/admin/api-keys", data={"csrf_token": csrf_token(page.text), "service": "999999"}
    )
    assert bad.status_code == 400 and "Choose one of the options." in bad.text
    issued = client.post(
        "/admin/api-keys",
        data={"csrf_token": csrf_token(page.text), "service": str(service.id), "label": "Planner"},
    )
    assert issued.status_code == 201
    raw = re.search(r'<code class="secret" dir="ltr">([^<]+)</code>', issued.text).group(1)
    assert raw.startswith("isk_")
    assert raw not in client.get("/admin/api-keys").text  # shown once
    with session_scope(app.state.portal.engine) as db:
        key = db.exec(select(m.ApiKey)).one()
    revoked = client.post(
        f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf_token(page.text)}
    )
    assert revoked.status_code == 303
    client.cookies.clear()
    answer = client.post(
        "/api/v1/status-checks",
        json={"code": "K7M29PXQ4"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert answer.status_code == 401


def test_api_survives_deeply_nested_json(client, app):
    _, raw = api_key(app)
    response = client.post(
        "/api/v1/status-checks",
        content=b"[" * 3000,
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
    )
    assert response.status_code in {400, 413}
