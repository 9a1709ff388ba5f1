"""Booking a test on a phone: the issue's journey (the menu → the MO test → a date near me with
seats left → the held seat → paying in the local Mollie sandbox → back on the portal → the
confirmed booking with its calendar file → cancelling for free), a low-literate learner whose
first NT2 test at the adapted level is free and confirmed at once, and axe-core on the booking
pages in Dutch and in Arabic: no violation of any impact. The sandbox's checkout page stands
for Mollie's own page: it is not ours and is not checked by axe.

The portal runs with PORTAL_MOLLIE_API_ENDPOINT at the sandbox and PORTAL_BASE_URL at its own
address, so the sandbox's webhook reaches it (see test_payments_journey.py). The portal's clock
is fixed at 2026-03-16: the first MO session in Gent is 10 days away (cancelling is free).

Labels change while translators work, so elements are found by id, name, value or href; text is
read where it is data (places, amounts) or through the catalog (`translated`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.rules import rules_on
from tests.browser.server import LivePortal, serve_portal
from tests.browser.support import (
    assert_no_violations,
    describe_violations,
    html_attributes,
    open_menu,
    open_page,
    phone_context,
    plain,
    run_axe,
    sign_in,
    template_parts,
    translated,
)
from tests.conftest import NOW, fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
GENT = "Examencentrum Gent"
MO_TEST_FEE = rules_on(NOW.date()).fee_mo_test_cents
RESULT_TIMEOUT_MS = 10_000  # the payment's return page polls every 3 s
BOOKING_URL = re.compile(r"/my/tests/bookings/(\d+)$")


def seats_left(language: str, count: int) -> str:
    message = i18n.translations(language).ngettext("%(num)d seat left", "%(num)d seats left", count)
    return plain(message % {"num": count})


# ---------------------------------------------------------------- portals on the sandbox


def _portal_on_sandbox(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    database_url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("booking-db"))
    try:
        with serve_portal(
            database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url
        ) as portal:
            assert portal.settings.mollie_api_endpoint == sandbox.url
            assert portal.settings.base_url == portal.base_url
            yield portal
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture
def journey_portal(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    """The portal on a copy of the demo data of its own, paying through the sandbox."""
    yield from _portal_on_sandbox(request, idp, sandbox, tmp_path_factory)


@pytest.fixture(scope="module")
def axe_portal(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    """One portal on the sandbox for the module's axe-core tests (section 3)."""
    yield from _portal_on_sandbox(request, idp, sandbox, tmp_path_factory)


# ---------------------------------------------------------------- the database


def sessions_of(portal: LivePortal, test: str) -> list[tuple[m.TestSession, m.TestLocation]]:
    with session_scope(portal.app.state.portal.engine) as db:
        rows = db.exec(
            select(m.TestSession, m.TestLocation)
            .join(m.TestLocation, m.TestLocation.id == m.TestSession.location_id)  # type: ignore[arg-type]
            .where(m.TestSession.test == test)
            .order_by(m.TestSession.starts_at)  # type: ignore[arg-type]
        ).all()
    return [(s, loc) for s, loc in rows]


def booking(portal: LivePortal, booking_id: int) -> m.Booking:
    with session_scope(portal.app.state.portal.engine) as db:
        found = db.get(m.Booking, booking_id)
    assert found is not None, f"no booking {booking_id}"
    return found


def seats_booked(portal: LivePortal, session_id: int) -> int:
    with session_scope(portal.app.state.portal.engine) as db:
        found = db.get(m.TestSession, session_id)
    assert found is not None
    return found.booked


def payments_for(portal: LivePortal, charge: str) -> list[m.Payment]:
    with session_scope(portal.app.state.portal.engine) as db:
        return list(
            db.exec(
                select(m.Payment).where(m.Payment.charge_key == charge).order_by(m.Payment.id)  # type: ignore[arg-type]
            ).all()
        )


def refunds_of(portal: LivePortal, payment_id: int) -> list[m.Refund]:
    with session_scope(portal.app.state.portal.engine) as db:
        return list(db.exec(select(m.Refund).where(m.Refund.payment_id == payment_id)).all())


def payments_of(portal: LivePortal, subject: str) -> list[m.Payment]:
    with session_scope(portal.app.state.portal.engine) as db:
        return list(
            db.exec(select(m.Payment).join(m.Person).where(m.Person.subject == subject)).all()
        )


# ---------------------------------------------------------------- the pages


