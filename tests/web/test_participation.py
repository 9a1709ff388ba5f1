"""Pillar 4 through the pages: the uniform form with its proof, the host organisation's link, the
municipality's queue and decisions, who may see what, and every kind of bad input."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.web import check_page, csrf_token, sign_in


def jpeg(size=(64, 48), exif=None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", exif=exif or Image.Exif())
    return buffer.getvalue()


def png(size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def today(app):
    return app.state.portal.clock.today()


def person(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.Person).where(m.Person.subject == subject)).one()


def new_draft(client) -> int:
    page = client.get("/my/participation")
    response = client.post(
        "/my/participation/activities", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 303
    return int(re.search(r"/activities/(\d+)/edit", response.headers["location"]).group(1))


def form_fields(app, **changes):
    day = today(app).isoformat()
    fields = {
        "kind": "volunteering",
        "organisation": "Dierenasiel Gent vzw",
        "contact_name": "Lotte Peeters",
        "contact_email": "lotte@example.invalid",
        "place": "Gent",
        "start_on": day,
        "end_on": day,
        "description": "Ik liet de honden uit en maakte de hokken schoon.",
        "log_on": [day],
        "log_hours": ["12"],
    }
    fields.update(changes)
    return fields


def post_form(client, activity_id, fields, files=(), action="save"):
    page = client.get(f"/my/participation/activities/{activity_id}/edit")
    data = {"csrf_token": csrf_token(page.text), "action": action, **fields}
    return client.post(
        f"/my/participation/activities/{activity_id}/edit?lang=en",
        data=data,
        files=[("proof", f) for f in files] or None,
    )


def submit(client, activity_id):
    page = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert page.status_code == 200, page.text
    return client.post(
        f"/my/participation/activities/{activity_id}/submit",
        data={"csrf_token": csrf_token(page.text)},
    )


def record_and_submit(client, app, **changes) -> int:
    activity_id = new_draft(client)
    saved = post_form(
        client, activity_id, form_fields(app, **changes), [("photo.jpg", jpeg(), "image/jpeg")]
    )
    assert saved.status_code == 303, saved.text
    assert submit(client, activity_id).status_code == 303
    return activity_id


def decide(client, activity_id, **data):
    page = client.get(f"/municipality/activities/{activity_id}")
    assert page.status_code == 200
    return client.post(
        f"/municipality/activities/{activity_id}/decision?lang=en",
        data={"csrf_token": csrf_token(page.text), **data},
    )


def dashboard_hours(client) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/my?lang=en").text))
    match = re.search(r"(\d+) of (\d+) hours confirmed", text)
    return f"{match.group(1)}/{match.group(2)}" if match else "0"


# --------------------------------------------------------------------------- the journey


def test_overview_shows_hours_and_the_offer_of_my_municipality(client):
    sign_in(client, "demo-vdab-soon")
    page = client.get("/my/participation?lang=en")
    check_page(page.text)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "Confirmed 16 of 40 hours" in text
    assert "Still needed 24 hours" in text
    assert "Buddy: discover Ghent together" in text  # translated by the municipality
    assert "Taalstage in de bibliotheek" not in text  # Antwerp's offer
    sign_in(client, "demo-gent-new")
    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/my/participation?lang=en").text)
    )
    assert "Waiting for the municipality 8 hours" in text


def test_record_submit_confirm_part_and_see_it_counted(client, app):
    """The issue's "done when", with a partial confirmation: 12 hours sent, 10 confirmed."""
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    mine = client.get(f"/my/participation/activities/{activity_id}?lang=en")
    assert "waiting for the municipality" in mine.text
    # the contact person got a link, the newcomer a message
    with session_scope(app.state.portal.engine) as db:
        mail = db.exec(
            select(m.OutboxEmail).where(m.OutboxEmail.to_address == "lotte@example.invalid")
        ).one()
        kinds = [x.kind for x in db.exec(select(m.Message)).all()]
    assert "/confirm-hours/" in mail.body and "12" in mail.body
    assert "participation_submitted" in kinds

    sign_in(client, "demo-gent-officer")
    queue = client.get("/municipality?lang=en")
    check_page(queue.text)
    assert f"/municipality/activities/{activity_id}" in queue.text
    refused = decide(client, activity_id, decision="confirm_part", confirmed="10", reason="")
    assert refused.status_code == 400 and "Give the reason" in refused.text
    too_many = decide(client, activity_id, decision="confirm_part", confirmed="12", reason="x")
    assert too_many.status_code == 400 and "fewer hours than were asked" in too_many.text
    done = decide(
        client, activity_id, decision="confirm_part", confirmed="10", reason="Twee uren pauze."
    )
    assert done.status_code == 303
    again = decide(client, activity_id, decision="confirm_all")
    assert again.headers["location"].endswith("?stale=1")  # decided: no second decision

    sign_in(client, "demo-gent-new")
    assert dashboard_hours(client) == "10/40"
    page = client.get(f"/my/participation/activities/{activity_id}?lang=en").text
    assert "confirmed 10 of 12 hours" in page and "Twee uren pauze." in page
    with session_scope(app.state.portal.engine) as db:
        fact = db.exec(select(m.Fact).where(m.Fact.kind == "pillar4_hours")).all()[-1]
    assert fact.hours == 10 and fact.source == f"participation:{activity_id}"


