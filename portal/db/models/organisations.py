"""Agencies, municipalities, interpreting services, offices, accounts and the roles they hold."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.db.models.base import utcnow


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    office: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    nis_code: str = Field(max_length=5, unique=True)
    name_nl: str = Field(max_length=100)
    name_fr: str = Field(default="", max_length=100)
    province: str = Field(default="", max_length=60)
    region: str = Field(max_length=20)  # flanders | brussels


class InterpretingService(SQLModel, table=True):
    __tablename__ = "interpreting_service"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class Account(SQLModel, table=True):
    """Anyone who signs in, keyed by the identity provider's subject; holds preferences."""

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=255, unique=True)
    display_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=200)
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class Office(SQLModel, table=True):
    """An office of an agency: where newcomers find their counsellor (kept by administrators)."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    opening_hours: str = Field(default="", max_length=500)
    appointment: str = Field(default="", max_length=500)  # how to make an appointment
    active: bool = True


class RoleGrant(SQLModel, table=True):
    """A role the portal grants to a subject, bound to what it may see. A grant is never
    deleted: revoking it gives it an end, so the history of who held which role when stays."""

    __tablename__ = "role_grant"
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=255, index=True)
    role: str = Field(max_length=20)  # counsellor | municipality | interpreting | admin
    display_name: str = Field(default="", max_length=200)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    office_id: int | None = Field(default=None, foreign_key="office.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    interpreting_service_id: int | None = Field(default=None, foreign_key="interpreting_service.id")
    granted_at: datetime = Field(default_factory=utcnow)
    granted_by: str = Field(default="", max_length=255)
    ended_at: datetime | None = None
    ended_by: str = Field(default="", max_length=255)
    end_reason: str = Field(default="", max_length=300)
    # "subject:role" while the grant is held (one held grant per subject and role), else NULL
    active_key: str | None = Field(default=None, max_length=300, unique=True)
