"""Test locations, sessions, bookings, screenings and appeals."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db.models.base import translations_field, utcnow


class TestLocation(SQLModel, table=True):
    """A central location where standardized tests are held."""

    __tablename__ = "test_location"
    __test__ = False  # not a pytest class
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    province: str = Field(default="", max_length=60)
    region: str = Field(max_length=20)  # flanders | brussels
    accessibility: str = Field(default="", max_length=500)
    translations: dict[str, dict[str, str]] = translations_field()


class TestSession(SQLModel, table=True):
    """A test session with its seats. `booked` counts held and confirmed seats; it is changed
    only by conditional updates, and the database refuses it above capacity."""

    __tablename__ = "test_session"
    __test__ = False
    __table_args__ = (
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="seats_within_capacity"),
        sa.CheckConstraint("capacity > 0", name="positive_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="test_session_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="test_location.id", index=True)
    test: str = Field(max_length=20)
    level: str | None = Field(default=None, max_length=20)
    language: str | None = Field(default=None, max_length=8)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    capacity: int
    booked: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    cancelled_at: datetime | None = None
    created_by: str = Field(default="", max_length=255)


class Booking(SQLModel, table=True):
    __table_args__ = (sa.CheckConstraint("attempt >= 1", name="attempt_from_one"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    session_id: int = Field(foreign_key="test_session.id", index=True)
    test: str = Field(max_length=20)
    attempt: int = 1
    status: str = Field(max_length=20)  # held | confirmed | cancelled | expired
    held_at: datetime
    hold_expires_at: datetime = Field(index=True)
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    # set while held or confirmed: one active booking per person and test type
    active_key: str | None = Field(default=None, max_length=60, unique=True)


class Screening(SQLModel, table=True):
    """The agency's screening for the MO exemption test (a condition to book it)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    on: date
    recorded_by: str = Field(max_length=255)


class Appeal(SQLModel, table=True):
    """An appeal against an MO test result, decided by the appeals committee (beroepscommissie);
    the counsellor records the committee's decision."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    fact_id: int = Field(foreign_key="fact.id", unique=True)  # the MO test result appealed
    reason: str = Field(max_length=1000)
    lodged_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="lodged", max_length=20)  # lodged | upheld | rejected
    decided_on: date | None = None
    decided_by: str = Field(default="", max_length=255)
    decision_note: str = Field(default="", max_length=500)