def test_confirm_all_and_ask_for_information_then_resubmit(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    sign_in(client, "demo-gent-officer")
    assert decide(client, activity_id, decision="ask_info", reason="").status_code == 400
    asked = decide(client, activity_id, decision="ask_info", reason="Wie tekende de lijst?")
    assert asked.status_code == 303
    sign_in(client, "demo-gent-new")
    form = client.get(f"/my/participation/activities/{activity_id}/edit?lang=en")
    assert form.status_code == 200 and "Wie tekende de lijst?" in form.text
    check = client.get(f"/my/participation/activities/{activity_id}/check")
    answered = client.post(
        f"/my/participation/activities/{activity_id}/submit",
        data={"csrf_token": csrf_token(check.text), "response": "Mijn begeleider Lotte."},
    )
    assert answered.status_code == 303
    sign_in(client, "demo-gent-officer")
    detail = client.get(f"/municipality/activities/{activity_id}?lang=en").text
    assert "Mijn begeleider Lotte." in detail
    assert decide(client, activity_id, decision="confirm_all").status_code == 303
    sign_in(client, "demo-gent-new")
    assert dashboard_hours(client) == "12/40"


def test_a_rejection_can_be_changed_and_sent_again(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    sign_in(client, "demo-gent-officer")
    assert (
        decide(client, activity_id, decision="reject", reason="Geen handtekening.").status_code
        == 303
    )
    sign_in(client, "demo-gent-new")
    page = client.get(f"/my/participation/activities/{activity_id}?lang=en")
    assert "Geen handtekening." in page.text
    copied = client.post(
        f"/my/participation/activities/{activity_id}/copy",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert copied.status_code == 303
    new_id = int(re.search(r"/activities/(\d+)/edit", copied.headers["location"]).group(1))
    with session_scope(app.state.portal.engine) as db:
        copy = db.exec(select(m.AuditLog).where(m.AuditLog.action == "activity.copy")).one()
    assert copy.entity_id == str(new_id) and copy.details["copied_from"] == activity_id
    # the same days are no longer "claimed" by the rejected one: it can go again, with its file
    assert submit(client, new_id).status_code == 303
    assert dashboard_hours(client) == "0"


def test_nothing_typed_is_lost_and_a_draft_comes_back(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    fields = form_fields(app, log_hours=["25"], contact_email="not-an-address")
    response = post_form(
        client, activity_id, fields, [("scan.pdf.exe", b"MZ\x90\x00", "application/pdf")]
    )
    assert response.status_code == 400
    page = response.text
    check_page(page)
    assert "A day has 24 hours" in page
    assert "Only photos (.jpg, .png) and PDF files (.pdf) are possible." in page
    for kept in ("Dierenasiel Gent vzw", "Lotte Peeters", 'value="25"', "Ik liet de honden"):
        assert kept in page
    # the draft keeps everything that was right; nothing of the bad file is stored
    again = client.get(f"/my/participation/activities/{activity_id}/edit?lang=en").text
    assert "Dierenasiel Gent vzw" in again and "Ik liet de honden" in again
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)).all()
            == []
        )


def test_autosave_keeps_the_text_as_it_is_typed(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/edit")
    assert f'hx-post="/my/participation/activities/{activity_id}/autosave"' in page.text
    saved = client.post(
        f"/my/participation/activities/{activity_id}/autosave?lang=en",
        data={
            "csrf_token": csrf_token(page.text),
            "organisation": "Repair Café",
            "log_on": [""],
            "log_hours": [""],
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and saved.text.startswith("Saved at")
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).organisation == "Repair Café"


def test_the_check_page_sends_back_to_the_form_with_what_is_missing(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert page.status_code == 400
    for message in ("Choose one of the options.", "Fill in this field.", "Add a photo or a PDF"):
        assert message in page.text
    sent = client.post(
        f"/my/participation/activities/{activity_id}/submit",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert sent.status_code == 400
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).status == "draft"


def test_optional_pillar_says_not_required_and_still_records(client, app):
    sign_in(client, "demo-worker")
    page = client.get("/my/participation?lang=en")
    assert "For you this part is not required" in page.text
    activity_id = new_draft(client)
    assert client.get(f"/my/participation/activities/{activity_id}/edit").status_code == 200


def test_withdraw_before_the_decision(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    page = client.get(f"/my/participation/activities/{activity_id}")
    back = client.post(
        f"/my/participation/activities/{activity_id}/withdraw",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert back.status_code == 303
    sign_in(client, "demo-gent-officer")
    assert f"/municipality/activities/{activity_id}" not in client.get("/municipality").text


# --------------------------------------------------------------------------- bad input


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def pixel_flood() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


BAD_FILES = [
    pytest.param(
        ("scan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "application/pdf"),
        "This file is not a photo",
        id="exe renamed pdf",
    ),
    pytest.param(
        ("scan.pdf", b"<!doctype html><script>alert(1)</script>", "application/pdf"),
        "This file is not a photo",
        id="html sent as pdf",
    ),
    pytest.param(
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        "This file is not a photo",
        id="svg with script",
    ),
    pytest.param(
        ("scan.pdf", b"PK\x03\x04" + b"\x00" * 60, "application/pdf"),
        "This file is not a photo",
        id="zip",
    ),
    pytest.param(("brief.pdf", docx(), "application/pdf"), "This file is not a photo", id="docx"),
    pytest.param(
        ("scan.pdf.exe", pdf(), "application/pdf"),
        "Only photos (.jpg, .png) and PDF",
        id="double extension",
    ),
    pytest.param(
        ("../../etc/passwd.pdf", pdf(), "application/pdf"),
        "name of this file is not correct",
        id="dot dot",
    ),
    pytest.param(
        ("/etc/passwd.pdf", pdf(), "application/pdf"),
        "name of this file is not correct",
        id="absolute path",
    ),
    pytest.param(
        ("photo\u202egpj.pdf", pdf(), "application/pdf"),
        "characters we do not accept",
        id="rtl override",
    ),
    pytest.param(
        ("é" * 130 + ".pdf", pdf(), "application/pdf"),
        "name of this file is too long",
        id="name over 255 bytes",
    ),
    pytest.param(("leeg.jpg", b"", "image/jpeg"), "This file is empty", id="empty"),
    pytest.param(
        ("kapot.jpg", jpeg()[:200], "image/jpeg"), "We cannot open this file", id="corrupt image"
    ),
    pytest.param(
        ("kapot.pdf", b"%PDF-1.7\ngarbage", "application/pdf"),
        "We cannot open this file",
        id="corrupt pdf",
    ),
    pytest.param(("flood.png", pixel_flood(), "image/png"), "too many pixels", id="pixel flood"),
]


@pytest.mark.parametrize(("upload", "message"), BAD_FILES)
def test_bad_files_are_refused_with_a_clear_message(client, app, upload, message):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    response = post_form(client, activity_id, form_fields(app), [upload])
    assert response.status_code == 400
    assert message in response.text
    assert "Dierenasiel Gent vzw" in response.text  # everything else kept
    stored = app.state.portal.settings.upload_dir
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)).all()
            == []
        )
        assert db.get(m.Activity, activity_id).organisation == "Dierenasiel Gent vzw"
    assert stored  # files go only through the store, never to a path from the name


def test_a_file_over_the_limit_is_refused_before_the_rest_is_read(client, app):
    app.state.portal.settings = app.state.portal.settings.__class__(
        **{**app.state.portal.settings.__dict__, "upload_max_bytes": 50_000}
    )
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    big = jpeg(size=(800, 800)) + b"\x00" * 60_000
    response = post_form(client, activity_id, form_fields(app), [("groot.jpg", big, "image/jpeg")])
    assert response.status_code == 400 and "This file is too large" in response.text
    assert "Dierenasiel Gent vzw" in response.text


def test_a_request_over_the_total_limit_gets_413_and_keeps_the_draft(client, app):
    app.state.portal.settings = app.state.portal.settings.__class__(
        **{**app.state.portal.settings.__dict__, "upload_max_bytes": 20_000, "upload_max_files": 2}
    )
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    first = post_form(client, activity_id, form_fields(app, organisation="Eerst bewaard"))
    assert first.status_code == 303, first.text
    files = [(f"p{i}.jpg", b"\xff\xd8\xff" + b"\x00" * 250_000, "image/jpeg") for i in range(3)]
    response = post_form(client, activity_id, form_fields(app), files)
    assert response.status_code == 413
    assert "The files are too large together" in response.text
    assert "Eerst bewaard" in response.text


def test_more_than_five_files(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    files = [(f"p{i}.png", png(), "image/png") for i in range(6)]
    response = post_form(client, activity_id, form_fields(app), files)
    assert response.status_code == 400 and "at most 5 files" in response.text
    with session_scope(app.state.portal.engine) as db:
        assert (
            len(
                db.exec(
                    select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)
                ).all()
            )
            == 5
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"log_on": ["FUTURE"]}, "cannot be in the future", id="future day"),
        pytest.param({"end_on": "FUTURE"}, "cannot be in the future", id="future end date"),
        pytest.param(
            {"log_on": ["BEFORE"], "start_on": "BEFORE"},
            "before you signed",
            id="before the contract",
        ),
        pytest.param({"log_hours": ["25"]}, "A day has 24 hours", id="more than 24 hours"),
        pytest.param({"log_hours": ["-3"]}, "The hours must be 1 or more", id="negative hours"),
        pytest.param({"log_hours": ["drie"]}, "Write the hours as a number", id="not a number"),
        pytest.param({"log_hours": ["2,5"]}, "Write whole hours", id="half hours"),
        pytest.param({"log_on": ["31-02-2026"]}, "Enter a real date", id="not a date"),
    ],
)
def test_bad_logbook_and_dates(client, app, changes, message):
    day = today(app)
    replace = {
        "FUTURE": (day + timedelta(days=1)).isoformat(),
        "BEFORE": (day - timedelta(days=1)).isoformat(),
    }
    changes = {
        k: [replace.get(x, x) for x in v] if isinstance(v, list) else replace.get(v, v)
        for k, v in changes.items()
    }
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    response = post_form(
        client,
        activity_id,
        form_fields(app, **changes),
        [("p.jpg", jpeg(), "image/jpeg")],
        action="review",
    )
    if response.status_code == 303:  # saved as a draft; the check page finds the problem
        response = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert response.status_code == 400
    assert message in response.text


def test_the_same_activity_twice(client, app):
    sign_in(client, "demo-gent-new")
    record_and_submit(client, app, log_hours=["4"])
    activity_id = new_draft(client)
    post_form(
        client,
        activity_id,
        form_fields(app, organisation="dierenasiel gent VZW", log_hours=["4"]),
        [("p.jpg", jpeg(), "image/jpeg")],
    )
    response = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert response.status_code == 400
    assert "You already sent hours for this day at this organisation" in response.text


def test_hours_on_one_day_count_across_activities(client, app):
    sign_in(client, "demo-gent-new")  # has 8 hours waiting today (demo data)
    activity_id = new_draft(client)
    post_form(
        client, activity_id, form_fields(app, log_hours=["17"]), [("p.jpg", jpeg(), "image/jpeg")]
    )
    response = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    assert response.status_code == 400 and "A day has 24 hours" in response.text


def test_no_csrf_token_no_change(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    refused = client.post(
        f"/my/participation/activities/{activity_id}/edit",
        data={"action": "save", **form_fields(app)},
        files=[("proof", ("p.jpg", jpeg(), "image/jpeg"))],
    )
    assert refused.status_code == 403
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).organisation == ""
        assert (
            db.exec(select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)).all()
            == []
        )


