"""The participation form a newcomer can follow alone (in English, ?lang=en): picking one of the
municipality's activities fills in what it knows, without JavaScript; every problem at once, each
naming its field and the day it compares with; "Change" links on the check page, to the field;
after sending, a confirmation whose main way on is not "take it back".

Every person here is factory-made in Ghent, with a contract signed 30 days before the portal's
today (16 March 2026)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import select

from portal.db import models as m
from portal.i18n import format_date
from portal.services import participation
from tests.support.web import check_page, csrf_token, sign_in
from tests.web.test_participation import form_fields, jpeg, new_draft, post_form, submit

EDIT = "/my/participation/activities/{}/edit"


def text(page: str) -> str:
    """The page's words: tags out, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def long_date(day) -> str:
    return format_date(day, "long", "en")


def error_summary(page: str) -> list[tuple[str, str]]:
    """(the id it links to, the words) of each line of the page's error summary."""
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return [
        (anchor, text(words))
        for anchor, words in re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(0), re.S)
    ]


def offer(make, person, **values: str) -> int:
    """An activity the person's municipality offers (through the service an officer uses)."""
    with make.db() as db:
        town = db.exec(select(m.Municipality).where(m.Municipality.nis_code == person.nis)).one()
        row = participation.create_offer(
            db,
            town.id,
            "test-officer",
            kind=values.get("kind", "buddy"),
            title=values.get("title", "Buddy in de wijk"),
            organisation=values.get("organisation", "Gent Samen vzw"),
            description="",
            place=values.get("place", "Sint-Amandsberg, Gent"),
            contact=values.get("contact", "Bel 09 123 45 67 of mail buddy@example.invalid"),
        )
        return int(row.id)


def activity(app, activity_id: int) -> m.Activity:
    with make_session(app) as db:
        row = db.get(m.Activity, activity_id)
        assert row is not None
        return row


def make_session(app):
    from portal.db.engine import session_scope

    return session_scope(app.state.portal.engine)


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input id="{name}" name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def checked_kind(page: str) -> str | None:
    match = re.search(r'name="kind" value="(\w+)" checked', page)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- 1. from an offer


def test_starting_from_an_offer_fills_in_what_the_offer_knows(client, app, make):
    person = make.person()
    offer_id = offer(make, person)
    sign_in(client, person.subject)
    page = client.get("/my/participation?lang=en")
    started = client.post(
        "/my/participation/activities",
        data={"csrf_token": csrf_token(page.text), "offer": str(offer_id)},
    )
    assert started.status_code == 303
    form = client.get(started.headers["location"] + "&lang=en")
    assert form.status_code == 200
    check_page(form.text)
    assert "We filled in what we know about this activity." in text(form.text)
    assert field_value(form.text, "organisation") == "Gent Samen vzw"
    assert field_value(form.text, "place") == "Sint-Amandsberg, Gent"
    assert field_value(form.text, "contact_email") == "buddy@example.invalid"
    assert checked_kind(form.text) == "buddy"
    assert f'<option value="{offer_id}" selected>' in form.text


def test_picking_an_offer_on_the_form_fills_the_rest_and_keeps_what_was_typed(client, app, make):
    """Without JavaScript: choose the activity, press "Use this activity"."""
    person = make.person()
    offer_id = offer(make, person, contact="Vraag het aan je trajectbegeleider.")
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    form = client.get(EDIT.format(activity_id) + "?lang=en")
    assert 'name="action" value="offer"' in form.text  # the button, in the form itself
    typed = {
        "offer": str(offer_id),
        "kind": "",
        "organisation": "Mijn eigen club",
        "contact_name": "Ann",
        "contact_email": "",
        "place": "",
        "description": "Ik hielp.",
        "log_on": [""],
        "log_hours": [""],
    }
    picked = post_form(client, activity_id, typed, action="offer")
    assert picked.status_code == 303
    assert picked.headers["location"].endswith("/edit?filled=1")
    row = activity(app, activity_id)
    assert row.offer_id == offer_id
    assert row.organisation == "Mijn eigen club"  # typed: kept
    assert (row.kind, row.place) == ("buddy", "Sint-Amandsberg, Gent")  # empty: filled
    assert row.contact_email == ""  # the offer has no address
    assert (row.contact_name, row.description) == ("Ann", "Ik hielp.")


