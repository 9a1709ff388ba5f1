"""Paying a fee on a phone, through the local Mollie sandbox: the issue's journey (the menu →
the MO course's 90 euro → the sandbox's checkout → back on the portal → the receipt), the
waiting page that updates by itself (htmx polling, no reload), a Brussels resident who owes
nothing, and axe-core on the citizen's payment pages and the counsellor's fees page, in Dutch
and in Arabic: no violation of any impact. The sandbox's checkout page stands for Mollie's own
page: it is not ours and is not checked by axe.

The portal runs with PORTAL_MOLLIE_API_ENDPOINT at the sandbox and PORTAL_BASE_URL at its own
address, so the sandbox's webhook (POST id=tr_... to <base>/webhooks/mollie) reaches it.

Labels change while translators work, so elements are found by id, name, value or href; text is
read where it is data (amounts, Mollie's payment id) or through the catalog (`translated`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import select

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
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
    translated,
)
from tests.conftest import fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
MO_COURSE = "mo_course:1"
RESULT_TIMEOUT_MS = 10_000  # the return page polls every 3 s


# The MO course's fee as the Dutch pages write it: Belgian Dutch (CLDR nl_BE) puts the sign
# first, "€ 90,00" (the English pages, en_BE, write "90,00 €").
NINETY_EUROS = plain(i18n.format_money(9000, "nl"))
assert NINETY_EUROS in {"€ 90,00", "90,00 €"}, NINETY_EUROS


# ---------------------------------------------------------------- portals on the sandbox


def _portal_on_sandbox(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    database_url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("payments-db"))
    try:
        with serve_portal(
            database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url
        ) as portal:
            assert portal.settings.mollie_api_endpoint == sandbox.url
            assert portal.settings.base_url == portal.base_url
            yield portal
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def payments_portal(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    """One portal on the sandbox for the module's read-mostly tests (section 3 and 4)."""
    yield from _portal_on_sandbox(request, idp, sandbox, tmp_path_factory)


