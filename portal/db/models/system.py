"""What the portal keeps for itself: sessions, messages and mail, the audit log, jobs and rate
limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from portal.db.models.base import utcnow


class WebSession(SQLModel, table=True):
    """Server-side session: the cookie holds only a random id; we store its SHA-256."""

    __tablename__ = "web_session"
    id: str = Field(primary_key=True, max_length=64)
    subject: str | None = Field(default=None, max_length=255, index=True)
    staff: bool = False
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow, index=True)


class Message(SQLModel, table=True):
    """An inbox message; stored as a kind + parameters and rendered in the reader's language."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=40)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class ReminderSent(SQLModel, table=True):
    """A reminder sent to a person, by its key (domain.reminders): the unique key makes each
    reminder once, whatever the number of app processes, rounds or restarts."""

    __tablename__ = "reminder_sent"
    __table_args__ = (sa.UniqueConstraint("person_id", "key", name="uq_reminder_once"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    key: str = Field(max_length=120)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    sent_at: datetime = Field(default_factory=utcnow)


class OutboxEmail(SQLModel, table=True):
    __tablename__ = "outbox_email"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    to_address: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    error: str = Field(default="", max_length=500)
    attempts: int = 0  # failed tries so far
    next_attempt_at: datetime | None = Field(default=None, index=True)  # None: at once
    claimed_until: datetime | None = None  # a process is sending it until then


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: str = Field(default="", max_length=40)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AppMeta(SQLModel, table=True):
    __tablename__ = "app_meta"
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=500)


class JobRun(SQLModel, table=True):
    """One round of a periodic job, claimed by the first app process that inserts it: each job
    runs once per round per deployment, however many processes run (SQLite and PostgreSQL)."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "round", name="uq_job_run_round"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    round: int
    started_at: datetime = Field(default_factory=utcnow, index=True)
    worker: str = Field(default="", max_length=100)


class RateLimitHit(SQLModel, table=True):
    """One counted attempt in a rate-limit bucket; shared by every app process."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (sa.Index("ix_rate_limit_hit_bucket_at", "bucket", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=120)
    at: datetime
