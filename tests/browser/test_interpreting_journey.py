"""Proof for free social interpreting (§2J) on a phone: the issue's journey (a newcomer makes a
share code and shows its QR code; the interpreting service opens the QR's address, where a small
script fills the code in and drops it from the address bar, and gets "valid today: yes"; the
newcomer withdraws the code, the service's next check says the code does not work, and the
newcomer sees both checks), axe-core on the four pages in Dutch and in Arabic (no violation of
any impact), and checking a typed code with JavaScript switched off.

The QR code is read back from the page's SVG (its modules, drawn by segno) and compared with the
QR code of `<base_url>/interpreting#code=<CODE>`: no QR decoder is needed.

Labels change while translators work, so elements are found by id, name, action or href; text
is read where it is data (the code, the person's name, the service's name) or through the
catalog (`translated`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import segno
from sqlmodel import select

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain import share_codes
from portal.services import interpreting as svc
from portal.settings import BRUSSELS
from tests.browser.server import LivePortal
from tests.browser.support import (
    PHONE,
    describe_violations,
    engine_of,
    html_attributes,
    open_page,
    phone_context,
    plain,
    run_axe,
    sign_in,
    translated,
)
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
NEWCOMER = "demo-gent-new"
NEWCOMER_NAME = "Amina Haddad"
NEWCOMER_BIRTH = date(1994, 5, 12)
INTERPRETER = "demo-interpreter"
SERVICE = "Sociaal Tolken Vlaanderen (demo)"
CODE_FORMAT = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}")
MAKE_CODE = "main form[method=post][action='/my/interpreting/codes']"
CHECK_FORM = "main form[method=post][action='/interpreting/check']"


def submit(page: Any, button: Any) -> Any:
    """Click a submit button and wait for the page the form leads to; its response."""
    assert button.count() == 1 and button.is_visible(), f"no such button on {page.url}"
    with page.expect_navigation() as navigation:
        button.click()
    page.wait_for_load_state("load")
    return navigation.value


# ---------------------------------------------------------------- the database


def share_code_row(portal: LivePortal, code: str) -> m.ShareCode:
    with session_scope(engine_of(portal)) as db:
        row = db.exec(
            select(m.ShareCode).where(
                m.ShareCode.code_hash
                == share_codes.digest(code.replace("-", ""), portal.settings.code_key)
            )
        ).one_or_none()
    assert row is not None, f"no share code {code} in the database"
    return row


def last_valid_day(portal: LivePortal) -> date:
    with session_scope(engine_of(portal)) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == NEWCOMER)).one()
        state = svc.proof_state(db, int(person.id or 0), svc.today_in_brussels(NOW))
    assert state.valid and state.last_valid_day is not None, state
    return state.last_valid_day


def outcomes_of_checks(portal: LivePortal) -> list[str]:
    with session_scope(engine_of(portal)) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == NEWCOMER)).one()
        checks = db.exec(
            select(m.StatusCheck)
            .where(m.StatusCheck.person_id == person.id)
            .order_by(m.StatusCheck.id)  # type: ignore[arg-type]
        ).all()
    return [c.outcome for c in checks]


# ---------------------------------------------------------------- the QR code


def qr_modules(path: str) -> set[tuple[int, int]]:
    """The dark modules (column, row) of a QR code drawn by segno as one SVG path of horizontal
    strokes ("M2 2.5h7m1 0h3m-33 1h1…", in modules), counted from its top-left module."""
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, numbers in re.findall(r"([MmHh])\s*([-\d.\s]+)", path):
        values = [float(v) for v in numbers.split()]
        if command in "Mm":
            dx, dy = values[0], values[1]
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        else:
            length = values[0] if command == "h" else values[0] - x
            dark.update((int(x) + i, int(y)) for i in range(int(length)))
            x += length
    assert dark, f"no module in the QR code's path {path[:80]!r}"
    left, top = min(c for c, _ in dark), min(r for _, r in dark)
    return {(c - left, r - top) for c, r in dark}


def drawn_qr(page: Any) -> set[tuple[int, int]]:
    svg = page.locator("main figure.qr svg")
    assert svg.count() == 1 and svg.is_visible(), "no inline SVG QR code in figure.qr"
    stroke = svg.locator("path[stroke]")
    assert stroke.count() == 1, f"{stroke.count()} stroked paths in the QR code's SVG"
    return qr_modules(stroke.get_attribute("d") or "")


def assert_qr_opens(page: Any, url: str) -> None:
    """The page's QR code is the QR code of `url` (at any error correction level)."""
    drawn = drawn_qr(page)
    for level in "lmqh":
        matrix = segno.make(url, error=level).matrix
        expected = {(c, r) for r, row in enumerate(matrix) for c, on in enumerate(row) if on}
        if drawn == expected:
            return
    pytest.fail(f"the QR code on {page.url} does not encode {url}")


