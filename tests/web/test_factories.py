"""The factories make what the rules allow, in the scope they were asked for; and the records
they make are really refused to people of another scope (the basis of the scoping tests)."""

from __future__ import annotations

from tests.support.web import csrf_token, sign_in


def test_a_person_of_a_new_agency_belongs_to_that_agency_only(make, client):
    other = make.agency()
    person = make.person(agency=other, counsellor=make.counsellor(other))
    sign_in(client, "demo-counsellor")
    assert client.get(f"/staff/persons/{person.id}").status_code == 404
    client.cookies.clear()
    sign_in(client, make.counsellor(other))
    page = client.get(f"/staff/persons/{person.id}")
    assert page.status_code == 200
    assert "Test" in page.text


def test_a_made_person_signs_in_to_their_own_plan(make, client):
    person = make.person()
    sign_in(client, person.subject)
    page = client.get("/my/plan?lang=en")
    assert page.status_code == 200, page.text
    assert "Test" in page.text  # the person's own name on their plan


def test_a_sent_activity_reaches_the_municipality_of_residence_only(make, client):
    town = make.municipality()
    person = make.person(municipality=town)
    activity = make.sent_activity(person, hours=6)
    sign_in(client, "demo-gent-officer")
    assert client.get(f"/municipality/activities/{activity}").status_code == 404
    client.cookies.clear()
    sign_in(client, make.officer(town))
    page = client.get(f"/municipality/activities/{activity}")
    assert page.status_code == 200
    token = csrf_token(page.text)
    assert token


def test_facts_and_payments_count_for_the_person(make, client):
    person = make.person()
    make.paid_at_counter(person)
    make.fact(person, "vdab_registered", source="VDAB")
    sign_in(client, "demo-counsellor")
    assert "VDAB" in client.get(f"/staff/persons/{person.id}?lang=en").text
    client.cookies.clear()
    sign_in(client, person.subject)
    payments = client.get("/my/payments?lang=en")
    assert payments.status_code == 200
    assert "/receipt" in payments.text  # the counter payment, with its receipt


def test_a_named_person_with_every_pillar_met_gets_the_certificate(make, client):
    person = make.person(name="Maria Santos")
    make.every_pillar_met(person)
    sign_in(client, make.counsellor())
    page = client.get(f"/staff/persons/{person.id}/attest")
    assert page.status_code == 200 and "Santos" in page.text
    issued = client.post(
        f"/staff/persons/{person.id}/attest",
        data={"csrf_token": csrf_token(page.text), "confirm": "yes"},
    )
    assert issued.status_code == 303


def test_a_booking_is_confirmed_in_the_session_made_for_it(make, client):
    person = make.person()
    make.mo_course_done(person)
    session = make.test_session(capacity=1)
    booked = make.booking(person, session)
    sign_in(client, person.subject)
    page = client.get(f"/my/tests/bookings/{booked}?lang=en")
    assert page.status_code == 200
    assert "Your booking is confirmed" in page.text and "Examencentrum Gent" in page.text
