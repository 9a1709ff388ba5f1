"""The note's sanction triggers a counsellor records (issue #17): late first registration,
refusing the intake or the contract, not taking part regularly in MO or NT2 (with the classroom
attendance kept), refusing a test or a retest. Each is recorded on the fact form, appears on the
list of sanction facts (with days overdue where a term applies) and in its CSV export, and can
be reviewed; another agency's counsellor gets a 404. The list shows what the portal told the
person and when."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.labels import sanction_kind_name
from tests.support.exports import csv_records, in_language
from tests.support.web import check_page, csrf_token, sign_in


def form_post(client, path, data):
    page = client.get("/staff")
    return client.post(path, data={"csrf_token": csrf_token(page.text), **data})


def count(app, model, *where):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("kind", "data", "shown"),
    [
        pytest.param(
            "late_registration",
            {"due": "{due}", "on": "{on}", "reason": "letter of the municipality"},
            ["Late first registration", "12 days after the term", "letter of the municipality"],
            id="late first registration",
        ),
        pytest.param(
            "intake_refused",
            {"on": "{on}", "reason": "did not come twice"},
            ["Refused the intake", "did not come twice"],
            id="intake refused",
        ),
        pytest.param(
            "contract_refused",
            {"on": "{on}", "reason": "does not want to sign"},
            ["Refused to sign the contract", "does not want to sign"],
            id="contract refused",
        ),
        pytest.param(
            "irregular_participation",
            {"on": "{on}", "pillar": "mo", "reason": "came to 1 of 2 sessions"},
            ["Does not take part regularly", "present at 1 of 2 sessions"],
            id="irregular participation in MO",
        ),
        pytest.param(
            "test_refused",
            {"on": "{on}", "test": "nt2", "reason": "will not take the test"},
            ["Refused to take the test", "will not take the test"],
            id="test refused",
        ),
    ],
)
def test_a_recorded_trigger_is_on_the_sanction_list_and_in_the_export(
    client, app, make, kind, data, shown
):
    agency = make.agency()
    person = make.person(agency=agency, name="Amina Haddad")
    if kind == "irregular_participation":  # the classroom attendance kept: 1 of 2
        sessions = [make.classroom_session(agency, in_days=1 + i) for i in range(2)]
        with session_scope(app.state.portal.engine) as db:
            for session_id, present in zip(sessions, (True, False), strict=True):
                db.add(
                    m.Attendance(
                        session_id=session_id, person_id=person.id, present=present, recorded_by="t"
                    )
                )
    on = make.today - timedelta(days=2)
    values = {
        k: v.format(on=on.isoformat(), due=(on - timedelta(days=12)).isoformat())
        for k, v in data.items()
    }
    sign_in(client, make.counsellor(agency))
    form = client.get(f"/staff/persons/{person.id}/facts/new/{kind}?lang=en")
    assert form.status_code == 200
    check_page(form.text)
    done = form_post(client, f"/staff/persons/{person.id}/facts/new/{kind}", values)
    assert done.status_code == 303
    page = client.get("/staff/sanctions?lang=en")
    check_page(page.text)
    text = text_of(page.text)
    assert "Amina" in text or "Haddad" in text
    for words in shown:
        assert words in text, words
    match = re.search(
        rf'name="person_id" value="{person.id}">\s*<input type="hidden" name="kind" value="([a-z_]+)">\s*'
        r'<input type="hidden" name="pillar" value="([a-z0-9]*)">\s*'
        r'<input type="hidden" name="deadline" value="([0-9-]+)">',
        page.text,
    )
    assert match
    reviewed = form_post(
        client,
        "/staff/sanctions/review",
        {
            "person_id": person.id,
            "kind": match[1],
            "pillar": match[2],
            "deadline": match[3],
            "decision": "report",
        },
    )
    assert reviewed.status_code == 303
    rows = csv_records(client.get("/staff/sanctions.csv"))  # in English, chosen above
    assert [r["Fact"] for r in rows] == [in_language("en", sanction_kind_name, match[1])]
    assert rows[0]["Happened on"] == on.isoformat()
    assert rows[0]["Reason recorded"] == values.get("reason", "")
    if kind == "late_registration":
        assert rows[0]["Days after the term"] == "12"
    if kind == "irregular_participation":
        present = rows[0]["Classroom sessions present (MO)"]
        assert (present, rows[0]["Classroom sessions recorded (MO)"]) == ("1", "2")


def test_a_refused_test_after_a_fail_is_a_refused_retest(client, make):
    agency = make.agency()
    person = make.person(agency=agency)
    make.fact(person, "test_result", make.today - timedelta(days=20), test="mo", passed=False)
    sign_in(client, make.counsellor(agency))
    done = form_post(
        client,
        f"/staff/persons/{person.id}/facts/new/test_refused",
        {"on": make.today.isoformat(), "test": "mo", "reason": "no"},
    )
    assert done.status_code == 303
    text = text_of(client.get("/staff/sanctions?lang=en").text)
    assert "Refused to take the test again after failing" in text


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        pytest.param("intake_refused", {"on": "{today}"}, "reason", id="no reason"),
        pytest.param("late_registration", {"on": "{today}", "due": "{today}"}, "on", id="not late"),
        pytest.param("late_registration", {"on": "{today}"}, "due", id="no term"),
        pytest.param(
            "test_refused", {"on": "{today}", "test": "b1_oral", "reason": "x"}, "test", id="B1"
        ),
    ],
)
def test_a_trigger_without_what_it_needs_is_not_recorded(client, app, make, kind, data, field):
    agency = make.agency()
    person = make.person(agency=agency)
    sign_in(client, make.counsellor(agency))
    before = count(app, m.Fact)
    values = {k: v.format(today=make.today.isoformat()) for k, v in data.items()}
    response = form_post(client, f"/staff/persons/{person.id}/facts/new/{kind}?lang=en", values)
    assert response.status_code == 400
    check_page(response.text)
    assert f'href="#{field}"' in response.text
    assert count(app, m.Fact) == before


@pytest.mark.parametrize(
    "kind", ["late_registration", "intake_refused", "irregular_participation", "test_refused"]
)
def test_another_agencys_counsellor_cannot_record_a_trigger(client, app, make, kind):
    person = make.person(agency=make.agency())
    sign_in(client, make.counsellor(make.agency()))
    before = count(app, m.Fact)
    path = f"/staff/persons/{person.id}/facts/new/{kind}"
    assert client.get(path).status_code == 404
    data = {"on": make.today.isoformat(), "due": "2020-01-01", "pillar": "mo", "test": "mo"}
    assert form_post(client, path, {**data, "reason": "x"}).status_code == 404
    assert count(app, m.Fact) == before


def test_the_list_shows_what_the_portal_told_the_person_and_when(client, app, make):
    agency = make.agency()
    person = make.person(agency=agency, signed=make.vdab_deadline_in(5))
    sent = datetime.combine(make.today, datetime.min.time()).astimezone()
    with session_scope(app.state.portal.engine) as db:
        message = m.Message(person_id=person.id, kind="deadline_reminder_obliged", params={})
        db.add(message)
        db.flush()
        db.add(
            m.ReminderSent(
                person_id=person.id,
                key="deadline:vdab:2026-01-01:7",
                message_id=message.id,
                sent_at=sent,
            )
        )
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=10))  # the VDAB deadline has passed
    sign_in(client, make.counsellor(agency))
    text = text_of(client.get("/staff/sanctions?lang=en").text)
    assert "Reminder of the deadline: the agency may report it" in text
    assert "7 days before the deadline" in text
    assert "days after the term" in text
