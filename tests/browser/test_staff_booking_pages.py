"""The counsellor's test pages and the appeal on a phone, checked by axe-core in Dutch and in
Arabic (no violation of any impact): the sessions list with the planning form, that form sent
empty (the error summary), a session's results page before it started, and, on a portal whose
clock is after that session, the results form, the empty appeals list, the learner's failed
result with its next steps and appeal form, and the appeal waiting for the committee's decision.

Demo data: demo-booked has a confirmed MO booking in the Ghent session (capacity 2) that starts
on 2026-04-09 at 09:30 (Brussels); the counsellor is demo-counsellor. Elements are found by id,
name, value or href; text is read through the catalog (`translated`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.browser.server import LivePortal, serve_portal
from tests.browser.support import (
    describe_violations,
    html_attributes,
    phone_context,
    plain,
    run_axe,
    sign_in,
    translated,
)
from tests.conftest import fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
AFTER_THE_SESSION = "2026-04-09T12:00"
APPEAL_REASON = "De audio werkte niet tijdens vraag 12."


def open_page(page: Any, url: str, language: str, status: int = 200) -> None:
    joiner = "&" if "?" in url else "?"
    response = page.goto(f"{url}{joiner}lang={language}")
    assert response is not None and response.status == status, (url, response and response.status)
    assert html_attributes(page) == {
        "lang": language,
        "dir": "rtl" if language == "ar" else "ltr",
    }
    assert page.locator("main h1").count() == 1


def violations_on(page: Any, axe_source: str, label: str) -> str:
    """The violations described (with the page they are on), or "" when there are none."""
    violations = run_axe(page, axe_source)
    if not violations:
        return ""
    return f"axe-core found {len(violations)} violation(s) on {label}:\n" + describe_violations(
        violations
    )


def demo_booked(portal: LivePortal) -> tuple[m.Booking, m.TestSession, m.Person]:
    with session_scope(portal.app.state.portal.engine) as db:
        booked, person = db.exec(
            select(m.Booking, m.Person)
            .join(m.Person, m.Person.id == m.Booking.person_id)  # type: ignore[arg-type]
            .where(m.Person.subject == "demo-booked")
        ).one()
        session = db.get(m.TestSession, booked.session_id)
    assert session is not None and session.capacity == 2 and booked.status == "confirmed"
    return booked, session, person


# ---------------------------------------------------------------- 1. the portal on 2026-03-16


@pytest.fixture(scope="module")
def counsellor(browser: Any, live_portal: LivePortal) -> Iterator[Any]:
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, live_portal.base_url, "demo-counsellor")
    yield page
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_sessions_and_planning_form_have_no_axe_violations(
    counsellor: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    _booked, session, _person = demo_booked(live_portal)
    open_page(counsellor, f"{live_portal.base_url}/staff/tests", language)
    main = counsellor.locator("main")
    assert main.locator("ul.task-list > li.task").count() >= 1
    assert main.locator(f"a[href='/staff/tests/{session.id}/results']").count() == 1
    assert main.locator("form[action='/staff/tests/new']").is_visible()
    assert main.locator(".error-summary").count() == 0
    described = violations_on(counsellor, axe_source, f"/staff/tests?lang={language}")
    assert not described, described


@pytest.mark.parametrize("language", LANGUAGES)
def test_planning_form_sent_empty_has_no_axe_violations(
    counsellor: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    open_page(counsellor, f"{live_portal.base_url}/staff/tests", language)
    form = counsellor.locator("main form[action='/staff/tests/new']")
    for name in ("day", "start", "end", "capacity"):
        form.locator(f"input[name={name}]").fill("")
    for name in ("location", "test", "level"):
        form.locator(f"select[name={name}]").select_option("")
    with counsellor.expect_response(lambda r: r.url.endswith("/staff/tests/new")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 400
    counsellor.wait_for_load_state("load")
    summary = counsellor.locator("main .error-summary")
    assert summary.is_visible()
    assert counsellor.locator("main [aria-invalid=true]").count() >= 4
    assert html_attributes(counsellor)["lang"] == language
    described = violations_on(
        counsellor, axe_source, f"/staff/tests/new (sent empty, lang={language})"
    )
    assert not described, described


@pytest.mark.parametrize("language", LANGUAGES)
def test_results_before_the_session_started_have_no_axe_violations(
    counsellor: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    _booked, session, _person = demo_booked(live_portal)
    url = f"/staff/tests/{session.id}/results"
    open_page(counsellor, live_portal.base_url + url, language)
    message = plain(translated(language, "You can record results once the session has started."))
    assert plain(counsellor.locator("main #results").inner_text()) == message
    assert counsellor.locator("main form[action$='/results/save']").count() == 0
    described = violations_on(counsellor, axe_source, f"{url}?lang={language} (not started)")
    assert not described, described


# ---------------------------------------------------------------- 2. after the session


@pytest.fixture(scope="module")
def late_portal(
    request: pytest.FixtureRequest, idp: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LivePortal]:
    """The portal on a copy of the demo data of its own, its clock after the Ghent session."""
    database_url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("late-db"))
    try:
        with serve_portal(database_url, idp.issuer, PORTAL_NOW=AFTER_THE_SESSION) as portal:
            yield portal
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def appeal_flow_violations(
    browser: Any, late_portal: LivePortal, axe_source: str
) -> dict[tuple[str, str], str]:
    """The counsellor sees the results form and the empty appeals list, records a fail for
    demo-booked; demo-booked sees the result and appeals; the counsellor sees the appeal. axe-core
    runs on each page in each language as the flow passes by.
    {(page, language): the violations described, or "" when there are none}."""
    base = late_portal.base_url
    booked, session, person = demo_booked(late_portal)
    found: dict[tuple[str, str], str] = {}
    staff_context = phone_context(browser)
    learner_context = phone_context(browser)
    try:
        staff = staff_context.new_page()
        sign_in(staff, base, "demo-counsellor")
        results_url = f"/staff/tests/{session.id}/results"
        for language in LANGUAGES:
            open_page(staff, base + results_url, language)
            form = staff.locator(f"main form[action='{results_url}/save']")
            assert form.is_visible()
            legend = plain(form.locator("fieldset legend").first.inner_text())
            assert person.family_name in legend and person.given_name in legend
            assert form.locator(f"input[name=result_{booked.id}][value=failed]").count() == 1
            found[("results", language)] = violations_on(
                staff, axe_source, f"{results_url}?lang={language} (started, demo-booked listed)"
            )
            open_page(staff, f"{base}/staff/appeals", language)
            assert staff.locator("main ul.task-list").count() == 0
            assert plain(translated(language, "No appeals.")) in plain(
                staff.locator("main").inner_text()
            )
            found[("appeals-empty", language)] = violations_on(
                staff, axe_source, f"/staff/appeals?lang={language} (no appeals)"
            )

        open_page(staff, base + results_url, "nl")
        staff.locator(f"main #r{booked.id}-f").check()
        with staff.expect_navigation(url=f"{base}{results_url}?done=1"):
            staff.locator("main form[action$='/results/save'] button[type=submit]").click()

        learner = learner_context.new_page()
        sign_in(learner, base, "demo-booked")
        for language in LANGUAGES:
            open_page(learner, f"{base}/my/tests", language)
            results = learner.locator("main")
            assert results.locator("#results").is_visible()
            assert results.locator(".tag-overdue").first.is_visible()
            next_steps = plain(
                translated(
                    language,
                    "Next steps: follow the MO course again, then book a retake."
                    " A retake is paid again.",
                )
            )
            assert next_steps in plain(results.inner_text())
            assert results.locator("form[action='/my/tests/appeals'] textarea#reason").is_visible()
            found[("my-tests-failed", language)] = violations_on(
                learner, axe_source, f"/my/tests?lang={language} (demo-booked, failed MO test)"
            )

        open_page(learner, f"{base}/my/tests", "nl")
        appeal = learner.locator("main form[action='/my/tests/appeals']")
        appeal.locator("textarea#reason").fill(APPEAL_REASON)
        with learner.expect_navigation(url=lambda url: "appealed=1" in url):
            appeal.locator("button[type=submit]").click()

        for language in LANGUAGES:
            open_page(staff, f"{base}/staff/appeals", language)
            items = staff.locator("main ul.task-list > li.task")
            assert items.count() == 1
            assert APPEAL_REASON in items.first.inner_text()
            decision = items.first.locator("form[action^='/staff/appeals/']")
            assert decision.locator("input[name=decision]").count() == 2
            assert decision.locator("input[name=note]").is_visible()
            found[("appeals-lodged", language)] = violations_on(
                staff, axe_source, f"/staff/appeals?lang={language} (one lodged appeal)"
            )
    finally:
        staff_context.close()
        learner_context.close()
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("where", ["results", "appeals-empty", "my-tests-failed", "appeals-lodged"])
def test_results_and_appeal_pages_have_no_axe_violations(
    appeal_flow_violations: dict[tuple[str, str], str], where: str, language: str
) -> None:
    described = appeal_flow_violations[(where, language)]
    assert not described, described
