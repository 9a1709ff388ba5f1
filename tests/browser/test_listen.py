"""Listen: on a lesson, the self-check, the task list and "what to do now", a button reads the
text aloud with the phone's own speech synthesis, in the page's language and the Dutch parts in
Dutch. Where the phone cannot speak the page's language (or has no speech at all) there is no
button. Headless chromium has no voices, so the phone's speech engine is played by a recorder
installed before the page's scripts run (outside the page's CSP, like axe)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import phone_context, plain, sign_in, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LESSON = "/my/course/03-equality-of-men-and-women/l1"

# A speech engine with voices for `window.__voices`, recording what it is asked to say.
RECORDER = """
(() => {
  const voices = (window.__voices = window.__voices || ['nl-BE', 'ar-SA', 'en-GB']);
  window.__spoken = [];
  const listeners = [];
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ''; };
  Object.defineProperty(window, 'speechSynthesis', { value: {
    getVoices: () => voices.map(lang => ({ lang, name: lang })),
    speak: u => window.__spoken.push({ text: u.text, lang: u.lang }),
    cancel: () => { window.__cancelled = (window.__cancelled || 0) + 1; },
    addEventListener: (name, f) => listeners.push(f),
  }});
})();
"""


def recorder(browser: Any, voices: list[str] | None = None) -> Any:
    context = phone_context(browser)
    if voices is not None:
        context.add_init_script(f"window.__voices = {voices!r};")
    context.add_init_script(RECORDER)
    return context


def spoken(page: Any) -> list[dict[str, str]]:
    return list(page.evaluate("() => window.__spoken"))


def test_a_lesson_is_read_aloud_in_arabic_with_the_dutch_parts_in_dutch(browser, live_portal):
    context = recorder(browser)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-brussels")  # every module open
        page.goto(f"{live_portal.base_url}{LESSON}?lang=ar")
        page.goto(f"{live_portal.base_url}{LESSON}?nl=1")
        button = page.get_by_role("button", name=translated("ar", "Listen"), exact=True)
        assert button.count() == 1
        button.click()
        said = spoken(page)
        languages = [part["lang"] for part in said]
        assert languages[0] == "ar" and "nl" in languages, languages
        arabic = " ".join(p["text"] for p in said if p["lang"] == "ar")
        dutch = " ".join(p["text"] for p in said if p["lang"] == "nl")
        first_paragraph = page.locator("main [data-listen] section").first.locator("p").first
        assert plain(first_paragraph.inner_text()) in plain(arabic)
        assert plain(page.locator("main section.dutch p").first.inner_text()) in plain(dutch)
        assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)
        # the same button stops it
        stop = page.get_by_role("button", name=translated("ar", "Stop reading aloud"))
        stop.click()
        assert page.evaluate("() => window.__cancelled") >= 2
        assert button.inner_text() == translated("ar", "Listen")
    finally:
        context.close()


def test_the_task_list_and_what_to_do_now_can_be_heard_in_dutch(browser, live_portal):
    context = recorder(browser)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        page.goto(f"{live_portal.base_url}/my?lang=nl")
        buttons = page.get_by_role("button", name="Luister", exact=True)
        assert buttons.count() == 2  # what to do now, the four parts
        buttons.nth(1).click()
        said = spoken(page)
        assert {p["lang"] for p in said} == {"nl"}
        text = plain(" ".join(p["text"] for p in said))
        for name in page.locator("ol.task-list .task-name").all_inner_texts():
            assert plain(name) in text
    finally:
        context.close()


def test_no_button_where_the_phone_cannot_speak_the_language(browser, live_portal):
    context = recorder(browser, voices=["en-GB"])  # no Ukrainian voice
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        page.goto(f"{live_portal.base_url}/my?lang=uk")
        assert page.locator("button.listen-button").count() == 0
        page.goto(f"{live_portal.base_url}/my?lang=en")
        assert page.locator("button.listen-button").count() == 2
    finally:
        context.close()
    plain_context = phone_context(browser)  # headless chromium: no voices at all
    page = plain_context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        page.goto(f"{live_portal.base_url}/my?lang=nl")
        page.wait_for_load_state("load")
        assert page.locator("button.listen-button").count() == 0
    finally:
        plain_context.close()