@pytest.fixture
def paying_portal(
    request: pytest.FixtureRequest,
    idp: Any,
    sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    """The portal on a copy of the demo data of its own, paying through the sandbox."""
    yield from _portal_on_sandbox(request, idp, sandbox, tmp_path_factory)


# ---------------------------------------------------------------- helpers


def person_id(portal: LivePortal, subject: str) -> int:
    with session_scope(portal.app.state.portal.engine) as db:
        found = db.exec(select(m.Person.id).where(m.Person.subject == subject)).one()
    assert found is not None
    return found


def payments_of(portal: LivePortal, subject: str) -> list[m.Payment]:
    with session_scope(portal.app.state.portal.engine) as db:
        return list(
            db.exec(
                select(m.Payment)
                .join(m.Person)
                .where(m.Person.subject == subject)
                .order_by(m.Payment.id)  # type: ignore[arg-type]
            ).all()
        )


def fee_line(page: Any, charge: str) -> Any:
    """The "still to pay" line (an <li>) whose pay form posts `charge`."""
    line = page.locator("main ul.fee-list > li").filter(
        has=page.locator(f"input[type=hidden][name=charge][value='{charge}']")
    )
    assert line.count() == 1, f"{line.count()} lines to pay for {charge} on {page.url}"
    return line


def checkout_pattern(sandbox_url: str) -> re.Pattern[str]:
    return re.compile(re.escape(sandbox_url) + r"/checkout/(tr_[A-Za-z0-9]+)$")


def press_pay(page: Any, base_url: str, sandbox_url: str, charge: str) -> str:
    """On /my/payments, press the pay button of `charge`: the sandbox's checkout page (the
    portal answers the form with a 303 to it). Returns Mollie's payment id (tr_...). When the
    browser refuses to go there, fails with what the browser said (its console errors)."""
    assert page.url.startswith(f"{base_url}/my/payments"), page.url
    form = fee_line(page, charge).locator("form[method=post][action='/my/payments/pay']")
    assert form.count() == 1
    checkout = checkout_pattern(sandbox_url)
    said: list[str] = []

    def listen(message: Any) -> None:
        if message.type == "error":
            said.append(message.text.strip())

    page.on("console", listen)
    failure = ""
    try:
        with page.expect_navigation(url=checkout):
            form.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
    except PlaywrightError as error:
        failure = error.message.splitlines()[0]
        for _ in range(20):  # the console message may come just after the failed navigation
            if said:
                break
            page.wait_for_timeout(50)
    finally:
        page.remove_listener("console", listen)
    if failure:
        policy = page.request.get(page.url).headers.get("content-security-policy")
        pytest.fail(
            f"pressing the pay button for {charge} did not open the checkout page ({failure});"
            f" the browser stayed on {page.url} and said: {' | '.join(said) or 'nothing'}"
            f" (the page's Content-Security-Policy: {policy})"
        )
    match = checkout.match(page.url)
    assert match, page.url
    return match.group(1)


def post_pay(page: Any, base_url: str, sandbox_url: str, charge: str) -> str:
    """The request the pay button of `charge` makes (its form's fields, the phone's cookies),
    sent through Playwright's request API, then the checkout page it redirects to, opened in
    the phone. Returns Mollie's payment id (tr_...).

    For tests whose subject comes after the pay button (the waiting page, axe on the result
    pages): the button itself is the journey's subject (test 1), and Chromium refuses the
    portal's 303 to another origin while the portal's CSP says `form-action 'self'`."""
    if not page.url.startswith(f"{base_url}/my/payments"):
        page.goto(f"{base_url}/my/payments")
    form = fee_line(page, charge).locator("form[method=post][action='/my/payments/pay']")
    fields = {
        "csrf_token": form.locator("input[name=csrf_token]").input_value(),
        "charge": form.locator("input[name=charge]").input_value(),
    }
    assert fields["charge"] == charge
    response = page.request.post(f"{base_url}/my/payments/pay", form=fields, max_redirects=0)
    assert response.status == 303, (response.status, response.text()[:300])
    location = response.headers["location"]
    match = checkout_pattern(sandbox_url).match(location)
    assert match, f"the pay form led to {location}, not to the sandbox's checkout"
    page.goto(location)
    assert page.url == location
    return match.group(1)


def choose_on_checkout(page: Any, outcome: str, lands_on: str) -> None:
    """On the sandbox's checkout page, press the outcome's button; wait to be back."""
    button = page.locator(f"form[method=post] button[type=submit][name=status][value={outcome}]")
    assert button.count() == 1, f"no {outcome!r} button on the checkout page {page.url}"
    with page.expect_navigation(url=lands_on):
        button.click()
    page.wait_for_load_state("load")


def sandbox_control(sandbox_url: str, provider_id: str, status: str, webhook: bool) -> None:
    response = httpx.post(
        f"{sandbox_url}/_sandbox/payments/{provider_id}/status",
        json={"status": status, "webhook": webhook},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status


# ---------------------------------------------------------------- 1. the journey


def test_pay_the_mo_course_from_the_menu_to_the_receipt(
    new_context: Callable[..., Any], paying_portal: LivePortal, sandbox: Any
) -> None:
    base = paying_portal.base_url
    page = new_context().new_page()
    sign_in(page, base, "demo-gent-new")
    assert page.url == f"{base}/my"
    assert payments_of(paying_portal, "demo-gent-new") == []

    # "Payments" in the main menu.
    open_menu(page)
    menu_link = page.locator("nav.main-nav a[href='/my/payments']")
    assert menu_link.count() == 1 and menu_link.is_visible()
    with page.expect_navigation(url=f"{base}/my/payments"):
        menu_link.click()
    assert page.locator("nav.main-nav a[href='/my/payments']").get_attribute("aria-current") == (
        "page"
    )

    # The MO course: 90 euro, on its line and on its pay button (Belgian Dutch: "€ 90,00").
    line = fee_line(page, MO_COURSE)
    assert plain(line.locator(".task-head strong").inner_text()) == NINETY_EUROS
    assert NINETY_EUROS in plain(line.locator("button[type=submit]").inner_text())

    # Pay: the sandbox's checkout page (Mollie's, in real life).
    provider_id = press_pay(page, base, sandbox.url, MO_COURSE)
    [payment] = payments_of(paying_portal, "demo-gent-new")
    assert (payment.provider_id, payment.status, payment.amount_cents) == (
        provider_id,
        "open",
        9000,
    )
    assert "€ 90.00" in page.locator("main").inner_text()  # the sandbox's own format

    # "Paid": the sandbox calls the portal's webhook, then sends the phone back.
    return_url = f"{base}/my/payments/{payment.id}/return"
    choose_on_checkout(page, "paid", lands_on=return_url)
    calls = sandbox.app.webhook_calls(provider_id)
    assert [(c["url"], c["status_code"]) for c in calls] == [(f"{base}/webhooks/mollie", 200)], (
        calls
    )

    # The success block (at once, or after a poll).
    success = page.locator("#payment-status .success")
    success.wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
    assert page.url == return_url
    assert page.locator("#payment-status").get_attribute("hx-trigger") is None  # final
    assert NINETY_EUROS in plain(success.inner_text())
    [payment] = payments_of(paying_portal, "demo-gent-new")
    assert payment.status == "paid" and payment.settled_at is not None

    # The receipt: the amount and Mollie's payment id.
    receipt_href = f"/my/payments/{payment.id}/receipt"
    receipt_link = success.locator(f"a[href='{receipt_href}']")
    assert receipt_link.count() == 1 and receipt_link.is_visible()
    with page.expect_navigation(url=f"{base}{receipt_href}"):
        receipt_link.click()
    summary = plain(page.locator("main dl.summary").inner_text())
    assert NINETY_EUROS in summary, summary
    assert provider_id in summary, summary

    # Payments: the MO course is paid, with a link to its receipt; nothing left to pay for it.
    with page.expect_navigation(url=f"{base}/my/payments"):
        page.locator("main a[href='/my/payments']").first.click()
    assert page.locator(f"main input[name=charge][value='{MO_COURSE}']").count() == 0
    paid_line = page.locator("main li").filter(has=page.locator(f"a[href='{receipt_href}']"))
    assert paid_line.count() == 1, f"no paid line linking to {receipt_href}"
    paid_text = plain(paid_line.inner_text())
    assert translated("nl", "MO course") in paid_text, paid_text
    assert f"{translated('nl', 'paid')} ({NINETY_EUROS})" in paid_text, paid_text


# ---------------------------------------------------------------- 2. the waiting page


def test_waiting_page_updates_by_itself_when_the_payment_is_paid(
    new_context: Callable[..., Any], paying_portal: LivePortal, sandbox: Any
) -> None:
    base = paying_portal.base_url
    page = new_context().new_page()
    sign_in(page, base, "demo-gent-new")
    page.goto(f"{base}/my/payments")
    provider_id = post_pay(page, base, sandbox.url, MO_COURSE)
    [payment] = payments_of(paying_portal, "demo-gent-new")

    # Back on the portal without choosing on the checkout: the payment is still open.
    response = page.goto(f"{base}/my/payments/{payment.id}/return")
    assert response is not None and response.status == 200
    assert page.evaluate("() => typeof window.htmx") == "object"  # JavaScript runs
    region = page.locator("#payment-status")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("hx-trigger") == "every 3s"
    assert region.get_attribute("hx-get") == f"/my/payments/{payment.id}/status"
    assert region.locator(".notice").is_visible()
    assert region.locator(".success").count() == 0
    assert region.locator(f"a[href='/my/payments/{payment.id}/return']").count() == 1  # no-JS

    # Watch for polls and for any navigation: the page must update in place.
    polls: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.headers)
            if request.url.startswith(f"{base}/my/payments/{payment.id}/status")
            else None
        ),
    )
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("() => { window.__samePage = true; }")

    # Mollie settles the payment and the webhook is lost: the page asks by itself.
    sandbox_control(sandbox.url, provider_id, "paid", webhook=False)
    success = page.locator("#payment-status .success")
    success.wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)

    assert page.evaluate("() => window.__samePage === true"), "the page was reloaded"
    assert navigations == [], navigations
    assert page.url == f"{base}/my/payments/{payment.id}/return"
    assert polls and all(headers.get("hx-request") == "true" for headers in polls), polls
    region = page.locator("#payment-status")
    assert region.count() == 1
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("hx-trigger") is None  # the result is known: no more polling
    assert region.locator(".notice").count() == 0
    assert success.locator(f"a[href='/my/payments/{payment.id}/receipt']").count() == 1
    assert sandbox.app.webhook_calls(provider_id) == []  # it was the polling, not a webhook
    [payment] = payments_of(paying_portal, "demo-gent-new")
    assert payment.status == "paid" and payment.settled_at is not None


