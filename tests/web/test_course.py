"""The online MO course: progress saved and resumed, self-checks scored on the server, fee
gating, the course followed as a fact, repeat runs, access."""

from __future__ import annotations

import re

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import course as service
from tests.support.web import check_page, csrf_token, sign_in


def modules(app):
    with session_scope(app.state.portal.engine) as db:
        return service.active_modules(db)


def complete_module(client, row, answers=None, lang="en"):
    module_id = row.module_id
    for lesson in row.content["lessons"]:
        page = client.get(f"/my/course/{module_id}/{lesson['id']}?lang={lang}")
        assert page.status_code == 200, page.text
        client.post(
            f"/my/course/{module_id}/{lesson['id']}/read",
            data={"csrf_token": csrf_token(page.text)},
        )
    page = client.get(f"/my/course/{module_id}/check?lang={lang}")
    choices = answers or {q["id"]: q["correct"] for q in row.content["questions"]}
    return client.post(
        f"/my/course/{module_id}/check?lang={lang}",
        data={"csrf_token": csrf_token(page.text), **choices},
    )


def test_the_course_overview_and_a_lesson_in_arabic_with_dutch_alongside(client, app):
    sign_in(client, "demo-brussels")  # Brussels: no fee, every module open
    overview = client.get("/my/course?lang=ar")
    check_page(overview.text)
    rows = modules(app)
    assert len(rows) >= 13
    row = rows[1]
    lesson = row.content["lessons"][0]["id"]
    page = client.get(f"/my/course/{row.module_id}/{lesson}?lang=ar&nl=1")
    check_page(page.text)
    assert 'dir="rtl"' in page.text and 'lang="nl"' in page.text
    dutch = row.content["text"]["nl"]["lessons"][lesson]["paragraphs"][0]
    arabic = row.content["text"]["ar"]["lessons"][lesson]["paragraphs"][0]
    assert dutch[:30] in page.text and arabic[:30] in page.text


def test_the_correct_answer_is_not_in_the_page_before_answering(client, app):
    sign_in(client, "demo-brussels")
    row = modules(app)[1]
    page = client.get(f"/my/course/{row.module_id}/check?lang=en").text
    for q in row.content["questions"]:
        assert row.content["text"]["en"]["questions"][q["id"]]["explanation"] not in page
    assert "correct" not in re.sub(r"<[^>]+>", "", page).lower().replace("check my answers", "")


