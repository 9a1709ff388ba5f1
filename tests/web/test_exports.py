"""The CSV exports staff download speak the language of the person who downloads them (issue
#18): translated headers, coded values as the labels the pages show, dates as ISO days that
every spreadsheet reads, a UTF-8 byte order mark for Excel, and still no formula from free text.

The expected words come from the portal's own catalogs (`translated`, `in_language`), so the
tests hold before and after the new headers are translated; the last test waits for the Dutch
translation of the new headers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
from portal.i18n import ngettext
from portal.labels import (
    activity_kind_name,
    pillar_name,
    review_decision_name,
    sanction_kind_name,
    told_name,
)
from tests.support.exports import csv_table, in_language, translated
from tests.support.web import csrf_token, sign_in

# The columns of each export, as English msgids, in their order.
SANCTION_HEADERS = [
    "National register number",
    "Last name",
    "First name",
    "Fact",
    "Part of the programme",
    "Deadline",
    "Decision",
    "Reason",
    "Reviewed by",
    "Reviewed on",
    "Happened on",
    "Days after the term",
    "Reason recorded",
    "Classroom sessions present (MO)",
    "Classroom sessions recorded (MO)",
    "What the portal told the person",
]
HOURS_HEADERS = [
    "Last name",
    "First name",
    "Date of birth",
    "Kind of activity",
    "Organisation",
    "First day",
    "Last day",
    "Hours claimed",
    "Hours confirmed",
    "Decided on",
    "Decided by",
]
LANGUAGES = ("fr", "ar", "nl")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def cells_of(table: list[list[str]], language: str, headers: list[str]) -> dict[str, str]:
    """The one row of the export keyed by English msgid, after checking the header row is the
    catalog's translation of each msgid in `language`."""
    header, *rows = table
    assert header == [translated(language, msgid) for msgid in headers]
    assert len(rows) == 1, rows
    return dict(zip(headers, rows[0], strict=True))


def review_a_passed_deadline(client, app, make) -> None:
    """A counsellor reviews a passed VDAB deadline (not reported, with a reason that looks like
    a formula); the portal had reminded the person 7 days before it."""
    agency = make.agency()
    person = make.person(agency=agency, signed=make.vdab_deadline_in(5))
    with session_scope(app.state.portal.engine) as db:
        message = m.Message(person_id=person.id, kind="deadline_reminder_obliged", params={})
        db.add(message)
        db.flush()
        db.add(
            m.ReminderSent(
                person_id=person.id,
                key="deadline:vdab:2026-01-01:7",
                message_id=message.id,
                sent_at=datetime.combine(make.today, datetime.min.time()).astimezone(),
            )
        )
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=10))  # the VDAB deadline has passed
    sign_in(client, make.counsellor(agency))
    page = client.get("/staff/sanctions")
    match = re.search(
        rf'name="person_id" value="{person.id}">\s*<input type="hidden" name="kind" '
        r'value="deadline_passed">\s*<input type="hidden" name="pillar" value="vdab">\s*'
        r'<input type="hidden" name="deadline" value="([0-9-]+)">',
        page.text,
    )
    assert match
    done = client.post(
        "/staff/sanctions/review",
        data={
            "csrf_token": csrf_token(page.text),
            "person_id": person.id,
            "kind": "deadline_passed",
            "pillar": "vdab",
            "deadline": match[1],
            "decision": "not_report",
            "reason": '=HYPERLINK("http://evil") was ill',
        },
    )
    assert done.status_code == 303


def test_the_sanction_export_speaks_the_language_of_who_downloads_it(client, app, make):
    review_a_passed_deadline(client, app, make)
    for language in LANGUAGES:
        table = csv_table(client.get(f"/staff/sanctions.csv?lang={language}"))
        cells = cells_of(table, language, SANCTION_HEADERS)
        # a header already in the catalogs is in the reader's language, not English
        assert table[0][SANCTION_HEADERS.index("Decision")] != "Decision"
        # coded values: the labels the list of sanction facts shows, in that language
        decision = in_language(language, review_decision_name, "not_report")
        assert cells["Decision"] == decision
        assert decision not in {"not_report", "not reported"}  # a label, and translated
        fact = in_language(language, sanction_kind_name, "deadline_passed")
        assert cells["Fact"] == fact and fact != "Deadline passed without the part met"
        assert cells["Part of the programme"] == in_language(language, pillar_name, "vdab")
        told = cells["What the portal told the person"]
        assert in_language(language, told_name, "deadline_reminder_obliged") in told
        assert (
            in_language(
                language,
                ngettext,
                "%(num)d day before the deadline",
                "%(num)d days before the deadline",
                7,
            )
            in told
        )
        assert "deadline_reminder" not in told
        # dates and numbers stay machine-readable in every language
        assert ISO_DAY.fullmatch(cells["Deadline"])
        assert ISO_MOMENT.fullmatch(cells["Reviewed on"])
        assert ISO_MOMENT.match(told)
        assert cells["Days after the term"].isdigit()
        # free text: no formula (CSV injection)
        assert cells["Reason"] == '\'=HYPERLINK("http://evil") was ill'


