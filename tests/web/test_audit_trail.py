"""Every state change is in the audit log, with the time of the app's clock (PORTAL_NOW in the
tests): choosing a language, reading a message, a booking confirmed or its hold expiring."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import booking
from tests.conftest import NOW
from tests.support.web import sign_in
from tests.web.test_tests_booking import book, session_ids


def entries(app, action):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(
            select(m.AuditLog).where(m.AuditLog.action == action).order_by(m.AuditLog.id)
        ).all()


def test_a_language_choice_is_audited_at_the_apps_time(client, app):
    sign_in(client, "demo-gent-new")
    client.get("/my?lang=fr")
    [choice] = entries(app, "choose_language")
    assert choice.actor == "demo-gent-new" and choice.details == {"language": "fr"}
    assert choice.at == NOW  # the app's clock, not the machine's


def test_reading_a_message_is_audited_once(client, app):
    sign_in(client, "demo-gent-new")
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        message = db.exec(
            select(m.Message).where(m.Message.person_id == person.id, m.Message.read_at == None)  # noqa: E711
        ).first()
    assert message is not None
    client.get(f"/my/inbox/{message.id}")
    client.get(f"/my/inbox/{message.id}")
    [read] = entries(app, "read_message")
    assert read.entity_id == str(message.id) and read.details["person_id"] == person.id


def test_a_hold_that_runs_out_is_audited(client, app):
    sign_in(client, "demo-mo-done")
    held = book(client, "mo", session_ids(app, "mo", capacity=12)[0])
    assert held.status_code == 303
    booking.expire_holds(app.state.portal.engine, NOW + timedelta(hours=1))
    [expired] = entries(app, "expire_hold")
    assert expired.actor == "portal" and expired.entity == "booking"


def test_a_free_booking_confirmed_at_once_is_audited(client, app):
    sign_in(client, "demo-lowlit")  # the first NT2 test costs nothing: confirmed at once
    with session_scope(app.state.portal.engine) as db:
        adapted = db.exec(select(m.TestSession).where(m.TestSession.level == "A2_adapted")).one()
    assert book(client, "nt2", adapted.id).status_code == 303
    assert entries(app, "confirm_booking")
