"""axe-core on the portal's own pages, signed out and as a citizen, in Dutch and in Arabic:
no violation of any impact. (The provider's sign-in page is not ours and is not checked.)"""

from __future__ import annotations

import pytest

from tests.browser.support import (
    assert_no_violations,
    phone_context,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
CITIZEN_PAGES = ("/my", "/my/plan", "/my/inbox", "/my/profile", "/my/contract", "/my/tests")


@pytest.fixture(scope="module")
def citizen_page(browser, live_portal):
    """One signed-in phone for the whole module (signing in once keeps the suite fast)."""
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, live_portal.base_url, "demo-gent-new")
    yield page
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "path", ["/", "/signed-out", "/help", "/contact", "/privacy", "/accessibility", "/cookies"]
)
def test_public_pages_signed_out_have_no_axe_violations(
    page, live_portal, axe_source, language, path
):
    response = page.goto(f"{live_portal.base_url}{path}?lang={language}")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert_no_violations(page, axe_source, f"{path}?lang={language} (signed out)")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["/admin/access", "/admin/organisations", "/admin/audit"])
def test_admin_pages_have_no_axe_violations(browser, live_portal, axe_source, language, path):
    context = phone_context(browser)
    page = context.new_page()
    try:
        sign_in(page, live_portal.base_url, "demo-admin")
        response = page.goto(f"{live_portal.base_url}{path}?lang={language}")
        assert response is not None and response.status == 200
        assert_no_violations(page, axe_source, f"{path}?lang={language} (demo-admin)")
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", CITIZEN_PAGES)
def test_citizen_page_has_no_axe_violations(citizen_page, live_portal, axe_source, path, language):
    response = citizen_page.goto(f"{live_portal.base_url}{path}?lang={language}")
    assert response is not None and response.status == 200
    assert citizen_page.url.startswith(f"{live_portal.base_url}{path}?")
    assert citizen_page.locator("html").get_attribute("lang") == language
    assert_no_violations(citizen_page, axe_source, f"{path}?lang={language} (demo-gent-new)")
