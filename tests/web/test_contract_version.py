"""Contract texts are versioned: a contract drawn up now gets the current version (2022.2: every
fee named, "lestijd", the agency *may* report and ABB decides); a contract signed earlier keeps
the exact text it was signed in."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services.contract_texts import CURRENT_VERSION, language_texts
from tests.support.web import sign_in
from tests.web.test_contract_preview import draw_up
from tests.web.test_pages import text_of


def test_the_current_texts_name_every_fee_and_say_the_agency_may_report():
    assert CURRENT_VERSION == "2022.2"
    nl = {a["title"]: a["text"] for a in language_texts("2022.2", "nl")["contract_articles"]}
    fees, sanctions = nl["Wat kost het traject?"], nl["Als je je niet aan de afspraken houdt"]
    assert "per lestijd" in fees and "lesuur" not in fees
    for named in (
        "vrijstellingstoets",
        "universitair talencentrum (UTC) betaal je 180 euro",
        "nieuwe test NT2",
        "mondelinge test B1",
    ):
        assert named in fees, named
    assert "kan het agentschap de feiten melden" in sanctions and "beslist" in sanctions
    en = language_texts("2022.2", "en")["contract_articles"]
    assert any("may report" in a["text"] for a in en)
    old = language_texts("2022.1", "nl")["contract_articles"]
    assert any("lesuur" in a["text"] for a in old)  # the signed history stays as it was


def test_a_contract_drawn_up_now_shows_the_current_text(client, app, make):
    person = make.person(contract=False)
    draw_up(app, person, date(2027, 3, 16), date(2027, 9, 16))
    with session_scope(app.state.portal.engine) as db:
        contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).one()
        assert contract.text_version == CURRENT_VERSION
    sign_in(client, person.subject)
    text = text_of(client.get("/my/contract?lang=en").text)
    assert "the agency may report the facts" in text
    assert "a new NT2 test after a failed test costs 90 euro" in text


def test_a_contract_signed_in_2022_1_keeps_its_text(client, app, make):
    person = make.person()  # signed on paper
    with session_scope(app.state.portal.engine) as db:
        contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).one()
        contract.text_version = "2022.1"
        db.add(contract)
    sign_in(client, person.subject)
    text = text_of(client.get("/my/contract?lang=en").text)
    assert "the agency reports the facts" in text and "may report" not in text


def test_the_current_text_is_in_every_shipped_language_with_the_dutch_structure():
    """A newcomer signs what they can read: the current version is in every language the
    portal speaks (no fallback to Dutch), article for article, with the amounts unchanged."""
    import re

    from portal.services.contract_texts import text_language, texts_for_version
    from portal.settings import SHIPPED_LANGUAGES

    nl = language_texts(CURRENT_VERSION, "nl")
    amounts = sorted(re.findall(r"\d\d+", " ".join(a["text"] for a in nl["contract_articles"])))
    for language in SHIPPED_LANGUAGES:
        assert text_language(CURRENT_VERSION, language) == language
        text = texts_for_version(CURRENT_VERSION)["languages"][language]
        assert set(text) == set(nl), language
        assert len(text["contract_articles"]) == len(nl["contract_articles"]), language
        assert [v["key"] for v in text["values"]] == [v["key"] for v in nl["values"]], language
        found = " ".join(a["text"] for a in text["contract_articles"])
        assert sorted(re.findall(r"\d\d+", found)) == amounts, language
        if language != "nl":
            assert text["contract_title"] != nl["contract_title"], language