# ---------------------------------------------------------------- the pages


def make_code(page: Any, base: str) -> str:
    """On /my/interpreting, press "Make a new code": the code's page (201). Returns the code."""
    assert page.url.split("?")[0] == f"{base}/my/interpreting", page.url
    response = submit(page, page.locator(f"{MAKE_CODE} button[type=submit]"))
    assert response.status == 201, response.status
    assert page.url == f"{base}/my/interpreting/codes"
    shown = page.locator("main .share-code strong")
    assert shown.count() == 1 and shown.is_visible(), "the code is not shown"
    code = str(shown.inner_text()).strip()
    assert CODE_FORMAT.fullmatch(code), f"the code {code!r} is not in the format XXX-XXX-XXX"
    return code


def check_code(page: Any, base: str, typed: str | None = None) -> Any:
    """On /interpreting, type `typed` into the code field (unless None: then it was filled in
    already) and press Check; the answer's section."""
    field = page.locator(f"{CHECK_FORM} input#code[name=code]")
    assert field.count() == 1 and field.is_visible(), f"no code field on {page.url}"
    if typed is not None:
        field.fill("")
        field.press_sequentially(typed)
        assert field.input_value() == typed
    response = submit(page, page.locator(f"{CHECK_FORM} button[type=submit]"))
    assert response.status == 200, response.status
    assert page.url == f"{base}/interpreting/check"
    answer = page.locator("main section.check-answer")
    assert answer.count() == 1 and answer.is_visible(), f"no answer on {page.url}"
    return answer


def assert_valid_today(answer: Any, language: str, until: date) -> None:
    title = plain(answer.locator("h2#answer-title").inner_text())
    yes = plain(f"{translated(language, 'Valid today:')} {translated(language, 'yes')}")
    assert title == yes, (title, yes)
    values = [plain(t) for t in answer.locator("dl.summary dd").all_inner_texts()]
    assert values == [
        NEWCOMER_NAME,
        plain(i18n.format_date(NEWCOMER_BIRTH, "long", language)),
        plain(i18n.format_date(until, "long", language)),
    ], values
    paid = plain(translated(language, "Interpreting is paid for this person today."))
    assert paid in plain(answer.inner_text())


def assert_does_not_work(answer: Any, language: str) -> None:
    title = plain(answer.locator("h2#answer-title").inner_text())
    assert title == plain(translated(language, "This code does not work")), title
    said = plain(answer.inner_text())
    assert NEWCOMER_NAME not in said and "1994" not in said, said
    assert answer.locator("dl").count() == 0


# ---------------------------------------------------------------- 1. the journey


