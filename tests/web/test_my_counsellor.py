"""My counsellor: who helps me and how to reach their office, in my language, with the office's
own Dutch text marked as Dutch; someone whose counsellor left is sent to the office."""

from __future__ import annotations

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, sign_in
from tests.web.test_pages import text_of


def test_the_newcomer_sees_their_counsellor_and_how_to_reach_the_office(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/counsellor?lang=en")
    check_page(page.text)
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        grant = db.get(m.RoleGrant, person.counsellor_grant_id)
        office = db.get(m.Office, grant.office_id) if grant.office_id else None
        if office is None:
            office = db.exec(select(m.Office).where(m.Office.agency_id == person.agency_id)).first()
    text = text_of(page.text)
    assert f"Your counsellor is {grant.display_name}." in text and grant.display_name
    assert office.address and office.phone and office.email and office.opening_hours
    assert f'<span lang="nl" dir="ltr">{office.address}</span>' in page.text
    assert 'href="https://www.openstreetmap.org/search?query=' in page.text
    assert 'href="tel:+32' in page.text and f'href="mailto:{office.email}"' in page.text
    assert f'<dd lang="nl" dir="ltr">{office.opening_hours}</dd>' in page.text
    arabic = client.get("/my/counsellor?lang=ar")
    check_page(arabic.text)
    assert (
        'dir="rtl"' in arabic.text
        and f'<dd lang="nl" dir="ltr">{office.opening_hours}' in arabic.text
    )


def test_the_alerts_and_the_plan_lead_to_the_counsellor(client):
    sign_in(client, "demo-vdab-soon")
    assert 'href="/my/counsellor"' in client.get("/my?lang=en").text
    assert 'href="/my/counsellor"' in client.get("/my/plan?lang=en").text


def test_when_the_counsellor_left_the_office_helps(client, app, make):
    counsellor = make.counsellor()
    person = make.person(counsellor=counsellor)
    with session_scope(app.state.portal.engine) as db:
        grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == counsellor)).one()
        grant.ended_at = app.state.portal.clock.now()
        grant.active_key = None
        db.add(grant)
    sign_in(client, person.subject)
    text = text_of(client.get("/my/counsellor?lang=en").text)
    assert "You do not have a counsellor yet. The office helps you until you have one." in text
    assert grant.display_name not in text or not grant.display_name
    assert "Address" in text  # the agency's office