# ---------------------------------------------------------------- 3. nothing to pay


def test_brussels_resident_has_nothing_to_pay_and_sees_why(
    page: Any, payments_portal: LivePortal
) -> None:
    base = payments_portal.base_url
    sign_in(page, base, "demo-brussels")
    response = page.goto(f"{base}/my/payments?lang=nl")
    assert response is not None and response.status == 200
    assert html_attributes(page)["lang"] == "nl"
    main = page.locator("main")
    assert main.locator("form[action='/my/payments/pay']").count() == 0
    assert main.locator("ul.fee-list").count() == 0
    text = plain(main.inner_text())
    assert plain(translated("nl", "You have nothing to pay right now.")) in text, text
    because = plain(
        translated("nl", "%(amount)s, because you live in the Brussels-Capital Region.")
        % {"amount": i18n.format_money(0, "nl")}
    )
    reasons = [plain(t) for t in main.locator("li").all_inner_texts() if because in plain(t)]
    assert reasons, f"no line gives the reason {because!r}: {text}"


# ---------------------------------------------------------------- 4. axe-core


@pytest.fixture(scope="module")
def citizen(browser: Any, payments_portal: LivePortal) -> Iterator[Any]:
    """demo-gent-new's phone for the module (nothing paid until `paid_and_open` runs)."""
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, payments_portal.base_url, "demo-gent-new")
    yield page
    context.close()


