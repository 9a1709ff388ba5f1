"""The inbox: messages in the reader's language with an unread count; the same messages by
e-mail when an address is known."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services.notify import KINDS, deliver_outbox, notify, retry_after
from tests.support.web import check_page, sign_in

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def catalog_text(language: str, message_id: str) -> str:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return catalog[message_id].string or message_id


def unread_badge(html: str) -> int:
    match = re.search(r'<span class="badge">(\d+)', html)
    return int(match.group(1)) if match else 0


def test_inbox_lists_messages_with_an_unread_count(client, app):
    from sqlmodel import select

    from portal.db import models as m
    from portal.db.engine import session_scope

    with session_scope(app.state.portal.engine) as db:
        unread = db.exec(
            select(m.Message)
            .join(m.Person)
            .where(m.Person.subject == "demo-gent-new", m.Message.read_at == None)  # noqa: E711
        ).all()
    assert len(unread) >= 2
    sign_in(client, "demo-gent-new")
    page = client.get("/my/inbox?lang=en")
    check_page(page.text)
    assert f"You have {len(unread)} unread messages." in page.text
    # the badge counts the counsellor's unanswered question too (a conversation)
    assert "1 conversation has a new answer." in page.text
    assert unread_badge(page.text) == len(unread) + 1
    assert KINDS["welcome"].subject in page.text
    assert KINDS["participation_submitted"].subject in page.text


def test_opening_a_message_marks_it_read(client, app):
    sign_in(client, "demo-gent-new")
    before = unread_badge(client.get("/my").text)
    with session_scope(app.state.portal.engine) as db:
        message = db.exec(
            select(m.Message)
            .join(m.Person)
            .where(m.Person.subject == "demo-gent-new", m.Message.kind == "welcome")
        ).one()
    detail = client.get(f"/my/inbox/{message.id}?lang=en")
    check_page(detail.text)
    assert "Hello Amina" in detail.text
    assert unread_badge(client.get("/my").text) == before - 1
    client.get(f"/my/inbox/{message.id}")  # reading it again changes nothing
    assert unread_badge(client.get("/my").text) == before - 1


def test_messages_are_shown_in_the_readers_language(client):
    sign_in(client, "demo-gent-new")
    for language in ("nl", "fr", "ar"):
        page = client.get(f"/my/inbox?lang={language}").text
        assert catalog_text(language, KINDS["welcome"].subject) in page


def test_notify_puts_a_message_in_the_inbox_and_queues_an_email_in_the_persons_language(app):
    engine = app.state.portal.engine
    with session_scope(engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-brussels")).one()
        notify(db, person, "deadline_reminder", pillar="vdab", date="2026-05-16")
    with session_scope(engine) as db:
        email = db.exec(select(m.OutboxEmail).order_by(m.OutboxEmail.id.desc())).first()
    assert email.to_address == "demo-brussels@example.invalid"
    assert email.subject == catalog_text("fr", KINDS["deadline_reminder"].subject)
    assert "16 mai 2026" in email.body


def test_no_email_without_an_address(app):
    engine = app.state.portal.engine
    with session_scope(engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-worker")).one()
        person.email = ""
        db.add(person)
        before = len(db.exec(select(m.OutboxEmail)).all())
        notify(db, person, "welcome", name="Olena", agency="In-Gent")
        assert len(db.exec(select(m.OutboxEmail)).all()) == before


def test_unknown_message_kind_is_refused(app):
    import pytest

    from portal.services.errors import ServiceError

    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person)).first()
        with pytest.raises(ServiceError):
            notify(db, person, "no-such-kind")


def test_outbox_is_delivered_and_listed_in_the_development_mailbox(client, app):
    portal = app.state.portal
    sent = deliver_outbox(portal.engine, portal.mailer, portal.clock.now())
    assert sent > 0
    sign_in(client, "demo-admin")
    page = client.get("/admin/mailbox?lang=en")
    check_page(page.text)
    assert "demo-gent-new@example.invalid" in page.text
    assert "not really sent" in page.text


def test_failed_delivery_stays_queued_with_its_reason(app):
    class Broken:
        kind = "smtp"

        def send(self, to, subject, body):
            raise OSError("connection refused")

    portal = app.state.portal
    now = portal.clock.now()
    assert deliver_outbox(portal.engine, Broken(), now) == 0
    with session_scope(portal.engine) as db:
        waiting = db.exec(select(m.OutboxEmail).where(m.OutboxEmail.sent_at == None)).all()  # noqa: E711
        assert waiting and all("connection refused" in e.error for e in waiting)
        assert all(e.attempts == 1 and e.claimed_until is None for e in waiting)
    # it backs off: not asked again at once, but after a minute; then twice as long
    tried: list[str] = []

    class Recording:
        kind = "smtp"

        def send(self, to, subject, body):
            tried.append(to)
            raise OSError("still down")

    assert deliver_outbox(portal.engine, Recording(), now + timedelta(seconds=59)) == 0
    assert tried == []
    deliver_outbox(portal.engine, Recording(), now + timedelta(minutes=1))
    assert len(tried) == len(waiting)
    deliver_outbox(portal.engine, Recording(), now + timedelta(minutes=2, seconds=59))
    assert len(tried) == len(waiting)  # the second failure waits 2 minutes
    sent = deliver_outbox(portal.engine, portal.mailer, now + timedelta(minutes=3))
    assert sent == len(waiting)
    with session_scope(portal.engine) as db:
        assert not db.exec(select(m.OutboxEmail).where(m.OutboxEmail.sent_at == None)).all()  # noqa: E711


def test_no_transaction_is_open_while_the_mail_server_is_asked(app):
    """A slow mail server holds no database connection (nor its transaction and locks): other
    requests and processes go on while it is asked."""
    portal = app.state.portal
    held: list[int] = []

    class Slow:
        kind = "smtp"

        def send(self, to, subject, body):
            held.append(portal.engine.pool.checkedout())

    deliver_outbox(portal.engine, Slow(), portal.clock.now(), limit=3)
    assert held == [0, 0, 0]


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (0, timedelta(0)),
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (5, timedelta(minutes=16)),
        (9, timedelta(hours=4, minutes=16)),
        (10, timedelta(hours=6)),
        (1000, timedelta(hours=6)),
    ],
)
def test_retries_back_off_to_at_most_six_hours(attempts, wait):
    assert retry_after(attempts) == wait


@given(st.integers(min_value=1, max_value=10_000))
def test_each_failure_waits_at_least_as_long_as_the_one_before(attempts):
    assert retry_after(attempts) >= retry_after(attempts - 1)
    assert timedelta(minutes=1) <= retry_after(attempts) <= timedelta(hours=6)


def test_the_app_sends_queued_email_by_itself(database_url, idp):
    import time

    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(database_url, idp.issuer, PORTAL_MAIL_INTERVAL_SECONDS="1")
    app = create_app(settings)
    engine = app.state.portal.engine
    with TestClient(app):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with session_scope(engine) as db:
                waiting = db.exec(select(m.OutboxEmail).where(m.OutboxEmail.sent_at == None)).all()  # noqa: E711
            if not waiting:
                break
            time.sleep(0.2)
    assert not waiting
