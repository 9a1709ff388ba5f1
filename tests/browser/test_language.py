"""A phone in Belgium: the citizen's task list in Dutch, then in Arabic (right to left), and the
chosen language remembered across pages."""

from __future__ import annotations

import pytest

from tests.browser.support import html_attributes, open_menu, sign_in, task_statuses, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_task_list_in_dutch_then_arabic_and_the_choice_is_remembered(
    page, live_portal, dashboard_shots
):
    base = live_portal.base_url
    sign_in(page, base, "demo-gent-new")
    dashboard_shots(page)
    assert page.url == f"{base}/my"

    # Dutch: the browser asks for nl-BE.
    assert html_attributes(page) == {"lang": "nl", "dir": "ltr"}
    assert page.locator("h1").inner_text().strip() == "Mijn inburgering"
    dutch_tasks = task_statuses(page)
    assert len(dutch_tasks) == 4, dutch_tasks

    # Arabic, through the language switcher.
    open_menu(page, "language")
    page.get_by_role("link", name="العربية", exact=True).click()
    page.wait_for_url(f"{base}/my?lang=ar")
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    assert page.locator("h1").inner_text().strip() == translated("ar", "My integration")
    assert translated("ar", "My integration") != "My integration"  # the catalog is translated
    assert len(task_statuses(page)) == 4
    open_menu(page, "language")
    assert page.get_by_role("link", name="العربية", exact=True).get_attribute("aria-current")

    # Remembered: the plan, reached through the menu (no ?lang), is still in Arabic.
    open_menu(page)
    page.locator("nav.main-nav a[href='/my/plan']").click()
    page.wait_for_url(f"{base}/my/plan")
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    assert page.locator("h1").inner_text().strip() == translated("ar", "My plan")

    # Back to Dutch: left to right again, and remembered in turn.
    open_menu(page, "language")
    page.get_by_role("link", name="Nederlands", exact=True).click()
    page.wait_for_url(f"{base}/my/plan?lang=nl")
    assert html_attributes(page) == {"lang": "nl", "dir": "ltr"}
    page.goto(f"{base}/my")
    assert html_attributes(page) == {"lang": "nl", "dir": "ltr"}
    assert task_statuses(page) == dutch_tasks
    page.goto(f"{base}/my/plan")
    assert html_attributes(page) == {"lang": "nl", "dir": "ltr"}
    assert page.locator("h1").inner_text().strip() == "Mijn plan"
