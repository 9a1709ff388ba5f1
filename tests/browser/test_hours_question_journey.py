"""A question about the municipality's decision on hours, on a phone: the person asks in Arabic
from the activity page, an officer of the municipality that decided answers in Dutch, and the
person reads the answer. axe-core on every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import (
    assert_no_violations,
    phone_context,
    plain,
    sign_in,
    submit,
    translated,
)
from tests.support.factories import Factory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_ask_in_arabic_answered_in_dutch(browser: Any, fresh_portal: Any, axe_source: str) -> None:
    base = fresh_portal.base_url
    portal = fresh_portal.app.state.portal
    make = Factory(portal.engine, portal.clock.today(), portal.files)
    person = make.person()
    officer = make.officer()
    activity = make.sent_activity(person, hours=8)
    make.decide(activity, "confirm_part", confirmed=5, reason="Twee dagen zonder handtekening.")

    page = phone_context(browser).new_page()
    sign_in(page, base, person.subject)
    page.goto(f"{base}/my/participation/activities/{activity}?lang=ar")
    ask = page.locator("main a[href*='hours_question']")
    assert ask.count() == 1, "no way to ask about the decision"
    with page.expect_navigation():
        ask.click()
    assert_no_violations(page, axe_source, f"{page.url} (ar)")
    page.locator("#details").fill("لماذا لم تُقبل كل ساعاتي؟")
    submit(page, page.locator("main form button[type=submit]"))
    assert_no_violations(page, axe_source, f"{page.url} (ar)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = phone_context(browser).new_page()
    sign_in(desk, base, officer)
    desk.goto(f"{base}/municipality/questions?lang=nl")
    assert_no_violations(desk, axe_source, "/municipality/questions (nl)")
    question = desk.locator("main a[href^='/municipality/questions/']").first
    with desk.expect_navigation():
        question.click()
    assert "لماذا لم تُقبل كل ساعاتي؟" in desk.locator("main").inner_text()
    assert_no_violations(desk, axe_source, f"{desk.url} (nl)")
    desk.locator("#answer").fill("Op twee dagen ontbrak de handtekening van de organisatie.")
    submit(desk, desk.locator("main form button[type=submit]"))

    page.goto(f"{base}/my/requests?lang=ar")
    tags = [plain(t) for t in page.locator("main ul.message-list .tag").all_inner_texts()]
    assert plain(translated("ar", "Answered")) in tags
    with page.expect_navigation():
        page.locator("main ul.message-list a").first.click()
    assert "ontbrak de handtekening" in page.locator("main").inner_text()
    assert_no_violations(page, axe_source, f"{page.url} (ar)")
