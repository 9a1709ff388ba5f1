"""Requests to the counsellor over HTTP: the person asks (every error at once, proof checked),
the counsellor of their agency decides, the dossier and the fees follow, the person is told.
Another person's or another agency's request is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.services.demo_participation import attendance_sheet_photo
from portal.services.dossier import load_dossier
from portal.services.payments import statement
from tests.support.web import check_page, csrf_token
from tests.support.web import sign_in as sign_in_nl


def sign_in(client, subject):
    """Signed in, reading English (the source strings: the catalogs come later)."""
    sign_in_nl(client, subject)
    client.get("/?lang=en")


def photo() -> tuple[str, bytes, str]:
    return ("doctor.jpg", attendance_sheet_photo("Doktersbriefje", 2), "image/jpeg")


def ask(client, kind, fields, files=()):
    page = client.get(f"/my/requests/new/{kind}")
    assert page.status_code == 200
    check_page(page.text)
    return client.post(
        f"/my/requests/new/{kind}/send",
        data={"csrf_token": csrf_token(page.text), **fields},
        files=[("proof", f) for f in files] or [("proof", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )


def sent_id(response) -> int:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("/sent")
    return int(location.split("/")[3])


def decide(client, request_id, action, reason=""):
    page = client.get(f"/staff/requests/{request_id}")
    assert page.status_code == 200
    check_page(page.text)
    return client.post(
        f"/staff/requests/{request_id}/{action}",
        data={"csrf_token": csrf_token(page.text), "reason": reason},
        follow_redirects=False,
    )


def messages(make, person):
    with make.db() as db:
        return list(db.exec(select(m.Message).where(m.Message.person_id == person.id)).all())


@pytest.fixture
def team(make):
    agency = make.agency()
    counsellor = make.counsellor(agency)
    person = make.person(agency=agency, counsellor=counsellor)
    return agency, counsellor, person


def test_a_suspension_asked_with_proof_and_approved_moves_the_plan(client, make, team):
    _, counsellor, person = team
    sign_in(client, person.subject)
    start = make.today + timedelta(days=7)
    end = start + timedelta(days=20)
    response = ask(
        client,
        "suspension",
        {"reason": "medical", "start_on": start.isoformat(), "end_on": end.isoformat()},
        [photo()],
    )
    request_id = sent_id(response)
    sent = client.get(f"/my/requests/{request_id}/sent")
    assert "Your request is sent" in sent.text
    listing = client.get("/my/requests")
    assert "Waiting for your counsellor" in listing.text
    own = client.get(f"/my/requests/{request_id}")
    file_link = own.text.split('href="/my/requests/files/')[1].split('"')[0]
    download = client.get(f"/my/requests/files/{file_link}")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")

    sign_in(client, counsellor)
    pending = client.get("/staff/requests")
    assert f"/staff/requests/{request_id}" in pending.text
    assert client.get(f"/staff/requests/files/{file_link}").status_code == 200
    assert decide(client, request_id, "approve").status_code == 303
    with make.db() as db:
        suspensions = db.exec(select(m.Suspension).where(m.Suspension.person_id == person.id)).all()
        assert [(s.start_on, s.end_on) for s in suspensions] == [(start, end)]
        row = db.get(m.PersonRequest, request_id)
        assert row.status == "approved" and row.decided_by == counsellor
    assert f"/staff/requests/{request_id}" not in client.get("/staff/requests").text
    assert [x.kind for x in messages(make, person)][-1] == "request_approved"
    with make.db() as db:
        emails = db.exec(select(m.OutboxEmail)).all()
        mine = [e for e in emails if e.to_address.startswith(person.subject + "@")]
        if mine:  # the e-mail only says there is news, with a link
            assert "/my/requests/" in mine[-1].body and "approved" not in mine[-1].body


def test_every_error_at_once_and_what_was_typed_is_kept(client, make, team):
    _, _, person = team
    sign_in(client, person.subject)
    response = ask(client, "suspension", {"start_on": "2026-02-30", "details": "Ziek"})
    assert response.status_code == 400
    html = response.text
    check_page(html)
    summary = html.split('class="error-summary"')[1].split("</ul>")[0]
    for field in ("#start_on", "#reason", "#end_on", "#proof"):
        assert field in summary
    assert "Enter a real date" in summary
    assert 'value="2026-02-30"' in html and ">Ziek</textarea>" in html
    before = client.get("/my/requests/new/suspension").text
    # a suspension before the signing day, a wrong order, a file that is not a photo
    response = ask(
        client,
        "suspension",
        {
            "reason": "personal",
            "start_on": (make.today - timedelta(days=60)).isoformat(),
            "end_on": (make.today - timedelta(days=70)).isoformat(),
        },
        [("x.jpg", b"not a picture at all", "image/jpeg")],
    )
    assert response.status_code == 400
    assert "after the day you signed" in response.text
    assert "The end date must be on or after the start date." in response.text
    assert "not a photo" in response.text
    assert "csrf_token" in before
    with make.db() as db:
        assert (
            db.exec(select(m.PersonRequest).where(m.PersonRequest.person_id == person.id)).all()
            == []
        )


def test_a_fee_waiver_for_all_open_fees(client, make, team):
    _, counsellor, person = team
    sign_in(client, person.subject)
    missing = ask(client, "fee_waiver", {})
    assert missing.status_code == 400 and "#fee" in missing.text and "#details" in missing.text
    request_id = sent_id(ask(client, "fee_waiver", {"fee": "all", "details": "OCMW attest"}))
    sign_in(client, counsellor)
    assert decide(client, request_id, "approve").status_code == 303
    with make.db() as db:
        lines = statement(db, load_dossier(db, person.id)).lines
        assert lines and all(line.charge.amount_cents == 0 for line in lines if not line.paid)
        waivers = db.exec(select(m.Waiver).where(m.Waiver.person_id == person.id)).all()
        assert waivers and {w.category for w in waivers} == {"payment_difficulties"}


def test_work_reported_becomes_a_period_fact(client, make, team):
    _, counsellor, person = team
    sign_in(client, person.subject)
    start = make.today - timedelta(days=3)
    request_id = sent_id(
        ask(client, "period", {"period_kind": "work", "start_on": start.isoformat()})
    )
    sign_in(client, counsellor)
    assert decide(client, request_id, "approve").status_code == 303
    with make.db() as db:
        facts = db.exec(
            select(m.Fact).where(m.Fact.person_id == person.id, m.Fact.kind == "period")
        ).all()
        assert [(f.on, f.period_kind) for f in facts] == [(start, "work")]


def test_a_move_reported_changes_the_municipality(client, make, team):
    _, counsellor, person = team
    elsewhere = make.municipality()
    sign_in(client, person.subject)
    same = ask(
        client,
        "move",
        {"municipality": person.nis, "address": "x", "start_on": make.today.isoformat()},
    )
    assert same.status_code == 400 and "You already live in this municipality." in same.text
    # registered today: a move cannot be on or before the day they came to live here
    early = ask(
        client,
        "move",
        {"municipality": elsewhere.nis, "address": "x", "start_on": make.today.isoformat()},
    )
    assert early.status_code == 400 and "This date is before the last move." in early.text
    with make.db() as db:
        residence = db.exec(select(m.Residence).where(m.Residence.person_id == person.id)).one()
        residence.since = make.today - timedelta(days=100)
        db.add(residence)
    request_id = sent_id(
        ask(
            client,
            "move",
            {
                "municipality": elsewhere.nis,
                "address": "Kerkstraat 1, 9000 Gent",
                "start_on": make.today.isoformat(),
            },
        )
    )
    sign_in(client, counsellor)
    page = client.get(f"/staff/requests/{request_id}")
    assert "Kerkstraat 1" in page.text
    assert decide(client, request_id, "approve").status_code == 303
    with make.db() as db:
        assert db.get(m.Person, person.id).municipality_id == elsewhere.id


def test_an_overlapping_suspension_is_refused_by_the_service_and_nothing_changes(
    client, make, team
):
    _, counsellor, person = team
    start = make.today + timedelta(days=7)
    sign_in(client, person.subject)
    fields = {
        "reason": "medical",
        "start_on": start.isoformat(),
        "end_on": (start + timedelta(days=5)).isoformat(),
    }
    first = sent_id(ask(client, "suspension", fields, [photo()]))
    second = sent_id(ask(client, "suspension", fields, [photo()]))
    sign_in(client, counsellor)
    assert decide(client, first, "approve").status_code == 303
    response = decide(client, second, "approve")
    assert response.status_code == 400
    assert "This suspension overlaps with another suspension." in response.text
    with make.db() as db:
        assert db.get(m.PersonRequest, second).status == "waiting"
        assert (
            len(db.exec(select(m.Suspension).where(m.Suspension.person_id == person.id)).all()) == 1
        )


def test_refusing_needs_a_reason_and_the_person_reads_it(client, make, team):
    _, counsellor, person = team
    sign_in(client, person.subject)
    request_id = sent_id(
        ask(client, "period", {"period_kind": "study", "start_on": make.today.isoformat()})
    )
    sign_in(client, counsellor)
    empty = decide(client, request_id, "refuse")
    assert empty.status_code == 400 and "Give the reason: the person will read it." in empty.text
    assert decide(client, request_id, "refuse", "Stuur je inschrijvingsbewijs.").status_code == 303
    again = decide(client, request_id, "approve")
    assert again.status_code == 400 and "This request was already decided." in again.text
    last = messages(make, person)[-1]
    assert last.kind == "request_refused"
    assert last.params["reason"] == "Stuur je inschrijvingsbewijs."
    sign_in(client, person.subject)
    assert "Stuur je inschrijvingsbewijs." in client.get("/my/requests").text
    inbox = client.get(f"/my/inbox/{last.id}")
    assert "Stuur je inschrijvingsbewijs." in inbox.text


def test_another_persons_or_agencys_request_is_not_found(client, make, team):
    agency, counsellor, person = team
    other_agency = make.agency()
    other_counsellor = make.counsellor(other_agency)
    neighbour = make.person(agency=agency, counsellor=counsellor)
    sign_in(client, person.subject)
    start = make.today + timedelta(days=7)
    request_id = sent_id(
        ask(
            client,
            "suspension",
            {"reason": "medical", "start_on": start.isoformat(), "end_on": start.isoformat()},
            [photo()],
        )
    )
    own = client.get(f"/my/requests/{request_id}")
    file_id = own.text.split('href="/my/requests/files/')[1].split('"')[0]
    sign_in(client, neighbour.subject)
    assert client.get(f"/my/requests/{request_id}").status_code == 404
    assert client.get(f"/my/requests/{request_id}/sent").status_code == 404
    assert client.get(f"/my/requests/files/{file_id}").status_code == 404
    sign_in(client, other_counsellor)
    assert f"/staff/requests/{request_id}" not in client.get("/staff/requests").text
    assert client.get(f"/staff/requests/{request_id}").status_code == 404
    assert client.get(f"/staff/requests/files/{file_id}").status_code == 404
    token = csrf_token(client.get("/staff/requests").text)
    for action in ("approve", "refuse"):
        response = client.post(
            f"/staff/requests/{request_id}/{action}",
            data={"csrf_token": token, "reason": "no"},
            follow_redirects=False,
        )
        assert response.status_code == 404
    with make.db() as db:
        assert db.get(m.PersonRequest, request_id).status == "waiting"