def test_make_a_code_check_it_from_the_qr_withdraw_it_and_see_the_checks(
    new_context: Callable[..., Any], fresh_portal: LivePortal
) -> None:
    portal, base = fresh_portal, fresh_portal.base_url
    newcomer = new_context().new_page()
    assert newcomer.viewport_size == PHONE["viewport"]
    sign_in(newcomer, base, NEWCOMER)
    assert newcomer.url == f"{base}/my"

    # "Proof for interpreting": the contract is valid, so a code can be made.
    open_page(newcomer, f"{base}/my/interpreting")
    assert html_attributes(newcomer) == {"lang": "nl", "dir": "ltr"}
    h1 = plain(newcomer.locator("main h1").inner_text())
    assert h1 == plain(translated("nl", "Proof for interpreting")), h1
    until = last_valid_day(portal)
    valid = plain(
        translated("nl", "Your contract is valid today. It is valid until %(date)s.")
        % {"date": i18n.format_date(until, "long", "nl")}
    )
    assert valid in plain(newcomer.locator("main").inner_text()), valid
    assert plain(translated("nl", "Nobody has checked your status yet.")) in plain(
        newcomer.locator("main").inner_text()
    )

    # "Make a new code": the code, its QR code (of the check page's address with the code in
    # the fragment), the name, valid for 30 days.
    code = make_code(newcomer, base)
    assert not set(code) & set("01OILUV"), code
    qr_url = f"{base}/interpreting#code={code}"
    assert_qr_opens(newcomer, qr_url)
    assert newcomer.locator("main figure.qr svg title").text_content() == code
    assert newcomer.locator("main figure.qr figcaption").is_visible()
    summary = [plain(t) for t in newcomer.locator("main dl.summary dd").all_inner_texts()]
    assert summary[0] == NEWCOMER_NAME, summary
    row = share_code_row(portal, code)
    # 30 days on Brussels's clocks (the summer time starts on the way: 29 days and 23 hours)
    assert portal.settings.share_code_days == 30
    made, ends = row.created_at.astimezone(BRUSSELS), row.expires_at.astimezone(BRUSSELS)
    assert made == NOW and ends == NOW + timedelta(days=30), (made, ends)
    assert summary[1] == plain(i18n.format_datetime(row.expires_at, "short", "nl")), summary
    assert row.hint == code[-3:] and row.revoked_at is None
    assert code.replace("-", "") not in row.model_dump_json()  # only its hash is kept

    # The interpreting service, signed in on a phone of its own (it lands on its check page),
    # scans the QR code: its address opens in a new tab, where the script fills the code in and
    # drops it from the address bar (and from the history entry).
    signing = new_context().new_page()
    sign_in(signing, base, INTERPRETER)
    assert signing.url == f"{base}/interpreting"
    service = signing.context.new_page()
    response = service.goto(qr_url)
    assert response is not None and response.status == 200, response and response.status
    service.wait_for_load_state("load")
    assert html_attributes(service) == {"lang": "nl", "dir": "ltr"}
    field = service.locator(f"{CHECK_FORM} input#code")
    assert field.input_value() == code, (
        f"share-code.js did not fill the code in from the fragment: {field.input_value()!r}"
    )
    assert service.url == f"{base}/interpreting", f"the fragment stayed: {service.url}"
    assert service.evaluate("() => location.hash") == ""
    assert service.evaluate("() => document.activeElement && document.activeElement.id") == "code"
    # Another QR code scanned while the page is open changes only the fragment (no reload):
    # the new code is filled in too, and dropped from the address bar.
    service.evaluate("() => { location.hash = 'code=abc-def-ghj'; }")
    service.wait_for_function("() => document.getElementById('code').value === 'ABC-DEF-GHJ'")
    assert service.evaluate("() => location.hash") == ""
    field.fill(code)
    # Without JavaScript the code stays in the fragment: the page says to type it.
    plain_phone = new_context(java_script_enabled=False).new_page()
    sign_in(plain_phone, base, INTERPRETER)
    plain_phone.goto(qr_url)
    assert plain_phone.locator(f"{CHECK_FORM} input#code").input_value() == ""
    typing = translated(
        "nl",
        "Did you open this page with a QR code? Type the code that the person's phone shows in "
        "the field below.",
    )
    assert not typing.startswith("Did you")  # in Dutch
    assert plain(typing) in plain(plain_phone.locator("main").inner_text())
    assert plain(service.locator("main").inner_text()).count(SERVICE) == 1  # the service's name

    # Check: "Valid today: yes", with the name, the date of birth and the contract's end.
    answer = check_code(service, base)
    assert_valid_today(answer, "nl", until)
    assert service.locator(f"{CHECK_FORM} input#code").input_value() == ""  # not kept
    assert code not in service.url
    assert outcomes_of_checks(portal) == ["valid"]

    # The newcomer withdraws the code on "Proof for interpreting".
    open_page(newcomer, f"{base}/my/interpreting")
    assert code not in plain(newcomer.locator("main").inner_text())  # shown once only
    revoke = f"form[method=post][action='/my/interpreting/codes/{row.id}/revoke']"
    item = newcomer.locator("main li.task").filter(has=newcomer.locator(revoke))
    assert item.count() == 1, f"no withdraw form for code {row.id} on {newcomer.url}"
    ending = plain(translated("nl", "Code ending in %(end)s") % {"end": code[-3:]})
    assert plain(item.locator(".task-name").inner_text()) == ending
    submit(newcomer, item.locator(f"{revoke} button[type=submit]"))
    assert newcomer.url == f"{base}/my/interpreting?revoked=1"
    withdrawn = plain(translated("nl", "The code is withdrawn. Nobody can use it any more."))
    assert withdrawn in plain(newcomer.locator("main .success[role=status]").inner_text())
    assert newcomer.locator("main form[action$='/revoke']").count() == 0
    assert share_code_row(portal, code).revoked_at is not None

    # The service checks the same code again, typed this time: it does not work any more.
    open_page(service, f"{base}/interpreting")
    assert service.locator(f"{CHECK_FORM} input#code").input_value() == ""
    answer = check_code(service, base, typed=code)
    assert_does_not_work(answer, "nl")
    assert outcomes_of_checks(portal) == ["valid", "wrong"]

    # The newcomer sees both checks, by the service, newest first.
    open_page(newcomer, f"{base}/my/interpreting")
    table = newcomer.locator("main table")
    assert table.count() == 1 and table.is_visible(), "the checks are not listed"
    rows = table.locator("tbody tr")
    assert rows.count() == 2, f"{rows.count()} checks listed"
    cells = [[plain(t) for t in rows.nth(i).locator("td").all_inner_texts()] for i in range(2)]
    assert [c[1] for c in cells] == [SERVICE, SERVICE], cells
    assert [c[2] for c in cells] == [
        plain(translated("nl", "an old or withdrawn code was used")),
        plain(translated("nl", "valid")),
    ], cells
    assert table.get_by_text(SERVICE).first.is_visible()


