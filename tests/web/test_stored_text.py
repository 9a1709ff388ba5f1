"""Text staff typed is Dutch: on a page in another language it is marked lang="nl" (so that a
screen reader and "Listen" read it in Dutch); on a Dutch page it needs no mark."""

from __future__ import annotations

import re

import pytest

from tests.support.web import sign_in

OFFER = re.compile(r'<h3 class="task-name">(.*?)</h3>', re.S)


@pytest.mark.parametrize("language", ["ar", "uk", "en"])
def test_activity_offers_are_marked_dutch_on_a_page_in_another_language(client, language):
    sign_in(client, "demo-gent-new")
    page = client.get(f"/my/participation?lang={language}").text
    # the person's own activities are links (typed by them, in any language); offers are not
    offers = [t for t in OFFER.findall(page) if not t.startswith("<a ")]
    assert len(offers) >= 2  # the Ghent demo offers
    assert all(t.startswith('<span lang="nl" dir="ltr">') for t in offers), offers
    dutch = client.get("/my/participation?lang=nl").text
    assert '<span lang="nl" dir="ltr">' not in dutch


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
