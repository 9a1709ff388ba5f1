"""Booking a test through the pages: who may book what and why not, a held seat, paying in the
sandbox, the confirmation with a calendar file, cancelling, a session that just filled up.

A test of one rule or one scope makes its own people, counsellors, sessions and bookings (the
`make` fixture, tests/support/factories.py); the journeys follow the demo personas."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import httpx
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, csrf_token, sign_in


def session_ids(app, test, capacity=None):
    with session_scope(app.state.portal.engine) as db:
        rows = db.exec(
            select(m.TestSession)
            .where(m.TestSession.test == test)
            .order_by(m.TestSession.starts_at)
        ).all()
    return [s.id for s in rows if capacity is None or s.capacity == capacity]


def book(client, test, session_id):
    page = client.get(f"/my/tests/{test}")
    return client.post(
        f"/my/tests/{test}/hold", data={"csrf_token": csrf_token(page.text), "session": session_id}
    )


def ready_for_mo(make, **person):
    """A person who may book the MO test (course followed and paid)."""
    ready = make.person(**person)
    make.mo_course_done(ready)
    return ready


def test_what_i_may_book_and_why_not(client, make):
    ready = ready_for_mo(make, signed=make.today - timedelta(days=120))
    fresh = make.person()
    sign_in(client, ready.subject)
    page = client.get("/my/tests?lang=en")
    check_page(page.text)
    assert 'href="/my/tests/mo"' in page.text
    assert "The exemption test is only possible at the start of the programme." in page.text
    sign_in(client, fresh.subject)
    assert "Finish the MO course first." in client.get("/my/tests?lang=en").text


def test_sessions_near_me_come_first(client, make):
    sign_in(client, ready_for_mo(make).subject)  # lives in Ghent
    page = client.get("/my/tests/mo?lang=en")
    check_page(page.text)
    text = re.sub(r"<[^>]+>", " ", page.text)
    assert text.index("Examencentrum Gent") < text.index("Examencentrum Antwerpen")
    assert "Near you" in page.text and "seats left" in page.text


def test_book_pay_confirm_calendar_and_cancel(client, app, sandbox):
    from starlette.testclient import TestClient

    sign_in(client, "demo-mo-done")
    held = book(client, "mo", session_ids(app, "mo", capacity=12)[0])
    assert held.status_code == 303
    booking_url = held.headers["location"]
    page = client.get(booking_url + "?lang=en")
    check_page(page.text)
    assert "Your seat is kept until" in page.text and "Pay 90,00 €" in page.text.replace(
        "\xa0", " "
    )
    paid = client.post(
        "/my/payments/pay",
        data={
            "csrf_token": csrf_token(page.text),
            "charge": re.search(r'name="charge" value="([^"]+)"', page.text).group(1),
        },
    )
    checkout = paid.headers["location"]
    assert checkout.startswith(sandbox.url)
    back = httpx.post(checkout, data={"status": "paid", "webhook": "skip"}, follow_redirects=False)
    provider_id = checkout.rsplit("/", 1)[-1]
    TestClient(app).post("/webhooks/mollie", data={"id": provider_id})
    returned = urlparse(back.headers["location"]).path
    assert returned.startswith("/my/payments/")
    # back from paying a test fee: the booking's confirmation, not a payment page
    landing = client.get(returned)
    assert landing.status_code == 303 and landing.headers["location"] == booking_url + "?paid=1"
    polled = client.get(returned.replace("/return", "/status"), headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == booking_url + "?paid=1"
    confirmed = client.get(booking_url + "?paid=1&lang=en")
    check_page(confirmed.text)
    text = " ".join(re.sub(r"<[^>]+>", " ", confirmed.text).split())
    assert "Your payment worked." in text and "Your booking is confirmed" in text
    assert "Bring your identity card (eID) or your residence card." in text
    assert "Price 90,00 € (paid)" in text  # split() turned the no-break space into a space
    assert re.search(r"How long \d+ hours?( \d+ minutes)?", text)
    assert 'href="https://www.openstreetmap.org/search?query=Examencentrum%20Gent' in confirmed.text
    assert "A test about life, values and rules in Flanders and Belgium" in text
    ics = client.get(booking_url + "/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert (
        "BEGIN:VEVENT" in ics.text and "DTSTART:" in ics.text and "Examencentrum Gent" in ics.text
    )
    unfolded = ics.text.replace("\r\n ", "")
    assert "DESCRIPTION:" in unfolded and "residence card" in unfolded
    assert "BEGIN:VALARM\r\nACTION:DISPLAY" in ics.text and "TRIGGER:-P1D" in ics.text
    assert all(len(line.encode()) <= 75 for line in ics.text.split("\r\n"))
    # cancelling asks first, with what happens to the money; asking changes nothing
    asked = client.get(booking_url + "/cancel?lang=en")
    check_page(asked.text)
    assert "You get 90,00\xa0€ back." in asked.text
    assert f'action="{booking_url}/cancel"' in asked.text and "No, keep my booking" in asked.text
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(select(m.Booking).where(m.Booking.id == int(booking_url.rsplit("/", 1)[-1])))
            .one()
            .status
            == "confirmed"
        )
    cancel = client.post(booking_url + "/cancel", data={"csrf_token": csrf_token(asked.text)})
    assert cancel.status_code == 303
    after = client.get(booking_url + "?lang=en").text
    assert "This booking is cancelled." in after
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Refund)).one().amount_cents == 9000


def test_a_session_that_just_filled_up(client, app, make):
    from starlette.testclient import TestClient

    last_seat = make.test_session("mo", capacity=1)
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, ready_for_mo(make).subject)
        assert book(other, "mo", last_seat).status_code == 303
    # a second person who may book the MO test
    sign_in(client, ready_for_mo(make).subject)
    full = book(client, "mo", last_seat)
    assert full.headers["location"] == "/my/tests/mo?error=session_full"
    assert "This session just filled up." in client.get(full.headers["location"] + "&lang=en").text


def test_the_first_nt2_test_is_confirmed_at_once_at_the_adapted_level(client, app):
    sign_in(client, "demo-lowlit")
    page = client.get("/my/tests/nt2?lang=en")
    with session_scope(app.state.portal.engine) as db:
        adapted = db.exec(select(m.TestSession).where(m.TestSession.level == "A2_adapted")).one()
        plain = db.exec(select(m.TestSession).where(m.TestSession.level == "A2")).one()
    assert f'name="session" value="{adapted.id}"' in page.text
    assert f'name="session" value="{plain.id}"' not in page.text
    held = book(client, "nt2", adapted.id)
    assert "Your booking is confirmed" in client.get(held.headers["location"] + "?lang=en").text


def test_a_session_at_another_nt2_level_cannot_be_held_by_a_direct_post(client, app, make):
    """The date list hides it, and the rule holds for a crafted POST too, both ways."""
    from starlette.testclient import TestClient

    adapted_id = make.test_session("nt2", level="A2_adapted", capacity=8)
    plain_id = make.test_session("nt2", level="A2", capacity=15)
    with session_scope(app.state.portal.engine) as db:
        adapted, plain = db.get(m.TestSession, adapted_id), db.get(m.TestSession, plain_id)
    sign_in(client, make.person().subject)  # the regular A2 track
    refused = book(client, "nt2", adapted.id)
    assert refused.headers["location"] == "/my/tests/nt2?error=wrong_level"
    assert (
        "another level of the Dutch test"
        in client.get(refused.headers["location"] + "&lang=en").text
    )
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, make.person(literacy="low").subject)  # the adapted level
        assert book(other, "nt2", plain.id).headers["location"] == "/my/tests/nt2?error=wrong_level"
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Booking).where(m.Booking.test == "nt2")).all() == []
        assert db.get(m.TestSession, adapted.id).booked == adapted.booked


def test_nobody_sees_another_persons_booking(client, app, make):
    from starlette.testclient import TestClient

    sign_in(client, ready_for_mo(make).subject)
    url = book(client, "mo", make.test_session("mo")).headers["location"]
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, ready_for_mo(make).subject)
        assert other.get(url).status_code == 404
        assert other.get(url + "/calendar.ics").status_code == 404
        page = other.get("/my/tests")
        assert (
            other.post(url + "/cancel", data={"csrf_token": csrf_token(page.text)}).status_code
            == 404
        )


def test_counsellor_plans_and_cancels_a_session_everyone_is_told_and_refunded(client, app, sandbox):
    from starlette.testclient import TestClient

    gent = session_ids(app, "mo", capacity=12)[0]
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-mo-done")
        url = book(phone, "mo", gent).headers["location"]
        page = phone.get(url)
        charge = re.search(r'name="charge" value="([^"]+)"', page.text).group(1)
        checkout = phone.post(
            "/my/payments/pay", data={"csrf_token": csrf_token(page.text), "charge": charge}
        ).headers["location"]
        httpx.post(checkout, data={"status": "paid", "webhook": "skip"})
        TestClient(app).post("/webhooks/mollie", data={"id": checkout.rsplit("/", 1)[-1]})
        assert "Your booking is confirmed" in phone.get(url + "?lang=en").text
    sign_in(client, "demo-counsellor")
    page = client.get("/staff/tests?lang=en")
    check_page(page.text)
    bad = client.post(
        "/staff/tests/new?lang=en",
        data={
            "csrf_token": csrf_token(page.text),
            "location": "1",
            "test": "mo",
            "day": "2026-04-01",
            "start": "12:00",
            "end": "10:00",
            "capacity": "10",
        },
    )
    assert bad.status_code == 400
    ok = client.post(
        "/staff/tests/new",
        data={
            "csrf_token": csrf_token(page.text),
            "location": "1",
            "test": "mo",
            "day": "2026-04-01",
            "start": "09:00",
            "end": "11:00",
            "capacity": "10",
        },
    )
    assert ok.status_code == 303
    cancelled = client.post(
        f"/staff/tests/{gent}/cancel", data={"csrf_token": csrf_token(page.text)}
    )
    assert cancelled.headers["location"] == "/staff/tests?done=cancelled"
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Refund)).one().amount_cents == 9000
        assert db.get(m.TestSession, gent).booked == 0
        message = db.exec(select(m.Message).where(m.Message.kind == "test_session_cancelled")).one()
        assert (
            message.person_id
            == db.exec(select(m.Person.id).where(m.Person.subject == "demo-mo-done")).one()
        )


def test_screening_opens_the_exemption_test(client, app, make):
    from starlette.testclient import TestClient

    person = make.person(signed=make.today)  # at the start of the programme
    pid = person.id
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, person.subject)
        assert "Only after screening by your counsellor." in phone.get("/my/tests?lang=en").text
        sign_in(client, make.counsellor())
        page = client.get(f"/staff/persons/{pid}")
        assert (
            client.post(
                f"/staff/persons/{pid}/screening", data={"csrf_token": csrf_token(page.text)}
            ).status_code
            == 303
        )
        assert 'href="/my/tests/mo_exemption"' in phone.get("/my/tests").text
        again = client.post(
            f"/staff/persons/{pid}/screening", data={"csrf_token": csrf_token(page.text)}
        )
        assert again.headers["location"].endswith("done=already_screened")
        said = client.get(again.headers["location"] + "&lang=en").text
        assert "The screening was already recorded. Nothing has changed." in said


def test_the_demo_personas_for_booking(client, app):
    sign_in(client, "demo-booked")
    page = client.get("/my/tests?lang=en")
    assert "confirmed" in page.text and "You already booked this test." in page.text
    sign_in(client, "demo-mo-failed")
    page = client.get("/my/tests?lang=en").text
    assert "Attempt 2." in page
    held = book(client, "mo", session_ids(app, "mo", capacity=12)[0])
    booking = client.get(held.headers["location"] + "?lang=en").text
    assert "Pay 90,00 €" in booking.replace("\xa0", " ")


def test_reschedule_moves_the_seat_and_the_paid_fee(client, app, make):
    person = ready_for_mo(make)
    old_session = make.test_session("mo", capacity=2)
    booked_id = make.booking(person, old_session)  # confirmed and paid
    sign_in(client, person.subject)
    url = f"/my/tests/bookings/{booked_id}"
    page = client.get(url + "?lang=en")
    check_page(page.text)
    assert "Change the date" in page.text
    target = make.test_session("mo", capacity=12, in_days=30)
    page = client.get(url + "?lang=en")
    assert f'href="{url}/reschedule?session={target}"' in page.text  # a link, then a question
    asked = client.get(f"{url}/reschedule?session={target}&lang=en")
    check_page(asked.text)
    assert "Move your test to another date?" in asked.text
    assert "Moving is free. What you paid moves with your booking." in asked.text
    assert f'name="session" value="{target}"' in asked.text
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Booking, booked_id).session_id == old_session  # asking moves nothing
    unknown = client.get(f"{url}/reschedule?session=999999")
    assert unknown.headers["location"] == url + "?error=session_closed"
    moved = client.post(
        url + "/reschedule", data={"csrf_token": csrf_token(asked.text), "session": target}
    )
    assert moved.headers["location"] == url + "?moved=1"
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Booking, booked_id).session_id == target
        assert db.get(m.Booking, booked_id).status == "confirmed"
        assert db.get(m.TestSession, old_session).booked == 0
        assert db.get(m.TestSession, target).booked == 1
    assert "Your test booking has a new date" in client.get("/my/inbox?lang=en").text
    payments = client.get("/my/payments?lang=en").text
    assert "Pay 90" not in payments.replace("\xa0", " ")  # the paid fee moved with the booking


def test_reschedule_is_refused_in_the_last_7_days(client, app, make):
    person = ready_for_mo(make)
    session = make.test_session("mo")
    booked_id = make.booking(person, session)
    later = make.test_session("mo", in_days=40)
    clock = app.state.portal.clock
    with session_scope(app.state.portal.engine) as db:
        starts = db.get(m.TestSession, session).starts_at
    clock.set(starts - timedelta(days=3))
    sign_in(client, person.subject)
    page = client.get(f"/my/tests/bookings/{booked_id}?lang=en")
    assert "Change the date" not in page.text
    refused = client.post(
        f"/my/tests/bookings/{booked_id}/reschedule",
        data={"csrf_token": csrf_token(page.text), "session": later},
    )
    assert refused.headers["location"].endswith("error=reschedule_too_late")


def test_results_a_fail_makes_a_paid_retake_and_an_upheld_appeal_passes(client, app):
    from datetime import timedelta

    from starlette.testclient import TestClient

    clock = app.state.portal.clock
    with session_scope(app.state.portal.engine) as db:
        booked = db.exec(
            select(m.Booking).join(m.Person).where(m.Person.subject == "demo-booked")
        ).one()
        session = db.get(m.TestSession, booked.session_id)
    sign_in(client, "demo-counsellor")
    page = client.get(f"/staff/tests/{session.id}/results?lang=en")
    assert "once the session has started" in page.text
    clock.set(session.starts_at + timedelta(hours=3))
    sign_in(client, "demo-counsellor")
    page = client.get(f"/staff/tests/{session.id}/results?lang=en")
    check_page(page.text)
    saved = client.post(
        f"/staff/tests/{session.id}/results/save",
        data={"csrf_token": csrf_token(page.text), f"result_{booked.id}": "failed"},
    )
    assert saved.status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-booked")
        tests = phone.get("/my/tests?lang=en").text
        assert "Failed" in tests and "A retake is paid again." in tests
        assert "Follow the MO course again first" in tests
        fact = re.search(r'name="fact" value="(\d+)"', tests).group(1)
        empty = phone.post(
            "/my/tests/appeals", data={"csrf_token": csrf_token(tests), "fact": fact, "reason": ""}
        )
        assert "appeal_error" in empty.headers["location"]
        sent = phone.post(
            "/my/tests/appeals",
            data={
                "csrf_token": csrf_token(tests),
                "fact": fact,
                "reason": "The audio did not work during question 12.",
            },
        )
        assert "appealed=1" in sent.headers["location"]
        assert "waiting for the appeals committee" in phone.get("/my/tests?lang=en").text
    appeals = client.get("/staff/appeals?lang=en")
    check_page(appeals.text)
    appeal_id = re.search(r'action="/staff/appeals/(\d+)"', appeals.text).group(1)
    undecided = client.post(
        f"/staff/appeals/{appeal_id}", data={"csrf_token": csrf_token(appeals.text), "note": "x"}
    )
    assert undecided.headers["location"] == "/staff/appeals?problem=choose"
    said = client.get("/staff/appeals?problem=choose&lang=en").text
    assert "The decision is not recorded" in said and "The decision is recorded." not in said
    assert f'action="/staff/appeals/{appeal_id}"' in said  # still waiting for a decision
    decide = {"csrf_token": csrf_token(appeals.text), "decision": "upheld", "note": "Technical"}
    assert (
        client.post(f"/staff/appeals/{appeal_id}", data=decide)
        .headers["location"]
        .endswith("done=1")
    )
    twice = client.post(f"/staff/appeals/{appeal_id}", data={**decide, "decision": "rejected"})
    assert twice.headers["location"] == "/staff/appeals?problem=already_decided"
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-booked")
        assert "accepted: the test counts as passed" in phone.get("/my/tests?lang=en").text
        dashboard = phone.get("/my?lang=en").text
        assert re.search(
            r"Social orientation \(MO\)</h3>\s*<strong class=\"tag tag-done\"", dashboard
        )


def test_another_agencys_real_appeal_is_neither_shown_nor_decided(client, app, make):
    """Scoping proved with a real record of another agency, not a missing id: one agency's
    person's appeal is invisible to another agency's counsellor, who cannot decide it either."""
    from portal.services import appeals

    home = make.agency()
    person = make.person(agency=home)
    fail = make.fact(person, "test_result", test="mo", passed=False)
    with session_scope(app.state.portal.engine) as db:
        appeal = appeals.lodge_appeal(db, person.id, fail, "De vragen waren onduidelijk.")
        appeal_id = appeal.id
    sign_in(client, make.counsellor(make.agency()))
    page = client.get("/staff/appeals")
    assert f"/staff/appeals/{appeal_id}" not in page.text
    refused = client.post(
        f"/staff/appeals/{appeal_id}",
        data={"csrf_token": csrf_token(page.text), "decision": "upheld"},
    )
    assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Appeal, appeal_id).status == "lodged"
    sign_in(client, make.counsellor(home))  # the person's own agency sees and decides it
    own = client.get("/staff/appeals")
    assert f"/staff/appeals/{appeal_id}" in own.text


def test_another_agency_cannot_decide_or_record(client, app):
    sign_in(client, "demo-counsellor-brussels")
    page = client.get("/staff/appeals")
    assert (
        client.post(
            "/staff/appeals/999", data={"csrf_token": csrf_token(page.text), "decision": "upheld"}
        ).status_code
        == 404
    )


def test_a_confirmed_booking_is_announced_and_a_result_from_the_fact_form_closes_it(client, app):
    sign_in(client, "demo-lowlit")
    with session_scope(app.state.portal.engine) as db:
        adapted = db.exec(select(m.TestSession).where(m.TestSession.level == "A2_adapted")).one()
    held = book(client, "nt2", adapted.id)
    assert "Your test booking is confirmed" in client.get("/my/inbox?lang=en").text
    booking_id = int(held.headers["location"].rsplit("/", 1)[-1])
    sign_in(client, "demo-counsellor")
    with session_scope(app.state.portal.engine) as db:
        pid = db.exec(select(m.Person.id).where(m.Person.subject == "demo-lowlit")).one()
    page = client.get(f"/staff/persons/{pid}/facts/new/test_result")
    client.post(
        f"/staff/persons/{pid}/facts/new/test_result",
        data={
            "csrf_token": csrf_token(page.text),
            "on": "2026-03-16",
            "test": "nt2",
            "result": "failed",
            "level": "A1",
        },
    )
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Booking, booking_id).status == "attended"


def test_another_persons_real_result_cannot_be_appealed_nor_their_booking_moved(client, app, make):
    """Scoping proved with real records of other people: one's failed MO test and another's
    confirmed booking, both out of reach of a third person who may book the MO test."""
    fail = make.fact(make.person(), "test_result", test="mo", passed=False)
    old_session = make.test_session("mo")
    booked_id = make.booking(ready_for_mo(make), old_session)
    elsewhere = make.test_session("mo", in_days=30)
    sign_in(client, ready_for_mo(make).subject)
    page = client.get("/my/tests")
    appealed = client.post(
        "/my/tests/appeals",
        data={"csrf_token": csrf_token(page.text), "fact": fail, "reason": "Not mine."},
    )
    assert appealed.status_code == 404
    moved = client.post(
        f"/my/tests/bookings/{booked_id}/reschedule",
        data={"csrf_token": csrf_token(page.text), "session": elsewhere},
    )
    assert moved.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Appeal)).all() == []
        assert db.get(m.Booking, booked_id).session_id == old_session


def test_screening_a_real_person_of_another_agency_is_refused(client, app, make):
    pid = make.person(agency=make.agency(), signed=make.today).id
    sign_in(client, make.counsellor(make.agency()))
    page = client.get("/staff/tests")
    refused = client.post(
        f"/staff/persons/{pid}/screening", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Screening).where(m.Screening.person_id == pid)).all() == []


def test_results_of_another_agencys_real_booking_are_neither_shown_nor_recorded(client, app, make):
    """Another agency's counsellor sees a session's results form without the person booked
    in it, and a crafted result for that person's booking is left out."""
    home = make.agency()
    session_id = make.test_session("mo")
    booked_id = make.booking(ready_for_mo(make, agency=home), session_id)
    clock = app.state.portal.clock
    with session_scope(app.state.portal.engine) as db:
        booked = db.get(m.Booking, booked_id)
        session = db.get(m.TestSession, session_id)
    clock.set(session.starts_at + timedelta(hours=3))
    sign_in(client, make.counsellor(make.agency()))
    page = client.get(f"/staff/tests/{session.id}/results")
    assert page.status_code == 200
    assert f"result_{booked.id}" not in page.text
    saved = client.post(
        f"/staff/tests/{session.id}/results/save",
        data={"csrf_token": csrf_token(page.text), f"result_{booked.id}": "failed"},
    )
    assert saved.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Booking, booked.id).status == "confirmed"
        source = f"test session {session.id}"
        assert db.exec(select(m.Fact).where(m.Fact.source == source)).all() == []
    sign_in(client, make.counsellor(home))  # the person's own agency sees the booking
    assert f"result_{booked.id}" in client.get(f"/staff/tests/{session.id}/results").text