def test_the_hours_export_speaks_the_language_of_who_downloads_it(client, make):
    town = make.municipality()
    person = make.person(municipality=town, birth=datetime(1988, 3, 9).date())
    activity_id = make.sent_activity(person, hours=6, organisation="=1+2 Buurthuis")
    sign_in(client, make.officer(town))
    page = client.get(f"/municipality/activities/{activity_id}")
    decided = client.post(
        f"/municipality/activities/{activity_id}/decision",
        data={"csrf_token": csrf_token(page.text), "decision": "confirm_all"},
    )
    assert decided.status_code == 303
    for language in LANGUAGES:
        table = csv_table(client.get(f"/municipality/export.csv?lang={language}"))
        cells = cells_of(table, language, HOURS_HEADERS)
        assert table[0][HOURS_HEADERS.index("Kind of activity")] != "Kind of activity"
        kind = in_language(language, activity_kind_name, "volunteering")
        assert cells["Kind of activity"] == kind and kind not in {"volunteering", ""}
        assert cells["Date of birth"] == "1988-03-09"
        assert ISO_DAY.fullmatch(cells["First day"]) and cells["First day"] == cells["Last day"]
        assert ISO_DAY.fullmatch(cells["Decided on"])
        assert (cells["Hours claimed"], cells["Hours confirmed"]) == ("6", "6")
        assert cells["Organisation"] == "'=1+2 Buurthuis"  # no formula (CSV injection)


def test_arabic_survives_the_trip_to_a_spreadsheet(client, make):
    """The Arabic label is in the file as UTF-8 after the byte order mark, so Excel on Windows
    shows it (without the mark it reads the bytes in the ANSI code page)."""
    town = make.municipality()
    activity_id = make.sent_activity(make.person(municipality=town))
    sign_in(client, make.officer(town))
    page = client.get(f"/municipality/activities/{activity_id}")
    client.post(
        f"/municipality/activities/{activity_id}/decision",
        data={"csrf_token": csrf_token(page.text), "decision": "confirm_all"},
    )
    response = client.get("/municipality/export.csv?lang=ar")
    label = in_language("ar", activity_kind_name, "volunteering")
    assert re.search("[\u0600-\u06ff]", label)  # the catalog has it in Arabic script
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert label.encode("utf-8") in response.content


@pytest.mark.parametrize(
    ("path", "headers", "staff"),
    [
        ("/staff/sanctions.csv", SANCTION_HEADERS, "counsellor"),
        ("/municipality/export.csv", HOURS_HEADERS, "officer"),
    ],
)
def test_every_header_is_translated_into_dutch(client, make, path, headers, staff):
    """Waits for the Dutch translation of the new headers (the lead translates them)."""
    sign_in(client, getattr(make, staff)())
    header, *_rows = csv_table(client.get(path + "?lang=nl"))
    assert len(header) == len(headers)
    english = [msgid for msgid, shown in zip(headers, header, strict=True) if shown == msgid]
    assert not english, f"not translated into Dutch: {english}"


def test_a_long_export_is_in_the_reader_s_language_to_its_last_row():
    """A streamed body is written after the handler returned, piece by piece, maybe in another
    thread: the language of the request still holds for every piece."""
    import contextvars

    from portal.web.exports import Column, csv_lines

    columns = [Column("Kind of activity", activity_kind_name)]

    def made_in_french():
        i18n.set_language("fr")
        return csv_lines(columns, ["volunteering"] * 5000)

    pieces = contextvars.copy_context().run(made_in_french)
    written = "".join(contextvars.copy_context().run(next, pieces) for _ in range(2))
    written += "".join(pieces)  # the rest, here, where the language is the default (nl)
    header, *rows = written.removeprefix("\ufeff").splitlines()
    french = in_language("fr", activity_kind_name, "volunteering")
    assert header == translated("fr", "Kind of activity")
    assert rows == [french] * 5000 and french != in_language(
        "nl", activity_kind_name, "volunteering"
    )
