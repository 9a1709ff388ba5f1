"""Conversations: a person writes to their office (with a file), their counsellor answers from
the agency's inbox, the e-mail only says there is news; every error at once, nothing typed lost;
nobody reaches another person's or another agency's conversation or file."""

from __future__ import annotations

import re

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services.demo_participation import attendance_sheet_photo
from tests.support.web import check_page, csrf_token, sign_in


def write(client, subject="My Dutch course", body="When does module 1.2 start?", file=None):
    page = client.get("/my/conversations/new?lang=en")
    files = {"file": file} if file else {"file": ("", b"", "application/octet-stream")}
    return client.post(
        "/my/conversations",
        data={"csrf_token": csrf_token(page.text), "subject": subject, "body": body},
        files=files,
    )


def conversation_id(response) -> int:
    return int(re.search(r"/my/conversations/(\d+)", response.headers["location"]).group(1))


def test_a_person_writes_with_a_file_and_the_counsellor_answers(client, app, make):
    counsellor = make.counsellor()
    person = make.person(counsellor=counsellor)
    with session_scope(app.state.portal.engine) as db:
        row = db.get(m.Person, person.id)
        row.email, row.notify_email = "amina@example.be", True
        db.add(row)
    sign_in(client, person.subject)
    photo = attendance_sheet_photo("Letter", 1)
    sent = write(client, file=("letter.jpg", photo, "image/jpeg"))
    assert sent.status_code == 303
    cid = conversation_id(sent)
    mine = client.get(f"/my/conversations/{cid}?sent=1&lang=en")
    check_page(mine.text)
    assert "Your message is sent." in mine.text and "When does module 1.2 start?" in mine.text
    file_id = int(re.search(r'href="/my/conversations/files/(\d+)"', mine.text).group(1))
    download = client.get(f"/my/conversations/files/{file_id}")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content[:2] == b"\xff\xd8"  # a JPEG, re-encoded without metadata

    sign_in(client, counsellor)
    inbox = client.get("/staff/conversations?lang=en")
    check_page(inbox.text)
    assert f'href="/staff/conversations/{cid}"><strong>New:</strong>' in inbox.text
    thread = client.get(f"/staff/conversations/{cid}?lang=en")
    check_page(thread.text)
    assert f'href="/staff/conversations/files/{file_id}"' in thread.text
    assert client.get(f"/staff/conversations/files/{file_id}").status_code == 200
    assert "<strong>New:</strong>" not in client.get("/staff/conversations?lang=en").text
    with session_scope(app.state.portal.engine) as db:
        before = len(db.exec(select(m.OutboxEmail)).all())
    answered = client.post(
        f"/staff/conversations/{cid}/reply",
        data={"csrf_token": csrf_token(thread.text), "body": "Module 1.2 starts on 4 May."},
    )
    assert answered.headers["location"] == f"/staff/conversations/{cid}?done=sent"
    with session_scope(app.state.portal.engine) as db:
        mails = db.exec(select(m.OutboxEmail)).all()[before:]
        assert [mail.to_address for mail in mails] == ["amina@example.be"]
        assert "4 May" not in mails[0].body and "1.2" not in mails[0].body  # never the content
        actions = {
            row.action
            for row in db.exec(select(m.AuditLog).where(m.AuditLog.entity_id == str(cid))).all()
        }
        assert {"conversation.start", "conversation.reply", "conversation.read"} <= actions

    sign_in(client, person.subject)
    listed = client.get("/my/inbox?lang=en")
    assert "New answer:" in listed.text and 'class="badge"' in listed.text
    assert "Module 1.2 starts on 4 May." in client.get(f"/my/conversations/{cid}").text
    assert "New answer:" not in client.get("/my/inbox?lang=en").text


def test_every_error_at_once_and_nothing_typed_is_lost(client, make):
    person = make.person()
    sign_in(client, person.subject)
    refused = write(client, subject="", body="")
    assert refused.status_code == 400
    check_page(refused.text)
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#subject"' in summary and 'href="#body"' in summary
    not_a_photo = write(
        client,
        subject="Kept",
        body="Kept too",
        file=("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg"),
    )
    assert not_a_photo.status_code == 400
    assert 'href="#file"' in not_a_photo.text
    assert 'value="Kept"' in not_a_photo.text and ">Kept too</textarea>" in not_a_photo.text
    assert "Write to your counsellor" in not_a_photo.text
    listed = client.get("/my/inbox?lang=en").text
    assert "Kept" not in listed  # nothing was saved