@pytest.fixture(scope="module")
def paid_and_open(citizen: Any, payments_portal: LivePortal, sandbox: Any) -> dict[str, int]:
    """Through the phone: the MO course paid on the checkout, an NT2 module's payment started
    and left open. The payments' ids: {"paid": ..., "open": ...}."""
    page, base = citizen, payments_portal.base_url
    page.goto(f"{base}/my/payments")
    post_pay(page, base, sandbox.url, MO_COURSE)
    [paid] = payments_of(payments_portal, "demo-gent-new")
    choose_on_checkout(page, "paid", lands_on=f"{base}/my/payments/{paid.id}/return")
    page.locator("#payment-status .success").wait_for(timeout=RESULT_TIMEOUT_MS)
    page.goto(f"{base}/my/payments")
    module = page.locator("main input[name=charge][value^='nt2_module:']").first
    charge = module.get_attribute("value")
    assert charge, "demo-gent-new has no NT2 module to pay"
    post_pay(page, base, sandbox.url, charge)
    paid, started = payments_of(payments_portal, "demo-gent-new")
    assert paid.status == "paid" and paid.settled_at is not None
    assert started.status == "open" and started.charge_key == charge
    return {"paid": int(paid.id or 0), "open": int(started.id or 0)}


@pytest.fixture(scope="module")
def counsellor(browser: Any, payments_portal: LivePortal) -> Iterator[Any]:
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, payments_portal.base_url, "demo-counsellor")
    yield page
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_payments_before_paying_has_no_axe_violations(
    citizen: Any, payments_portal: LivePortal, axe_source: str, language: str
) -> None:
    assert payments_of(payments_portal, "demo-gent-new") == [], "already paying: wrong order"
    open_page(citizen, f"{payments_portal.base_url}/my/payments", language)
    assert citizen.locator("main form[action='/my/payments/pay']").count() >= 2
    assert_no_violations(citizen, axe_source, f"/my/payments?lang={language} (demo-gent-new)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_waiting_page_has_no_axe_violations(
    citizen: Any,
    payments_portal: LivePortal,
    paid_and_open: dict[str, int],
    axe_source: str,
    language: str,
) -> None:
    path = f"/my/payments/{paid_and_open['open']}/return"
    open_page(citizen, f"{payments_portal.base_url}{path}", language)
    region = citizen.locator("#payment-status")
    assert region.get_attribute("hx-trigger") == "every 3s"
    assert region.locator(".notice").is_visible()
    # htmx swaps the region every 3 s; measure a page that did not change under axe's feet.
    for _attempt in range(3):
        citizen.evaluate("() => { document.getElementById('payment-status').__axe = true; }")
        violations = run_axe(citizen, axe_source)
        if citizen.evaluate("() => document.getElementById('payment-status').__axe === true"):
            break
    else:
        pytest.fail("the waiting block was swapped during every axe run")
    assert not violations, (
        f"axe-core found {len(violations)} violation(s) on {path}?lang={language} (waiting):\n"
        + describe_violations(violations)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_success_page_has_no_axe_violations(
    citizen: Any,
    payments_portal: LivePortal,
    paid_and_open: dict[str, int],
    axe_source: str,
    language: str,
) -> None:
    path = f"/my/payments/{paid_and_open['paid']}/return"
    open_page(citizen, f"{payments_portal.base_url}{path}", language)
    assert citizen.locator("#payment-status .success").is_visible()
    assert_no_violations(citizen, axe_source, f"{path}?lang={language} (paid)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_has_no_axe_violations(
    citizen: Any,
    payments_portal: LivePortal,
    paid_and_open: dict[str, int],
    axe_source: str,
    language: str,
) -> None:
    path = f"/my/payments/{paid_and_open['paid']}/receipt"
    open_page(citizen, f"{payments_portal.base_url}{path}", language)
    assert citizen.locator("main dl.summary").is_visible()
    assert_no_violations(citizen, axe_source, f"{path}?lang={language}")


@pytest.mark.parametrize("with_errors", [False, True], ids=["page", "failed-waiver"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_counsellors_fees_page_has_no_axe_violations(
    counsellor: Any,
    payments_portal: LivePortal,
    paid_and_open: dict[str, int],
    axe_source: str,
    language: str,
    with_errors: bool,
) -> None:
    page = counsellor
    pid = person_id(payments_portal, "demo-gent-new")
    path = f"/staff/persons/{pid}/payments"
    open_page(page, f"{payments_portal.base_url}{path}", language)
    label = (
        f"{path}?lang={language} (demo-counsellor; demo-gent-new: one fee paid, one payment open)"
    )
    if with_errors:
        form = page.locator(f"main form[action='{path}/waiver']")
        charge = form.locator("select#waiver_charge option:not([value=''])").first
        form.locator("select#waiver_charge").select_option(charge.get_attribute("value"))
        form.locator("select#category").select_option("payment_difficulties")
        form.locator("textarea#reason").fill("")
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit]").click()
        assert navigation.value.status == 400
        assert html_attributes(page)["lang"] == language
        summary = page.locator("main .error-summary")
        assert summary.is_visible()
        assert summary.locator("a[href='#reason']").count() == 1
        assert page.locator("textarea#reason").get_attribute("aria-invalid") == "true"
        assert page.locator("#reason-error").is_visible()
        label += " after a waiver without a reason"
    assert_no_violations(page, axe_source, label)
