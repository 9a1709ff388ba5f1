"""The error summary names each field ("Organisatie: vul dit veld in"): six problems are six
different links, each saying which field it is about, in the reader's language."""

from __future__ import annotations

import html
import re

import pytest

from tests.support.web import csrf_token, sign_in

LINK = re.compile(r'<li><a href="#([a-z0-9_-]+)">(.*?)</a></li>', re.S)


def summary_lines(page: str) -> list[tuple[str, str]]:
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    return [(field, html.unescape(text).strip()) for field, text in LINK.findall(summary)]


def label_of(page: str, field: str) -> str:
    """The visible label of `field` (its <label for>, or the legend of its fieldset)."""
    found = re.search(
        rf'<label for="{field}">(.*?)(?:<span class="optional">|</label>)', page, re.S
    )
    if not found:
        found = re.search(rf'<fieldset id="{field}"[^>]*>\s*<legend>(.*?)</legend>', page, re.S)
    assert found, f"no label for {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def assert_named(page: str, at_least: int) -> None:
    lines = summary_lines(page)
    assert len(lines) >= at_least, lines
    texts = [text for _, text in lines]
    assert len(set(texts)) == len(texts), f"identical lines: {texts}"
    for field, text in lines:
        label = label_of(page, field).rstrip(":")
        # "Label: message" (French puts a no-break space before the colon)
        assert re.match(rf"{re.escape(label)}\u00a0?: \S", text), (field, text)


@pytest.mark.parametrize("language", ["nl", "ar", "uk"])
def test_an_empty_intake_names_every_field_it_needs(client, language):
    sign_in(client, "demo-counsellor")
    page = client.get(f"/staff/persons/new?lang={language}")
    refused = client.post("/staff/persons/new", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 400
    assert_named(refused.text, at_least=4)


def test_an_empty_role_grant_names_its_fields(client):
    sign_in(client, "demo-admin")
    page = client.get("/admin/access?lang=fr")
    refused = client.post("/admin/access", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 400
    assert_named(refused.text, at_least=2)
    assert summary_lines(refused.text)[0][1].startswith("Identifiant de connexion")


def test_a_wrong_contact_detail_names_the_field(client):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/profile?lang=nl")
    refused = client.post(
        "/my/profile",
        data={"csrf_token": csrf_token(page.text), "email": "amina@", "phone": "12 34"},
    )
    assert refused.status_code == 400
    assert_named(refused.text, at_least=2)