def test_another_offer_replaces_what_the_first_filled_in_not_what_was_changed(client, app, make):
    person = make.person()
    first = offer(make, person)
    second = offer(
        make,
        person,
        kind="internship",
        title="Stage",
        organisation="Stad Gent",
        place="Botermarkt 1, Gent",
        contact="stage@example.invalid",
    )
    sign_in(client, person.subject)
    token = csrf_token(client.get("/my/participation").text)
    started = client.post(
        "/my/participation/activities", data={"csrf_token": token, "offer": str(first)}
    )
    activity_id = int(re.search(r"/activities/(\d+)/", started.headers["location"]).group(1))
    row = activity(app, activity_id)
    fields = {
        "offer": str(second),
        "kind": row.kind,
        "organisation": row.organisation,
        "contact_name": "",
        "contact_email": row.contact_email,
        "place": "Dampoort, Gent",  # the person changed the place
        "description": "",
        "log_on": [""],
        "log_hours": [""],
    }
    assert post_form(client, activity_id, fields, action="offer").status_code == 303
    row = activity(app, activity_id)
    assert (row.offer_id, row.kind, row.organisation) == (second, "internship", "Stad Gent")
    assert row.contact_email == "stage@example.invalid"
    assert row.place == "Dampoort, Gent"


def test_the_autosave_leaves_a_new_offer_to_the_forms_own_save(client, app, make):
    """The autosave's page would not show what an offer fills in (and would save its empty
    fields over it), so it keeps the draft's offer and says which button fills the form."""
    person = make.person()
    offer_id = offer(make, person)
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    page = client.get(EDIT.format(activity_id))
    fields = {"csrf_token": csrf_token(page.text), "offer": str(offer_id), "organisation": ""}
    saved = client.post(
        f"/my/participation/activities/{activity_id}/autosave?lang=en",
        data=fields,
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    assert 'Press "Use this activity"' in saved.text
    row = activity(app, activity_id)
    assert (row.offer_id, row.organisation) == (None, "")
    # the form's save, with the same empty organisation the page still shows, fills it in
    form = form_fields(app, organisation="", place="", kind="", offer=str(offer_id))
    assert post_form(client, activity_id, form).status_code == 303
    row = activity(app, activity_id)
    assert (row.offer_id, row.organisation, row.place) == (
        offer_id,
        "Gent Samen vzw",
        "Sint-Amandsberg, Gent",
    )


# --------------------------------------------------------------------------- 2. every error at once


def test_check_my_answers_lists_every_problem_at_once_with_its_field_and_day(client, app, make):
    person = make.person()
    today = app.state.portal.clock.today()
    start = today - timedelta(days=6)
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    fields = form_fields(
        app,
        contact_name="",
        contact_email="no-address",
        start_on=start.isoformat(),
        end_on=(start - timedelta(days=2)).isoformat(),
        log_on=[(today + timedelta(days=1)).isoformat(), start.isoformat()],
        log_hours=["3", "drie"],
    )
    response = post_form(client, activity_id, fields, action="review")
    assert response.status_code == 400
    parsed = check_page(response.text)
    assert "<title>Error: Record an activity" in response.text  # GOV.UK: the title says so
    summary = error_summary(response.text)
    assert summary == [
        ("contact_name", "Contact person: Fill in this field."),
        (
            "contact_email",
            "E-mail address of the contact person: Enter an e-mail address like "
            "name@example.be, or leave it empty.",
        ),
        ("end_on", f"End date: The end date is before the start date ({long_date(start)})."),
        (
            "log_on-0",
            f"Day 1: This date cannot be in the future. Today is {long_date(today)}.",
        ),
        ("log_hours-1", "Day 2: Write the hours as a number, for example 3."),
        ("proof", "Proof: Add a photo or a PDF as proof."),
    ]
    for anchor, _ in summary:
        assert anchor in parsed.ids, anchor  # each line links to a field of the page
    # next to the field, the same words; what was typed stays
    assert 'id="end_on-error"' in response.text
    assert f"The end date is before the start date ({long_date(start)})." in text(response.text)
    assert 'value="drie"' in response.text and 'value="no-address"' in response.text


def test_a_field_with_two_problems_shows_both(client, app, make):
    """The end date in the future and before the start date: both, not one after the other."""
    person = make.person()
    today = app.state.portal.clock.today()
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    start = today + timedelta(days=5)
    fields = form_fields(
        app,
        start_on=start.isoformat(),
        end_on=(today + timedelta(days=2)).isoformat(),
        log_on=[today.isoformat()],
    )
    saved = post_form(client, activity_id, fields, [("p.jpg", jpeg(), "image/jpeg")])
    assert saved.status_code == 303  # a draft keeps it all
    page = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert page.status_code == 400
    lines = [words for anchor, words in error_summary(page.text) if anchor == "end_on"]
    assert lines == [
        f"End date: This date cannot be in the future. Today is {long_date(today)}.",
        f"End date: The end date is before the start date ({long_date(start)}).",
    ]


def test_a_day_before_the_contract_names_the_signing_day(client, app, make):
    today = app.state.portal.clock.today()
    signed = today - timedelta(days=10)
    person = make.person(signed=signed)
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    before = (signed - timedelta(days=1)).isoformat()
    fields = form_fields(
        app, start_on=before, log_on=[today.isoformat(), before], log_hours=["2", "2"]
    )
    response = post_form(
        client, activity_id, fields, [("p.jpg", jpeg(), "image/jpeg")], action="review"
    )
    assert response.status_code == 400
    said = dict(error_summary(response.text))
    signing = long_date(signed)
    assert said["start_on"] == (
        "Start date: This date is before you signed your integration contract. "
        f"You signed on {signing}."
    )
    assert said["log_on-1"].startswith("Day 2: This date is before you signed")
    assert signing in said["log_on-1"]


def test_a_day_outside_the_period_names_both_ends(client, app, make):
    person = make.person()
    today = app.state.portal.clock.today()
    start, end = today - timedelta(days=5), today - timedelta(days=2)
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    fields = form_fields(
        app,
        start_on=start.isoformat(),
        end_on=end.isoformat(),
        log_on=[start.isoformat(), today.isoformat()],
        log_hours=["2", "2"],
    )
    response = post_form(
        client, activity_id, fields, [("p.jpg", jpeg(), "image/jpeg")], action="review"
    )
    assert response.status_code == 400
    assert error_summary(response.text) == [
        (
            "log_on-1",
            f"Day 2: This day is not between the start date ({long_date(start)}) and the end "
            f"date ({long_date(end)}).",
        )
    ]


def test_sending_with_problems_shows_them_all_too(client, app, make):
    person = make.person()
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    sent = client.post(
        f"/my/participation/activities/{activity_id}/submit?lang=en",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert sent.status_code == 400
    anchors = [anchor for anchor, _ in error_summary(sent.text)]
    assert anchors == [
        "kind",
        "organisation",
        "contact_name",
        "place",
        "start_on",
        "end_on",
        "description",
        "logbook",
        "proof",
    ]
    assert ("organisation", "Organisation: Fill in this field.") in error_summary(sent.text)


# --------------------------------------------------------------------------- 3. "Change" links


def test_check_your_answers_has_a_change_link_to_each_field(client, app, make):
    person = make.person()
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    saved = post_form(client, activity_id, form_fields(app), [("p.jpg", jpeg(), "image/jpeg")])
    assert saved.status_code == 303
    page = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert page.status_code == 200
    check_page(page.text)
    edit = EDIT.format(activity_id)
    links = re.findall(
        rf'<a href="{edit}#(\w+)">Change<span class="visually-hidden"> ([^<]+)</span></a>',
        page.text,
    )
    assert links == [
        ("kind", "the kind of activity"),
        ("organisation", "the organisation"),
        ("contact_name", "the contact person"),
        ("place", "the place"),
        ("start_on", "the period"),
        ("description", "what you did"),
        ("logbook", "the days and the hours"),
        ("proof", "the proof"),
    ]
    form = check_page(client.get(edit + "?lang=en").text)
    for anchor, _ in links:
        assert anchor in form.ids, anchor  # the edit page has each anchor
    # the municipality's view of the same activity has no "Change" links
    detail = client.get(f"/my/participation/activities/{activity_id}?lang=en")
    assert "#organisation" not in detail.text


# --------------------------------------------------------------------------- 4. after sending


def sent_page(client, app, person) -> tuple[int, str]:
    sign_in(client, person.subject)
    activity_id = new_draft(client)
    saved = post_form(client, activity_id, form_fields(app), [("p.jpg", jpeg(), "image/jpeg")])
    assert saved.status_code == 303
    sent = submit(client, activity_id)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/my/participation/activities/{activity_id}?sent=1"
    page = client.get(sent.headers["location"] + "&lang=en")
    assert page.status_code == 200
    return activity_id, page.text


def test_after_sending_a_confirmation_leads_on_and_taking_back_is_secondary(client, app, make):
    activity_id, page = sent_page(client, app, make.person())
    parsed = check_page(page)
    assert " ".join(parsed.h1[0].split()) == "Your hours are sent"
    assert re.search(r'<div class="panel">\s*<h1>', page)
    words = text(page)
    assert "12 hours – Dierenasiel Gent vzw" in words
    assert "What happens next" in words
    assert "You get a message when your municipality decides." in words
    assert "We sent an e-mail to Lotte Peeters." in words
    # the actions in order: the main one first, taking back after it and smaller
    main = page.split("<main", 1)[1]
    actions = re.findall(r'<a class="(button[^"]*)" href="([^"]+)">([^<]+)</a>', main)
    assert actions == [
        ("button", "/my", "Back to my integration"),
        (
            "button button-secondary",
            f"/my/participation/activities/{activity_id}/withdraw",
            "Take back to change",
        ),
    ]
    assert '<a href="/my/participation">Record more hours</a>' in main
    assert 'action="/my/participation/activities/' not in main  # no form takes it back at once


def test_taking_back_asks_first(client, app, make):
    activity_id, _ = sent_page(client, app, make.person())
    question = client.get(f"/my/participation/activities/{activity_id}/withdraw?lang=en")
    assert question.status_code == 200
    parsed = check_page(question.text)
    assert " ".join(parsed.h1[0].split()) == "Take the activity back?"
    assert activity(app, activity_id).status == "submitted"  # asking changes nothing
    assert (
        f'<a href="/my/participation/activities/{activity_id}">No, keep it sent</a>'
        in question.text
    )
    taken = client.post(
        f"/my/participation/activities/{activity_id}/withdraw",
        data={"csrf_token": csrf_token(question.text)},
    )
    assert taken.status_code == 303
    assert taken.headers["location"].endswith(f"/{activity_id}/edit?withdrawn=1")
    assert activity(app, activity_id).status == "draft"
    form = client.get(taken.headers["location"] + "&lang=en")
    assert "You took the activity back." in text(form.text)
    # once back as a draft, the question is not asked again: the activity's page
    again = client.get(f"/my/participation/activities/{activity_id}/withdraw")
    assert again.status_code == 303


def test_the_confirmation_is_only_for_a_sent_activity(client, app, make):
    """?sent=1 on an activity decided since is the activity's own page, not "sent"."""
    person = make.person()
    activity_id = make.sent_activity(person, hours=6)
    make.decide(activity_id)
    sign_in(client, person.subject)
    page = client.get(f"/my/participation/activities/{activity_id}?sent=1&lang=en")
    assert page.status_code == 200
    assert "Your hours are sent" not in page.text
    assert "Your municipality confirmed 6 hours." in text(page.text)
