"""Pillar 4: activities, logbooks, evidence, host confirmations, municipality offers."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db.models.base import translations_field, utcnow


class ActivityOffer(SQLModel, table=True):
    """A pillar-4 activity a municipality publishes for its residents."""

    __tablename__ = "activity_offer"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    kind: str = Field(max_length=30)  # portal.domain.participation.ActivityKind
    title: str = Field(max_length=200)
    organisation: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    place: str = Field(default="", max_length=200)
    contact: str = Field(default="", max_length=200)  # how to sign up
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=255)
    translations: dict[str, dict[str, str]] = translations_field()


class Activity(SQLModel, table=True):
    """One activity on the uniform form: a draft, then a submission the municipality decides."""

    __tablename__ = "participation_activity"
    __table_args__ = (
        sa.CheckConstraint("hours_confirmed >= 0", name="hours_confirmed_not_negative"),
        sa.CheckConstraint("hours_confirmed <= hours_claimed", name="confirmed_within_claimed"),
        # the municipality's queue: waiting activities, oldest first, a page at a time
        sa.Index("ix_participation_activity_queue", "status", "submitted_at", "id"),
        # the municipality's export: its decisions, oldest first, a batch at a time
        sa.Index(
            "ix_participation_activity_decided", "decided_municipality_id", "decided_at", "id"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="draft", max_length=20, index=True)
    kind: str = Field(default="", max_length=30)
    organisation: str = Field(default="", max_length=200)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=200)
    place: str = Field(default="", max_length=200)
    start_on: date | None = None
    end_on: date | None = None
    description: str = Field(default="", max_length=2000)
    offer_id: int | None = Field(default=None, foreign_key="activity_offer.id")
    hours_claimed: int = 0
    hours_confirmed: int = 0
    decision_reason: str = Field(default="", max_length=2000)
    decided_by: str = Field(default="", max_length=255)
    decided_at: datetime | None = None
    decided_municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    fact_id: int | None = Field(default=None, foreign_key="fact.id")
    submitted_at: datetime | None = None
    contact_answer: str = Field(default="", max_length=10)  # "" | agree | disagree
    contact_note: str = Field(default="", max_length=1000)
    contact_answered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LogbookLine(SQLModel, table=True):
    __tablename__ = "logbook_line"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="participation_activity.id", index=True)
    on: date
    hours: int


class EvidenceFile(SQLModel, table=True):
    """Proof uploaded with an activity; the bytes live in the file store under a random key."""

    __tablename__ = "evidence_file"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="participation_activity.id", index=True)
    storage_key: str = Field(max_length=32, unique=True)
    display_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow)


class ConfirmationLink(SQLModel, table=True):
    """A single-purpose link for the host organisation's contact to confirm the hours."""

    __tablename__ = "confirmation_link"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="participation_activity.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    sent_to: str = Field(max_length=200)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class ActivityEvent(SQLModel, table=True):
    """The history of one activity, shown to the newcomer and the municipality."""

    __tablename__ = "activity_event"
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="participation_activity.id", index=True)
    at: datetime
    actor: str = Field(max_length=255)
    kind: str = Field(max_length=30)
    note: str = Field(default="", max_length=2000)
