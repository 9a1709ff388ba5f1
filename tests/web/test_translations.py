"""Staff translate what they typed in Dutch: a municipality its offers, a counsellor the
sessions of their agency, an administrator the test centres' accessibility notes. Nobody else
reaches those pages; a refused translation changes nothing and keeps what was typed."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, csrf_token, sign_in


def first(app, model, **where):
    with session_scope(app.state.portal.engine) as db:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.exec(query.order_by(model.id)).first()


def antwerp_offer(app):
    antwerp = first(app, m.Municipality, nis_code="11002")
    return first(app, m.ActivityOffer, municipality_id=antwerp.id)


def test_a_municipality_translates_its_offer_and_residents_read_it(client, app):
    offer = antwerp_offer(app)
    assert offer.translations == {}
    sign_in(client, "demo-antwerp-officer")
    listing = client.get("/municipality/offers?lang=en")
    assert f'href="/municipality/offers/{offer.id}/translations"' in listing.text
    page = client.get(f"/municipality/offers/{offer.id}/translations?lang=en")
    check_page(page.text)
    assert offer.title in page.text  # the Dutch original is shown to translate from
    assert 'lang="ar"' in page.text and 'lang="ru"' in page.text  # inputs in their language
    saved = client.post(
        f"/municipality/offers/{offer.id}/translations",
        data={
            "csrf_token": csrf_token(page.text),
            "title.fr": "  Stage linguistique à la bibliothèque ",
            "title.ar": "تدريب لغوي في المكتبة",
            "description.fr": "",
        },
    )
    assert saved.status_code == 303
    again = client.get(saved.headers["location"] + "&lang=en")
    assert "The translations are saved." in again.text
    assert 'value="Stage linguistique à la bibliothèque"' in again.text  # kept, trimmed
    assert antwerp_offer(app).translations == {
        "fr": {"title": "Stage linguistique à la bibliothèque"},
        "ar": {"title": "تدريب لغوي في المكتبة"},
    }
    with session_scope(app.state.portal.engine) as db:
        logged = db.exec(select(m.AuditLog).where(m.AuditLog.action == "text.translate")).all()
    assert [(e.entity_id, e.details["languages"]) for e in logged][-1] == (
        str(offer.id),
        ["ar", "fr"],
    )

    sign_in(client, "demo-antwerp")
    french = client.get("/my/participation?lang=fr").text
    assert '<h3 class="task-name">Stage linguistique à la bibliothèque</h3>' in french
    turkish = client.get("/my/participation?lang=tr").text  # not translated: Dutch, marked
    assert f'<span lang="nl" dir="ltr">{offer.title}</span>' in turkish


def test_a_refused_translation_changes_nothing_and_keeps_what_was_typed(client, app):
    offer = antwerp_offer(app)
    sign_in(client, "demo-antwerp-officer")
    page = client.get(f"/municipality/offers/{offer.id}/translations?lang=en")
    refused = client.post(
        f"/municipality/offers/{offer.id}/translations",
        data={
            "csrf_token": csrf_token(page.text),
            "title.tr": "x" * 201,
            "title.uk": "Мовне стажування в бібліотеці",
        },
    )
    assert refused.status_code == 400
    check_page(refused.text)
    assert "Türkçe – Title: This is too long." in re.sub(r"<[^>]+>", "", refused.text)
    assert 'value="Мовне стажування в бібліотеці"' in refused.text  # nothing typed is lost
    assert antwerp_offer(app).translations == {}


def test_translation_pages_are_out_of_reach_for_others(client, app):
    offer = antwerp_offer(app)
    session = first(app, m.ClassroomSession)
    centre = first(app, m.TestLocation)
    sign_in(client, "demo-gent-officer")  # another municipality: not found
    assert client.get(f"/municipality/offers/{offer.id}/translations").status_code == 404
    sign_in(client, "demo-antwerp")
    for path in (
        f"/municipality/offers/{offer.id}/translations",
        f"/staff/classroom/{session.id}/translations",
        f"/admin/test-centres/{centre.id}/translations",
        "/admin/test-centres",
    ):
        assert client.get(path).status_code == 403, path
    sign_in(client, "demo-counsellor")
    assert client.get(f"/admin/test-centres/{centre.id}/translations").status_code == 403
    assert client.get("/staff/classroom/999999/translations").status_code == 404


def test_a_counsellor_translates_a_session_and_the_course_page_shows_it(client, app):
    session = first(app, m.ClassroomSession)
    sign_in(client, "demo-counsellor")
    page = client.get(f"/staff/classroom/{session.id}/translations?lang=en")
    check_page(page.text)
    assert session.translations["tr"]["title"] == "Demokrasi ve hukuk devleti"  # the demo's
    saved = client.post(
        f"/staff/classroom/{session.id}/translations",
        data={"csrf_token": csrf_token(page.text), "title.tr": "Demokrasi ve hukukun üstünlüğü"},
    )
    assert saved.status_code == 303
    # the other languages were not in the form any more: their translations are removed
    assert first(app, m.ClassroomSession, id=session.id).translations == {
        "tr": {"title": "Demokrasi ve hukukun üstünlüğü"}
    }
    sign_in(client, "demo-gent-new")
    assert "Demokrasi ve hukukun üstünlüğü" in client.get("/my/course?lang=tr").text
    english = client.get("/my/course?lang=en").text
    assert '<span lang="nl" dir="ltr">Democratie en rechtsstaat</span>' in english


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_an_administrator_translates_a_test_centres_accessibility_note(client, app, language):
    centre = first(app, m.TestLocation)
    sign_in(client, "demo-admin")
    listing = client.get(f"/admin/test-centres?lang={language}")
    check_page(listing.text)
    assert centre.name in listing.text
    page = client.get(f"/admin/test-centres/{centre.id}/translations?lang={language}")
    check_page(page.text)
    assert centre.accessibility in page.text
    assert centre.translations[language]  # the demo translated it
    assert f">{centre.translations[language]['accessibility']}</textarea>" in page.text
