"""Participation (pillar 4) on a phone: the issue's journey (a newcomer records a volunteering
activity on the uniform form, attaches a photo of the attendance list, saves a draft, finds
everything back after reloading, checks the answers and sends; the municipality's officer
confirms fewer hours with a reason; the newcomer sees the confirmed hours on "My integration" and
on Participation), nothing typed is lost when the session expires (draft.js keeps a copy on the
phone and puts it back after signing in again), axe-core on the pages of the feature in Dutch
and in Arabic (no violation of any impact), and the form without JavaScript.

The portal's "today" is fixed at 2026-03-16 (PORTAL_NOW), the day demo-gent-new signed the
contract: logbook days must be on or after it and not in the future, so every line is on that
day. The demo data already has 8 hours claimed on that day in another activity (a day has at
most 24): the journey claims 12, the shared portal's activities 2 and 4, each with an
organisation of its own (a day may not be claimed twice for the same organisation).

Labels change while translators work, so elements are found by id, name, value, action or href;
text is read where it is data (what was typed, numbers) or through the catalog (`translated`)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import select

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.rules import rules_on
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
    submit,
    template_parts,
    translated,
)
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
NEWCOMER = "demo-gent-new"
OFFICER = "demo-gent-officer"
TODAY = NOW.date().isoformat()  # 2026-03-16: the contract's signing day and the portal's today
TARGET = rules_on(NOW.date()).participation_hours  # 40
ALREADY_WAITING = 8  # demo-gent-new's other activity, sent and not decided yet
NEW_ACTIVITY = "main form[method=post][action='/my/participation/activities']"
EDIT_URL = re.compile(r"/my/participation/activities/(\d+)/edit(\?.*)?$")
PHOTO_NAME = "aanwezigheidslijst.jpg"
WAIT_MS = 10_000  # autosave waits 2 s after the last keystroke

JOURNEY = {
    "organisation": "Dierenasiel Gent vzw",
    "contact_name": "Lotte Peeters",
    "contact_email": "lotte@example.invalid",
    "place": "Gent",
    "description": "Ik liet de honden uit en maakte de hokken schoon.",
    "hours": "12",
}


def plural(language: str, singular: str, plural_: str, count: int, **values: Any) -> str:
    """The catalog's plural form for `count`, filled in (num=count and `values`)."""
    message = i18n.translations(language).ngettext(singular, plural_, count)
    return plain(message % {"num": count, **values})


def hours(language: str, count: int) -> str:
    return plural(language, "%(num)d hour", "%(num)d hours", count)


def photo() -> bytes:
    """A small JPEG, as a phone's camera makes (smaller)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_payload(name: str = PHOTO_NAME) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": photo()}


# ---------------------------------------------------------------- the database


def activity_row(portal: LivePortal, activity_id: int) -> m.Activity:
    with session_scope(engine_of(portal)) as db:
        found = db.get(m.Activity, activity_id)
    assert found is not None, f"no activity {activity_id}"
    return found


def files_of(portal: LivePortal, activity_id: int) -> list[m.EvidenceFile]:
    with session_scope(engine_of(portal)) as db:
        return list(
            db.exec(select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)).all()
        )


# ---------------------------------------------------------------- the pages


def new_draft(page: Any, base: str) -> int:
    """On /my/participation, press "Record an activity" (the form without an offer): the new
    draft's form. Returns the activity's id."""
    assert page.url.split("?")[0] == f"{base}/my/participation", page.url
    forms = page.locator(NEW_ACTIVITY).filter(has_not=page.locator("input[name=offer]"))
    assert forms.count() == 1, f"{forms.count()} forms to record an activity on {page.url}"
    submit(page, forms.locator("button[type=submit]"))
    match = EDIT_URL.search(page.url)
    assert match, page.url
    assert page.locator("form#activity-form").count() == 1
    return int(match.group(1))


def fill_form(
    page: Any,
    *,
    organisation: str,
    contact_name: str,
    contact_email: str,
    place: str,
    description: str,
    hours: str,
    day: str = TODAY,
) -> None:
    form = page.locator("form#activity-form")
    form.locator("input[type=radio][name=kind][value=volunteering]").check()
    form.locator("#organisation").fill(organisation)
    form.locator("#contact_name").fill(contact_name)
    form.locator("#contact_email").fill(contact_email)
    form.locator("#place").fill(place)
    form.locator("input#start_on[type=date]").fill(day)
    form.locator("input#end_on[type=date]").fill(day)
    form.locator("textarea#description").fill(description)
    form.locator("input#log_on-0[type=date]").fill(day)
    form.locator("input#log_hours-0").fill(hours)


def attach(page: Any, name: str = PHOTO_NAME) -> None:
    field = page.locator("form#activity-form input#proof[type=file]")
    assert "image/jpeg" in (field.get_attribute("accept") or "")
    field.set_input_files(photo_payload(name))


def press(page: Any, action: str) -> Any:
    """Press the form's button name=action value=`action`; the response."""
    return submit(page, page.locator(f"form#activity-form button[name=action][value={action}]"))