def test_who_may_not_book_yet_sees_why_and_no_booking_buttons(client, app, make):
    person = make.person()  # the MO course is not followed yet
    make.test_session("mo", capacity=12, in_days=30)
    sign_in(client, person.subject)
    page = client.get("/my/tests/mo?lang=en")
    check_page(page.text)
    assert "You cannot book this test yet" in page.text
    assert "Finish the MO course first." in page.text
    assert "Book this date" not in page.text and 'action="/my/tests/mo/hold"' not in page.text
    ready = ready_for_mo(make)
    sign_in(client, ready.subject)
    allowed = client.get("/my/tests/mo?lang=en").text
    assert "You cannot book this test yet" not in allowed and "Book this date" in allowed


def test_cancelling_in_the_last_week_says_the_money_is_not_given_back(client, app, make):
    person = ready_for_mo(make)
    session = make.test_session("mo")
    booked_id = make.booking(person, session)  # confirmed and paid
    with session_scope(app.state.portal.engine) as db:
        starts = db.get(m.TestSession, session).starts_at
    app.state.portal.clock.set(starts - timedelta(days=3))
    sign_in(client, person.subject)
    asked = client.get(f"/my/tests/bookings/{booked_id}/cancel?lang=en")
    check_page(asked.text)
    assert "You do not get the 90,00\xa0€ back." in asked.text
    assert "Yes, cancel without a refund" in asked.text
    assert 'name="accept_no_refund" value="yes"' in asked.text
    cancelled = client.post(
        f"/my/tests/bookings/{booked_id}/cancel",
        data={"csrf_token": csrf_token(asked.text), "accept_no_refund": "yes"},
    )
    assert cancelled.headers["location"] == f"/my/tests/bookings/{booked_id}"
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Booking, booked_id).status == "cancelled"
        assert db.exec(select(m.Refund)).all() == []


