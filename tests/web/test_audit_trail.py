"""Every state change is in the audit log, with the time of the app's clock (PORTAL_NOW in the
tests): choosing a language, reading a message, a booking confirmed or its hold expiring. Each
test makes its own person (and test session) with the factories (tests/support/factories.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import booking
from tests.conftest import NOW
from tests.support.web import sign_in
from tests.web.test_tests_booking import book


def entries(app, action):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(
            select(m.AuditLog).where(m.AuditLog.action == action).order_by(m.AuditLog.id)
        ).all()


def test_a_language_choice_is_audited_at_the_apps_time(client, app, make):
    person = make.person()
    sign_in(client, person.subject)
    client.get("/my?lang=fr")
    [choice] = entries(app, "choose_language")
    assert choice.actor == person.subject and choice.details == {"language": "fr"}
    assert choice.at == NOW  # the app's clock, not the machine's


def test_reading_a_message_is_audited_once(client, app, make):
    person = make.person()  # welcomed with a message
    sign_in(client, person.subject)
    with session_scope(app.state.portal.engine) as db:
        message = db.exec(
            select(m.Message).where(m.Message.person_id == person.id, m.Message.read_at == None)  # noqa: E711
        ).first()
    assert message is not None
    client.get(f"/my/inbox/{message.id}")
    client.get(f"/my/inbox/{message.id}")
    [read] = entries(app, "read_message")
    assert read.entity_id == str(message.id) and read.details["person_id"] == person.id


def test_a_hold_that_runs_out_is_audited(client, app, make):
    person = make.person()
    make.mo_course_done(person)
    sign_in(client, person.subject)
    held = book(client, "mo", make.test_session("mo"))
    assert held.status_code == 303
    booking.expire_holds(app.state.portal.engine, NOW + timedelta(hours=1))
    [expired] = entries(app, "expire_hold")
    assert expired.actor == "portal" and expired.entity == "booking"


def test_a_free_booking_confirmed_at_once_is_audited(client, app, make):
    adapted = make.test_session("nt2", level="A2_adapted", capacity=8)
    # the first NT2 test costs nothing: confirmed at once
    sign_in(client, make.person(literacy="low").subject)
    assert book(client, "nt2", adapted).status_code == 303
    assert entries(app, "confirm_booking")
