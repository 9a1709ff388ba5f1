"""'My integration' guides: each task's status tells the truth about what was done, each has one
next step as a link, a "what to do now" block leads, and the certificate is promised only once it
is issued (the issue's reports, on the demo data at 16 March 2026)."""

from __future__ import annotations

import re

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import course
from tests.support.web import check_page, csrf_token, sign_in
from tests.web.test_course import complete_module
from tests.web.test_pages import text_of

HEAD = re.compile(
    r'<h3 class="task-name">([^<]+)</h3>\s*<strong class="tag tag-[a-z_]+">([^<]+)</strong>'
)
# the step's link: its words, after the pictogram of some actions (pay, book, upload)
STEP = re.compile(
    r'<p class="task-step"><a href="([^"]+)"[^>]*>(?:<svg [^>]*>.*?</svg>)?([^<]+)</a>'
)


def tasks(html: str) -> dict[str, tuple[str, str | None, str | None]]:
    """Pillar name → (status, step link, step text), from the task list."""
    found = {}
    for item in html.split('<li class="task')[1:]:
        item = item.split("</li>")[0]
        head = HEAD.search(item)
        if head:
            step = STEP.search(item)
            found[head.group(1)] = (
                head.group(2),
                step.group(1) if step else None,
                step.group(2) if step else None,
            )
    return found


def my(client, subject: str, lang: str = "en") -> str:
    sign_in(client, subject)
    page = client.get(f"/my?lang={lang}")
    assert page.status_code == 200
    check_page(page.text)
    return page.text


def what_now(html: str) -> str:
    found = re.search(r'<section class="what-now[^"]*"[^>]*>(.*?)</section>', html, re.S)
    assert found, "no 'what to do now' block"
    return text_of(found.group(1))


def test_the_newcomer_sees_what_to_do_now_what_to_pay_and_hours_waiting(client):
    html = my(client, "demo-gent-new")
    assert what_now(html) == (
        "What to do now Register at VDAB Before 16 May 2026 Part of: Registration with VDAB"
    )
    assert 'href="https://www.vdab.be/"' in html
    text = text_of(html)
    assert "You still have 270,00 € to pay." in text
    found = tasks(html)
    assert found["Social orientation (MO)"] == (
        "Not started",
        "/my/payments",
        "Pay 90,00\xa0€: MO course",
    )
    assert found["Participation and network"][:2] == (
        "Waiting for the municipality",
        "/my/participation",
    )
    assert "8 hours are waiting for the municipality." in text


def test_after_paying_and_finishing_a_module_mo_is_in_progress_with_the_next_module(client, app):
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        from portal.services import payments
        from portal.services.dossier import load_dossier

        dossier = load_dossier(db, person.id)
        payments.record_external_payment(
            db,
            "test",
            dossier,
            "mo_course:1",
            "counter",
            "T-1",
            app.state.portal.clock.today(),
            "MO course",
            app.state.portal.clock.now(),
        )
        first = next(r for r in course.active_modules(db) if r.required and not r.free)
    sign_in(client, "demo-gent-new")
    complete_module(client, first)
    html = my(client, "demo-gent-new", "nl")
    status, href, text = tasks(html)["Maatschappelijke oriëntatie (MO)"]
    assert status != "Nog niet begonnen"
    assert href and href.startswith("/my/course/") and href != f"/my/course/{first.module_id}"
    assert text and "1 van" in text
    assert "270,00" not in text_of(html)  # 90 € of it is paid


def test_the_certificate_is_promised_only_once_it_is_issued(client, app):
    html = my(client, "demo-complete")
    text = text_of(html)
    assert "You completed every part" in text
    assert "You have your integration certificate" not in text
    assert 'href="/my/attest"' not in html
    assert client.get("/my/attest").status_code == 404
    with session_scope(app.state.portal.engine) as db:
        pid = db.exec(select(m.Person.id).where(m.Person.subject == "demo-complete")).one()
    sign_in(client, "demo-counsellor")
    page = client.get(f"/staff/persons/{pid}/attest")
    issued = client.post(
        f"/staff/persons/{pid}/attest", data={"csrf_token": csrf_token(page.text), "confirm": "yes"}
    )
    assert issued.status_code == 303
    html = my(client, "demo-complete")
    assert "You have your integration certificate" in text_of(html)
    assert 'href="/my/attest"' in html
    assert client.get("/my/attest").status_code == 200


def test_a_booked_test_and_an_overdue_task_lead_the_guide(client):
    html = my(client, "demo-booked")
    found = tasks(html)
    assert found["Social orientation (MO)"] == (
        "Test booked",
        "/my/tests",
        "Go to your test on 9 April 2026",
    )
    assert found["Registration with VDAB"][0] == "Overdue"
    now = what_now(html)  # the overdue task comes first, said as passed
    assert now.startswith("What to do now Register at VDAB Before 17 December 2025")
    assert "this date has passed" in now


def test_every_language_says_the_guide_in_its_own_words(client):
    english = tasks(my(client, "demo-gent-new"))
    for lang in ("nl", "fr", "ar"):
        html = my(client, "demo-gent-new", lang)
        found = tasks(html)
        assert len(found) == 4
        for (status, href, text), (en_status, en_href, en_text) in zip(
            found.values(), english.values(), strict=True
        ):
            assert href == en_href
            assert status != en_status
            assert text != en_text