def test_gps_is_stripped_from_a_photo(client, app):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 3.0, 0.0)
    gps[3] = "E"
    gps[4] = (3.0, 43.0, 0.0)
    photo = jpeg(size=(120, 90), exif=exif)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    assert (
        post_form(
            client, activity_id, form_fields(app), [("gps.jpg", photo, "image/jpeg")]
        ).status_code
        == 303
    )
    with session_scope(app.state.portal.engine) as db:
        file = db.exec(
            select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)
        ).one()
    download = client.get(f"/my/participation/files/{file.id}")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(download.content))
    assert (
        not image.getexif()
        and b"Exif" not in download.content
        and b"PhoneMaker" not in download.content
    )


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _polyglots() -> list[tuple[str, bytes, str]]:
    """Files that are a valid JPEG, PNG or PDF and HTML at the same time."""
    from pypdf import PdfWriter

    image = jpeg(size=(60, 40))
    jpeg_html = image[:2] + b"\xff\xfe" + (len(HTML) + 2).to_bytes(2, "big") + HTML + image[2:]
    png_out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML.decode())
    Image.new("RGB", (60, 40), "white").save(png_out, "PNG", pnginfo=info)
    pdf_out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(pdf_out)
    return [
        ("photo.jpg", jpeg_html, "image/jpeg"),
        ("photo.png", png_out.getvalue(), "image/png"),
        ("letter.pdf", pdf_out.getvalue() + HTML, "application/pdf"),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["jpeg+html", "png+html", "pdf+html"])
