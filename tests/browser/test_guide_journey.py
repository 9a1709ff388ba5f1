"""A newcomer on a phone: 'My integration' leads with what to do now, every task has its next
step, and the profile keeps their details and hands them their data — in Dutch and Arabic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import open_menu, phone_context, plain, sign_in, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def phone(browser: Any, fresh_portal: Any) -> Any:
    context = phone_context(browser, accept_downloads=True)
    page = context.new_page()
    sign_in(page, fresh_portal.base_url, "demo-gent-new")
    yield page
    context.close()


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_what_to_do_now_is_the_first_thing_on_a_phone(phone: Any, fresh_portal: Any, language):
    base = fresh_portal.base_url
    phone.goto(f"{base}/my?lang={language}")
    block = phone.locator("main section.what-now")
    assert block.is_visible()
    heading = plain(block.locator("h2").inner_text())
    assert heading == plain(translated(language, "What to do now"))
    # above the task list, and its link does the step (VDAB's site, named in the language)
    assert block.bounding_box()["y"] < phone.locator("main ol.task-list").bounding_box()["y"]
    link = block.locator("a")
    assert link.get_attribute("href") == "https://www.vdab.be/"
    assert plain(link.inner_text()) == plain(translated(language, "Register at VDAB"))
    # every task still to do has one next step, as a link
    steps = phone.locator("main ol.task-list li .task-step a")
    assert steps.count() == 4
    # nothing scrolls sideways at phone width
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_profile_keeps_what_was_typed_and_hands_over_my_data(phone: Any, fresh_portal: Any):
    base = fresh_portal.base_url
    phone.goto(f"{base}/my?lang=nl")
    open_menu(phone)
    with phone.expect_navigation():
        phone.locator("header a[href='/my/profile']").click()
    phone.locator("#phone").fill("0470 12")  # too short
    phone.locator("#email").fill("amina@example.be")
    with phone.expect_navigation():
        phone.locator("main form[method=post] button[type=submit]").click()
    summary = phone.locator(".error-summary")
    assert summary.is_visible()
    assert summary.locator("a[href='#phone']").count() == 1
    assert phone.locator("#phone").input_value() == "0470 12"  # nothing typed is lost
    phone.locator("#phone").fill("0470 12 34 56")
    with phone.expect_navigation():
        phone.locator("main form[method=post] button[type=submit]").click()
    assert phone.url.endswith("/my/profile?saved=1")
    assert plain(phone.locator("main .success").inner_text()) == plain(
        translated("nl", "Your details are saved.")
    )
    with phone.expect_download() as downloading:
        phone.locator("main a[href='/my/profile/data']").click()
    download = downloading.value
    assert download.failure() is None
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    [person] = data["tables"]["person"]
    assert person["phone"] == "0470 12 34 56" and person["email"] == "amina@example.be"