def follow_menu_to_tests(page: Any, base: str) -> None:
    open_menu(page)
    link = page.locator("nav.main-nav a[href='/my/tests']")
    assert link.count() == 1 and link.is_visible(), "no visible Tests link in the main menu"
    with page.expect_navigation(url=f"{base}/my/tests"):
        link.click()
    current = page.locator("nav.main-nav a[href='/my/tests']").get_attribute("aria-current")
    assert current == "page"


def session_items(page: Any) -> Any:
    """The dates of the sessions page: one <li class=task> per session."""
    return page.locator("main ul.task-list > li.task")


def book_date(page: Any, base: str, item: Any, test: str) -> int:
    """Press "Book this date" in the session's item; returns the booking's id."""
    button = item.locator(f"form[method=post][action='/my/tests/{test}/hold'] button[type=submit]")
    assert button.count() == 1 and button.is_visible()
    with page.expect_navigation(url=re.compile(re.escape(base) + BOOKING_URL.pattern)):
        button.click()
    page.wait_for_load_state("load")
    match = BOOKING_URL.search(page.url)
    assert match, page.url
    return int(match.group(1))


def status_on_booking_page(page: Any) -> str:
    """The booking's status as the summary shows it (the last row of dl.summary)."""
    return plain(page.locator("main dl.summary > div").last.locator("dd").inner_text())


def pay_form(page: Any) -> Any:
    return page.locator("main form[method=post][action='/my/payments/pay']")


def checkout_pattern(sandbox_url: str) -> re.Pattern[str]:
    return re.compile(re.escape(sandbox_url) + r"/checkout/(tr_[A-Za-z0-9]+)$")


def press_pay(page: Any, sandbox_url: str, charge: str) -> str:
    """On a held booking's page, press its pay button: the sandbox's checkout page. Returns
    Mollie's payment id (tr_...)."""
    form = pay_form(page)
    assert form.count() == 1, f"{form.count()} pay forms on {page.url}"
    assert form.locator("input[type=hidden][name=charge]").input_value() == charge
    checkout = checkout_pattern(sandbox_url)
    with page.expect_navigation(url=checkout):
        form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    match = checkout.match(page.url)
    assert match, page.url
    return match.group(1)


def choose_on_checkout(page: Any, outcome: str, lands_on: str) -> None:
    """On the sandbox's checkout page, press the outcome's button; wait to be back."""
    button = page.locator(f"form[method=post] button[type=submit][name=status][value={outcome}]")
    assert button.count() == 1, f"no {outcome!r} button on the checkout page {page.url}"
    with page.expect_navigation(url=lands_on):
        button.click()
    page.wait_for_load_state("load")


def pay_on_sandbox(page: Any, portal: LivePortal, sandbox: Any, booking_id: int) -> m.Payment:
    """From the held booking's page: pay, choose "Paid", wait for the return page's success
    block. Returns the payment."""
    charge = f"test:{booking_id}"
    provider_id = press_pay(page, sandbox.url, charge)
    [payment] = payments_for(portal, charge)
    assert (payment.provider_id, payment.status, payment.amount_cents) == (
        provider_id,
        "open",
        MO_TEST_FEE,
    )
    return_url = f"{portal.base_url}/my/payments/{payment.id}/return"
    booking_url = f"{portal.base_url}/my/tests/bookings/{booking_id}?paid=1"
    # back from the checkout: the booking's confirmation at once when the webhook came first,
    # else the return page follows the payment and then goes on to the booking by itself
    either = re.compile(f"^({re.escape(return_url)}|{re.escape(booking_url)})$")
    choose_on_checkout(page, "paid", lands_on=either)
    page.wait_for_url(booking_url, timeout=RESULT_TIMEOUT_MS)
    # "Your payment worked", with the receipt (in the page's language)
    paid = page.locator("main .success a[href$='/receipt']")
    paid.wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
    [payment] = payments_for(portal, charge)
    assert payment.status == "paid" and payment.settled_at is not None
    return payment


def press_cancel(page: Any, base: str, booking_id: int) -> None:
    """ "Cancel my booking", then "Yes, cancel my booking" on the question that follows."""
    url = f"{base}/my/tests/bookings/{booking_id}"
    link = page.locator(f"main a[href='/my/tests/bookings/{booking_id}/cancel']")
    assert link.count() == 1, f"no cancel link on {page.url}"
    with page.expect_navigation(url=f"{url}/cancel"):
        link.click()
    page.wait_for_load_state("load")
    form = page.locator(f"main form[method=post][action='/my/tests/bookings/{booking_id}/cancel']")
    assert form.count() == 1, f"no cancel form on {page.url}"
    assert form.locator("input[name=accept_no_refund]").count() == 0  # free: nothing to accept
    button = form.locator("button[type=submit]")
    assert plain(button.inner_text()) == plain(translated("nl", "Yes, cancel my booking"))
    with page.expect_navigation(url=url):
        button.click()
    page.wait_for_load_state("load")