def test_a_polyglot_with_html_ends_up_harmless(client, app, index):
    name, data, content_type = _polyglots()[index]
    assert HTML in data
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    sent = post_form(client, activity_id, form_fields(app), [(name, data, content_type)])
    assert sent.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        file = db.exec(
            select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)
        ).one()
    download = client.get(f"/my/participation/files/{file.id}")
    assert download.status_code == 200
    if content_type.startswith("image/"):
        assert b"<script" not in download.content  # re-encoded: pixels only
    # never shown as a page: a download, typed by content, not sniffed, sandboxed
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["content-type"].startswith(content_type)
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]


def test_csv_export_is_formula_safe(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app, organisation='=HYPERLINK("http://evil")')
    sign_in(client, "demo-gent-officer")
    assert decide(client, activity_id, decision="confirm_all").status_code == 303
    export = client.get("/municipality/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK" in export.text
    assert "\n=" not in export.text and ",=" not in export.text
    assert "Gent Samen vzw" in export.text  # the demo's 16 hours of demo-vdab-soon


# --------------------------------------------------------------------------- who may see what


# Each test makes its own people, municipalities, officers and counsellors (the `make` fixture,
# tests/support/factories.py): `waiting` is a person's activity sent to their municipality.


def file_of(app, activity_id):
    with session_scope(app.state.portal.engine) as db:
        return (
            db.exec(select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id))
            .one()
            .id
        )


