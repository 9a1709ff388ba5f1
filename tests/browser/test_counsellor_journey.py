"""The counsellor's workspace in a phone's browser: the issue's "tried as a new user" journey
(intake → contract → the newcomer signs in Arabic with the Dutch text alongside → a VDAB
registration → the newcomer's task list), and axe-core on the staff pages and on the signing
page, in Dutch and in Arabic: no violation of any impact.

Labels change while translators work, so elements are found by id, name, role or href; text is
only read where it is data (names, providers) or a script (Arabic letters)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.browser.server import LivePortal, serve_portal
from tests.browser.support import (
    assert_no_violations,
    html_attributes,
    open_menu,
    phone_context,
    sign_in,
    translated,
)
from tests.conftest import fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
TODAY = "2026-03-16"  # the test settings' clock
ARABIC = re.compile(r"[\u0600-\u06FF]")

# A new person, as the intake form asks for them (ids of the form's fields and radios).
NEW_PERSON = {"given_name": "Leyla", "family_name": "Yilmaz", "birth_date": "1993-04-21"}
NEW_PERSON_SELECTS = {"municipality": "44021", "language": "ar"}  # Gent; Arabic
NEW_PERSON_RADIOS = (
    "register-foreigners",
    "obligation-obliged",
    "protection-not_applicable",
    "situation-none",
    "literacy-standard",
)


# ---------------------------------------------------------------- helpers


def person_id(portal: LivePortal, subject: str) -> int:
    with session_scope(portal.app.state.portal.engine) as db:
        return int(db.exec(select(m.Person.id).where(m.Person.subject == subject)).one())


def submit(page: Any, button: Any) -> Any:
    """Click a submit button and wait for the page the form leads to; its response."""
    with page.expect_navigation() as navigation:
        button.click()
    page.wait_for_load_state("load")
    return navigation.value


def follow(page: Any, href: str) -> None:
    """Follow the (first visible) link in <main> to `href`."""
    link = page.locator(f"main a[href='{href}']").first
    assert link.is_visible(), f"no link to {href} on {page.url}"
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")


def sign_out(page: Any, base_url: str) -> None:
    """The header's sign-out button (a POST form; "Afmelden" in Dutch)."""
    open_menu(page)
    button = page.locator("header form[action='/logout'] button[type=submit]")
    assert button.count() == 1 and button.is_visible(), f"no sign-out button on {page.url}"
    name = translated(html_attributes(page)["lang"] or "nl", "Sign out")
    assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    submit(page, button)
    if "/oauth2/end_session" in page.url:  # the provider ends its own session (RP-initiated)
        with page.expect_navigation():
            page.get_by_role("button", name="End session").click()
        page.wait_for_load_state("load")
    assert page.url == f"{base_url}/signed-out"
    assert page.locator("h1").inner_text() == translated(
        html_attributes(page)["lang"] or "nl", "You are signed out"
    )
    assert page.locator("header form[action='/logout']").count() == 0  # signed out


def success_message(page: Any) -> Any:
    message = page.locator("main .success[role=status]")
    assert message.count() == 1, f"no success message on {page.url}"
    assert message.inner_text().strip()
    return message


def open_from_caseload(page: Any, base_url: str, family_name: str) -> int:
    """From the caseload, the person page of the (one) person with this family name."""
    if page.url != f"{base_url}/staff":
        page.goto(f"{base_url}/staff")
    link = page.locator("main table a[href^='/staff/persons/']", has_text=family_name)
    assert link.count() == 1, f"{family_name!r} is {link.count()} times on the caseload"
    href = link.get_attribute("href")
    assert href is not None
    with page.expect_navigation():
        link.click()
    assert page.url == f"{base_url}{href}"
    assert family_name in page.locator("h1").inner_text()
    return int(href.rsplit("/", 1)[1])


def task_status(page: Any, pillar_name: str) -> str:
    """The status class (done, in_progress, …) of the task with this name on a task list."""
    task = page.locator("ol.task-list > li.task").filter(
        has=page.locator(".task-name", has_text=re.compile(f"^\\s*{re.escape(pillar_name)}\\s*$"))
    )
    assert task.count() == 1, f"{task.count()} tasks named {pillar_name!r} on {page.url}"
    tag = task.locator(".tag")
    assert tag.count() == 1 and tag.inner_text().strip()
    classes = (tag.get_attribute("class") or "").split()
    statuses = [c.removeprefix("tag-") for c in classes if c.startswith("tag-")]
    assert len(statuses) == 1, classes
    return statuses[0]


def vdab_pillar_name(page: Any) -> str:
    """The VDAB part's name in the page's language (the catalog's, as the portal shows it)."""
    return translated(html_attributes(page)["lang"] or "nl", "Registration with VDAB")


