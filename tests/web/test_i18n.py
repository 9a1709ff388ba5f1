"""Language negotiation: explicit choice → saved preference → Accept-Language → Dutch."""

from __future__ import annotations

import re

import pytest

from tests.support.web import sign_in


def lang_of(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([a-z]+)" dir="(ltr|rtl)">', html)
    assert match
    return match.group(1), match.group(2)


def test_default_is_dutch(client):
    assert lang_of(client.get("/").text) == ("nl", "ltr")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        ("ar", "ar"),
        ("de-DE,en;q=0.5", "en"),
        ("pl,de", "nl"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("*", "nl"),
        ("garbage;;q=abc,,", "nl"),
    ],
)
def test_accept_language_decides_without_a_choice(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert lang_of(response.text)[0] == expected


def test_arabic_renders_right_to_left(client):
    assert lang_of(client.get("/?lang=ar").text) == ("ar", "rtl")


def test_explicit_choice_is_remembered_in_a_cookie(client):
    response = client.get("/?lang=fr", headers={"Accept-Language": "en"})
    assert "lang=fr" in response.headers["set-cookie"]
    again = client.get("/", headers={"Accept-Language": "en"})
    assert lang_of(again.text)[0] == "fr"


@pytest.mark.parametrize("code", ["xx", "../../etc", "NL'><script>", ""])
def test_unknown_language_code_falls_back(client, code):
    response = client.get("/", params={"lang": code})
    assert response.status_code == 200
    assert lang_of(response.text)[0] == "nl"
    assert "<script>" not in response.text.split("</head>")[1].split("<main")[0]


def test_choice_is_saved_on_the_profile_once_signed_in(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-gent-new")
    client.get("/my?lang=ar")
    # a new device, no cookie, another Accept-Language: the profile decides after sign-in
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-gent-new")
        page = phone.get("/my", headers={"Accept-Language": "en"})
    assert lang_of(page.text) == ("ar", "rtl")


def test_person_language_from_the_record_applies_at_first_sign_in(client):
    sign_in(client, "demo-brussels")  # their recorded language is French
    assert lang_of(client.get("/my").text)[0] == "fr"


def test_language_links_are_on_every_page_and_keep_the_page(client):
    sign_in(client, "demo-gent-new")
    html = client.get("/my/plan").text
    for code in ("nl", "en", "fr", "ar"):
        assert f'href="/my/plan?lang={code}"' in html


def test_dates_and_relative_days_follow_the_language(client):
    sign_in(client, "demo-gent-new")
    nl = client.get("/my?lang=nl").text
    fr = client.get("/my?lang=fr").text
    assert "16 mei 2026" in nl
    assert "16 mai 2026" in fr
