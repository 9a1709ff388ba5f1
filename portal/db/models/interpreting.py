"""Share codes, interpreting services' API keys and the status checks they make."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.db.models.base import utcnow


class ShareCode(SQLModel, table=True):
    """A code a person shows an interpreting service (§2J). Only its SHA-256 is kept; `hint` is
    its last three characters, so the person can tell their codes apart."""

    __tablename__ = "share_code"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=3)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class ApiKey(SQLModel, table=True):
    """A key for an interpreting service's own systems; only its SHA-256 is kept."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="interpreting_service.id", index=True)
    prefix: str = Field(max_length=12)  # shown to admins to tell keys apart
    key_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=255)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class StatusCheck(SQLModel, table=True):
    """Every check of a share code, shown to the person whose status was checked."""

    __tablename__ = "status_check"
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="interpreting_service.id", index=True)
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    actor: str = Field(max_length=255)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    share_code_id: int | None = Field(default=None, foreign_key="share_code.id")
    checked_at: datetime
    outcome: str = Field(max_length=20)  # valid | not_valid_today | wrong | rate_limited
    channel: str = Field(max_length=10)  # web | api
