"""Requests on a phone: a person reports work in Arabic, their counsellor approves it in Dutch,
and the person sees the decision; 'My counsellor' tells who to ask and where. axe-core on every
page on the way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.browser.support import (
    assert_no_violations,
    phone_context,
    plain,
    sign_in,
    submit,
    translated,
)
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_work_reported_in_arabic_is_approved_and_the_person_sees_it(
    browser: Any, fresh_portal: Any, axe_source: str
) -> None:
    base = fresh_portal.base_url
    person = phone_context(browser).new_page()
    sign_in(person, base, "demo-gent-new")
    person.goto(f"{base}/my/requests?lang=ar")
    assert person.locator("html").get_attribute("dir") == "rtl"
    assert_no_violations(person, axe_source, "/my/requests (ar)")
    # the demo's waiting suspension request is listed
    assert person.locator("main ul.message-list li").count() == 1
    person.goto(f"{base}/my/requests/new/period?lang=ar")
    assert_no_violations(person, axe_source, "/my/requests/new/period (ar)")
    submit(person, person.locator("main form button[type=submit]"))  # empty: errors at once
    assert person.locator(".error-summary li").count() >= 2
    assert_no_violations(person, axe_source, "/my/requests/new/period (ar, errors)")
    person.locator("#period_kind-work").check()
    person.locator("#start_on").fill(NOW.date().isoformat())
    person.locator("#details").fill("أعمل في مطبخ مطعم")
    submit(person, person.locator("main form button[type=submit]"))
    assert person.url.endswith("/sent") or "/sent?" in person.url
    assert_no_violations(person, axe_source, f"{person.url} (ar)")

    counsellor = phone_context(browser).new_page()
    sign_in(counsellor, base, "demo-counsellor")
    counsellor.goto(f"{base}/staff/requests?lang=nl")
    assert_no_violations(counsellor, axe_source, "/staff/requests (nl)")
    links = counsellor.locator("main table a[href^='/staff/requests/']")
    assert links.count() == 2  # the demo's suspension request and the new one
    with counsellor.expect_navigation():
        links.last.click()
    assert "أعمل في مطبخ مطعم" in counsellor.locator("main").inner_text()
    assert_no_violations(counsellor, axe_source, f"{counsellor.url} (nl)")
    submit(counsellor, counsellor.locator("main form[action$='/approve'] button[type=submit]"))

    person.goto(f"{base}/my/requests?lang=ar")
    tags = [plain(t) for t in person.locator("main ul.message-list .tag").all_inner_texts()]
    assert plain(translated("ar", "Approved")) in tags
    with session_scope(fresh_portal.app.state.portal.engine) as db:  # the fact is recorded
        facts = db.exec(
            select(m.Fact)
            .join(m.Person, col(m.Person.id) == col(m.Fact.person_id))
            .where(m.Person.subject == "demo-gent-new", m.Fact.kind == "period")
        ).all()
    assert [(f.period_kind, f.on) for f in facts] == [("work", NOW.date())]


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_my_counsellor_on_a_phone(
    browser: Any, live_portal: Any, axe_source: str, language: str
) -> None:
    page = phone_context(browser).new_page()
    sign_in(page, live_portal.base_url, "demo-gent-new")
    page.goto(f"{live_portal.base_url}/my?lang={language}")
    link = page.locator("main a[href='/my/counsellor']").first
    with page.expect_navigation():
        link.click()
    assert "Sofie Claes" in page.locator("main .lead").inner_text()
    assert page.locator("main a[href^='tel:']").count() == 1
    assert page.locator("main a[href^='https://www.openstreetmap.org/']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_violations(page, axe_source, f"/my/counsellor ({language})")
