"""The pages every public service has (issue 15): help, contact, privacy, accessibility and
cookies in every language, the footer that links them, the favicon and the way back from an
error page."""

from __future__ import annotations

import re

import pytest

from portal.i18n import format_money
from portal.web.info import RETENTION_YEARS
from tests.support.web import check_page, sign_in

FOOTER_LINKS = ("/help", "/contact", "/privacy", "/accessibility", "/cookies")

# each page's h1 in every shipped language
TITLES = {
    "/help": {"en": "Help", "nl": "Hulp", "fr": "Aide", "ar": "مساعدة"},
    "/contact": {
        "en": "How to reach us",
        "nl": "Zo kun je ons bereiken",
        "fr": "Comment nous joindre",
        "ar": "كيف تتواصل معنا",
    },
    "/privacy": {
        "en": "Privacy statement",
        "nl": "Privacyverklaring",
        "fr": "Déclaration de confidentialité",
        "ar": "بيان الخصوصية",
    },
    "/accessibility": {
        "en": "Accessibility statement",
        "nl": "Toegankelijkheidsverklaring",
        "fr": "Déclaration d’accessibilité",
        "ar": "بيان إمكانية الوصول",
    },
    "/cookies": {
        "en": "Cookies on this portal",
        "nl": "Cookies op dit portaal",
        "fr": "Les cookies de ce portail",
        "ar": "ملفات تعريف الارتباط في هذه البوابة",
    },
}


def footer(html: str) -> str:
    match = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)
    assert match, "no footer"
    return match.group(1)


@pytest.mark.parametrize("language", ["nl", "en", "fr", "ar"])
@pytest.mark.parametrize("path", list(TITLES))
def test_each_page_speaks_each_language(client, path, language):
    response = client.get(f"{path}?lang={language}")
    assert response.status_code == 200
    page = check_page(response.text)
    assert " ".join(page.h1[0].split()) == TITLES[path][language]
    assert page.html_attrs["lang"] == language
    assert page.html_attrs["dir"] == ("rtl" if language == "ar" else "ltr")


def test_footer_links_on_the_start_page_and_a_signed_in_page(client):
    for html in (client.get("/").text,):
        links = footer(html)
        assert "<nav" in links and "aria-label=" in links
        for href in FOOTER_LINKS:
            assert f'href="{href}"' in links
    sign_in(client, "demo-gent-new")
    links = footer(client.get("/my").text)
    for href in FOOTER_LINKS:
        assert f'href="{href}"' in links


def test_the_current_page_is_marked_in_the_footer(client):
    links = footer(client.get("/privacy").text)
    assert '<a href="/privacy" aria-current="page">' in links


def test_help_has_a_section_for_each_topic(client):
    html = client.get("/help?lang=en").text
    for section in ("mo", "nt2", "vdab", "participation", "payments", "tests", "interpreting"):
        assert f'id="{section}"' in html
        assert f'href="#{section}"' in html  # the table of contents
    assert html.count("<details>") >= 20


@pytest.mark.parametrize("language", ["nl", "en", "fr", "ar"])
def test_help_formats_fees_through_babel_in_the_readers_language(client, language):
    html = client.get(f"/help?lang={language}").text
    for cents in (150, 9000, 18000):
        assert format_money(cents, language) in html


def test_contact_lists_the_active_offices_in_dutch(client):
    html = client.get("/contact?lang=en").text
    for name, phone in (
        ("Kantoor Antwerpen", "03 338 70 11"),
        ("Kantoor Brussel", "02 205 00 55"),
        ("Kantoor Gent", "09 265 78 40"),
    ):
        assert f'<h3 lang="nl" dir="ltr">{name}</h3>' in html
        assert phone in html
    # sorted by name
    assert html.index("Kantoor Antwerpen") < html.index("Kantoor Brussel") < html.index("Gent")
    assert '<dd lang="nl" dir="ltr">Maandag tot vrijdag 9.00–16.00 uur</dd>' in html
    assert 'href="tel:+3292657840"' in html
    assert "https://www.openstreetmap.org/search?query=Kongostraat%2042%2C%209000%20Gent" in html
    assert "112" in html


def test_contact_leaves_out_an_inactive_office(client, app):
    from sqlmodel import select

    from portal.db import models as m
    from portal.db.engine import session_scope

    with session_scope(app.state.portal.engine) as db:
        office = db.exec(select(m.Office).where(m.Office.name == "Kantoor Gent")).one()
        office.active = False
        db.add(office)
    html = client.get("/contact").text
    assert "Kantoor Gent" not in html
    assert "Kantoor Antwerpen" in html


def test_privacy_states_the_retention_periods_from_one_place(client):
    html = client.get("/privacy?lang=en").text
    assert f"{RETENTION_YEARS['file']} years after your integration programme ends" in html
    assert f"{RETENTION_YEARS['proof']} years after the decision on it" in html
    assert "at most 12 hours" in html
    assert 'href="/my/profile"' in html
    assert '<span lang="nl" dir="ltr">Vlaamse Toezichtcommissie' in html


def test_accessibility_statement_dates_through_babel(client):
    assert "4 December 2026" in client.get("/accessibility?lang=en").text
    assert "4 december 2026" in client.get("/accessibility?lang=nl").text
    assert "4 décembre 2026" in client.get("/accessibility?lang=fr").text
    html = client.get("/accessibility?lang=en").text
    assert "mailto:toegankelijkheid@inburgering.example" in html
    assert "partially complies" in html


def test_cookies_names_the_real_cookies(client, app):
    html = client.get("/cookies?lang=en").text
    assert f"<code>{app.state.portal.settings.session_cookie_name}</code>" in html
    assert "<code>lang</code>" in html
    assert "365 days" in html


def test_a_missing_page_offers_the_way_back(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    html = response.text
    check_page(html)
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    for href in ("/", "/help", "/contact"):
        assert f'href="{href}"' in main
    assert 'href="/home"' not in main


def test_a_missing_page_offers_a_signed_in_user_their_home(client):
    sign_in(client, "demo-gent-new")
    html = client.get("/my/no-such-page").text
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert 'href="/home"' in main


def test_favicon(client):
    html = client.get("/").text
    assert re.search(r'<link rel="icon" href="/static/[0-9a-f]+/favicon.svg"', html)
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.content


def test_the_500_page_offers_the_way_back_too(app):
    from starlette.requests import Request

    from portal.i18n import current_language, set_language
    from portal.web.pages import render

    before = current_language()
    set_language("en")
    request = Request(
        {
            "type": "http",
            "app": app,
            "method": "GET",
            "path": "/x",
            "query_string": b"",
            "headers": [],
        }
    )
    try:
        response = render(request, "errors/error.html", {"kind": "500"}, status=500)
    finally:
        set_language(before)
    html = response.body.decode()
    check_page(html)
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    for href in ("/", "/help", "/contact"):
        assert f'href="{href}"' in main


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_the_help_page_stays_light_for_cheap_phones(client, language):
    import gzip

    response = client.get(f"/help?lang={language}")
    assert len(gzip.compress(response.content, 6)) < 20 * 1024