def proof_names(page: Any) -> list[str]:
    """The names in the form's "Your proof" list."""
    links = page.locator("main ul.plain-list a[href^='/my/participation/files/']")
    return [plain(t) for t in links.all_inner_texts()]


def assert_saved(page: Any, base: str, activity_id: int, language: str) -> None:
    assert page.url == f"{base}/my/participation/activities/{activity_id}/edit?saved=1", page.url
    success = page.locator("main .success[role=status]")
    assert success.is_visible(), f"no saved message on {page.url}"
    expected = plain(translated(language, "Saved. You can come back later: your draft stays here."))
    assert plain(success.inner_text()) == expected
    assert page.locator("main .error-summary").count() == 0


def logbook_total(page: Any) -> str:
    return plain(page.locator("main table tfoot td").inner_text())


def send(page: Any, base: str, activity_id: int, language: str) -> None:
    """On the check page, "Send to my municipality": the confirmation says it is sent, and its
    main way on is "Back to my integration", before taking it back."""
    check_url = f"{base}/my/participation/activities/{activity_id}/check"
    assert page.url.split("?")[0] == check_url, page.url
    action = f"/my/participation/activities/{activity_id}/submit"
    submit(page, page.locator(f"main form[method=post][action='{action}'] button[type=submit]"))
    assert page.url == f"{base}/my/participation/activities/{activity_id}?sent=1", page.url
    panel = page.locator("main .panel")
    assert panel.is_visible()
    assert plain(panel.locator("h1").inner_text()) == plain(
        translated(language, "Your hours are sent")
    )
    status = plain(page.locator("main p strong").first.inner_text())
    assert status == plain(translated(language, "waiting for the municipality")), status
    buttons = page.locator("main a.button")
    assert buttons.first.get_attribute("href") == "/my"
    take_back = f"/my/participation/activities/{activity_id}/withdraw"
    assert buttons.last.get_attribute("href") == take_back
    assert "button-secondary" in (buttons.last.get_attribute("class") or "")


# ---------------------------------------------------------------- 1. the journey


