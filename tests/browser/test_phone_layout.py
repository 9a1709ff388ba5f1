"""The smallest phones: a compact header whose menus work without JavaScript, and no page that
scrolls sideways at 320 px wide with text at 200 % (WCAG 2.2, 1.4.10 reflow and 1.4.4 resize
text), in every role's main pages, with the menus closed and open, left to right and right to
left. axe-core stays clean with the menus open, in every language the portal speaks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import (
    assert_no_violations,
    html_attributes,
    open_menu,
    phone_context,
    sign_in,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SMALL = {"viewport": {"width": 320, "height": 640}}

PAGES = {
    None: ["/", "/help", "/contact", "/privacy", "/accessibility", "/cookies", "/attest/verify"],
    "demo-gent-new": [
        "/my",
        "/my/plan",
        "/my/course",
        "/my/course/00-introduction",  # the free module (the others open once the fee is paid)
        "/my/tests",
        "/my/payments",
        "/my/participation",
        "/my/interpreting",
        "/my/inbox",
        "/my/profile",
        "/my/contract",
        "/my/requests/new",
    ],
    "demo-counsellor": ["/staff", "/staff/sanctions", "/staff/requests", "/staff/course"],
    "demo-gent-officer": ["/municipality", "/municipality/offers", "/municipality/questions"],
    "demo-admin": ["/admin/access", "/admin/audit", "/admin/organisations"],
    "demo-interpreter": ["/interpreting"],
}

SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const out = e => { const b = e.getBoundingClientRect(); return b.right > width + 1 || b.left < -1; };
  const culprits = [...document.querySelectorAll('body *')]
    .filter(e => out(e) && !out(e.parentElement) && !e.closest('.table-scroll'))
    .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> "${e.textContent.trim().slice(0, 40)}"`);
  return {scroll: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 5)};
}"""


def sideways(page: Any) -> str:
    """'' when the page fits its width; otherwise how wide it is and what sticks out."""
    found = page.evaluate(SIDEWAYS)
    if found["scroll"] <= found["width"]:
        return ""
    return f"{found['scroll']} px wide in {found['width']} px: {found['culprits']}"


def double_text(page: Any) -> None:
    """Text at 200 %, as a person sets it in the phone's settings (every size is in rem)."""
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")


@pytest.mark.parametrize("language", ["nl", "ar", "uk"])
@pytest.mark.parametrize("subject", list(PAGES), ids=lambda s: s or "signed-out")
def test_no_page_scrolls_sideways_at_320_px_with_200_percent_text(
    browser, live_portal, subject, language
):
    context = phone_context(browser, **SMALL)
    page = context.new_page()
    try:
        if subject:
            sign_in(page, live_portal.base_url, subject)
        problems = []
        for path in PAGES[subject]:
            response = page.goto(f"{live_portal.base_url}{path}?lang={language}")
            assert response is not None and response.status == 200, path
            assert html_attributes(page)["lang"] == language
            double_text(page)
            if problem := sideways(page):
                problems.append(f"{path}: {problem}")
            for menu in ("language", "main") if subject else ("language",):
                open_menu(page, menu)
            if problem := sideways(page):
                problems.append(f"{path} (menus open): {problem}")
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_the_header_is_compact_on_a_phone_and_its_menu_holds_every_link(browser, live_portal):
    context = phone_context(browser)  # 390 px wide
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        page.goto(f"{live_portal.base_url}/my?lang=nl")
        header = page.locator("header.site-header").bounding_box()
        assert header is not None and header["height"] <= 120, header  # was 307 of 844 px
        links = page.locator("nav.main-nav a")
        assert not links.first.is_visible()  # folded away until asked for
        menu = page.locator("details.main-menu > summary")
        assert menu.inner_text().startswith(translated("nl", "Menu"))
        open_menu(page)
        assert links.count() == 9 and all(links.nth(i).is_visible() for i in range(9))
        assert page.locator("header form[action='/logout'] button").is_visible()
        # links are at least 44 px high (WCAG 2.5.8 asks for 24)
        assert min(links.nth(i).bounding_box()["height"] for i in range(9)) >= 44
        # the language menu names the current language, and offers the others in their own
        summary = page.locator("details.language-menu > summary")
        assert "Nederlands" in summary.inner_text()
        open_menu(page, "language")
        choices = page.locator("nav.languages a")
        assert choices.count() == len(live_portal.settings.languages) >= 7
        assert page.locator("nav.languages a[hreflang=uk]").get_attribute("lang") == "uk"
    finally:
        context.close()