def waiting(app, make, owner):
    activity_id = make.sent_activity(owner)
    return activity_id, file_of(app, activity_id)


def test_another_municipality_cannot_list_open_download_or_decide(client, app, make):
    town = make.municipality()
    activity_id, file_id = waiting(app, make, make.person(municipality=town))
    sign_in(client, make.officer(make.municipality()))
    assert f"/municipality/activities/{activity_id}" not in client.get("/municipality").text
    assert client.get(f"/municipality/activities/{activity_id}").status_code == 404
    assert client.get(f"/municipality/files/{file_id}").status_code == 404
    token = csrf_token(client.get("/municipality").text)
    refused = client.post(
        f"/municipality/activities/{activity_id}/decision",
        data={"csrf_token": token, "decision": "confirm_all"},
    )
    assert refused.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).status == "submitted"
        refusals = db.exec(select(m.AuditLog).where(m.AuditLog.action == "evidence.refused")).all()
    assert refusals
    sign_in(client, make.officer(town))
    assert client.get(f"/municipality/files/{file_id}").status_code == 200


def test_a_newcomer_cannot_open_another_persons_activity_or_file(client, app, make):
    owner = make.person()
    activity_id, file_id = waiting(app, make, owner)
    sign_in(client, make.person().subject)
    assert client.get(f"/my/participation/files/{file_id}").status_code == 404
    assert client.get(f"/my/participation/activities/{activity_id}").status_code == 404
    assert client.get(f"/my/participation/activities/{activity_id}/edit").status_code == 404
    assert client.get(f"/my/participation/files/{file_id + 1000}").status_code == 404
    sign_in(client, owner.subject)
    assert client.get(f"/my/participation/files/{file_id}").status_code == 200


def test_a_newcomer_cannot_change_another_persons_activity(client, app, make):
    """Every write of the newcomer's pages is scoped to their own activities: another person's
    real draft and real sent activity are 'unknown' (404), and nothing about them changes."""
    owner, other = make.person(), make.person()
    sent_id, file_id = waiting(app, make, owner)
    sign_in(client, owner.subject)
    draft_id = new_draft(client)
    saved = post_form(
        client, draft_id, form_fields(app), [("photo.jpg", jpeg(), "image/jpeg")], action="save"
    )
    assert saved.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        draft_file = db.exec(
            select(m.EvidenceFile).where(m.EvidenceFile.activity_id == draft_id)
        ).one()
        audit_before = len(db.exec(select(m.AuditLog)).all())
    sign_in(client, other.subject)
    token = csrf_token(client.get("/my/participation").text)
    base = "/my/participation/activities"
    changed = {**form_fields(app, organisation="Niet van mij"), "csrf_token": token}
    for path, data in [
        (f"{base}/{draft_id}/edit", {**changed, "action": "save"}),
        (f"{base}/{draft_id}/autosave", changed),
        (f"{base}/{draft_id}/submit", {"csrf_token": token}),
        (f"{base}/{draft_id}/delete", {"csrf_token": token}),
        (f"{base}/{draft_id}/files/{draft_file.id}/delete", {"csrf_token": token}),
        (f"{base}/{sent_id}/withdraw", {"csrf_token": token}),
        (f"{base}/{sent_id}/copy", {"csrf_token": token}),
    ]:
        assert client.post(path, data=data).status_code == 404, path
    assert client.get(f"{base}/{draft_id}/check").status_code == 404
    assert client.get(f"/my/participation/files/{draft_file.id}").status_code == 404
    with session_scope(app.state.portal.engine) as db:
        draft = db.get(m.Activity, draft_id)
        assert draft.status == "draft" and draft.organisation == "Dierenasiel Gent vzw"
        assert db.get(m.EvidenceFile, draft_file.id) is not None
        assert db.get(m.Activity, sent_id).status == "submitted"
        assert db.get(m.EvidenceFile, file_id) is not None
        new_rows = db.exec(select(m.AuditLog)).all()[audit_before:]
    # only the refused download is recorded; no change by the other person
    assert [(r.actor, r.action) for r in new_rows] == [(other.subject, "evidence.refused")]