def test_record_send_confirm_part_and_see_the_hours_counted(
    new_context: Callable[..., Any], fresh_portal: LivePortal
) -> None:
    portal, base = fresh_portal, fresh_portal.base_url
    newcomer = new_context().new_page()
    assert newcomer.viewport_size == PHONE["viewport"]
    sign_in(newcomer, base, NEWCOMER)
    open_page(newcomer, f"{base}/my/participation", "nl")
    assert html_attributes(newcomer) == {"lang": "nl", "dir": "ltr"}

    # "Record an activity": a new draft's form.
    activity_id = new_draft(newcomer, base)
    edit_url = f"{base}/my/participation/activities/{activity_id}/edit"
    assert newcomer.url == edit_url

    # Fill it in, attach a photo of the attendance list, "Save as draft".
    fill_form(newcomer, **JOURNEY)
    attach(newcomer)
    response = press(newcomer, "save")
    assert response.status == 200, response.status
    assert_saved(newcomer, base, activity_id, "nl")
    [stored] = files_of(portal, activity_id)
    assert (stored.display_name, stored.content_type) == (PHOTO_NAME, "image/jpeg")

    # Reload: what was typed and the photo are still there (from the server, not the phone).
    newcomer.reload()
    newcomer.wait_for_load_state("load")
    form = newcomer.locator("form#activity-form")
    assert form.locator("#kind-volunteering").is_checked()
    for name in ("organisation", "contact_name", "contact_email", "place", "description"):
        assert form.locator(f"#{name}").input_value() == JOURNEY[name], name
    for name in ("start_on", "end_on", "log_on-0"):
        assert form.locator(f"#{name}").input_value() == TODAY, name
    assert form.locator("#log_hours-0").input_value() == "12"
    assert form.locator("#log_on-1").input_value() == ""  # blank lines for more days
    assert newcomer.locator("#restored").is_hidden()  # nothing to put back from the phone
    files_title = newcomer.locator("main h2#files")
    assert plain(files_title.inner_text()) == plain(translated("nl", "Your proof"))
    assert proof_names(newcomer) == [PHOTO_NAME]
    row = activity_row(portal, activity_id)
    assert (row.status, row.organisation, row.hours_claimed) == (
        "draft",
        JOURNEY["organisation"],
        12,
    )

    # "Save and check my answers": the check page, with the 12 hours and the photo.
    press(newcomer, "review")
    assert newcomer.url == f"{base}/my/participation/activities/{activity_id}/check"
    assert plain(newcomer.locator("main h1").inner_text()) == plain(
        translated("nl", "Check your answers")
    )
    cells = [plain(t) for t in newcomer.locator("main table tbody td").all_inner_texts()]
    assert len(cells) == 2 and cells[1] == "12", cells  # one line: the day, 12 hours
    assert logbook_total(newcomer) == hours("nl", 12)
    values = plain(newcomer.locator("main dl.summary").inner_text())
    for typed in (JOURNEY["organisation"], JOURNEY["contact_name"], JOURNEY["description"]):
        assert typed in values, (typed, values)
    assert PHOTO_NAME in plain(newcomer.locator("main ul.plain-list").inner_text())

    # Send: the activity's page says it is sent.
    send(newcomer, base, activity_id, "nl")
    assert activity_row(portal, activity_id).status == "submitted"

    # The officer of Gent, on a phone of their own, opens it from the queue and confirms 10.
    officer = new_context().new_page()
    sign_in(officer, base, OFFICER)
    open_page(officer, f"{base}/municipality", "nl")
    href = f"a[href='/municipality/activities/{activity_id}']"
    link = officer.locator(f"main table {href}")
    assert link.count() == 1 and link.is_visible(), f"activity {activity_id} is not waiting"
    queued = plain(officer.locator("main table tr").filter(has=officer.locator(href)).inner_text())
    assert JOURNEY["organisation"] in queued and "12" in queued, queued
    with officer.expect_navigation(url=f"{base}/municipality/activities/{activity_id}"):
        link.click()
    officer.wait_for_load_state("load")
    details = plain(officer.locator("main").inner_text())
    assert JOURNEY["description"] in details and PHOTO_NAME in details
    decision = officer.locator(
        f"main form[method=post][action='/municipality/activities/{activity_id}/decision']"
    )
    assert decision.count() == 1, "no decision form"
    decision.locator("input[type=radio][name=decision][value=confirm_part]").check()
    decision.locator("input#confirmed").fill("10")
    decision.locator("textarea#reason").fill("Twee uren pauze.")
    submit(officer, decision.locator("button[type=submit]"))
    assert officer.url == f"{base}/municipality?done=confirm_part", officer.url
    saved = officer.locator("main .success[role=status]")
    assert plain(saved.inner_text()) == plain(
        translated("nl", "Your decision is saved. The person gets a message.")
    )
    assert (
        officer.locator(f"main table a[href='/municipality/activities/{activity_id}']").count() == 0
    )
    decided = officer.locator("main ul.plain-list li").filter(
        has=officer.locator(f"a[href='/municipality/activities/{activity_id}']")
    )
    assert "(10/12)" in plain(decided.inner_text())
    row = activity_row(portal, activity_id)
    assert (row.status, row.hours_confirmed, row.decision_reason) == (
        "partly_confirmed",
        10,
        "Twee uren pauze.",
    )

    # Back as the newcomer: "My integration" counts 10 of the 40 hours.
    open_page(newcomer, f"{base}/my", "nl")
    counted = plural(
        "nl",
        "%(num)d of %(total)d hours confirmed",
        "%(num)d of %(total)d hours confirmed",
        10,
        total=TARGET,
    )
    assert counted in plain(newcomer.locator("main ol.task-list").inner_text()), counted

    # Participation: 10 confirmed, the other activity's 8 waiting, 30 still needed.
    open_page(newcomer, f"{base}/my/participation", "nl")
    summary = newcomer.locator("main dl.hours-summary > div")
    assert summary.count() == 3
    confirmed, waiting, needed = (
        plain(summary.nth(i).locator("dd").inner_text()) for i in range(3)
    )
    assert confirmed == plain(
        plural(
            "nl",
            "%(confirmed)d of %(num)d hour",
            "%(confirmed)d of %(num)d hours",
            TARGET,
            confirmed=10,
        )
    ), confirmed
    assert waiting == hours("nl", ALREADY_WAITING), waiting
    assert needed == hours("nl", TARGET - 10), needed
    progress = newcomer.locator("main progress")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("10", str(TARGET))
    mine = newcomer.locator("main ul.task-list > li.task").filter(
        has=newcomer.locator(f"a[href='/my/participation/activities/{activity_id}']")
    )
    assert mine.count() == 1
    line = plain(mine.inner_text())
    assert plain(translated("nl", "partly confirmed")) in line, line
    confirmed_line = plural("nl", "%(num)d hour confirmed", "%(num)d hours confirmed", 10)
    assert confirmed_line in line, line

    # The activity's page: 10 of 12 hours, and why.
    open_page(newcomer, f"{base}/my/participation/activities/{activity_id}", "nl")
    notice = plain(newcomer.locator("main .notice").inner_text())
    assert (
        plural(
            "nl",
            "Your municipality confirmed %(confirmed)d of %(num)d hour.",
            "Your municipality confirmed %(confirmed)d of %(num)d hours.",
            12,
            confirmed=10,
        )
        in notice
    ), notice
    assert "Twee uren pauze." in notice


