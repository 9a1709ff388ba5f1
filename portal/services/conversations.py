"""Conversations: a person writes to their agency and answers what staff write; staff of the
person's agency answer from a shared inbox (assigned to the person's counsellor, open to the
colleagues when the counsellor is away), and close a conversation when it is done.

Scope: a person reaches only their own conversations; staff only those of their agency's
people; anything else is not found. E-mails only announce that there is a new message (never
its content), and only to a person who wants e-mail. Everything is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.adapters.storage import FileStore, new_key
from portal.adapters.uploads import CheckedFile
from portal.db import models as m
from portal.services import notify
from portal.services.agency_scope import person_in_scope
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit

SUBJECT_MAX = 200
BODY_MAX = 4000
PERSON = "person"
STAFF = "staff"


@dataclass(frozen=True)
class Summary:
    conversation: m.Conversation
    person: m.Person
    unread: bool
    last_author: str  # person | staff


@dataclass(frozen=True)
class Post:
    post: m.ConversationPost
    files: list[m.ConversationFile]


@dataclass(frozen=True)
class Thread:
    conversation: m.Conversation
    person: m.Person
    posts: list[Post]


def _clean(subject: str | None, body: str) -> tuple[str, str]:
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError("required", "body")
    if len(text) > BODY_MAX:
        raise ServiceError("too_long", "body")
    title = (subject or "").strip()
    if subject is not None and not title:
        raise ServiceError("required", "subject")
    if len(title) > SUBJECT_MAX:
        raise ServiceError("too_long", "subject")
    return title, text


def _reader(caller: Principal) -> str:
    return PERSON if caller.role == "citizen" else caller.subject


def _mark_read(
    db: Session, conversation_id: int, reader: str, now: datetime, actor: str, *, seen: bool = True
) -> None:
    """The reader has seen every message so far; audited when they `seen` something new (not
    when the new message is their own)."""
    last = db.exec(
        select(func.max(m.ConversationPost.id)).where(
            m.ConversationPost.conversation_id == conversation_id
        )
    ).one()
    row = db.exec(
        select(m.ConversationRead).where(
            m.ConversationRead.conversation_id == conversation_id,
            m.ConversationRead.reader == reader,
        )
    ).first()
    if row is None:
        fresh = m.ConversationRead(
            conversation_id=conversation_id, reader=reader, last_post_id=int(last or 0), read_at=now
        )
        try:
            with db.begin_nested():  # the same reader in two tabs at once: one row wins
                db.add(fresh)
            if seen:
                audit(db, actor, "conversation.read", "conversation", conversation_id)
            return
        except IntegrityError:
            row = db.exec(
                select(m.ConversationRead).where(
                    m.ConversationRead.conversation_id == conversation_id,
                    m.ConversationRead.reader == reader,
                )
            ).one()
    if int(last or 0) > row.last_post_id:
        row.last_post_id = int(last or 0)
        if seen:
            audit(db, actor, "conversation.read", "conversation", conversation_id)
    row.read_at = now
    db.add(row)


def reachable(db: Session, caller: Principal, conversation_id: int) -> m.Conversation:
    """The conversation if the caller may see it: the person's own, or one of their agency's."""
    row = db.get(m.Conversation, conversation_id)
    if row is None:
        raise ServiceError("not_found")
    if caller.role == "citizen" and caller.person_id is not None:
        if row.person_id == caller.person_id:
            return row
    elif caller.role == "counsellor" and caller.agency_id is not None:
        if row.agency_id == caller.agency_id:
            return row
    raise ServiceError("not_found")


def _store(db: Session, files: FileStore, post: m.ConversationPost, upload: CheckedFile) -> None:
    key = new_key()
    files.put(key, upload.data, upload.content_type)
    assert post.id is not None
    db.add(
        m.ConversationFile(
            post_id=post.id,
            storage_key=key,
            filename=upload.display_name[:120],
            content_type=upload.content_type,
            size_bytes=upload.size,
            sha256=upload.sha256,
        )
    )


def _post(
    db: Session,
    files: FileStore | None,
    conversation: m.Conversation,
    caller: Principal,
    name: str,
    body: str,
    upload: CheckedFile | None,
    now: datetime,
) -> m.ConversationPost:
    author = PERSON if caller.role == "citizen" else STAFF
    assert conversation.id is not None
    post = m.ConversationPost(
        conversation_id=conversation.id,
        author=author,
        author_subject=caller.subject,
        author_name=name[:200],
        body=body,
        created_at=now,
    )
    db.add(post)
    db.flush()
    if upload is not None:
        if files is None:
            raise ServiceError("not_saved")
        _store(db, files, post, upload)
    conversation.last_message_at = now
    if author == PERSON and conversation.status == "closed":
        conversation.status, conversation.closed_at, conversation.closed_by = "open", None, ""
    db.add(conversation)
    _mark_read(db, conversation.id, _reader(caller), now, caller.subject, seen=False)
    if author == STAFF:
        person = db.get(m.Person, conversation.person_id)
        assert person is not None
        notify.announce(db, person, "conversation_new_message")
    return post


def start_by_person(
    db: Session,
    caller: Principal,
    subject: str,
    body: str,
    now: datetime,
    *,
    files: FileStore | None = None,
    upload: CheckedFile | None = None,
    about_message_id: int | None = None,
) -> m.Conversation:
    """The person writes to their agency; the conversation is assigned to their counsellor."""
    if caller.role != "citizen" or caller.person_id is None:
        raise ServiceError("not_found")
    person = db.get(m.Person, caller.person_id)
    if person is None:
        raise ServiceError("not_found")
    title, text = _clean(subject, body)
    if about_message_id is not None:
        message = db.get(m.Message, about_message_id)
        if message is None or message.person_id != person.id:
            raise ServiceError("not_found")
    grant = db.get(m.RoleGrant, person.counsellor_grant_id) if person.counsellor_grant_id else None
    conversation = m.Conversation(
        person_id=caller.person_id,
        agency_id=person.agency_id,
        subject=title,
        assigned_to=grant.subject if grant is not None and grant.ended_at is None else "",
        started_by=PERSON,
        about_message_id=about_message_id,
        created_at=now,
        last_message_at=now,
    )
    db.add(conversation)
    db.flush()
    name = f"{person.given_name} {person.family_name}"
    _post(db, files, conversation, caller, name, text, upload, now)
    audit(db, caller.subject, "conversation.start", "conversation", conversation.id)
    return conversation


def start_by_staff(
    db: Session, caller: Principal, person_id: int, subject: str, body: str, now: datetime
) -> m.Conversation:
    """A counsellor writes to a person of their agency."""
    person = person_in_scope(db, caller, person_id)
    title, text = _clean(subject, body)
    conversation = m.Conversation(
        person_id=person_id,
        agency_id=person.agency_id,
        subject=title,
        assigned_to=caller.subject,
        started_by=STAFF,
        created_at=now,
        last_message_at=now,
    )
    db.add(conversation)
    db.flush()
    _post(db, None, conversation, caller, caller.name, text, None, now)
    audit(db, caller.subject, "conversation.start", "conversation", conversation.id)
    return conversation


def reply(
    db: Session,
    caller: Principal,
    conversation_id: int,
    body: str,
    now: datetime,
    *,
    files: FileStore | None = None,
    upload: CheckedFile | None = None,
) -> m.ConversationPost:
    conversation = reachable(db, caller, conversation_id)
    _, text = _clean(None, body)
    if caller.role == "citizen":
        person = db.get(m.Person, conversation.person_id)
        assert person is not None
        name = f"{person.given_name} {person.family_name}"
    else:
        name = caller.name
    post = _post(db, files, conversation, caller, name, text, upload, now)
    audit(db, caller.subject, "conversation.reply", "conversation", conversation_id)
    return post


def close(db: Session, caller: Principal, conversation_id: int, now: datetime) -> None:
    """Staff close a conversation that is done (the person can still write: it opens again)."""
    if caller.role != "counsellor":
        raise ServiceError("not_found")
    conversation = reachable(db, caller, conversation_id)
    if conversation.status == "closed":
        return
    conversation.status, conversation.closed_at, conversation.closed_by = (
        "closed",
        now,
        caller.subject,
    )
    db.add(conversation)
    audit(db, caller.subject, "conversation.close", "conversation", conversation_id)


def thread(db: Session, caller: Principal, conversation_id: int, now: datetime) -> Thread:
    """The conversation with its messages and files; reading it marks it read for the caller."""
    conversation = reachable(db, caller, conversation_id)
    person = db.get(m.Person, conversation.person_id)
    assert person is not None and conversation.id is not None
    posts = db.exec(
        select(m.ConversationPost)
        .where(m.ConversationPost.conversation_id == conversation.id)
        .order_by(col(m.ConversationPost.created_at), col(m.ConversationPost.id))
    ).all()
    ids = [p.id for p in posts]
    attached = db.exec(
        select(m.ConversationFile).where(col(m.ConversationFile.post_id).in_(ids))
    ).all()
    by_post: dict[int, list[m.ConversationFile]] = {}
    for row in attached:
        by_post.setdefault(row.post_id, []).append(row)
    _mark_read(db, conversation.id, _reader(caller), now, caller.subject)
    return Thread(conversation, person, [Post(p, by_post.get(p.id or 0, [])) for p in posts])


def _summaries(db: Session, conversations: list[m.Conversation], reader: str) -> list[Summary]:
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    reads = {
        r.conversation_id: r.last_post_id
        for r in db.exec(
            select(m.ConversationRead).where(
                col(m.ConversationRead.conversation_id).in_(ids),
                m.ConversationRead.reader == reader,
            )
        ).all()
    }
    mine = PERSON if reader == PERSON else STAFF
    last: dict[int, str] = {}
    newest_other: dict[int, int] = {}
    for conversation_id, post_id, author in db.exec(
        select(m.ConversationPost.conversation_id, m.ConversationPost.id, m.ConversationPost.author)
        .where(col(m.ConversationPost.conversation_id).in_(ids))
        .order_by(col(m.ConversationPost.id))
    ).all():
        last[conversation_id] = author
        if author != mine and post_id is not None:
            newest_other[conversation_id] = post_id
    people = {
        p.id: p
        for p in db.exec(
            select(m.Person).where(col(m.Person.id).in_({c.person_id for c in conversations}))
        ).all()
    }
    found = []
    for c in conversations:
        assert c.id is not None
        unread = newest_other.get(c.id, 0) > reads.get(c.id, 0)
        found.append(Summary(c, people[c.person_id], unread, last.get(c.id, mine)))
    return found


def person_conversations(db: Session, caller: Principal) -> list[Summary]:
    if caller.role != "citizen" or caller.person_id is None:
        raise ServiceError("not_found")
    rows = db.exec(
        select(m.Conversation)
        .where(m.Conversation.person_id == caller.person_id)
        .order_by(col(m.Conversation.last_message_at).desc())
    ).all()
    return _summaries(db, list(rows), PERSON)


def unread_for_person(db: Session, person_id: int) -> int:
    rows = db.exec(select(m.Conversation).where(m.Conversation.person_id == person_id)).all()
    return sum(1 for s in _summaries(db, list(rows), PERSON) if s.unread)


INBOX_VIEWS = ("mine", "open", "closed")


def agency_inbox(db: Session, caller: Principal, view: str = "mine") -> list[Summary]:
    """The agency's conversations: "mine" (assigned to me, open), "open" (all open ones of the
    agency: colleagues step in when a counsellor is away), "closed"; the newest first."""
    if caller.role != "counsellor" or caller.agency_id is None:
        raise ServiceError("not_found")
    query = select(m.Conversation).where(m.Conversation.agency_id == caller.agency_id)
    if view == "closed":
        query = query.where(m.Conversation.status == "closed")
    else:
        query = query.where(m.Conversation.status == "open")
        if view == "mine":
            query = query.where(m.Conversation.assigned_to == caller.subject)
    rows = db.exec(query.order_by(col(m.Conversation.last_message_at).desc()).limit(200)).all()
    return _summaries(db, list(rows), caller.subject)


def unread_in_inbox(db: Session, caller: Principal) -> int:
    """Open conversations of the agency where the person wrote last and the caller has not read
    it (the number on the workspace's link)."""
    return sum(1 for s in agency_inbox(db, caller, "open") if s.unread)


def file_for(db: Session, caller: Principal, file_id: int) -> m.ConversationFile:
    """A file of a conversation the caller may see (the read audited); else not found."""
    row = db.get(m.ConversationFile, file_id)
    post = db.get(m.ConversationPost, row.post_id) if row is not None else None
    try:
        if row is None or post is None:
            raise ServiceError("not_found")
        reachable(db, caller, post.conversation_id)
    except ServiceError:
        audit(db, caller.subject, "conversation.file_refused", "conversation_file", file_id)
        raise
    audit(db, caller.subject, "conversation.file_read", "conversation_file", file_id)
    return row


def person_for_staff(db: Session, caller: Principal, person_id: int) -> m.Person:
    """The person a counsellor writes to (of their agency; else not found)."""
    return person_in_scope(db, caller, person_id)


def unread_counts(person_id: Any) -> tuple[Any, Any]:
    """The person's unread inbox messages and unread conversations, as two scalar subqueries:
    for `unread_total`, or for a query that reads more at once (services.dashboard; its
    `person_id` may be a bound parameter, a query built once)."""
    post, read = m.ConversationPost, m.ConversationRead
    newest_from_staff = (
        select(func.max(post.id))
        .where(post.conversation_id == m.Conversation.id, post.author != PERSON)
        .scalar_subquery()
    )
    read_up_to = (
        select(read.last_post_id)
        .where(read.conversation_id == m.Conversation.id, read.reader == PERSON)
        .scalar_subquery()
    )
    conversations = (
        select(func.count())
        .select_from(m.Conversation)
        .where(
            m.Conversation.person_id == person_id,
            newest_from_staff > func.coalesce(read_up_to, 0),
        )
        .scalar_subquery()
    )
    messages = (
        select(func.count())
        .select_from(m.Message)
        .where(m.Message.person_id == person_id, col(m.Message.read_at).is_(None))
        .scalar_subquery()
    )
    return messages, conversations


def unread_total(db: Session, person_id: int) -> int:
    """The person's unread inbox messages and conversations (the badge on "Messages"), in one
    query (it is on every page of the person's)."""
    messages, conversations = unread_counts(person_id)
    found = db.exec(select(messages, conversations)).one()
    return int(found[0] or 0) + int(found[1] or 0)
