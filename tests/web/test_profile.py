"""My profile: contact details with every error at once and nothing lost, how to be told, the
language, and a download of everything the portal holds about me (complete, mine only, without
secrets, audited)."""

from __future__ import annotations

import json

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import notify
from tests.support.web import check_page, csrf_token, sign_in
from tests.web.test_pages import text_of


def person_of(app, subject: str) -> m.Person:
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == subject)).one()
        db.expunge(person)
        return person


def audit_of(app, action: str) -> list[m.AuditLog]:
    with session_scope(app.state.portal.engine) as db:
        rows = list(db.exec(select(m.AuditLog).where(m.AuditLog.action == action)).all())
        for row in rows:
            db.expunge(row)
        return rows


def test_the_person_changes_their_contact_details_and_it_is_audited_without_values(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/profile?lang=en")
    check_page(page.text)
    assert 'href="/my/profile/data"' in page.text
    saved = client.post(
        "/my/profile",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "amina.new@example.be",
            "phone": "+32 470 12 34 56",
            "notify": "email",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/my/profile?saved=1"
    after = client.get("/my/profile?saved=1&lang=en")
    assert "Your details are saved." in after.text
    assert 'value="amina.new@example.be"' in after.text
    person = person_of(app, "demo-gent-new")
    assert (person.email, person.phone) == ("amina.new@example.be", "+32 470 12 34 56")
    [line] = audit_of(app, "update_contact")
    assert line.entity_id == str(person.id)
    assert set(line.details["fields"]) == {"email", "phone"}
    assert "amina.new@example.be" not in json.dumps(line.details)


def test_every_error_at_once_with_what_was_typed_and_nothing_saved(client, app):
    before = person_of(app, "demo-gent-new")
    sign_in(client, "demo-gent-new")
    page = client.get("/my/profile?lang=nl")
    refused = client.post(
        "/my/profile?lang=nl",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "amina@",
            "phone": "12 34",
            "notify": "email",
        },
    )
    assert refused.status_code == 400
    check_page(refused.text)
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#email"' in summary and 'href="#phone"' in summary
    assert 'value="amina@"' in refused.text and 'value="12 34"' in refused.text
    after = person_of(app, "demo-gent-new")
    assert (after.email, after.phone) == (before.email, before.phone)
    assert audit_of(app, "update_contact") == []


def test_messages_only_in_the_portal_send_no_email(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/profile?lang=en")
    no_address = client.post(
        "/my/profile",
        data={"csrf_token": csrf_token(page.text), "email": "", "phone": "", "notify": "email"},
    )
    assert no_address.status_code == 400
    assert "Enter your e-mail address to get messages by e-mail" in no_address.text
    quiet = client.post(
        "/my/profile",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "amina@example.be",
            "phone": "",
            "notify": "portal",
        },
    )
    assert quiet.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        assert person.notify_email is False
        before = len(db.exec(select(m.OutboxEmail)).all())
        message = notify.notify(db, person, "attest_issued", date="2026-03-16")
        assert message.id is not None  # in the portal
        assert len(db.exec(select(m.OutboxEmail)).all()) == before  # no e-mail


def test_the_language_is_chosen_on_the_profile_and_kept(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/profile?lang=ar")
    check_page(page.text)
    assert 'dir="rtl"' in page.text
    assert person_of(app, "demo-gent-new").language == "ar"


def test_download_my_data_is_complete_mine_only_without_secrets_and_audited(client, app):
    sign_in(client, "demo-gent-new")
    person = person_of(app, "demo-gent-new")
    response = client.get("/my/profile/data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    tables = data["tables"]
    assert tables["person"] == [tables["person"][0]] and tables["person"][0]["id"] == person.id
    for name in (
        "contract",
        "plan_component",
        "nt2_module",
        "participation_activity",
        "logbook_line",
        "evidence_file",
        "message",
        "account",
    ):
        assert tables.get(name), f"{name} missing from the copy"
    for name, rows in tables.items():
        for row in rows:
            assert row.get("person_id", person.id) == person.id, f"another person's row in {name}"
    text = response.text
    for secret in ("code_hash", "token_hash", "key_hash", "storage_key", "idempotency_key"):
        assert f'"{secret}"' not in text
    [line] = audit_of(app, "download_my_data")
    assert line.entity_id == str(person.id) and line.actor == "demo-gent-new"
    page = client.get("/my/profile?lang=en")
    assert "Download my data" in text_of(page.text)