# ---------------------------------------------------------------- 2. the session expires


def test_nothing_typed_is_lost_when_the_session_expires(
    new_context: Callable[..., Any], live_portal: LivePortal
) -> None:
    portal, base = live_portal, live_portal.base_url
    context = new_context()
    page = context.new_page()
    sign_in(page, base, NEWCOMER)
    open_page(page, f"{base}/my/participation", "nl")
    activity_id = new_draft(page, base)
    edit_url = f"{base}/my/participation/activities/{activity_id}/edit"
    form = page.locator("form#activity-form")
    status = page.locator("#autosave-status[role=status]")

    # Typing is saved as it goes (htmx, 2 s after the last keystroke).
    first = "Ik hielp in de soepbar van de buurt."
    form.locator("#organisation").fill("Soepbar De Pollepel")
    form.locator("#description").press_sequentially(first)
    saved_at = template_parts("nl", "Saved at %(time)s.")[0]
    expect(status).to_contain_text(saved_at, timeout=WAIT_MS)
    row = activity_row(portal, activity_id)
    assert (row.organisation, row.description) == ("Soepbar De Pollepel", first)

    # The session is gone (its cookie with it); the typing goes on.
    context.clear_cookies()
    # every logbook line of the page, then the description
    day = NOW.date().isoformat()
    for i in range(3):
        form.locator(f"#log_on-{i}").fill(day)
        form.locator(f"#log_hours-{i}").fill(str(i + 1))
    more = " Daarna ruimde ik de tafels op en waste ik af."
    form.locator("#description").press_sequentially(more)
    signed_out = form.get_attribute("data-msg-signed-out") or ""
    assert signed_out == translated(
        "nl", "Not saved: sign in again. What you typed stays on this phone."
    )
    expect(status).to_have_text(signed_out, timeout=WAIT_MS)
    assert activity_row(portal, activity_id).description == first  # the server has not got it
    kept = page.evaluate("key => localStorage.getItem(key)", f"portal-draft:activity-{activity_id}")
    assert kept and (first + more) in kept.replace("\\n", "\n"), kept

    # Sign in again on the same phone and open the form: everything typed is back.
    sign_in(page, base, NEWCOMER)
    open_page(page, edit_url)
    restored = page.locator("#restored")
    expect(restored).to_be_visible()
    assert plain(restored.inner_text()) == plain(
        translated("nl", "We put back what you typed on this phone before. Check it, then save.")
    )
    assert restored.get_attribute("role") == "status"
    assert page.locator("#description").input_value() == first + more
    assert page.locator("#organisation").input_value() == "Soepbar De Pollepel"
    # the lines come back by name, however many lines the page has now
    assert [page.locator(f"#log_hours-{i}").input_value() for i in range(3)] == ["1", "2", "3"]


# ---------------------------------------------------------------- 3. axe-core

AXE_PAGES = (
    "participation",
    "form",
    "form-with-errors",
    "check",
    "activity",
    "municipality",
    "officer-activity",
)


