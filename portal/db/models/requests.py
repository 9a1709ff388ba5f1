"""Requests a person sends to their counsellor (a suspension, a fee waiver, a period of work,
training or study, a move), the counsellor's decision, and the proof sent along; and questions
about participation hours, sent to the municipality that decided them and answered there."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from portal.db.models.base import utcnow


class PersonRequest(SQLModel, table=True):
    """One request (portal.domain.requests): what was asked, its status and the decision."""

    __tablename__ = "person_request"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=20)  # RequestKind
    status: str = Field(default="waiting", max_length=20, index=True)  # RequestStatus
    start_on: date | None = None
    end_on: date | None = None
    reason: str = Field(default="", max_length=20)  # suspension: medical | personal
    period_kind: str = Field(default="", max_length=20)
    fee: str = Field(default="", max_length=120)  # a charge key, or "all"
    # a move: the new municipality; a question about hours: the municipality that answers it
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    # a question about hours: the activity it is about
    activity_id: int | None = Field(default=None, foreign_key="participation_activity.id")
    address: str = Field(default="", max_length=300)
    details: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: str = Field(default="", max_length=255)
    decision_reason: str = Field(default="", max_length=2000)  # or the municipality's answer


class RequestFile(SQLModel, table=True):
    """Proof sent with a request; the bytes live in the file store under a random key."""

    __tablename__ = "request_file"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="person_request.id", index=True)
    storage_key: str = Field(max_length=32, unique=True)
    display_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow)