def test_the_menus_open_without_javascript(browser, live_portal):
    context = phone_context(browser, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        open_menu(page)
        link = page.locator("nav.main-nav a[href='/my/plan']")
        assert link.is_visible()
        with page.expect_navigation(url=f"{live_portal.base_url}/my/plan"):
            link.click()
        open_menu(page, "language")
        with page.expect_navigation():
            page.locator("nav.languages a[hreflang=tr]").click()
        assert html_attributes(page) == {"lang": "tr", "dir": "ltr"}
        assert page.locator("script[src*=htmx]").count() == 0  # this page does not use htmx
    finally:
        context.close()


def test_menus_open_have_no_axe_violations_in_every_language(browser, live_portal, axe_source):
    context = phone_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-gent-new")
        for language in live_portal.settings.languages:
            page.goto(f"{live_portal.base_url}/my?lang={language}")
            open_menu(page, "language")
            open_menu(page)
            assert_no_violations(page, axe_source, f"/my?lang={language} with the menus open")
    finally:
        context.close()


TARGETS = """() => {
  const targets = [...document.querySelectorAll(
    'a[href], button, summary, select, input:not([type=hidden]), textarea, label[for]')]
    .filter(e => { const b = e.getBoundingClientRect();
                   return b.width > 1 && b.height > 1 && getComputedStyle(e).visibility !== 'hidden'; });
  // a link inside a sentence is exempt (WCAG 2.5.8 "inline"): its block says more than the link
  const inline = e => {
    if (e.tagName !== 'A') return false;
    const block = e.closest('p, li, dd, td, th, div, span.hint');
    if (!block) return false;
    const rest = block.textContent.replace(e.textContent, '').replace(/[\\s()\\u2013\\-:.,|]/g, '');
    return rest.length > 0;
  };
  const rects = targets.map(e => e.getBoundingClientRect());
  const gap = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right),
                                     Math.max(r.top - y, 0, y - r.bottom));
  const small = [];
  targets.forEach((e, i) => {
    const b = rects[i];
    if (inline(e) || (b.width >= 24 && b.height >= 24)) return;
    // the spacing exception: a 24 px circle around its centre touches no other target
    const x = b.left + b.width / 2, y = b.top + b.height / 2;
    const crowded = rects.some((r, j) => j !== i && !targets[j].contains(e) && !e.contains(targets[j])
                                        && gap(x, y, r) < 12);
    if (crowded) small.push(`<${e.tagName.toLowerCase()}> "${e.textContent.trim().slice(0, 30)}" ${Math.round(b.width)}x${Math.round(b.height)}`);
  });
  return small.slice(0, 8);
}"""


@pytest.mark.parametrize("subject", list(PAGES), ids=lambda s: s or "signed-out")
def test_every_target_that_is_not_inside_a_sentence_is_at_least_24_px(
    browser, live_portal, subject
):
    """WCAG 2.2, 2.5.8 target size (minimum): 24 by 24 px, or spaced so that a 24 px circle
    around it touches no other target; links inside a sentence are exempt."""
    context = phone_context(browser)
    page = context.new_page()
    try:
        if subject:
            sign_in(page, live_portal.base_url, subject)
        problems = []
        for path in PAGES[subject]:
            page.goto(f"{live_portal.base_url}{path}?lang=nl")
            for menu in ("language", "main") if subject else ("language",):
                open_menu(page, menu)
            if small := page.evaluate(TARGETS):
                problems.append(f"{path}: {small}")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