# ---------------------------------------------------------------- 1. the journey


def test_book_pay_confirm_download_and_cancel_the_mo_test(
    new_context: Callable[..., Any], journey_portal: LivePortal, sandbox: Any
) -> None:
    portal, base = journey_portal, journey_portal.base_url
    page = new_context().new_page()
    sign_in(page, base, "demo-mo-done")
    assert page.url == f"{base}/my"

    # "Tests" in the main menu: the MO test may be booked.
    follow_menu_to_tests(page, base)
    choose = page.locator("main a[href='/my/tests/mo']")
    assert choose.count() == 1 and choose.is_visible(), "the MO test is not bookable"
    with page.expect_navigation(url=f"{base}/my/tests/mo"):
        choose.click()

    # The dates: Gent (near a Ghent resident, tagged "Near you") first, with seats left.
    items = session_items(page)
    assert items.count() >= 3, f"{items.count()} MO dates listed"
    near_you = translated("nl", "Near you")
    near, places = [], []
    for index in range(items.count()):
        item = items.nth(index)
        tags = [plain(t) for t in item.locator(".task-head .tag").all_inner_texts()]
        near.append(tags == [near_you])
        places.append(plain(item.locator("p").first.inner_text()))
    assert near[0] and places[0].startswith(GENT), (near, places)
    assert near == sorted(near, reverse=True), (
        f"a date near you comes after one that is not: {near}"
    )
    assert [p.startswith(GENT) for p in places] == near, (places, near)
    assert any(not n for n in near), "no date elsewhere than Gent is listed"
    first = items.first
    [(gent_12, _)] = [
        (s, loc) for s, loc in sessions_of(portal, "mo") if loc.name == GENT and s.capacity == 12
    ]
    assert first.locator("input[type=hidden][name=session]").input_value() == str(gent_12.id)
    assert seats_left("nl", 12) in plain(first.inner_text())

    # "Book this date": the seat is kept, with a pay button for the test's fee.
    booking_id = book_date(page, base, first, "mo")
    booking_url = f"{base}/my/tests/bookings/{booking_id}"
    assert page.url == booking_url
    held = booking(portal, booking_id)
    assert (held.status, held.session_id) == ("held", gent_12.id)
    assert seats_booked(portal, int(gent_12.id or 0)) == 1
    assert status_on_booking_page(page) == plain(translated("nl", "seat kept, waiting for payment"))
    notice = plain(page.locator("main [role=status] .notice").inner_text())
    for part in template_parts(
        "nl", "Your seat is kept until %(time)s. Pay to confirm your booking."
    ):
        assert part in notice, (part, notice)
    form = pay_form(page)
    assert form.count() == 1
    assert form.locator("input[type=hidden][name=charge]").input_value() == f"test:{booking_id}"
    pay_text = plain(form.locator("button[type=submit]").inner_text())
    assert pay_text == plain(
        translated("nl", "Pay %(amount)s") % {"amount": i18n.format_money(MO_TEST_FEE, "nl")}
    ), pay_text

    # Pay in the sandbox's checkout ("Paid"): back on the portal, the success block.
    payment = pay_on_sandbox(page, portal, sandbox, booking_id)
    calls = sandbox.app.webhook_calls(payment.provider_id)
    assert [(c["url"], c["status_code"]) for c in calls] == [(f"{base}/webhooks/mollie", 200)]
    assert booking(portal, booking_id).status == "confirmed"

    # Tests: the booking is listed, confirmed.
    follow_menu_to_tests(page, base)
    listed = page.locator("main li").filter(
        has=page.locator(f"a[href='/my/tests/bookings/{booking_id}']")
    )
    assert listed.count() == 1, f"booking {booking_id} is not listed on /my/tests"
    listed_text = plain(listed.inner_text())
    assert GENT in listed_text and translated("nl", "confirmed") in listed_text, listed_text
    with page.expect_navigation(url=booking_url):
        listed.locator(f"a[href='/my/tests/bookings/{booking_id}']").click()

    # The confirmed booking, with its calendar file.
    success = page.locator("main [role=status] .success")
    assert success.is_visible()
    assert plain(success.locator("h2").inner_text()) == translated(
        "nl", "Your booking is confirmed"
    )
    assert status_on_booking_page(page) == translated("nl", "confirmed")
    assert pay_form(page).count() == 0
    calendar = success.locator(f"a[href='/my/tests/bookings/{booking_id}/calendar.ics']")
    assert calendar.count() == 1 and calendar.is_visible()
    with page.expect_download() as downloading:
        calendar.click()
    download = downloading.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == f"test-{booking_id}.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and "DTSTART:" in ics, ics
    assert "Examencentrum Gent" in ics, ics
    assert page.url == booking_url  # the download did not navigate away

    # Cancel: 10 days before the test, free (the fee is refunded).
    free = plain(page.locator("main").inner_text())
    for part in template_parts(
        "nl", "You can cancel for free until %(date)s. If you paid, you get the money back."
    ):
        assert part in free, (part, free)
    press_cancel(page, base, booking_id)
    state = page.locator("main [role=status]")
    assert plain(translated("nl", "This booking is cancelled.")) in plain(state.inner_text())
    assert status_on_booking_page(page) == translated("nl", "cancelled")
    assert page.locator("main a[href$='/calendar.ics']").count() == 0
    assert page.locator("main form[action$='/cancel']").count() == 0
    assert booking(portal, booking_id).status == "cancelled"
    assert seats_booked(portal, int(gent_12.id or 0)) == 0
    assert [r.amount_cents for r in refunds_of(portal, int(payment.id or 0))] == [MO_TEST_FEE]