def test_nobody_reaches_another_persons_or_another_agencys_conversation(client, app, make):
    counsellor = make.counsellor()
    person = make.person(counsellor=counsellor)
    sign_in(client, person.subject)
    cid = conversation_id(
        write(client, file=("l.jpg", attendance_sheet_photo("L", 1), "image/jpeg"))
    )
    with session_scope(app.state.portal.engine) as db:
        file_id = db.exec(select(m.ConversationFile.id)).all()[-1]
    other = make.person()
    sign_in(client, other.subject)
    page = client.get("/my/inbox")
    assert client.get(f"/my/conversations/{cid}").status_code == 404
    assert client.get(f"/my/conversations/files/{file_id}").status_code == 404
    post = client.post(
        f"/my/conversations/{cid}/reply", data={"csrf_token": csrf_token(page.text), "body": "x"}
    )
    assert post.status_code == 404
    elsewhere = make.agency()
    stranger = make.counsellor(elsewhere)
    sign_in(client, stranger)
    home = client.get("/staff")
    for view in ("mine", "open", "closed"):
        assert (
            f"/staff/conversations/{cid}"
            not in client.get(f"/staff/conversations?view={view}").text
        )
    assert client.get(f"/staff/conversations/{cid}").status_code == 404
    assert client.get(f"/staff/conversations/files/{file_id}").status_code == 404
    for action in ("reply", "close"):
        response = client.post(
            f"/staff/conversations/{cid}/{action}",
            data={"csrf_token": csrf_token(home.text), "body": "x"},
        )
        assert response.status_code == 404
    new = client.post(
        f"/staff/persons/{person.id}/conversations/new",
        data={"csrf_token": csrf_token(home.text), "subject": "x", "body": "y"},
    )
    assert new.status_code == 404
    with session_scope(app.state.portal.engine) as db:
        posts = db.exec(
            select(m.ConversationPost).where(m.ConversationPost.conversation_id == cid)
        ).all()
        assert len(posts) == 1 and db.get(m.Conversation, cid).status == "open"


def test_a_counsellor_writes_first_closes_and_the_person_opens_it_again(client, app, make):
    counsellor = make.counsellor()
    person = make.person(counsellor=counsellor)
    sign_in(client, counsellor)
    form = client.get(f"/staff/persons/{person.id}/conversations/new?lang=en")
    check_page(form.text)
    empty = client.post(
        f"/staff/persons/{person.id}/conversations/new",
        data={"csrf_token": csrf_token(form.text), "subject": "", "body": ""},
    )
    assert empty.status_code == 400
    started = client.post(
        f"/staff/persons/{person.id}/conversations/new",
        data={
            "csrf_token": csrf_token(form.text),
            "subject": "Your appointment",
            "body": "Can you come on Monday at 10?",
        },
    )
    cid = int(started.headers["location"].split("/")[-1].split("?")[0])
    closed = client.post(
        f"/staff/conversations/{cid}/close", data={"csrf_token": csrf_token(form.text)}
    )
    assert closed.headers["location"].endswith("done=closed")
    sign_in(client, person.subject)
    thread = client.get(f"/my/conversations/{cid}?lang=en")
    assert "Can you come on Monday at 10?" in thread.text
    page = client.get(f"/my/conversations/{cid}")
    answered = client.post(
        f"/my/conversations/{cid}/reply",
        data={"csrf_token": csrf_token(page.text), "body": "Yes, I come."},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert answered.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        assert db.get(m.Conversation, cid).status == "open"  # opened again


def test_answering_a_message_from_the_portal(client, app, make):
    person = make.person()
    with session_scope(app.state.portal.engine) as db:
        message = db.exec(select(m.Message).where(m.Message.person_id == person.id)).first()
        assert message is not None
        other_message = db.exec(select(m.Message).where(m.Message.person_id != person.id)).first()
    sign_in(client, person.subject)
    detail = client.get(f"/my/inbox/{message.id}?lang=en")
    assert f'href="/my/conversations/new?about={message.id}"' in detail.text
    form = client.get(f"/my/conversations/new?about={message.id}&lang=en")
    assert f'name="about" value="{message.id}"' in form.text
    assert client.get(f"/my/conversations/new?about={other_message.id}").status_code == 404