@pytest.fixture(scope="module")
def axe_findings(
    browser: Any, live_portal: LivePortal, axe_source: str
) -> Iterator[dict[tuple[str, str], str]]:
    """One activity of demo-gent-new walked through as people do (a filled draft → its form with
    a logbook error → the check page → sent → the officer's queue and the activity), axe-core
    run on each page in each language as it passes by (the activity cannot go back, so the pages
    cannot be visited in any order). {(page, language): the violations described, or ""}."""
    base = live_portal.base_url
    newcomer_context, officer_context = phone_context(browser), phone_context(browser)
    newcomer, officer = newcomer_context.new_page(), officer_context.new_page()
    sign_in(newcomer, base, NEWCOMER)
    sign_in(officer, base, OFFICER)
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
        open_page(newcomer, f"{base}/my/participation", "nl")
        activity_id = new_draft(newcomer, base)
        edit_url = f"{base}/my/participation/activities/{activity_id}/edit"
        filled = {
            "organisation": "Buurtwerk De Brug",
            "contact_name": "Sara Janssens",
            "contact_email": "sara@example.invalid",
            "place": "Sint-Amandsberg",
            "description": "Ik hielp bij het huiswerk van kinderen.",
        }
        fill_form(newcomer, **filled, hours="2")
        attach(newcomer, "lijst.jpg")
        press(newcomer, "save")
        assert_saved(newcomer, base, activity_id, "nl")

        for language in LANGUAGES:
            open_page(newcomer, f"{base}/my/participation", language)
            assert newcomer.locator(NEW_ACTIVITY).count() >= 1
            measure(newcomer, "participation", language)
            open_page(newcomer, edit_url, language)
            assert newcomer.locator("#log_hours-0").input_value() == "2"
            assert proof_names(newcomer) == ["lijst.jpg"]
            measure(newcomer, "form", language)
            # 25 hours on a day: the error summary (linking to the hours), the line marked
            newcomer.locator("#log_hours-0").fill("25")
            response = press(newcomer, "save")
            assert response.status == 400, response.status
            summary = newcomer.locator("main .error-summary[role=alert]")
            assert summary.is_visible(), "no error summary for 25 hours"
            assert summary.locator("a[href='#log_hours-0']").count() == 1
            assert newcomer.locator("#log_hours-0").get_attribute("aria-invalid") == "true"
            measure(newcomer, "form-with-errors", language)
            newcomer.locator("#log_on-0").fill(TODAY)
            newcomer.locator("#log_hours-0").fill("2")
            press(newcomer, "save")
            assert_saved(newcomer, base, activity_id, language)

        check_url = f"{base}/my/participation/activities/{activity_id}/check"
        for language in LANGUAGES:
            open_page(newcomer, check_url, language)
            assert logbook_total(newcomer) == hours(language, 2)
            measure(newcomer, "check", language)
        open_page(newcomer, check_url, "nl")
        send(newcomer, base, activity_id, "nl")

        for language in LANGUAGES:
            open_page(
                newcomer, f"{base}/my/participation/activities/{activity_id}?sent=1", language
            )
            assert newcomer.locator("main .panel h1").is_visible()
            measure(newcomer, "activity", language)
            open_page(officer, f"{base}/municipality", language)
            assert officer.locator(f"main a[href='/municipality/activities/{activity_id}']").count()
            measure(officer, "municipality", language)
            open_page(officer, f"{base}/municipality/activities/{activity_id}", language)
            assert officer.locator("main form[action$='/decision']").count() == 1
            measure(officer, "officer-activity", language)
        yield found
    finally:
        newcomer_context.close()
        officer_context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", AXE_PAGES)
def test_participation_page_has_no_axe_violations(
    axe_findings: dict[tuple[str, str], str], name: str, language: str
) -> None:
    described = axe_findings[(name, language)]
    assert not described, described


# ---------------------------------------------------------------- 4. without JavaScript


def test_record_attach_save_and_send_without_javascript(
    new_context: Callable[..., Any], live_portal: LivePortal
) -> None:
    portal, base = live_portal, live_portal.base_url
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, base, NEWCOMER)
    open_page(page, f"{base}/my/participation", "nl")
    activity_id = new_draft(page, base)

    fill_form(
        page,
        organisation="Repair Café Gent",
        contact_name="Jan De Smet",
        contact_email="jan@example.invalid",
        place="Gent",
        description="Ik herstelde fietsen met de vrijwilligers.",
        hours="4",
    )
    attach(page, "foto.jpg")
    response = press(page, "save")
    assert response.status == 200, response.status
    assert_saved(page, base, activity_id, "nl")
    assert proof_names(page) == ["foto.jpg"]
    assert page.locator("#organisation").input_value() == "Repair Café Gent"
    assert page.locator("#log_hours-0").input_value() == "4"
    assert page.locator("#autosave-status").inner_text().strip() == ""  # no autosave ran

    press(page, "review")
    assert page.url == f"{base}/my/participation/activities/{activity_id}/check"
    assert logbook_total(page) == hours("nl", 4)
    send(page, base, activity_id, "nl")
    row = activity_row(portal, activity_id)
    assert (row.status, row.hours_claimed) == ("submitted", 4)
    assert [f.display_name for f in files_of(portal, activity_id)] == ["foto.jpg"]
    assert page.evaluate("() => typeof window.htmx") == "undefined"  # no script ran
