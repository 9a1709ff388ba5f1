"""A person to ask, on a phone: the counsellor's question waits in "Messages", the person answers
with a photo, the counsellor answers from the agency's inbox, and the person reads it — in Dutch;
in Arabic a person writes a new question. axe-core on every page on the way."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.browser.support import (
    assert_no_violations,
    phone_context,
    plain,
    sign_in,
    submit,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def photo() -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 180, 160)).save(buffer, "JPEG")
    return {"name": "brief.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_the_counsellors_question_is_answered_and_answered_back(
    browser: Any, fresh_portal: Any, axe_source: str
) -> None:
    base = fresh_portal.base_url
    person = phone_context(browser).new_page()
    sign_in(person, base, "demo-gent-new")
    person.goto(f"{base}/my/inbox?lang=nl")
    assert_no_violations(person, axe_source, "/my/inbox (nl)")
    question = person.locator("main ul.message-list li.unread a").first
    assert plain(translated("nl", "New answer:")) in plain(question.inner_text())
    with person.expect_navigation():
        question.click()
    assert "VDAB" in person.locator("main ol.conversation").inner_text()
    assert_no_violations(person, axe_source, f"{person.url} (nl)")
    person.locator("#body").fill("Ja, ik ben ingeschreven. Hier is de brief.")
    person.locator("#file").set_input_files(photo())
    submit(person, person.locator("main form button[type=submit]"))
    assert plain(person.locator("main .success").inner_text()) == plain(
        translated(
            "nl",
            "Your message is sent. Your counsellor answers in the portal. You get an e-mail "
            "when there is an answer.",
        )
    )
    assert person.locator("main ol.conversation > li").count() == 2
    assert person.locator("main ol.conversation a[download]").count() == 1
    assert person.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    counsellor = phone_context(browser).new_page()
    sign_in(counsellor, base, "demo-counsellor")
    counsellor.goto(f"{base}/staff/conversations?lang=nl")
    assert_no_violations(counsellor, axe_source, "/staff/conversations (nl)")
    waiting = counsellor.locator("main ul.message-list li.unread a").first
    with counsellor.expect_navigation():
        waiting.click()
    assert "Hier is de brief." in counsellor.locator("main ol.conversation").inner_text()
    assert_no_violations(counsellor, axe_source, f"{counsellor.url} (nl)")
    counsellor.locator("#body").fill("Dank je, Amina. Ik heb het genoteerd.")
    submit(counsellor, counsellor.locator("main form[action$='/reply'] button[type=submit]"))

    person.goto(f"{base}/my/inbox?lang=nl")
    answered = person.locator("main ul.message-list li.unread a").first
    with person.expect_navigation():
        answered.click()
    assert "Ik heb het genoteerd." in person.locator("main ol.conversation").inner_text()


def test_a_new_question_in_arabic(browser: Any, fresh_portal: Any, axe_source: str) -> None:
    base = fresh_portal.base_url
    page = phone_context(browser).new_page()
    sign_in(page, base, "demo-gent-new")
    page.goto(f"{base}/my/conversations/new?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_no_violations(page, axe_source, "/my/conversations/new (ar)")
    submit(page, page.locator("main form button[type=submit]"))  # empty: every error at once
    summary = page.locator(".error-summary")
    assert summary.locator("a[href='#subject']").count() == 1
    assert summary.locator("a[href='#body']").count() == 1
    assert_no_violations(page, axe_source, "/my/conversations (ar, errors)")
    page.locator("#subject").fill("دورة اللغة")
    page.locator("#body").fill("متى تبدأ الوحدة القادمة؟")
    submit(page, page.locator("main form button[type=submit]"))
    assert "متى تبدأ الوحدة القادمة؟" in page.locator("main ol.conversation").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