def horizontal_overflow(page: Any) -> str:
    """Nothing (an empty string) when the page fits the viewport's width; otherwise the widths
    and the outermost elements of <main> that stick out (what makes a phone scroll sideways)."""
    found = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = e => { const b = e.getBoundingClientRect();
                             return b.right > width + 1 || b.left < -1; };
          const culprits = [...document.querySelectorAll('main *')]
            .filter(e => out(e) && !out(e.parentElement))
            .map(e => { const b = e.getBoundingClientRect();
                        return `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
                          + `${e.className ? '.' + e.className : ''}> from x=${Math.round(b.left)}`
                          + ` to x=${Math.round(b.right)}`; });
          return {scroll: document.documentElement.scrollWidth, width, culprits};
        }"""
    )
    if found["scroll"] <= found["width"]:
        return ""
    return (
        f"the page is {found['scroll']} px wide in a {found['width']} px viewport; sticking out: "
        + "; ".join(found["culprits"][:5])
    )


def fill_intake(page: Any) -> None:
    for field, value in NEW_PERSON.items():
        page.locator(f"#{field}").fill(value)
    for field, value in NEW_PERSON_SELECTS.items():
        page.locator(f"select#{field}").select_option(value)
    for radio in NEW_PERSON_RADIOS:
        page.locator(f"input[type=radio]#{radio}").check()


def draw_up_contract(page: Any, base_url: str, pid: int) -> None:
    """On the contract form (pre-filled with deadlines): NT2 at CVO Gent, MO blended, save."""
    assert page.url.startswith(f"{base_url}/staff/persons/{pid}/contract")
    page.locator("#nt2_provider_type-CVO").check()
    page.locator("#nt2_provider").fill("CVO Gent")
    page.locator("#mo_variant-blended").check()
    form = page.locator(f"main form[action='/staff/persons/{pid}/contract']")
    submit(page, form.locator("button[type=submit]"))
    assert page.url == f"{base_url}/staff/persons/{pid}?done=contract_saved", (
        f"the contract was not saved: {page.url}",
        page.locator(".error-summary").all_inner_texts(),
    )


# ---------------------------------------------------------------- 1. the journey


def test_new_user_journey_intake_contract_signing_and_a_vdab_fact(
    new_context: Callable[..., Any], fresh_portal: LivePortal
) -> None:
    base = fresh_portal.base_url
    page = new_context().new_page()

    # The counsellor signs in and lands on the caseload.
    sign_in(page, base, "demo-counsellor")
    assert page.url == f"{base}/staff"
    assert page.locator("main table a[href^='/staff/persons/']").count() > 0

    # Intake: fill in, check what the rules say, then save.
    follow(page, "/staff/persons/new")
    assert page.url == f"{base}/staff/persons/new"
    fill_intake(page)
    assert page.locator("button[name=action][value=save]").count() == 0  # preview first
    response = submit(page, page.locator("button[name=action][value=preview]"))
    assert response.status == 200, page.locator(".error-summary").all_inner_texts()
    assert page.locator(".error-summary").count() == 0
    preview = page.locator("main section[aria-labelledby=preview-title]")
    assert preview.is_visible()
    assert preview.locator("#preview-title").inner_text().strip()
    assert page.locator("#given_name").input_value() == "Leyla"  # what was typed is kept
    assert page.locator("#register-foreigners").is_checked()
    assert page.locator("select#municipality").input_value() == "44021"
    submit(page, page.locator("button[name=action][value=save]"))
    match = re.fullmatch(re.escape(base) + r"/staff/persons/(\d+)\?done=registered", page.url)
    assert match, page.url
    success_message(page)
    assert page.locator("h1").inner_text().strip() == "Leyla Yilmaz"

    # The contract for demo-intake (Samir Haidari), found on the caseload by name.
    pid = open_from_caseload(page, base, "Haidari")
    follow(page, f"/staff/persons/{pid}/contract")
    assert page.locator("#mo_deadline").input_value() == "2027-03-16"  # today + 12 months
    assert page.locator("#nt2_deadline").input_value() == "2027-09-16"  # today + 18 months
    assert page.locator("#participation_deadline").input_value() == "2027-03-16"
    assert page.locator("#vdab_mode-rules").is_checked()
    draw_up_contract(page, base, pid)
    success_message(page)
    sign_out(page, base)

    # The newcomer: a notice on the dashboard links to the contract.
    sign_in(page, base, "demo-intake")
    assert page.url == f"{base}/my"
    assert page.locator("main .notice a[href='/my/contract']").is_visible()
    vdab_before = task_status(page, vdab_pillar_name(page))
    assert vdab_before != "done"

    # In Arabic, right to left, with the Dutch text alongside.
    page.goto(f"{base}/my/contract?lang=ar")
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    arabic = page.locator("main .two-col [lang=ar]")
    dutch = page.locator("main .two-col [lang=nl]")
    assert arabic.count() == 1 and dutch.count() == 1
    assert arabic.get_attribute("dir") == "rtl" and dutch.get_attribute("dir") == "ltr"
    assert arabic.is_visible() and dutch.is_visible()
    arabic_title = arabic.locator("h3").first.inner_text()
    dutch_title = dutch.locator("h3").first.inner_text()
    assert ARABIC.search(arabic_title), f"the contract title is not in Arabic: {arabic_title!r}"
    assert dutch_title.strip() and not ARABIC.search(dutch.inner_text())
    assert "CVO Gent" in page.locator("main dl.summary").inner_text()

    # Signing without ticking: an error summary linking to both checkboxes; nothing signed.
    sign_form = page.locator("main form[action='/my/contract']")
    response = submit(page, sign_form.locator("button[type=submit]"))
    assert response.status == 400
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}  # the choice is kept
    summary = page.locator("main .error-summary")
    assert summary.is_visible()
    for checkbox in ("confirm_declaration", "confirm_contract"):
        assert summary.locator(f"a[href='#{checkbox}']").count() == 1, checkbox
        assert page.locator(f"input[type=checkbox]#{checkbox}").get_attribute("aria-invalid")
    assert page.locator("main .success").count() == 0

    # The summary's link takes the keyboard to the checkbox; Space ticks it. Then the other.
    summary.locator("a[href='#confirm_declaration']").click()
    assert page.evaluate("() => document.activeElement.id") == "confirm_declaration"
    page.keyboard.press("Space")
    assert page.locator("#confirm_declaration").is_checked()
    page.locator("#confirm_contract").check()
    submit(page, sign_form.locator("button[type=submit]"))
    assert page.url == f"{base}/my/contract?signed=1"
    success_message(page)
    assert page.locator("main form[action='/my/contract']").count() == 0  # signed once
    follow(page, "/my/contract/print")
    assert page.url == f"{base}/my/contract/print"
    assert "CVO Gent" in page.locator("body").inner_text()
    page.goto(f"{base}/my")
    assert page.locator("main .notice a[href='/my/contract']").count() == 0
    sign_out(page, base)

    # The counsellor records the VDAB registration, dated today.
    sign_in(page, base, "demo-counsellor")
    assert page.url == f"{base}/staff"
    assert open_from_caseload(page, base, "Haidari") == pid
    follow(page, f"/staff/persons/{pid}/facts/new/vdab_registered")
    assert page.locator("#on").input_value() == TODAY
    page.locator("#source").fill("VDAB")
    fact_form = page.locator(f"main form[action='/staff/persons/{pid}/facts/new/vdab_registered']")
    submit(page, fact_form.locator("button[type=submit]"))
    assert page.url == f"{base}/staff/persons/{pid}?done=fact_recorded", page.locator(
        ".error-summary"
    ).all_inner_texts()
    success_message(page)
    sign_out(page, base)

    # The newcomer sees the VDAB part done.
    sign_in(page, base, "demo-intake")
    assert page.url == f"{base}/my"
    assert task_status(page, vdab_pillar_name(page)) == "done"


# ---------------------------------------------------------------- 2. axe on the staff pages


@pytest.fixture(scope="module")
def counsellor_page(browser: Any, live_portal: LivePortal) -> Iterator[Any]:
    """One signed-in counsellor's phone for the module (on demo data nothing here changes)."""
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, live_portal.base_url, "demo-counsellor")
    yield page
    context.close()


STAFF_PAGES = {
    "caseload": ("/staff", None),
    "intake": ("/staff/persons/new", None),
    "person": ("/staff/persons/{id}", "demo-complete"),
    "contract-form": ("/staff/persons/{id}/contract", "demo-intake"),
    "fact-form": ("/staff/persons/{id}/facts/new/test_result", "demo-gent-new"),
    "sanctions": ("/staff/sanctions", None),
    "attest": ("/staff/persons/{id}/attest", "demo-complete"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(STAFF_PAGES))
def test_staff_page_has_no_axe_violations(
    counsellor_page: Any, live_portal: LivePortal, axe_source: str, name: str, language: str
) -> None:
    template, subject = STAFF_PAGES[name]
    path = template.format(id=person_id(live_portal, subject)) if subject else template
    response = counsellor_page.goto(f"{live_portal.base_url}{path}?lang={language}")
    assert response is not None and response.status == 200, (path, response and response.status)
    assert html_attributes(counsellor_page)["lang"] == language
    assert counsellor_page.locator("main h1").count() == 1
    assert_no_violations(counsellor_page, axe_source, f"{path}?lang={language} (demo-counsellor)")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(STAFF_PAGES))
def test_staff_page_fits_the_phone_without_sideways_scrolling(
    counsellor_page: Any, live_portal: LivePortal, name: str, language: str
) -> None:
    """At 390 px the page reflows (WCAG 1.4.10): no part of it makes the phone scroll sideways."""
    template, subject = STAFF_PAGES[name]
    path = template.format(id=person_id(live_portal, subject)) if subject else template
    response = counsellor_page.goto(f"{live_portal.base_url}{path}?lang={language}")
    assert response is not None and response.status == 200
    problem = horizontal_overflow(counsellor_page)
    assert not problem, f"{path}?lang={language}: {problem}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_intake_after_a_failed_save_has_no_axe_violations(
    counsellor_page: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    """Previewed, then saved without a first name and with a birth date in the future: the
    error summary and two field errors (text and date), the rest kept as typed."""
    page = counsellor_page
    page.goto(f"{live_portal.base_url}/staff/persons/new?lang={language}")
    fill_intake(page)
    submit(page, page.locator("button[name=action][value=preview]"))
    assert page.locator("button[name=action][value=save]").is_visible()
    page.locator("#given_name").fill("")
    page.locator("#birth_date").fill("2999-01-01")
    response = submit(page, page.locator("button[name=action][value=save]"))
    assert response.status == 400
    assert html_attributes(page)["lang"] == language
    summary = page.locator("main .error-summary")
    assert summary.is_visible()
    for field in ("given_name", "birth_date"):
        assert summary.locator(f"a[href='#{field}']").count() == 1, field
        assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true", field
        assert page.locator(f"#{field}-error").is_visible(), field
    assert page.locator("#family_name").input_value() == "Yilmaz"
    assert_no_violations(
        page, axe_source, f"/staff/persons/new?lang={language} after a failed save"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_intake_with_every_field_missing_has_no_axe_violations(
    counsellor_page: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    """The empty form sent: errors on text fields, selects and radio groups alike."""
    page = counsellor_page
    page.goto(f"{live_portal.base_url}/staff/persons/new?lang={language}")
    page.locator("select#language").select_option("")
    response = submit(page, page.locator("button[name=action][value=preview]"))
    assert response.status == 400
    summary = page.locator("main .error-summary")
    assert summary.is_visible()
    for field in ("given_name", "municipality", "register", "literacy", "language"):
        assert summary.locator(f"a[href='#{field}']").count() == 1, field
        assert page.locator(f"#{field}-error").is_visible(), field
    assert_no_violations(
        page, axe_source, f"/staff/persons/new?lang={language} with every field missing"
    )


# ---------------------------------------------------------------- 2. axe on the signing page


@pytest.fixture(scope="module")
def drafted_portal(
    request: pytest.FixtureRequest,
    idp: Any,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Any,
) -> Iterator[LivePortal]:
    """A portal on a database of its own, in which the counsellor drew up demo-intake's
    contract through the browser (nothing signed: the signing page shows the form)."""
    database_url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("drafted-db"))
    with serve_portal(database_url, idp.issuer) as portal:
        context = phone_context(browser)
        page = context.new_page()
        try:
            sign_in(page, portal.base_url, "demo-counsellor")
            pid = person_id(portal, "demo-intake")
            page.goto(f"{portal.base_url}/staff/persons/{pid}/contract")
            draw_up_contract(page, portal.base_url, pid)
        finally:
            context.close()
        yield portal


@pytest.fixture(scope="module")
def newcomer_page(browser: Any, drafted_portal: LivePortal) -> Iterator[Any]:
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, drafted_portal.base_url, "demo-intake")
    yield page
    context.close()


@pytest.mark.parametrize("with_errors", [False, True], ids=["form", "error-summary"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_page_has_no_axe_violations(
    newcomer_page: Any, drafted_portal: LivePortal, axe_source: str, language: str, with_errors
) -> None:
    page = newcomer_page
    response = page.goto(f"{drafted_portal.base_url}/my/contract?lang={language}")
    assert response is not None and response.status == 200
    assert html_attributes(page)["lang"] == language
    sign_form = page.locator("main form[action='/my/contract']")
    assert sign_form.count() == 1  # not signed: the form is there
    assert page.locator("main [lang=nl]").count() >= 1
    label = f"/my/contract?lang={language} (demo-intake, contract drawn up)"
    if with_errors:
        response = submit(page, sign_form.locator("button[type=submit]"))
        assert response.status == 400
        assert html_attributes(page)["lang"] == language
        assert page.locator("main .error-summary").is_visible()
        assert page.locator("#confirm_contract-error").is_visible()
        label += " after signing without ticking"
    assert_no_violations(page, axe_source, label)
