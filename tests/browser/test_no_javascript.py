"""The dashboard needs no JavaScript: signing in (the provider's page is a plain form) and the
task list work in a browser with JavaScript switched off."""

from __future__ import annotations

import pytest

from tests.browser.support import html_attributes, sign_in, task_statuses

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_sign_in_and_task_list_without_javascript(new_context, live_portal):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    assert page.evaluate("() => 1") == 1  # Playwright's own evaluation still works…
    sign_in(page, live_portal.base_url, "demo-gent-new")
    assert page.url == f"{live_portal.base_url}/my"
    assert html_attributes(page) == {"lang": "nl", "dir": "ltr"}
    assert len(task_statuses(page)) == 4
    # …but the page's scripts never ran: htmx, loaded by every page, did not define itself.
    assert page.evaluate("() => typeof window.htmx") == "undefined"
