"""A question about participation hours over HTTP: the person asks the municipality that
decided (from the activity page or from "new request"), an officer of that municipality answers,
the person reads the answer; every error at once; another municipality, another person or
another agency gets a 404 and nothing changes; the person's counsellor only reads."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.db import models as m
from tests.support.web import check_page, csrf_token
from tests.support.web import sign_in as sign_in_nl


def sign_in(client, subject):
    """Signed in, reading English (the source strings: the catalogs come later)."""
    sign_in_nl(client, subject)
    client.get("/?lang=en")


def ask(client, fields, query=""):
    page = client.get(f"/my/requests/new/hours_question{query}")
    assert page.status_code == 200
    check_page(page.text)
    return client.post(
        "/my/requests/new/hours_question/send",
        data={"csrf_token": csrf_token(page.text), **fields},
        follow_redirects=False,
    )


def answer(client, request_id, text):
    page = client.get(f"/municipality/questions/{request_id}")
    assert page.status_code == 200
    check_page(page.text)
    return client.post(
        f"/municipality/questions/{request_id}/answer",
        data={"csrf_token": csrf_token(page.text), "answer": text},
        follow_redirects=False,
    )


def sent_id(response) -> int:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("/sent")
    return int(location.split("/")[3])


def request_row(make, request_id) -> m.PersonRequest:
    with make.db() as db:
        row = db.get(m.PersonRequest, request_id)
        assert row is not None
        return row


def questions(db) -> list[m.PersonRequest]:
    query = select(m.PersonRequest).where(m.PersonRequest.kind == "hours_question")
    return list(db.exec(query).all())


def kinds_of_messages(make, person) -> list[str]:
    with make.db() as db:
        rows = db.exec(select(m.Message).where(m.Message.person_id == person.id)).all()
        return [x.kind for x in rows]


@pytest.fixture
def world(make):
    """A town with an officer, a person living there whose activity the town confirmed only
    partly, and that person's counsellor."""
    town = make.municipality()
    agency = make.agency()
    counsellor = make.counsellor(agency)
    person = make.person(agency=agency, counsellor=counsellor, municipality=town)
    activity = make.sent_activity(person, hours=8, organisation="Buurthuis De Link")
    make.decide(activity, "confirm_part", confirmed=4, reason="Only 4 hours are on the list.")
    return town, make.officer(town), counsellor, person, activity


def test_asked_from_the_activity_answered_by_the_town_read_by_the_person(client, make, world):
    town, officer, _, person, activity = world
    sign_in(client, person.subject)
    page = client.get(f"/my/participation/activities/{activity}")
    link = f"/my/requests/new/hours_question?activity={activity}"
    assert link in page.text
    assert "A question about my hours" in client.get("/my/requests/new").text
    form = client.get(link)
    assert f'value="{activity}" checked' in form.text
    assert 'type="file"' not in form.text
    response = ask(
        client,
        {"activity": str(activity), "details": "I worked 8 hours.\nThe list has two pages."},
        f"?activity={activity}",
    )
    request_id = sent_id(response)
    row = request_row(make, request_id)
    assert (row.kind, row.status, row.activity_id, row.municipality_id) == (
        "hours_question",
        "waiting",
        activity,
        town.id,
    )
    mine = client.get(f"/my/requests/{request_id}")
    check_page(mine.text)
    assert "Waiting for the municipality" in mine.text
    assert f'href="/my/participation/activities/{activity}"' in mine.text

    sign_in(client, officer)
    home = client.get("/municipality")
    assert f"/municipality/questions/{request_id}" in home.text
    listing = client.get("/municipality/questions")
    check_page(listing.text)
    assert f"/municipality/questions/{request_id}" in listing.text
    question = client.get(f"/municipality/questions/{request_id}")
    assert "The list has two pages." in question.text
    assert f'href="/municipality/activities/{activity}"' in question.text
    assert "4 of 8 hours confirmed" in question.text
    response = answer(client, request_id, "We only see one page. Send the second page again.")
    assert response.status_code == 303
    assert response.headers["location"] == "/municipality/questions?done=answered"
    done = client.get(response.headers["location"])
    assert "Your answer is saved" in done.text
    assert f"/municipality/questions/{request_id}" not in done.text
    row = request_row(make, request_id)
    assert row.status == "answered" and row.decided_by == officer
    assert row.decision_reason == "We only see one page. Send the second page again."
    with make.db() as db:
        actions = [
            x.action
            for x in db.exec(select(m.AuditLog).where(m.AuditLog.entity_id == str(request_id)))
        ]
    assert {"request.ask", "request.open", "request.answer"} <= set(actions)
    # answering twice: refused, the first answer stays
    again = answer(client, request_id, "Another answer")
    assert again.status_code == 400
    assert "This question was already answered." in again.text
    assert request_row(make, request_id).decision_reason.startswith("We only see one page.")

    assert kinds_of_messages(make, person)[-1] == "request_answered"
    with make.db() as db:
        emails = db.exec(select(m.OutboxEmail)).all()
        news = [e for e in emails if "/my/requests/" in e.body]
    assert news  # the person has an e-mail address
    for email in news:  # the e-mail only says there is news, never the answer
        assert "second page" not in email.body
    sign_in(client, person.subject)
    mine = client.get(f"/my/requests/{request_id}")
    check_page(mine.text)
    assert "Answered" in mine.text
    assert "We only see one page. Send the second page again." in mine.text
    inbox = client.get("/my/inbox")
    assert "Your municipality answered your question" in inbox.text


