"""Reminders as a person meets them on a phone: the clock moved to a week before the VDAB
deadline, the round sends the reminder once, and the person reads it in the inbox — in Dutch
and in Arabic — with the sanction notice an obliged person gets for VDAB (the agency *may*
report it; ABB decides)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.dates import add_months
from portal.services import reminders
from portal.settings import BRUSSELS
from tests.browser.support import assert_no_violations, phone_context, plain, sign_in, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_the_vdab_reminder_a_week_before(
    browser: Any, fresh_portal: Any, axe_source: str, language: str
) -> None:
    portal = fresh_portal.app.state.portal
    with session_scope(portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).one()
        signed = contract.signed_on
    assert signed is not None
    week_before = add_months(signed, 2) - timedelta(days=7)
    moment = datetime.combine(week_before, time(8, 0), BRUSSELS)
    portal.clock.set(moment)
    assert reminders.send_round(portal.engine, moment) >= 1
    assert reminders.send_round(portal.engine, moment) == 0  # once

    page = phone_context(browser).new_page()
    sign_in(page, fresh_portal.base_url, "demo-gent-new")
    page.goto(f"{fresh_portal.base_url}/my/inbox?lang={language}")
    subject = plain(translated(language, "A deadline is coming"))
    item = page.locator("main ul.message-list li.unread a").filter(has_text=subject)
    assert item.count() == 1, page.locator("main").inner_text()
    with page.expect_navigation():
        item.click()
    body = plain(page.locator("main").inner_text())
    assert plain(translated(language, "Registration with VDAB")) in body
    assert "ABB" in body  # an obliged person, a VDAB deadline: the sanction notice
    assert_no_violations(page, axe_source, f"{page.url} ({language})")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