def test_self_check_is_scored_with_explanations_and_progress_is_kept(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-brussels")
    row = modules(app)[1]
    wrong = {
        q["id"]: next(c for c in q["choices"] if c != q["correct"])
        for q in row.content["questions"]
    }
    result = complete_module(client, row, answers=wrong)
    check_page(result.text)
    assert "Not correct" in result.text and "The correct answer:" in result.text
    for q in row.content["questions"]:
        assert row.content["text"]["en"]["questions"][q["id"]]["explanation"] in result.text
    # resumed on another device: the module is done
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-brussels")
        overview = phone.get("/my/course?lang=en").text
        assert "You finished 1 of" in overview


def test_every_question_must_be_answered(client, app):
    sign_in(client, "demo-brussels")
    row = modules(app)[1]
    page = client.get(f"/my/course/{row.module_id}/check?lang=en")
    response = client.post(
        f"/my/course/{row.module_id}/check?lang=en", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    with session_scope(app.state.portal.engine) as db:
        assert db.exec(select(m.SelfCheckAnswer)).all() == []


def test_before_the_fee_is_paid_only_the_introduction_opens(client, app):
    sign_in(client, "demo-gent-new")  # contract signed, MO course fee not paid
    rows = modules(app)
    intro = next(r for r in rows if r.free)
    other = next(r for r in rows if not r.free)
    assert client.get(f"/my/course/{intro.module_id}").status_code == 200
    locked = client.get(f"/my/course/{other.module_id}")
    assert locked.status_code == 303 and locked.headers["location"].startswith("/my/course?locked")
    page = client.get(f"/my/course/{intro.module_id}/{intro.content['lessons'][0]['id']}")
    blocked = client.post(
        f"/my/course/{other.module_id}/{other.content['lessons'][0]['id']}/read",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert blocked.headers["location"].startswith("/my/course?locked")
    assert "Pay the course fee" in client.get("/my/course?lang=en").text


def test_finishing_every_module_records_the_course_followed(client, app):
    sign_in(client, "demo-brussels")
    for row in modules(app):
        assert complete_module(client, row).status_code == 200
    with session_scope(app.state.portal.engine) as db:
        facts = db.exec(
            select(m.Fact)
            .join(m.Person)
            .where(m.Person.subject == "demo-brussels", m.Fact.kind == "mo_course_followed")
        ).all()
    assert len(facts) == 1 and facts[0].recorded_by == "portal:course"
    dashboard = client.get("/my?lang=en").text
    assert re.search(r"Online course: (\d+) of \1 modules done", dashboard)
    assert re.search(
        r"Social orientation \(MO\)</h3>\s*<strong class=\"tag tag-in_progress\"", dashboard
    )


def test_a_failed_mo_test_opens_a_repeat_course_with_earlier_answers_visible(client, app):
    from datetime import date

    from portal.services.people import record_fact

    sign_in(client, "demo-brussels")
    row = modules(app)[1]
    complete_module(client, row)
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-brussels")).one()
        record_fact(
            db,
            "test",
            person,
            "test_result",
            date(2026, 3, 16),
            date(2026, 3, 16),
            test="mo",
            passed=False,
        )
    overview = client.get("/my/course?lang=en").text
    assert "This is your repeat course" in overview and "You finished 0 of" in overview
    check = client.get(f"/my/course/{row.module_id}/check?lang=en").text
    assert "Last time you answered" in check


def test_counsellor_sees_course_progress(client, app):
    sign_in(client, "demo-counsellor-brussels")
    with session_scope(app.state.portal.engine) as db:
        pid = db.exec(select(m.Person.id).where(m.Person.subject == "demo-brussels")).one()
    assert "Online course: 0 of" in client.get(f"/staff/persons/{pid}?lang=en").text


def test_unknown_module_or_lesson_is_404(client):
    sign_in(client, "demo-brussels")
    assert client.get("/my/course/nope").status_code == 404
    assert client.get("/my/course/00-introduction/l99").status_code == 404


def test_a_new_version_keeps_progress_and_reports_missing_translations(client, app, tmp_path):
    import json
    import shutil

    from portal.services.course import CONTENT, load_course

    sign_in(client, "demo-brussels")
    row = modules(app)[1]
    complete_module(client, row)
    # version 2026.2: the module gets an extra lesson, and loses its French text
    new = tmp_path / "course"
    shutil.copytree(CONTENT, new)
    index = json.loads((new / "course.json").read_text())
    index["version"] = "2026.2"
    (new / "course.json").write_text(json.dumps(index))
    shutil.copytree(new / "2026.1", new / "2026.2")
    path = new / "2026.2" / f"{row.module_id}.json"
    module = json.loads(path.read_text())
    module["lessons"].append({"id": "l9"})
    for text in module["text"].values():
        text["lessons"]["l9"] = {"title": "Extra", "paragraphs": ["Nieuw."]}
    del module["text"]["fr"]
    path.write_text(json.dumps(module))
    with session_scope(app.state.portal.engine) as db:
        report = load_course(db, "test", new)
    assert report["version"] == "2026.2" and report["fallbacks"] == {row.module_id: ["fr"]}
    assert "You finished 1 of" in client.get("/my/course?lang=en").text  # still done
    fr = client.get(f"/my/course/{row.module_id}?lang=fr").text
    assert row.content["text"]["nl"]["title"] in fr  # shown in Dutch, never blank
    sign_in(client, "demo-counsellor")
    staff = client.get("/staff/course?lang=en").text
    assert "2026.2" in staff and "draft — to be validated with the education inspectorate" in staff
    assert f"{row.module_id}: fr" in staff


def test_a_pending_applicant_is_told_the_course_belongs_to_the_programme(client):
    sign_in(client, "demo-asylum")
    page = client.get("/my/course?lang=en")
    check_page(page.text)
    assert "The MO course is part of the integration programme." in page.text
    assert "sign your integration contract" not in page.text


def test_a_module_names_the_attitudes_it_practises_in_the_readers_language(client, app):
    sign_in(client, "demo-brussels")
    row = next(r for r in modules(app) if "respect_and_solidarity" in r.content["attitudes"])
    english = client.get(f"/my/course/{row.module_id}?lang=en")
    check_page(english.text)
    assert "Attitudes in this module" in english.text
    assert "you show solidarity with other people" in english.text
    dutch = client.get(f"/my/course/{row.module_id}?lang=nl").text
    assert "solidair" in dutch and "you show solidarity" not in dutch
    sign_in(client, "demo-counsellor")
    staff = client.get("/staff/course?lang=en")
    check_page(staff.text)
    assert "Attitudes (art. 24) and the modules that practise them" in staff.text
    assert "No module yet" not in staff.text


def test_the_loader_refuses_unknown_attitudes_and_a_course_that_misses_one(app, tmp_path):
    import json
    import shutil

    import pytest

    from portal.services.course import CONTENT, ContentError, load_course

    def version_with(change):
        new = tmp_path / change.__name__
        shutil.copytree(CONTENT, new)
        index = json.loads((new / "course.json").read_text())
        for module_id in index["modules"]:
            path = new / index["version"] / f"{module_id}.json"
            module = json.loads(path.read_text())
            change(module)
            path.write_text(json.dumps(module))
        return new

    def unknown(module):
        if module["id"] == "05-non-discrimination":
            module["attitudes"] = ["tolerance"]

    def no_dutch(module):
        module["attitudes"] = [a for a in module["attitudes"] if a != "learns_dutch"] or [
            "respects_norms"
        ]

    with session_scope(app.state.portal.engine) as db:
        before = service.active_version(db).version
        with pytest.raises(ContentError, match="05-non-discrimination: unknown attitude"):
            load_course(db, "test", version_with(unknown))
        with pytest.raises(ContentError, match="no module practises the attitude 'learns_dutch'"):
            load_course(db, "test", version_with(no_dutch))
        assert service.active_version(db).version == before
