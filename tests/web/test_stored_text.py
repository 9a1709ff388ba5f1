"""Text staff typed is Dutch: on a page in another language it is marked lang="nl" (so that a
screen reader and "Listen" read it in Dutch); on a Dutch page it needs no mark."""

from __future__ import annotations

import re

import pytest

from tests.support.web import sign_in

OFFER = re.compile(r'<h3 class="task-name">(.*?)</h3>', re.S)


def offers_on(client, language):
    page = client.get(f"/my/participation?lang={language}").text
    # the person's own activities are links (typed by them, in any language); offers are not
    return [t for t in OFFER.findall(page) if not t.startswith("<a ")]


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("ar", "رفيق: نكتشف غنت معًا"),
        ("uk", "Бадді: відкриваймо Гент разом"),
        ("en", "Buddy: discover Ghent together"),
    ],
)
def test_offers_a_municipality_translated_are_shown_in_the_readers_language(
    client, language, title
):
    sign_in(client, "demo-gent-new")
    offers = offers_on(client, language)
    assert title in offers  # in the page's language: no language mark needed
    assert not any("lang=" in t for t in offers), offers


@pytest.mark.parametrize("language", ["ar", "uk", "en"])
def test_offers_without_a_translation_are_the_dutch_original_marked_dutch(client, language):
    sign_in(client, "demo-antwerp")  # Antwerp's demo offers are not translated
    offers = offers_on(client, language)
    assert len(offers) >= 2
    assert all(t.startswith('<span lang="nl" dir="ltr">') for t in offers), offers
    dutch = offers_on(client, "nl")
    assert dutch and not any("lang=" in t for t in dutch)


def test_a_marked_title_is_still_escaped(app):
    from portal import i18n

    template = app.state.portal.templates.from_string("{{ value|dutch }}")
    i18n.set_language("ar")
    try:
        shown = template.render(value="<script>x</script>")
    finally:
        i18n.set_language("nl")
    assert shown == '<span lang="nl" dir="ltr">&lt;script&gt;x&lt;/script&gt;</span>'


def test_each_part_of_the_programme_has_its_pictogram_beside_its_name(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my?lang=ar").text
    used = re.findall(
        r'<use href="(/static/[^"#]+)#([a-z0-9]+)"></use></svg>\s*<h3 class="task-name">([^<]+)</h3>',
        page,
    )
    assert [part for _, part, _ in used] == ["mo", "nt2", "vdab", "participation"]
    assert all(name.strip() for _, _, name in used)  # never a picture instead of words
    sprite = client.get(used[0][0]).text
    for _, part, _ in used:
        assert f'<symbol id="{part}"' in sprite
    assert 'aria-hidden="true"' in page.split("<use")[0].rsplit("<svg", 1)[1]
