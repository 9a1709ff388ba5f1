"""Pictures for people who read little, in a real browser: a self-check choice with a picture
is still a radio button named by its words (the browser's own accessible name), the picture is
drawn beside them and can be tapped to choose; the pay and book links keep their words as their
names. axe-core stays clean, and nothing scrolls sideways at 320 px with text at 200 %."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from portal import i18n
from tests.browser.support import assert_no_violations, phone_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CONTENT = Path(__file__).resolve().parents[2] / "portal" / "content" / "course" / "2026.1"
MODULE = "10-health"  # its last question: the family doctor or the hospital, with pictures


def pictured_question() -> dict[str, Any]:
    module = json.loads((CONTENT / f"{MODULE}.json").read_text(encoding="utf-8"))
    question = next(q for q in module["questions"] if q.get("pictures"))
    return {**question, "text": module["text"]}


def fits_its_width(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"))


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_a_choice_with_a_picture_is_a_radio_button_named_by_its_words(
    browser, live_portal, axe_source, language
):
    question = pictured_question()
    words = question["text"][language]["questions"][question["id"]]["choices"]
    context = phone_context(browser, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-brussels")  # no fee: every module open
        page.goto(f"{live_portal.base_url}/my/course/{MODULE}/check?lang={language}")
        group = page.locator(f"fieldset#{question['id']}")
        for choice in question["choices"]:
            radio = group.get_by_role("radio", name=words[choice], exact=True)
            assert radio.count() == 1, (choice, words[choice])
            label = group.locator(f"label[for={question['id']}-{choice}]")
            picture = label.locator("svg.pictogram")
            assert picture.get_attribute("aria-hidden") == "true"
            box, text = picture.bounding_box(), label.locator("span").first.bounding_box()
            assert box and text and box["width"] >= 24 and box["height"] >= 24
            # beside the words, on their line: before them (on the right in Arabic)
            assert abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) < 24
            assert (box["x"] > text["x"]) if language == "ar" else (box["x"] < text["x"])
        # tapping the picture chooses the answer (it is part of the label)
        choice = question["choices"][-1]
        group.locator(f"label[for={question['id']}-{choice}] svg").click()
        assert group.get_by_role("radio", name=words[choice], exact=True).is_checked()
        assert_no_violations(page, axe_source, f"/my/course/{MODULE}/check?lang={language}")
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        assert fits_its_width(page)
        if os.environ.get("PORTAL_SHOTS"):
            page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
            page.screenshot(path=f"/tmp/portal-shots/check-{language}.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_the_pay_and_book_links_keep_their_words_as_their_names(
    browser, live_portal, axe_source, language
):
    translations = i18n.translations(language)
    context = phone_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")  # the MO course fee is open
        page.goto(f"{live_portal.base_url}/my?lang={language}")
        see = page.get_by_role("link", name=translations.gettext("See what to pay"), exact=True)
        assert see.count() == 1
        assert see.locator("svg.pictogram").get_attribute("aria-hidden") == "true"
        steps = page.locator("p.task-step a:has(svg.pictogram)")
        assert steps.count() >= 1
        for i in range(steps.count()):
            step = steps.nth(i)
            name = step.inner_text().strip()
            assert name and page.get_by_role("link", name=name, exact=True).count() >= 1
        assert_no_violations(page, axe_source, f"/my?lang={language} (demo-gent-new)")
        if os.environ.get("PORTAL_SHOTS"):
            page.screenshot(path=f"/tmp/portal-shots/my-{language}.png", full_page=True)
        page.goto(f"{live_portal.base_url}/my/payments?lang={language}")
        pay = page.locator("form[action='/my/payments/pay'] button").first
        assert pay.locator("svg.pictogram").get_attribute("aria-hidden") == "true"
        assert_no_violations(page, axe_source, f"/my/payments?lang={language}")
        if os.environ.get("PORTAL_SHOTS"):
            page.screenshot(path=f"/tmp/portal-shots/payments-{language}.png", full_page=True)
    finally:
        context.close()