# ---------------------------------------------------------------- 2. free: confirmed at once


def test_the_first_nt2_test_at_the_adapted_level_is_confirmed_at_once(
    new_context: Callable[..., Any], fresh_portal: LivePortal
) -> None:
    portal, base = fresh_portal, fresh_portal.base_url
    page = new_context().new_page()
    sign_in(page, base, "demo-lowlit")
    follow_menu_to_tests(page, base)
    choose = page.locator("main a[href='/my/tests/nt2']")
    assert choose.count() == 1 and choose.is_visible(), "the NT2 test is not bookable"
    with page.expect_navigation(url=f"{base}/my/tests/nt2"):
        choose.click()

    # Only the session at the adapted level (A2_adapted), not the plain A2 one.
    [adapted] = [s for s, _ in sessions_of(portal, "nt2") if s.level == "A2_adapted"]
    assert [s for s, _ in sessions_of(portal, "nt2") if s.level == "A2"], "no plain A2 session"
    items = session_items(page)
    assert items.count() == 1, f"{items.count()} NT2 dates listed, expected the adapted one"
    session = items.first.locator("input[type=hidden][name=session]").input_value()
    assert session == str(adapted.id)

    booking_id = book_date(page, base, items.first, "nt2")
    assert page.url == f"{base}/my/tests/bookings/{booking_id}"
    language = html_attributes(page)["lang"]
    assert language == "ar"  # Abdi's own language (his preference) over the phone's Dutch
    success = page.locator("main [role=status] .success")
    assert success.is_visible()
    heading = plain(success.locator("h2").inner_text())
    assert heading == translated(language, "Your booking is confirmed")
    assert status_on_booking_page(page) == translated(language, "confirmed")
    assert pay_form(page).count() == 0, "a pay button for a free test"
    assert page.locator("main input[name=charge]").count() == 0
    assert booking(portal, booking_id).status == "confirmed"
    assert payments_of(portal, "demo-lowlit") == []


# ---------------------------------------------------------------- 3. axe-core


@pytest.fixture(scope="module")
def mo_done(browser: Any, axe_portal: LivePortal) -> Iterator[Any]:
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, axe_portal.base_url, "demo-mo-done")
    yield page
    context.close()


@pytest.fixture(scope="module")
def gent_new(browser: Any, axe_portal: LivePortal) -> Iterator[Any]:
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, axe_portal.base_url, "demo-gent-new")
    yield page
    context.close()