def test_b1_follow_up_is_shown_and_bookable_from_the_attest_on(client, make):
    counsellor = make.counsellor()
    done = make.person(counsellor=counsellor, signed=make.today - timedelta(days=200))
    make.every_pillar_met(done)  # the attest is today: B1 is open for 24 months
    until = "2028"  # 24 months after the attest day (the test clock is in 2026)
    sign_in(client, done.subject)
    for url in ("/my?lang=en", "/my/tests?lang=en"):
        page = client.get(url)
        check_page(page.text)
        assert "Spoken Dutch test B1" in page.text
        assert "You must pass a spoken Dutch test at level B1 by" in page.text
        assert until in page.text
        assert 'href="/my/tests/b1_oral"' in page.text
    assert "Only if you must take it after your integration certificate." not in page.text
    make.fact(done, "test_result", test="b1_oral", passed=True)
    page = client.get("/my/tests?lang=en")
    assert "You passed the spoken B1 test on" in page.text
    assert 'href="/my/tests/b1_oral"' not in page.text
    sign_in(client, counsellor)
    page = client.get(f"/staff/persons/{done.id}?lang=en")
    check_page(page.text)
    assert "Spoken Dutch test B1" in page.text and "Passed on" in page.text


def test_no_b1_follow_up_before_the_attest(client, make):
    fresh = make.person()
    sign_in(client, fresh.subject)
    assert "Spoken Dutch test B1" not in client.get("/my?lang=en").text
    assert (
        "Only if you must take it after your integration certificate."
        in client.get("/my/tests?lang=en").text
    )


