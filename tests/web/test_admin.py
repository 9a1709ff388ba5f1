"""Administrators manage people and places in the portal: grant and end roles (a caseload goes to
a successor, history is kept, the subject is signed out), agencies' offices with what newcomers
need to reach them, municipalities and interpreting services; and read the audit log with filters,
in words. Bad input changes nothing; everything is audited."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, csrf_token, sign_in


def post(client, path, data):
    page = client.get("/admin")
    return client.post(path, data={"csrf_token": csrf_token(page.text), **data})


def office_of(app, agency_code="gent"):
    with session_scope(app.state.portal.engine) as db:
        agency = db.exec(select(m.Agency).where(m.Agency.code == agency_code)).one()
        return db.exec(select(m.Office).where(m.Office.agency_id == agency.id)).first()


def audit_actions(app):
    """What was changed (a language chosen with ?lang= is not what these tests look at)."""
    with session_scope(app.state.portal.engine) as db:
        return [
            row.action
            for row in db.exec(select(m.AuditLog)).all()
            if row.action != "choose_language"
        ]


@pytest.mark.parametrize(
    "path", ["/admin", "/admin/access", "/admin/organisations", "/admin/audit"]
)
@pytest.mark.parametrize("lang", ["nl", "en", "fr", "ar"])
def test_admin_pages_are_well_formed_in_every_language(client, path, lang):
    sign_in(client, "demo-admin")
    page = client.get(f"{path}?lang={lang}")
    assert page.status_code == 200
    check_page(page.text)


def test_grant_a_counsellor_then_end_the_role_with_a_successor(client, app):
    sign_in(client, "demo-admin")
    office = office_of(app)
    granted = post(
        client,
        "/admin/access",
        {
            "subject": "new-colleague",
            "display_name": "Nadia",
            "role": "counsellor",
            "office": str(office.id),
        },
    )
    assert granted.status_code == 303
    page = client.get("/admin/access?lang=en&done=granted")
    assert "Nadia" in page.text and "new-colleague" in page.text
    with session_scope(app.state.portal.engine) as db:
        old = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == "demo-counsellor")).one()
        assert db.exec(select(m.Person).where(m.Person.counsellor_grant_id == old.id)).all()
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, "demo-counsellor")
        assert counsellor.get("/staff").status_code == 200
        end_page = client.get(f"/admin/access/{old.id}/end?lang=en")
        check_page(end_page.text)
        assert "Who takes over?" in end_page.text and "Nadia" in end_page.text
        missing = post(client, f"/admin/access/{old.id}/end?lang=en", {"reason": "left"})
        assert missing.status_code == 400
        assert "Choose who takes over" in missing.text
        ended = post(
            client,
            f"/admin/access/{old.id}/end",
            {"reason": "left the agency", "successor": "new-colleague"},
        )
        assert ended.status_code == 303
        assert counsellor.get("/staff").status_code == 303  # signed out at once
    with session_scope(app.state.portal.engine) as db:
        old = db.get(m.RoleGrant, old.id)
        new = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == "new-colleague")).one()
        assert old.ended_at is not None and old.end_reason == "left the agency"
        assert db.exec(select(m.Person).where(m.Person.counsellor_grant_id == old.id)).all() == []
        assert db.exec(select(m.Person).where(m.Person.counsellor_grant_id == new.id)).all()
        assert new.office_id == office.id
    history = client.get("/admin/access?lang=en").text
    assert "Roles that ended" in history and "left the agency" in history
    assert {"grant_role", "revoke_role", "hand_over_caseload"} <= set(audit_actions(app))
    # an ended role's page is gone
    assert client.get(f"/admin/access/{old.id}/end").status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"subject": "", "display_name": "X", "role": "admin"}, "subject", "Fill in this field"),
        (
            {"subject": "x", "display_name": "X", "role": "boss"},
            "role",
            "Choose one of the options",
        ),
        ({"subject": "x", "display_name": "X", "role": "counsellor"}, "office", "Fill in"),
        ({"subject": "x", "display_name": "X", "role": "municipality"}, "municipality", "Fill in"),
        (
            {
                "subject": "demo-counsellor",
                "display_name": "X",
                "role": "counsellor",
                "office": "1",
            },
            "subject",
            "This exists already",
        ),
        (
            {"subject": "x", "display_name": "X", "role": "counsellor", "office": "99999"},
            "office",
            "",
        ),
    ],
)
def test_a_bad_grant_is_refused_and_changes_nothing(client, app, data, field, message):
    sign_in(client, "demo-admin")
    before = audit_actions(app)
    refused = post(client, "/admin/access?lang=en", data)
    assert refused.status_code == 400
    assert f'href="#{field}"' in refused.text
    assert message in refused.text
    assert audit_actions(app) == before


def test_offices_are_kept_with_what_newcomers_need(client, app):
    sign_in(client, "demo-admin")
    office = office_of(app)
    saved = post(
        client,
        f"/admin/organisations/offices/{office.id}",
        {
            "name": "Kantoor Gent",
            "address": "Kongostraat 42, 9000 Gent",
            "phone": "+32 9 267 04 00",
            "email": "onthaal@in-gent.example",
            "opening_hours": "ma–vr 9–12 uur",
            "appointment": "Bel of mail voor een afspraak.",
        },
    )
    assert saved.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        row = db.get(m.Office, office.id)
    assert row.address == "Kongostraat 42, 9000 Gent" and row.opening_hours == "ma–vr 9–12 uur"
    bad = post(
        client,
        f"/admin/organisations/offices/{office.id}?lang=en",
        {"name": "Kantoor Gent", "email": "not an address", "phone": "call me"},
    )
    assert bad.status_code == 400 and "Enter an e-mail address" in bad.text
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Office, office.id).email == "onthaal@in-gent.example"  # unchanged
    added = post(
        client,
        "/admin/organisations/offices",
        {"agency": str(office.agency_id), "name": "Kantoor Sint-Amandsberg"},
    )
    assert added.status_code == 303
    assert "Kantoor Sint-Amandsberg" in client.get("/admin/organisations").text
    assert {"change_office", "add_office"} <= set(audit_actions(app))


def test_municipalities_and_services_are_added_with_checks(client, app):
    sign_in(client, "demo-admin")
    bad_code = post(
        client, "/admin/organisations/agencies?lang=en", {"agency_code": "Bad!", "agency_name": "X"}
    )
    assert bad_code.status_code == 400 and 'href="#agency_code"' in bad_code.text
    agency = post(
        client,
        "/admin/organisations/agencies",
        {"agency_code": "leuven", "agency_name": "Agentschap Leuven", "first_office": "Leuven"},
    )
    assert agency.status_code == 303
    assert "Agentschap Leuven" in client.get("/admin/organisations").text
    wrong = post(
        client,
        "/admin/organisations/municipalities?lang=en",
        {"nis": "21010", "name_nl": "Jette", "region": "flanders"},
    )
    assert wrong.status_code == 400 and "21001 to 21019" in wrong.text
    ok = post(
        client,
        "/admin/organisations/municipalities",
        {"nis": "21010", "name_nl": "Jette", "name_fr": "Jette", "region": "brussels"},
    )
    assert ok.status_code == 303
    service = post(client, "/admin/organisations/services", {"service_name": "Tolkbureau Oost"})
    assert service.status_code == 303
    page = client.get("/admin/organisations").text
    assert "Jette" in page and "Tolkbureau Oost" in page


def test_the_audit_log_filters_and_speaks_in_words(client, app):
    sign_in(client, "demo-admin")
    every = client.get("/admin/audit?lang=en")
    assert every.status_code == 200
    assert "Registered at intake" in every.text
    shown = set(re.findall(r"</code></td><td>([^<]+)</td>", every.text))
    assert "Registered at intake" in shown and "register_person" not in shown  # words, not codes
    amina = client.get("/admin/audit?lang=en&person=Amina")
    rows = re.findall(r"<tr><td>", amina.text)
    assert rows and "Registered at intake" in amina.text
    nobody = client.get("/admin/audit?lang=en&person=Nobody+Atall")
    assert "No entries match." in nobody.text
    by_action = client.get("/admin/audit?lang=en&action=register_person")
    shown = set(re.findall(r"</code></td><td>([^<]+)</td>", by_action.text))
    assert shown == {"Registered at intake"}
    future = client.get("/admin/audit?lang=en&since=2030-01-01")
    assert "No entries match." in future.text
    bad = client.get("/admin/audit?lang=en&since=someday")
    assert bad.status_code == 400 and 'href="#since"' in bad.text


def test_the_audit_log_pages_through_older_entries(client, app):
    sign_in(client, "demo-admin")
    first = client.get("/admin/audit?lang=en")
    older = re.search(r'href="/admin/audit(\?[^"]*before=\d+)"', first.text)
    assert older, "the demo data has more than one page of entries"
    second = client.get("/admin/audit" + older.group(1).replace("&amp;", "&") + "&lang=en")
    assert second.status_code == 200
    first_ids = set(re.findall(r"<code>[^<]*</code></td><td>", first.text))
    assert second.text != first.text and first_ids


def test_older_entries_keep_the_filters_even_with_spaces_and_ampersands(client, app):
    from html import unescape
    from urllib.parse import parse_qs, urlparse

    sign_in(client, "demo-admin")
    first = client.get("/admin/audit", params={"lang": "en", "actor": "o", "since": "2020-01-01"})
    link = re.search(r'href="(/admin/audit\?[^"]*before=\d+)"', first.text)
    assert link
    query = parse_qs(urlparse(unescape(link.group(1))).query)
    assert query["actor"] == ["o"] and query["since"] == ["2020-01-01"]
    tricky = client.get("/admin/audit", params={"lang": "en", "person": "A & B", "actor": "x y"})
    assert tricky.status_code == 200 and 'value="A &amp; B"' in tricky.text