@pytest.fixture(scope="module")
def booking_page_violations(
    mo_done: Any, axe_portal: LivePortal, sandbox: Any, axe_source: str
) -> dict[tuple[str, str], str]:
    """One MO booking of demo-mo-done walked through its states (held → paid: confirmed →
    cancelled), axe-core run on its page in each state and language as it passes by (a person
    has one active booking per test, so the states cannot be visited in any order).
    {(state, language): the violations described, or "" when there are none}."""
    page, base = mo_done, axe_portal.base_url
    page.goto(f"{base}/my/tests/mo?lang=nl")
    booking_id = book_date(page, base, session_items(page).first, "mo")
    url = f"{base}/my/tests/bookings/{booking_id}"
    found: dict[tuple[str, str], str] = {}

    def measure(state: str) -> None:
        assert booking(axe_portal, booking_id).status == state
        for language in LANGUAGES:
            open_page(page, url, language)
            if state == "held":
                assert pay_form(page).is_visible(), f"no pay button on the held booking ({url})"
            elif state == "confirmed":
                assert page.locator("main [role=status] .success").is_visible()
            else:
                assert page.locator("main [role=status] .notice").is_visible()
            violations = run_axe(page, axe_source)
            found[(state, language)] = (
                f"axe-core found {len(violations)} violation(s) on"
                f" /my/tests/bookings/{booking_id}?lang={language} ({state}, demo-mo-done):\n"
                + describe_violations(violations)
                if violations
                else ""
            )

    measure("held")  # the page is left in Arabic: the journey goes on in Arabic
    pay_on_sandbox(page, axe_portal, sandbox, booking_id)
    measure("confirmed")
    for language in LANGUAGES:  # the question before cancelling
        open_page(page, f"{url}/cancel", language)
        assert page.locator(f"main form[action='/my/tests/bookings/{booking_id}/cancel']").count()
        violations = run_axe(page, axe_source)
        found[("cancel question", language)] = (
            f"axe-core found {len(violations)} violation(s) on"
            f" /my/tests/bookings/{booking_id}/cancel?lang={language}:\n"
            + describe_violations(violations)
            if violations
            else ""
        )
    page.goto(f"{url}?lang=nl")
    press_cancel(page, base, booking_id)
    measure("cancelled")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", ["held", "confirmed", "cancel question", "cancelled"])
def test_booking_page_has_no_axe_violations(
    booking_page_violations: dict[tuple[str, str], str], state: str, language: str
) -> None:
    described = booking_page_violations[(state, language)]
    assert not described, described


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("subject", ["demo-mo-done", "demo-gent-new"])
def test_tests_overview_has_no_axe_violations(
    request: pytest.FixtureRequest,
    axe_portal: LivePortal,
    axe_source: str,
    subject: str,
    language: str,
) -> None:
    if subject == "demo-mo-done":
        request.getfixturevalue("booking_page_violations")  # so that a booking is listed
        page = request.getfixturevalue("mo_done")
    else:
        page = request.getfixturevalue("gent_new")
    open_page(page, f"{axe_portal.base_url}/my/tests", language)
    tests = page.locator("main ul.task-list > li.task")
    assert tests.count() >= 4
    if subject == "demo-mo-done":
        assert page.locator("main a[href^='/my/tests/bookings/']").count() >= 1
        assert page.locator("main a[href='/my/tests/mo']").count() == 1
    else:  # may not book the MO test: the reason is shown in its item
        assert page.locator("main a[href='/my/tests/mo']").count() == 0
        name = plain(translated(language, "MO test"))
        [mo] = [
            tests.nth(i)
            for i in range(tests.count())
            if plain(tests.nth(i).locator(".task-name").inner_text()) == name
        ]
        reason = plain(translated(language, "Finish the MO course first."))
        assert reason in plain(mo.inner_text()), (reason, mo.inner_text())
    assert_no_violations(page, axe_source, f"/my/tests?lang={language} ({subject})")


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_dates_have_no_axe_violations(
    mo_done: Any, axe_portal: LivePortal, axe_source: str, language: str
) -> None:
    open_page(mo_done, f"{axe_portal.base_url}/my/tests/mo", language)
    items = session_items(mo_done)
    assert items.count() >= 3
    assert items.first.locator(".tag").is_visible()  # "Near you"
    assert mo_done.locator("main .error-summary").count() == 0
    assert_no_violations(mo_done, axe_source, f"/my/tests/mo?lang={language} (demo-mo-done)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_dates_with_a_full_session_error_have_no_axe_violations(
    mo_done: Any, axe_portal: LivePortal, axe_source: str, language: str
) -> None:
    open_page(mo_done, f"{axe_portal.base_url}/my/tests/mo?error=session_full", language)
    summary = mo_done.locator("main .error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    expected = plain(translated(language, "This session just filled up. Choose another date."))
    assert expected in plain(summary.inner_text())
    assert_no_violations(
        mo_done,
        axe_source,
        f"/my/tests/mo?error=session_full&lang={language} (demo-mo-done)",
    )