def test_a_municipality_keeps_what_it_decided_and_sees_no_other_decisions(client, app, make):
    """A person's 16 hours were confirmed by their town. Another town neither lists, opens nor
    exports them; once the person lives in that other town, it may open them (a resident's),
    but the first town still sees and exports what it decided, and the other town's export
    stays its own."""
    from portal.services.trajectory import move_person

    town, elsewhere = make.municipality(), make.municipality()
    p = make.person(municipality=town)
    activity_id = make.sent_activity(p, hours=16, organisation="Samen Sterk vzw")
    make.decide(activity_id, "confirm_all")
    with session_scope(app.state.portal.engine) as db:
        activity = db.get(m.Activity, activity_id)
    assert activity.status == "confirmed"
    page = f"/municipality/activities/{activity.id}"
    sign_in(client, make.officer(elsewhere))
    assert page not in client.get("/municipality").text
    assert client.get(page).status_code == 404
    assert "Samen Sterk vzw" not in client.get("/municipality/export.csv").text
    with session_scope(app.state.portal.engine) as db:
        for residence in db.exec(select(m.Residence).where(m.Residence.person_id == p.id)).all():
            residence.since -= timedelta(days=30)
            db.add(residence)
    with session_scope(app.state.portal.engine) as db:
        move_person(db, "test", db.get(m.Person, p.id), elsewhere.nis, today(app), today(app))
    assert client.get(page).status_code == 200
    assert page not in client.get("/municipality").text  # not waiting, not decided here
    assert "Samen Sterk vzw" not in client.get("/municipality/export.csv").text
    sign_in(client, make.officer(town))
    assert page in client.get("/municipality").text
    assert client.get(page).status_code == 200
    assert "Samen Sterk vzw" in client.get("/municipality/export.csv").text


def test_counsellors_see_files_of_their_own_agency_only(client, app, make):
    agency = make.agency()
    _, file_id = waiting(app, make, make.person(agency=agency))
    sign_in(client, make.counsellor(make.agency()))
    assert client.get(f"/counsellor/files/{file_id}").status_code == 404
    own = make.counsellor(agency)
    sign_in(client, own)
    assert client.get(f"/counsellor/files/{file_id}").status_code == 200
    with session_scope(app.state.portal.engine) as db:
        reads = db.exec(select(m.AuditLog).where(m.AuditLog.action == "evidence.download")).all()
    assert [r.actor for r in reads] == [own]


def test_a_person_who_moves_takes_open_submissions_along(client, app, make):
    from portal.services.trajectory import move_person

    town, elsewhere = make.municipality(), make.municipality()
    p = make.person(municipality=town)
    activity_id = make.sent_activity(p)
    with session_scope(app.state.portal.engine) as db:
        activity = db.get(m.Activity, activity_id)
    sign_in(client, make.officer(town))
    assert f"/municipality/activities/{activity.id}" in client.get("/municipality").text
    with session_scope(app.state.portal.engine) as db:
        for residence in db.exec(select(m.Residence).where(m.Residence.person_id == p.id)).all():
            residence.since -= timedelta(days=30)  # registered a month ago
            db.add(residence)
    with session_scope(app.state.portal.engine) as db:
        move_person(db, "test", db.get(m.Person, p.id), elsewhere.nis, today(app), today(app))
    assert client.get(f"/municipality/activities/{activity.id}").status_code == 404
    sign_in(client, make.officer(elsewhere))
    assert f"/municipality/activities/{activity.id}" in client.get("/municipality").text
    assert decide(client, activity.id, decision="confirm_all").status_code == 303


# --------------------------------------------------------------------------- the contact's link


def link_of(app, address="lotte@example.invalid"):
    with session_scope(app.state.portal.engine) as db:
        mail = db.exec(select(m.OutboxEmail).where(m.OutboxEmail.to_address == address)).all()[-1]
    return re.search(r"/confirm-hours/[A-Za-z0-9_-]+", mail.body).group(0)


