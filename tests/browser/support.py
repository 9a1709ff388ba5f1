"""Helpers for browser tests: sign in through the provider's page, read the task list, run
axe-core and describe its violations readably."""

from __future__ import annotations

import re
from typing import Any

from portal import i18n

# A phone, in Belgium, preferring Dutch.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "locale": "nl-BE"}
# Everything the tests load is on loopback (the portal and the provider). The provider's page
# links a stylesheet on a CDN: refused, so that no test depends on the internet.
NOT_LOOPBACK = re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*")


def phone_context(browser: Any, **options: Any) -> Any:
    """A browser context for a phone in Belgium (Dutch), cut off from the internet."""
    context = browser.new_context(**{**PHONE, **options})
    context.set_default_timeout(10_000)
    context.route(NOT_LOOPBACK, lambda route: route.abort())
    return context


def sign_in(page: Any, base_url: str, subject: str) -> None:
    """/login → the provider's authorize page (a plain form: field `sub`, button "Authorize")
    → /auth/callback → the person's page. Works with JavaScript off too."""
    response = page.goto(f"{base_url}/login")
    assert not page.url.startswith(base_url), f"/login did not go to the provider: {page.url}"
    assert response is not None and response.ok, (
        f"the provider's authorize page answered {response and response.status}: {page.url}\n"
        + page.locator("body").inner_text()[:500]
    )
    form = page.locator("form", has=page.locator("input[name=sub]"))
    form.locator("input[name=sub]").fill(subject)
    with page.expect_navigation(url=re.compile(re.escape(base_url) + r"/.*")):
        form.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("load")


def open_menu(page: Any, menu: str = "main") -> None:
    """Open the header's `menu` ("main" or "language") as a person on a phone does: tap its
    button when it is closed. On a wide screen the main menu is a row of links already."""
    summary = page.locator(f"header details.{menu}-menu > summary")
    assert summary.count() == 1, f"no {menu} menu in the header of {page.url}"
    opened = page.locator(f"header details.{menu}-menu[open]").count() == 1
    if not opened and summary.is_visible():
        summary.click()
        assert page.locator(f"header details.{menu}-menu[open]").count() == 1


def translated(language: str, message: str) -> str:
    """What the portal shows for `message` in `language` (the catalog, or the English id while
    the catalog lacks a translation)."""
    return i18n.translations(language).gettext(message)


def html_attributes(page: Any) -> dict[str, str | None]:
    html = page.locator("html")
    return {"lang": html.get_attribute("lang"), "dir": html.get_attribute("dir")}


def task_statuses(page: Any) -> list[tuple[str, str]]:
    """(name, status) per task of the dashboard's task list; fails when a task has no status."""
    tasks = page.locator("ol.task-list > li.task")
    found = []
    for index in range(tasks.count()):
        task = tasks.nth(index)
        name = " ".join(task.locator(".task-name").inner_text().split())
        tag = task.locator(".tag")
        assert tag.count() == 1, f"task {name!r} has {tag.count()} status tags"
        status = " ".join(tag.inner_text().split())
        assert name and status, f"task {index} lacks a name or a status: {name!r}, {status!r}"
        found.append((name, status))
    return found


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (every rule axe runs by default, every impact).

    The portal's CSP (script-src 'self') forbids inline and injected <script> tags, so axe is
    defined through Playwright's evaluate (DevTools protocol, outside the page's CSP); the page
    itself keeps its real CSP so that what axe measures is what people get."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source + "\n;void 0")
        assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core did not load"
    result = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return list(result["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").strip()
            for line in summary.splitlines():
                lines.append(f"      {line.strip()}")
    return "\n".join(lines)


def plain(text: str) -> str:
    """Text with its (narrow) no-break spaces made plain and its whitespace collapsed."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def template_parts(language: str, message: str) -> list[str]:
    """The fixed parts of a translated message around its %(...)s / %(...)d placeholders."""
    parts = re.split(r"%\(\w+\)[sd]", translated(language, message))
    return [plain(part) for part in parts if plain(part)]


def assert_no_violations(page: Any, axe_source: str, label: str) -> None:
    violations = run_axe(page, axe_source)
    assert not violations, (
        f"axe-core found {len(violations)} violation(s) on {label}:\n"
        + describe_violations(violations)
    )


def open_page(page: Any, url: str, language: str | None = None) -> Any:
    """Open `url` (in `language` when given: ?lang=, remembered for the session); it answers
    200 with one h1 in main."""
    target = f"{url}{'&' if '?' in url else '?'}lang={language}" if language else url
    response = page.goto(target)
    assert response is not None and response.status == 200, (url, response and response.status)
    if language:
        assert html_attributes(page)["lang"] == language
    assert page.locator("main h1").count() == 1
    return response


def engine_of(portal: Any) -> Any:
    return portal.app.state.portal.engine


def submit(page: Any, button: Any) -> Any:
    """Click a (visible, single) submit button and wait for the page the form leads to; its
    response."""
    assert button.count() == 1 and button.is_visible(), f"no such button on {page.url}"
    with page.expect_navigation() as navigation:
        button.click()
    page.wait_for_load_state("load")
    return navigation.value
