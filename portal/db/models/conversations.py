"""Conversations between a person and their agency: threads of messages, with attachments, and
who read what (the person, each member of staff)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from portal.db.models.base import utcnow


class Conversation(SQLModel, table=True):
    """A thread between a person and their agency. The person's counsellor answers; colleagues
    of the same agency see it too (when the counsellor is away)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    subject: str = Field(max_length=200)
    status: str = Field(default="open", max_length=10)  # open | closed
    assigned_to: str = Field(default="", max_length=255)  # the counsellor's subject
    started_by: str = Field(max_length=10)  # person | staff
    about_message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_message_at: datetime = Field(default_factory=utcnow, index=True)
    closed_at: datetime | None = None
    closed_by: str = Field(default="", max_length=255)


class ConversationPost(SQLModel, table=True):
    """One message of a conversation, by the person or by staff."""

    __tablename__ = "conversation_post"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    author: str = Field(max_length=10)  # person | staff
    author_subject: str = Field(default="", max_length=255)
    author_name: str = Field(default="", max_length=200)
    body: str = Field(sa_column=Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ConversationFile(SQLModel, table=True):
    """A file sent with a message, checked by content like pillar-4 proof."""

    __tablename__ = "conversation_file"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="conversation_post.id", index=True)
    storage_key: str = Field(max_length=100)
    filename: str = Field(max_length=120)
    content_type: str = Field(max_length=60)
    size_bytes: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ConversationRead(SQLModel, table=True):
    """How far a reader (the person: "person", or a member of staff: their subject) read a
    conversation: the last message they saw (by id, so a clock that stands still in a demo
    cannot hide a new message)."""

    __tablename__ = "conversation_read"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "reader", name="uq_read_once"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    reader: str = Field(max_length=255)
    last_post_id: int = 0
    read_at: datetime = Field(default_factory=utcnow)