def test_the_confirmation_link_works_once_for_that_submission(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    link = link_of(app)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as contact:
        page = contact.get(link + "?lang=en")
        assert page.status_code == 200
        check_page(page.text)
        assert "Dierenasiel Gent vzw" in page.text and "12 hours" in page.text
        token = csrf_token(page.text)
        missing = contact.post(link + "?lang=en", data={"csrf_token": token, "answer": "disagree"})
        assert missing.status_code == 400  # a "no" needs a comment
        answered = contact.post(link + "?lang=en", data={"csrf_token": token, "answer": "agree"})
        assert answered.status_code == 200 and "Thank you" in answered.text
        again = contact.get(link + "?lang=en")
        assert again.status_code == 410 and "already used" in again.text
        replay = contact.post(link, data={"csrf_token": token, "answer": "disagree", "note": "x"})
        assert replay.status_code == 410
        assert contact.get(link[:-3] + "abc").status_code == 404
        assert contact.get("/confirm-hours/" + "A" * 43).status_code == 404
    with session_scope(app.state.portal.engine) as db:
        activity = db.get(m.Activity, activity_id)
        others = db.exec(select(m.Activity).where(m.Activity.id != activity_id)).all()
    assert activity.contact_answer == "agree" and activity.status == "submitted"  # not a decision
    assert all(o.contact_answer == "" for o in others)
    sign_in(client, "demo-gent-officer")
    assert (
        "The contact person confirmed the hours"
        in client.get(f"/municipality/activities/{activity_id}?lang=en").text
    )


def test_the_confirmation_link_expires(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-gent-new")
    record_and_submit(client, app)
    link = link_of(app)
    with session_scope(app.state.portal.engine) as db:
        row = db.exec(select(m.ConfirmationLink)).all()[-1]
        row.expires_at = app.state.portal.clock.now() - timedelta(seconds=1)
        db.add(row)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as contact:
        page = contact.get(link + "?lang=en")
    assert page.status_code == 410 and "expired" in page.text


# --------------------------------------------------------------------------- the activity offer


def test_officers_manage_their_offer(client, app):
    sign_in(client, "demo-gent-officer")
    page = client.get("/municipality/offers?lang=en")
    check_page(page.text)
    token = csrf_token(page.text)
    bad = client.post(
        "/municipality/offers?lang=en", data={"csrf_token": token, "kind": "party", "title": ""}
    )
    assert bad.status_code == 400 and "Choose one of the options." in bad.text
    added = client.post(
        "/municipality/offers",
        data={
            "csrf_token": token,
            "kind": "buddy",
            "title": "Wandelclub",
            "organisation": "Samen Stappen",
        },
    )
    assert added.status_code == 303
    sign_in(client, "demo-gent-new")
    assert "Wandelclub" in client.get("/my/participation").text
    sign_in(client, "demo-antwerp")
    assert "Wandelclub" not in client.get("/my/participation").text
    with session_scope(app.state.portal.engine) as db:
        offer = db.exec(select(m.ActivityOffer).where(m.ActivityOffer.title == "Wandelclub")).one()
    sign_in(client, "demo-antwerp-officer")
    token = csrf_token(client.get("/municipality/offers").text)
    assert (
        client.post(
            f"/municipality/offers/{offer.id}/active", data={"csrf_token": token, "active": "0"}
        ).status_code
        == 404
    )
    sign_in(client, "demo-gent-officer")
    token = csrf_token(client.get("/municipality/offers").text)
    assert (
        client.post(
            f"/municipality/offers/{offer.id}/active", data={"csrf_token": token, "active": "0"}
        ).status_code
        == 303
    )
    sign_in(client, "demo-gent-new")
    assert "Wandelclub" not in client.get("/my/participation").text


def test_control_characters_in_a_raw_file_name(client, app):
    """Browsers percent-encode control characters; a hand-made request need not."""
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/edit")
    boundary = b"XyZ123boundary"
    parts = [
        (b'name="csrf_token"', csrf_token(page.text).encode()),
        (b'name="organisation"', b"Dierenasiel Gent vzw"),
        (b'name="proof"; filename="photo\x07\x1b.pdf"\r\nContent-Type: application/pdf', pdf()),
    ]
    body = (
        b"".join(
            b"--"
            + boundary
            + b"\r\nContent-Disposition: form-data; "
            + head
            + b"\r\n\r\n"
            + value
            + b"\r\n"
            for head, value in parts
        )
        + b"--"
        + boundary
        + b"--\r\n"
    )
    response = client.post(
        f"/my/participation/activities/{activity_id}/edit?lang=en",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ123boundary"},
    )
    assert response.status_code == 400
    assert "characters we do not accept" in response.text
    assert "Dierenasiel Gent vzw" in response.text


def test_at_40_confirmed_hours_the_pillar_is_done(client, app):
    from portal.services.dossier import load_dossier

    sign_in(client, "demo-vdab-soon")  # 16 hours confirmed already
    activity_id = record_and_submit(client, app, organisation="Voedselbank Gent", log_hours=["24"])
    sign_in(client, "demo-gent-officer")
    assert decide(client, activity_id, decision="confirm_all").status_code == 303
    sign_in(client, "demo-vdab-soon")
    assert dashboard_hours(client) == "40/40"
    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/my/participation?lang=en").text)
    )
    assert "Still needed nothing: you have all your hours" in text
    with session_scope(app.state.portal.engine) as db:
        p = person(app, "demo-vdab-soon")
        view = next(
            v
            for v in load_dossier(db, p.id).evaluate(today(app)).pillars
            if v.pillar.value == "participation"
        )
    assert view.status.value == "done" and view.hours == 40


def test_digits_that_are_not_ascii_are_refused_not_a_crash(client, app):
    sign_in(client, "demo-gent-new")
    page = client.get("/my/participation")
    for offer in ("²", "٣", "99999999999999999999"):
        response = client.post(
            "/my/participation/activities",
            data={"csrf_token": csrf_token(page.text), "offer": offer},
        )
        assert response.status_code == 404
    activity_id = record_and_submit(client, app)
    sign_in(client, "demo-gent-officer")
    for confirmed in ("²", "٣", "9" * 40):
        response = decide(
            client, activity_id, decision="confirm_part", confirmed=confirmed, reason="x"
        )
        assert response.status_code == 400 and "Enter a whole number." in response.text


def test_autosave_keeps_what_it_can_and_says_when_not_everything_is_saved(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/edit")
    saved = client.post(
        f"/my/participation/activities/{activity_id}/autosave?lang=en",
        data={
            "csrf_token": csrf_token(page.text),
            "organisation": "Repair Café",
            "description": "x" * 2001,
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 422 and "Not everything is saved yet" in saved.text
    assert saved.headers["x-draft-version"]
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).organisation == "Repair Café"


def test_a_late_second_decision_is_told_and_changes_nothing(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    sign_in(client, "demo-gent-officer")
    page = client.get(f"/municipality/activities/{activity_id}")
    token = csrf_token(page.text)
    first = client.post(
        f"/municipality/activities/{activity_id}/decision",
        data={"csrf_token": token, "decision": "confirm_all"},
    )
    assert first.status_code == 303
    late = client.post(
        f"/municipality/activities/{activity_id}/decision",
        data={"csrf_token": token, "decision": "reject", "reason": "Nee."},
    )
    assert late.status_code == 303 and late.headers["location"].endswith("?stale=1")
    told = client.get(late.headers["location"] + "&lang=en")
    assert "decided meanwhile" in told.text
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).status == "confirmed"


def test_an_answer_to_the_municipality_is_kept_when_it_is_too_long(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    sign_in(client, "demo-gent-officer")
    assert (
        decide(client, activity_id, decision="ask_info", reason="Wie tekende?").status_code == 303
    )
    sign_in(client, "demo-gent-new")
    check = client.get(f"/my/participation/activities/{activity_id}/check?lang=en")
    answer = "Lotte.\r\n" * 300  # 2400 characters as sent, 2100 after the new lines
    response = client.post(
        f"/my/participation/activities/{activity_id}/submit?lang=en",
        data={"csrf_token": csrf_token(check.text), "response": answer},
    )
    assert response.status_code == 400
    assert "This is too long." in response.text and "Lotte." in response.text
    fits = "Lotte.\r\n" * 250  # 2000 characters once the new lines are counted as one
    sent = client.post(
        f"/my/participation/activities/{activity_id}/submit",
        data={"csrf_token": csrf_token(check.text), "response": fits},
    )
    assert sent.status_code == 303


def test_a_form_sent_after_the_session_ended_says_so(client, app):
    sign_in(client, "demo-gent-new")
    activity_id = new_draft(client)
    page = client.get(f"/my/participation/activities/{activity_id}/edit")
    token = csrf_token(page.text)
    client.cookies.clear()
    response = client.post(
        f"/my/participation/activities/{activity_id}/edit?lang=en",
        data={"csrf_token": token, "organisation": "Kwijt?"},
    )
    assert response.status_code == 403 and "You are signed out" in response.text


def test_the_contacts_answer_no_longer_counts_when_the_hours_change(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-gent-new")
    activity_id = record_and_submit(client, app)
    link = link_of(app)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as contact:
        page = contact.get(link)
        contact.post(link, data={"csrf_token": csrf_token(page.text), "answer": "agree"})
    page = client.get(f"/my/participation/activities/{activity_id}")
    client.post(
        f"/my/participation/activities/{activity_id}/withdraw",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert post_form(client, activity_id, form_fields(app, log_hours=["14"])).status_code == 303
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Activity, activity_id).contact_answer == ""
    assert submit(client, activity_id).status_code == 303
    assert link_of(app) != link  # a new link for the new hours