# ---------------------------------------------------------------- 2. axe-core

AXE_PAGES = ("proof", "code", "check", "answer", "proof-with-checks")


@pytest.fixture(scope="module")
def axe_findings(
    browser: Any, live_portal: LivePortal, axe_source: str
) -> Iterator[dict[tuple[str, str], str]]:
    """Per language, the pages walked through as people do (the newcomer's page → a new code →
    the service's check page → its answer → the newcomer's page with the code and the check),
    axe-core run on each as it passes by. {(page, language): the violations described, or ""
    when there are none}."""
    base = live_portal.base_url
    newcomer_context, service_context = phone_context(browser), phone_context(browser)
    newcomer, service = newcomer_context.new_page(), service_context.new_page()
    sign_in(newcomer, base, NEWCOMER)
    sign_in(service, base, INTERPRETER)
    found: dict[tuple[str, str], str] = {}

    def measure(page: Any, name: str, language: str) -> None:
        direction = "rtl" if language == "ar" else "ltr"
        assert html_attributes(page) == {"lang": language, "dir": direction}, (name, page.url)
        violations = run_axe(page, axe_source)
        found[(name, language)] = (
            f"axe-core found {len(violations)} violation(s) on {page.url} ({name},"
            f" lang={language}):\n" + describe_violations(violations)
            if violations
            else ""
        )

    try:
        for language in LANGUAGES:
            open_page(newcomer, f"{base}/my/interpreting", language)
            assert newcomer.locator(MAKE_CODE).count() == 1
            measure(newcomer, "proof", language)
            code = make_code(newcomer, base)  # the page stays in `language` (the session's)
            assert newcomer.locator("main figure.qr svg").is_visible()
            measure(newcomer, "code", language)
            open_page(service, f"{base}/interpreting", language)
            assert service.locator(f"{CHECK_FORM} input#code").is_visible()
            measure(service, "check", language)
            answer = check_code(service, base, typed=code)
            assert_valid_today(answer, language, last_valid_day(live_portal))
            measure(service, "answer", language)
            open_page(newcomer, f"{base}/my/interpreting", language)
            assert newcomer.locator("main form[action$='/revoke']").count() >= 1
            assert newcomer.locator("main table tbody tr").count() >= 1
            measure(newcomer, "proof-with-checks", language)
        yield found
    finally:
        newcomer_context.close()
        service_context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", AXE_PAGES)
def test_interpreting_page_has_no_axe_violations(
    axe_findings: dict[tuple[str, str], str], name: str, language: str
) -> None:
    described = axe_findings[(name, language)]
    assert not described, described


# ---------------------------------------------------------------- 3. without JavaScript


def test_the_service_checks_a_typed_code_without_javascript(
    new_context: Callable[..., Any], live_portal: LivePortal
) -> None:
    """Typing always works: no script fills the code in from the QR's address, the service
    types it (in lower case, with spaces for the dashes, as people do) and gets the answer."""
    base = live_portal.base_url
    newcomer = new_context(java_script_enabled=False).new_page()
    sign_in(newcomer, base, NEWCOMER)
    open_page(newcomer, f"{base}/my/interpreting", "nl")
    code = make_code(newcomer, base)
    assert newcomer.locator("main figure.qr svg").is_visible()  # inline SVG: no script needed

    signing = new_context(java_script_enabled=False).new_page()
    sign_in(signing, base, INTERPRETER)
    assert signing.url == f"{base}/interpreting"
    open_page(signing, f"{base}/interpreting", "nl")  # other tests left it in Arabic
    service = signing.context.new_page()  # the QR code's address, opened in a new tab
    response = service.goto(f"{base}/interpreting#code={code}")
    assert response is not None and response.status == 200
    field = service.locator(f"{CHECK_FORM} input#code")
    assert field.input_value() == "", "the code was filled in although JavaScript is off"
    assert service.url == f"{base}/interpreting#code={code}"  # no script dropped the fragment

    answer = check_code(service, base, typed=code.lower().replace("-", " "))
    assert_valid_today(answer, "nl", last_valid_day(live_portal))
    assert service.evaluate("() => typeof window.htmx") == "undefined"  # no script ran
