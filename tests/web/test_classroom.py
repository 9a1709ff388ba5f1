"""Classroom sessions of the blended MO course: planning, attendance, questions, and the
classroom part in "MO course followed". The scope tests make their own agencies, sessions,
counsellors and people (the `make` fixture, tests/support/factories.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, csrf_token, sign_in


def sessions(app):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.ClassroomSession).order_by(m.ClassroomSession.starts_at)).all()


def test_a_person_sees_the_sessions_and_leaves_a_question(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/course?lang=en")
    check_page(page.text)
    assert "Your plan asks you to attend 2 classroom sessions. You attended 0." in page.text
    assert "Democracy and the rule of law" in page.text
    empty = client.post(
        "/my/course/questions",
        data={"csrf_token": csrf_token(page.text), "session": sessions(app)[0].id, "question": " "},
    )
    assert "question_error" in empty.headers["location"]
    sent = client.post(
        "/my/course/questions",
        data={
            "csrf_token": csrf_token(page.text),
            "session": sessions(app)[0].id,
            "question": "Wie kiest de burgemeester?",
        },
    )
    assert sent.headers["location"] == "/my/course?asked=1"
    sign_in(client, "demo-counsellor")
    assert (
        "Wie kiest de burgemeester?" in client.get(f"/staff/classroom/{sessions(app)[0].id}").text
    )


def test_a_person_of_another_agency_cannot_ask_in_this_session(client, make):
    session = make.classroom_session(make.agency())
    sign_in(client, make.person(agency=make.agency()).subject)  # blended MO course too
    page = client.get("/my/course")
    response = client.post(
        "/my/course/questions",
        data={"csrf_token": csrf_token(page.text), "session": session, "question": "x"},
    )
    assert response.status_code == 404


def test_counsellor_plans_a_session_with_clear_errors(client, app):
    sign_in(client, "demo-counsellor")
    page = client.get("/staff/classroom?lang=en")
    check_page(page.text)
    token = csrf_token(page.text)
    bad = client.post(
        "/staff/classroom/new?lang=en",
        data={
            "csrf_token": token,
            "title": "Health care",
            "day": "2026-04-20",
            "start": "12:00",
            "end": "09:00",
            "place": "In-Gent",
        },
    )
    assert bad.status_code == 400 and "The end date must be on or after the start date" in bad.text
    assert 'value="Health care"' in bad.text
    past = client.post(
        "/staff/classroom/new?lang=en",
        data={
            "csrf_token": token,
            "title": "Health care",
            "day": "2026-03-01",
            "start": "09:00",
            "end": "12:00",
            "place": "In-Gent",
        },
    )
    assert past.status_code == 400
    ok = client.post(
        "/staff/classroom/new",
        data={
            "csrf_token": token,
            "title": "Health care",
            "day": "2026-04-20",
            "start": "09:00",
            "end": "12:00",
            "online_url": "https://meet.example.be/mo",
            "module": "10-health",
        },
    )
    assert ok.status_code == 303
    assert [s.title for s in sessions(app)][-1] == "Health care"


def test_attendance_completes_the_classroom_part_of_the_course(client, app):
    clock = app.state.portal.clock
    sign_in(client, "demo-counsellor")
    first, second = sessions(app)
    not_yet = client.get(f"/staff/classroom/{first.id}?lang=en")
    assert "once the session has started" in not_yet.text
    clock.set(clock.now() + timedelta(days=30))
    sign_in(client, "demo-counsellor")
    with session_scope(app.state.portal.engine) as db:
        pid = db.exec(select(m.Person.id).where(m.Person.subject == "demo-gent-new")).one()
    for session in (first, second):
        page = client.get(f"/staff/classroom/{session.id}?lang=en")
        check_page(page.text)
        assert (
            client.post(
                f"/staff/classroom/{session.id}/attendance",
                data={"csrf_token": csrf_token(page.text), f"person_{pid}": "present"},
            ).status_code
            == 303
        )
    from portal.services.course import course_state

    with session_scope(app.state.portal.engine) as db:
        state = course_state(db, pid, clock.today())
        assert (state.classroom_required, state.classroom_attended) == (2, 2)
        audits = db.exec(select(m.AuditLog).where(m.AuditLog.action == "record_attendance")).all()
        assert len(audits) == 2


def test_another_agency_cannot_see_the_session(client, make):
    session = make.classroom_session(make.agency())
    sign_in(client, make.counsellor(make.agency()))
    assert client.get(f"/staff/classroom/{session}").status_code == 404


def test_the_course_counts_as_followed_only_with_the_classroom_part(app):
    from portal.services import classroom, course, payments
    from portal.services.dossier import load_dossier

    portal = app.state.portal
    clock = portal.clock
    with session_scope(portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        payments.record_waiver(
            db, "c", load_dossier(db, person.id), "mo_course:1", "payment_difficulties", "OCMW"
        )
        for row in course.active_modules(db):
            for lesson in row.content["lessons"]:
                course.read_lesson(db, person.id, row.module_id, lesson["id"], clock.now())
            course.answer(
                db,
                person.id,
                row.module_id,
                {q["id"]: q["correct"] for q in row.content["questions"]},
                clock.now(),
            )

    def followed():
        with session_scope(portal.engine) as db:
            return db.exec(
                select(m.Fact).where(
                    m.Fact.person_id == person.id, m.Fact.kind == "mo_course_followed"
                )
            ).all()

    assert followed() == []  # every module done, but 0 of 2 classroom sessions attended
    clock.set(clock.now() + timedelta(days=30))
    with session_scope(portal.engine) as db:
        for session in db.exec(select(m.ClassroomSession)).all():
            classroom.record_attendance(
                db, "c", session, db.get(m.Person, person.id), True, clock.now()
            )
    assert len(followed()) == 1


def test_another_agency_neither_lists_nor_records_attendance_at_a_real_session(client, app, make):
    home = make.agency()
    first = make.classroom_session(home)
    pid = make.person(agency=home).id
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=30))
    sign_in(client, make.counsellor(make.agency()))
    page = client.get("/staff/classroom")
    assert f"/staff/classroom/{first}" not in page.text
    refused = client.post(
        f"/staff/classroom/{first}/attendance",
        data={"csrf_token": csrf_token(page.text), f"person_{pid}": "present"},
    )
    assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.Attendance)).all() == []


def test_a_mark_for_a_real_person_of_another_agency_is_left_out(client, app, make):
    """A counsellor's attendance form reaches only their own agency's participants: a crafted
    mark for another agency's newcomer (blended MO course too) records nothing for her."""
    home, away = make.agency(), make.agency()
    first = make.classroom_session(home)
    ghent = make.person(agency=home).id
    antwerp = make.person(agency=away).id
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=30))
    sign_in(client, make.counsellor(home))
    page = client.get(f"/staff/classroom/{first}")
    assert f"person_{antwerp}" not in page.text
    saved = client.post(
        f"/staff/classroom/{first}/attendance",
        data={
            "csrf_token": csrf_token(page.text),
            f"person_{ghent}": "present",
            f"person_{antwerp}": "present",
        },
    )
    assert saved.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        assert [a.person_id for a in db.exec(select(m.Attendance)).all()] == [ghent]
