"""Reminders as they are sent: due ones once each across a moved clock, rounds run again, and
processes racing; in the person's language, by e-mail only when they want it; sanction notice
only for obliged persons and the note's triggers."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.dates import add_months
from portal.services import notify, reminders
from portal.services.dossier import load_dossier
from portal.services.payments.owed import fee_sources
from portal.settings import BRUSSELS


def at(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), BRUSSELS)


def messages(app, person) -> list[m.Message]:
    with session_scope(app.state.portal.engine) as db:
        rows = list(
            db.exec(
                select(m.Message)
                .where(m.Message.person_id == person.id, m.Message.kind.like("%reminder%"))  # type: ignore[attr-defined]
                .order_by(m.Message.id)
            ).all()
        )
        for row in rows:
            db.expunge(row)
        return rows


def keys(app, person) -> list[str]:
    with session_scope(app.state.portal.engine) as db:
        return sorted(
            db.exec(select(m.ReminderSent.key).where(m.ReminderSent.person_id == person.id))
        )


def test_vdab_reminders_30_7_and_1_days_before_each_once(app, make):
    today = app.state.portal.clock.today()
    signed = today - timedelta(days=10)
    person = make.person(signed=signed)
    make.paid_at_counter(person, "mo_course:1")
    make.fact(person, "nt2_module_followed", today)  # not relevant to VDAB
    vdab = add_months(signed, 2)
    engine = app.state.portal.engine
    sent = []
    for day in (vdab - timedelta(days=30), vdab - timedelta(days=7), vdab - timedelta(days=1)):
        assert reminders.send_for(engine, person.id, at(day)) >= 1
        again = reminders.send_for(engine, person.id, at(day))  # the same round twice
        assert again == 0
        sent.append(day)
    vdab_keys = [k for k in keys(app, person) if k.startswith("deadline:vdab:")]
    assert vdab_keys == sorted(f"deadline:vdab:{vdab.isoformat()}:{w}" for w in (1, 7, 30))
    reminders.send_for(engine, person.id, at(vdab + timedelta(days=1)))  # passed: nothing new
    assert [k for k in keys(app, person) if k.startswith("deadline:vdab:")] == vdab_keys
    vdab_messages = [msg for msg in messages(app, person) if msg.params.get("pillar") == "vdab"]
    assert len(vdab_messages) == 3
    assert {msg.kind for msg in vdab_messages} == {"deadline_reminder_obliged"}


def test_a_voluntary_person_gets_plain_reminders_and_the_mo_deadline_is_plain(app, make):
    today = app.state.portal.clock.today()
    signed = today - timedelta(days=10)
    volunteer = make.person(signed=signed, obligation="voluntary")
    obliged = make.person(signed=signed)
    engine = app.state.portal.engine
    vdab = add_months(signed, 2)
    for person in (volunteer, obliged):
        reminders.send_for(engine, person.id, at(vdab - timedelta(days=7)))
    assert {m_.kind for m_ in messages(app, volunteer)} <= {
        "deadline_reminder",
        "fee_reminder",
    }
    mo_deadline = add_months(signed, 12)
    reminders.send_for(engine, obliged.id, at(mo_deadline - timedelta(days=7)))
    mo = [x for x in messages(app, obliged) if x.params.get("pillar") == "mo"]
    assert mo and {x.kind for x in mo} == {"deadline_reminder"}  # MO: no sanction language


def test_an_open_fee_is_reminded_after_7_and_30_days(app, make):
    today = app.state.portal.clock.today()
    person = make.person(signed=today)
    engine = app.state.portal.engine
    assert not [k for k in keys(app, person) if k.startswith("fee:")]
    reminders.send_for(engine, person.id, at(today + timedelta(days=6)))
    assert not [k for k in keys(app, person) if k.startswith("fee:mo_course")]
    reminders.send_for(engine, person.id, at(today + timedelta(days=7)))
    reminders.send_for(engine, person.id, at(today + timedelta(days=31)))
    fee = [k for k in keys(app, person) if k.startswith("fee:mo_course:1")]
    assert fee == ["fee:mo_course:1:30", "fee:mo_course:1:7"]
    body = notify.render_message(
        "fee_reminder",
        next(x for x in messages(app, person) if x.kind == "fee_reminder").params,
        "nl",
    )[1]
    assert "90,00" in body and "MO" in body
    make.paid_at_counter(person, "mo_course:1")


def test_a_booked_test_is_reminded_with_its_place_in_the_persons_language(app, make):
    person = make.person()
    make.mo_course_done(person)
    session = make.test_session("mo", in_days=20)
    make.booking(person, session)
    engine = app.state.portal.engine
    with session_scope(engine) as db:
        starts = db.get(m.TestSession, session).starts_at.astimezone(BRUSSELS).date()
        row = db.get(m.Person, person.id)
        row.language = "fr"
        db.add(row)
    reminders.send_for(engine, person.id, at(starts - timedelta(days=7)))
    [message] = [x for x in messages(app, person) if x.kind == "test_reminder"]
    subject, body = notify.render_message(message.kind, message.params, "fr")
    assert message.params["place"] in body and " h " in body  # "9 h 30": French time
    assert body.startswith("Votre test « Test MO »")  # in the person's language
    with session_scope(engine) as db:
        [mail] = db.exec(select(m.OutboxEmail).where(m.OutboxEmail.message_id == message.id)).all()
    assert (mail.subject, mail.body) == (subject, body)


def test_no_email_when_the_person_reads_messages_in_the_portal_only(app, make):
    today = app.state.portal.clock.today()
    person = make.person(signed=today)
    engine = app.state.portal.engine
    with session_scope(engine) as db:
        row = db.get(m.Person, person.id)
        row.email, row.notify_email = "someone@example.be", False
        db.add(row)
    assert reminders.send_for(engine, person.id, at(today + timedelta(days=7))) >= 1
    with session_scope(engine) as db:
        ids = [x.id for x in messages(app, person)]
        assert ids
        assert (
            db.exec(
                select(m.OutboxEmail).where(m.OutboxEmail.message_id.in_(ids))  # type: ignore[union-attr]
            ).all()
            == []
        )


def test_racing_rounds_send_each_reminder_once(app, make):
    today = app.state.portal.clock.today()
    person = make.person(signed=today - timedelta(days=10))
    engine = app.state.portal.engine
    moment = at(add_months(today - timedelta(days=10), 2) - timedelta(days=7))
    start = threading.Barrier(4)
    counts: list[int] = []

    def round_() -> None:
        start.wait()
        counts.append(reminders.send_for(engine, person.id, moment))

    threads = [threading.Thread(target=round_) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = keys(app, person)
    assert sum(counts) == len(sent) > 0
    assert len(messages(app, person)) == len(sent)  # no message without its claim


def test_a_round_over_everyone_and_the_command(app, make, monkeypatch, capsys):
    from portal import cli

    today = app.state.portal.clock.today()
    person = make.person(signed=today)
    first = reminders.send_round(app.state.portal.engine, at(today + timedelta(days=7)))
    assert first >= 1 and keys(app, person)
    assert reminders.send_round(app.state.portal.engine, at(today + timedelta(days=7))) == 0
    monkeypatch.setenv(
        "PORTAL_DATABASE_URL",
        str(app.state.portal.engine.url.render_as_string(hide_password=False)),
    )
    monkeypatch.setenv("PORTAL_NOW", (today + timedelta(days=7)).isoformat() + "T08:00")
    assert cli.main(["reminders", "send"]) == 0
    assert capsys.readouterr().out.strip() == "0 reminder(s) sent"


def test_a_round_sends_what_each_persons_own_round_sends(app, make):
    """The round reads people in batches and only goes through those who may have a reminder
    due (reminders.maybe_due): it sends exactly what a round person by person sends — NT2
    module fees, tests to come and deadlines included — and nothing to someone who paid."""
    today = app.state.portal.clock.today()
    engine = app.state.portal.engine
    paid = make.person(signed=today)
    make.paid_at_counter(paid, "mo_course:1")
    open_fees = make.person(signed=today)  # the MO course and the NT2 modules still open
    with session_scope(engine) as db:
        dossier = load_dossier(db, open_fees.id)
        assert dossier is not None
        module = next(s for s in fee_sources(dossier) if s.key.startswith("nt2_module:"))
    day = module.arose_on + timedelta(days=7)  # the module's fee a week after it arose
    open_fees_too = make.person(signed=day - timedelta(days=7))  # and the MO course's
    tested = make.person(signed=day - timedelta(days=40))
    make.mo_course_done(tested)
    make.booking(tested, make.test_session("mo", in_days=(day - today).days + 5))
    moment = at(day)
    with session_scope(engine) as db:
        everyone = [paid.id, open_fees.id, open_fees_too.id, tested.id]
        candidates = reminders.maybe_due(db, everyone, moment)
    assert set(candidates) >= {open_fees.id, open_fees_too.id, tested.id}
    assert reminders.send_round(engine, moment) >= 3
    assert f"fee:{module.key}:7" in keys(app, open_fees)
    assert "fee:mo_course:1:7" in keys(app, open_fees_too)
    assert any(k.startswith("test:") for k in keys(app, tested))
    assert not [k for k in keys(app, paid) if k.startswith("fee:mo_course")]
    with session_scope(engine) as db:  # all sent: nobody is left to go through this hour
        assert not set(reminders.maybe_due(db, everyone, moment)) & set(candidates)


def test_a_round_reads_people_in_batches_not_one_by_one(app, make):
    """People with nothing due cost the round no queries of their own."""
    from sqlalchemy import event

    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    moment = at(today + timedelta(days=3))  # nothing due yet for people who signed today

    def count_round() -> int:
        reminders.send_round(engine, moment)  # what is due for the demo's people goes first
        statements: list[str] = []

        def record(*_args):
            statements.append("x")

        event.listen(engine, "before_cursor_execute", record)
        try:
            reminders.send_round(engine, moment)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    for _ in range(3):
        paid = make.person(signed=today)
        make.paid_at_counter(paid, "mo_course:1")
    small = count_round()
    for _ in range(12):
        paid = make.person(signed=today)
        make.paid_at_counter(paid, "mo_course:1")
    assert count_round() == small