def test_every_error_at_once(client, make, world):
    _, officer, _, person, activity = world
    sign_in(client, person.subject)
    response = ask(client, {"activity": "", "details": ""})
    assert response.status_code == 400
    check_page(response.text)
    summary = response.text.split('class="error-summary"')[1].split("</ul>")[0]
    assert "#activity" in summary and "#details" in summary
    # what was typed is kept; a question too long
    response = ask(client, {"activity": str(activity), "details": "x" * 2001})
    assert response.status_code == 400
    assert f'value="{activity}" checked' in response.text
    with make.db() as db:
        assert questions(db) == []
    # a person without a decided activity has nothing to ask about
    other = make.person()
    sign_in(client, other.subject)
    response = ask(client, {"activity": str(activity), "details": "Why?"})
    assert response.status_code == 400
    assert "You have no activity with a decision to ask about." in response.text
    # the officer's answer is required
    sign_in(client, person.subject)
    request_id = sent_id(ask(client, {"activity": str(activity), "details": "Why only 4?"}))
    sign_in(client, officer)
    response = answer(client, request_id, "   ")
    assert response.status_code == 400
    check_page(response.text)
    assert 'href="#answer"' in response.text
    response = answer(client, request_id, "y" * 2001)
    assert response.status_code == 400
    assert request_row(make, request_id).status == "waiting"


def test_another_municipality_another_person_another_agency_get_404(client, make, world):
    town, _, _, person, activity = world
    sign_in(client, person.subject)
    request_id = sent_id(ask(client, {"activity": str(activity), "details": "Why only 4?"}))

    elsewhere = make.municipality()
    sign_in(client, make.officer(elsewhere))
    assert f"/municipality/questions/{request_id}" not in client.get("/municipality").text
    assert client.get(f"/municipality/questions/{request_id}").status_code == 404
    home = client.get("/municipality")
    token = csrf_token(home.text)
    response = client.post(
        f"/municipality/questions/{request_id}/answer",
        data={"csrf_token": token, "answer": "Not ours"},
    )
    assert response.status_code == 404
    assert request_row(make, request_id).status == "waiting"
    assert "request_answered" not in kinds_of_messages(make, person)

    # another person: not their question, not their activity
    stranger = make.person(municipality=town)
    sign_in(client, stranger.subject)
    assert client.get(f"/my/requests/{request_id}").status_code == 404
    response = ask(client, {"activity": str(activity), "details": "Mine?"})
    assert response.status_code == 400
    with make.db() as db:
        assert len(questions(db)) == 1

    # a counsellor of another agency
    sign_in(client, make.counsellor(make.agency()))
    assert client.get(f"/staff/requests/{request_id}").status_code == 404
    assert f"/staff/requests/{request_id}" not in client.get("/staff/requests").text


def test_the_counsellor_reads_and_does_not_decide(client, make, world):
    _, _, counsellor, person, activity = world
    sign_in(client, person.subject)
    request_id = sent_id(ask(client, {"activity": str(activity), "details": "Why only 4?"}))
    sign_in(client, counsellor)
    listing = client.get("/staff/requests")
    check_page(listing.text)
    assert "Questions to a municipality about hours" in listing.text
    assert f"/staff/requests/{request_id}" in listing.text
    page = client.get(f"/staff/requests/{request_id}")
    assert page.status_code == 200
    check_page(page.text)
    assert "Why only 4?" in page.text
    assert "/approve" not in page.text and "/refuse" not in page.text
    token = csrf_token(page.text)
    for action in ("approve", "refuse"):
        response = client.post(
            f"/staff/requests/{request_id}/{action}",
            data={"csrf_token": token, "reason": "No"},
        )
        assert response.status_code == 404
    assert request_row(make, request_id).status == "waiting"


def test_the_question_goes_to_the_town_that_decided(client, make, world):
    """A person who moved after the decision asks the town that decided; a question about an
    activity waiting for more information goes to the town where the person lives."""
    town, officer, _, person, activity = world
    new_town = make.municipality()
    with make.db() as db:
        row = db.get(m.Person, person.id)
        row.municipality_id = new_town.id
        db.add(row)
    waiting = make.sent_activity(person, organisation="Sportclub")
    make.decide(waiting, "ask_info", reason="Who signed the list?")
    sign_in(client, person.subject)
    first = sent_id(ask(client, {"activity": str(activity), "details": "Why only 4?"}))
    second = sent_id(ask(client, {"activity": str(waiting), "details": "The coach signed."}))
    assert request_row(make, first).municipality_id == town.id
    assert request_row(make, second).municipality_id == new_town.id
    sign_in(client, officer)
    listing = client.get("/municipality/questions").text
    assert f"/municipality/questions/{first}" in listing
    assert f"/municipality/questions/{second}" not in listing
    sign_in(client, make.officer(new_town))
    assert client.get(f"/municipality/questions/{first}").status_code == 404
    assert answer(client, second, "Thank you.").status_code == 303