def test_an_nt2_retest_needs_a_module_after_the_fail(client, make):
    failed = make.person(signed=make.today - timedelta(days=200))
    make.fact(
        failed, "test_result", make.today - timedelta(days=20), test="nt2", passed=False, level="A2"
    )
    sign_in(client, failed.subject)
    refusal = (
        "Follow Dutch lessons again first (a module after your test), then you can book a retest."
    )
    page = client.get("/my/tests?lang=en")
    check_page(page.text)
    assert refusal in page.text and 'href="/my/tests/nt2"' not in page.text
    make.fact(failed, "nt2_module_followed", make.today - timedelta(days=2), source="CVO Gent")
    page = client.get("/my/tests?lang=en")
    assert refusal not in page.text and 'href="/my/tests/nt2"' in page.text


def test_only_a_failed_mo_test_is_appealed_and_upheld_it_passes_on_the_test_day(client, app, make):
    from portal.services import appeals

    counsellor = make.counsellor()
    person = make.person(counsellor=counsellor, signed=make.today - timedelta(days=200))
    test_day = make.today - timedelta(days=20)
    exemption = make.fact(person, "test_result", test_day, test="mo_exemption", passed=False)
    nt2 = make.fact(person, "test_result", test_day, test="nt2", passed=False, level="A2")
    mo_pass = make.fact(person, "test_result", test_day, test="mo", passed=True)
    mo_fail = make.fact(person, "test_result", test_day, test="mo", passed=False)
    sign_in(client, person.subject)
    page = client.get("/my/tests?lang=en").text
    assert re.findall(r'name="fact" value="(\d+)"', page) == [str(mo_fail)]
    for fact in (exemption, nt2, mo_pass):
        refused = client.post(
            "/my/tests/appeals",
            data={"csrf_token": csrf_token(page), "fact": fact, "reason": "Unfair."},
        )
        assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Appeal).where(m.Appeal.person_id == person.id)).all() == []
        appeal_id = appeals.lodge_appeal(db, person.id, mo_fail, "The audio did not work.").id
    sign_in(client, counsellor)
    listed = client.get("/staff/appeals?lang=en")
    decide = {"csrf_token": csrf_token(listed.text), "decision": "upheld", "note": "Audio"}
    assert client.post(f"/staff/appeals/{appeal_id}", data=decide).status_code == 303
    with session_scope(app.state.portal.engine) as db:
        passes = db.exec(
            select(m.Fact).where(
                m.Fact.person_id == person.id, m.Fact.source == "appeals committee"
            )
        ).all()
    assert [(f.on, f.test, f.passed) for f in passes] == [(test_day, "mo", True)]


def test_demo_b1_sees_the_spoken_b1_test_due_and_may_book_it(client, app):
    sign_in(client, "demo-b1")
    page = client.get("/my?lang=en").text
    check_page(page)
    assert "You have your integration certificate" in page or "You completed every part" in page
    assert "You must pass a spoken Dutch test at level B1 by" in page
    tests = client.get("/my/tests?lang=en").text
    assert 'href="/my/tests/b1_oral"' in tests
    dates = client.get("/my/tests/b1_oral?lang=en")
    check_page(dates.text)
    assert session_ids(app, "b1_oral")
    held = book(client, "b1_oral", session_ids(app, "b1_oral")[0])
    assert held.status_code == 303 and "/my/tests/bookings/" in held.headers["location"]


def test_demo_nt2_failed_must_follow_a_module_before_the_retest(client):
    sign_in(client, "demo-nt2-failed")
    tests = client.get("/my/tests?lang=en").text
    check_page(tests)
    assert "Failed" in tests
    assert "Follow Dutch lessons again first (a module after your test)" in tests
    assert 'href="/my/tests/nt2"' not in tests
