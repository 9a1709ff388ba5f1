"""A person's trajectory: contract, plan, NT2 modules, facts, suspensions, exemptions, waivers,
attests and sanction reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from portal.db.models.base import utcnow


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    subject: str | None = Field(default=None, max_length=255, unique=True)
    national_number: str | None = Field(default=None, max_length=11, unique=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    # messages are always in the portal; also announced by e-mail unless the person says no
    notify_email: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    language: str = Field(default="nl", max_length=8)
    civil_register: str = Field(max_length=20)
    obligation: str = Field(max_length=20)
    protection: str = Field(default="not_applicable", max_length=20)
    situation: str = Field(default="none", max_length=20)
    literacy: str = Field(default="standard", max_length=20)  # standard | low
    nt2_target: str = Field(default="A2", max_length=20)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    counsellor_grant_id: int | None = Field(default=None, foreign_key="role_grant.id")
    created_at: datetime = Field(default_factory=utcnow)


class Contract(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    signed_on: date | None = None
    declaration_signed_on: date | None = None
    text_version: str = Field(default="2022.1", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=255)
    drawn_up_on: date | None = None  # the day the counsellor drew it up: no signature before
    # how it was signed: "portal" (the person confirmed after sign-in) or "paper" (recorded)
    signature_method: str | None = Field(default=None, max_length=10)
    signed_at: datetime | None = None
    signed_by: str = Field(default="", max_length=255)
    signed_language: str | None = Field(default=None, max_length=8)
    # SHA-256 of the exact texts (contract, plan and declaration) the person saw and signed
    signed_text_sha256: str | None = Field(default=None, max_length=64)
    signed_text: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Nt2Module(SQLModel, table=True):
    """A module of the NT2 component: its lesson periods and planned dates."""

    __tablename__ = "nt2_module"
    __table_args__ = (
        sa.CheckConstraint("lesson_periods > 0", name="positive_periods"),
        sa.CheckConstraint("planned_end >= planned_start", name="module_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    component_id: int = Field(foreign_key="plan_component.id", index=True)
    name: str = Field(max_length=100)
    lesson_periods: int
    planned_start: date
    planned_end: date
    position: int = 0
    # the module's lasting identity: its fee is keyed on it ("nt2_module:<fee_key>"), so
    # amending the plan (which rewrites these rows) never makes a paid module due again
    fee_key: str = Field(max_length=16)


class Amendment(SQLModel, table=True):
    """A change to a signed contract: never silent, always with its own history."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    by: str = Field(max_length=255)
    reason: str = Field(max_length=500)
    changes: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Residence(SQLModel, table=True):
    """Where a person lives from a date on (moves matter for fees and for pillar 4)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    since: date


class SanctionReview(SQLModel, table=True):
    """A counsellor's decision on a sanction-relevant fact the rules found."""

    __tablename__ = "sanction_review"
    __table_args__ = (
        sa.UniqueConstraint(
            "person_id", "kind", "pillar", "deadline", name="uq_sanction_review_fact"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=30)
    pillar: str = Field(max_length=20)
    deadline: date
    decision: str = Field(max_length=20)  # report | not_report
    reason: str = Field(default="", max_length=500)
    reviewed_by: str = Field(max_length=255)
    reviewed_at: datetime = Field(default_factory=utcnow)


class Attest(SQLModel, table=True):
    """The integration certificate, issued by a counsellor when every required pillar is met."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    reached_on: date
    issued_on: date
    issued_by: str = Field(max_length=255)
    verification_code: str = Field(max_length=20, unique=True)


class PlanComponent(SQLModel, table=True):
    __tablename__ = "plan_component"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    pillar: str = Field(max_length=20)
    provider: str = Field(default="", max_length=200)
    provider_type: str = Field(default="", max_length=10)  # NT2: CVO | CBE | UTC
    variant: str = Field(default="", max_length=40)  # classroom | blended | online | evening ...
    # MO: how many classroom sessions the plan asks the person to attend (blended/classroom)
    classroom_sessions: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    schedule: str = Field(default="", max_length=300)
    deadline: date | None = None
    position: int = 0


class Suspension(SQLModel, table=True):
    __table_args__ = (sa.CheckConstraint("end_on >= start_on", name="suspension_order"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    start_on: date
    end_on: date
    reason: str = Field(default="", max_length=300)
    recorded_by: str = Field(default="", max_length=255)


class Exemption(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    pillar: str = Field(max_length=20)
    on: date
    reason: str = Field(default="", max_length=300)
    recorded_by: str = Field(default="", max_length=255)


class Fact(SQLModel, table=True):
    """A dated record the rules read; written only through services."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=30)
    on: date
    test: str | None = Field(default=None, max_length=20)
    passed: bool | None = None
    level: str | None = Field(default=None, max_length=20)
    hours: int = 0
    pillar: str | None = Field(default=None, max_length=20)
    period_kind: str | None = Field(default=None, max_length=20)
    until: date | None = None
    due_on: date | None = None  # late first registration: the day they had to register by
    source: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=500)  # for a sanction fact: the reason
    recorded_by: str = Field(default="", max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow)
    # a fact recorded in error is withdrawn (kept, with who and why), never deleted
    withdrawn_at: datetime | None = None
    withdrawn_by: str = Field(default="", max_length=255)
    withdrawn_reason: str = Field(default="", max_length=300)


class Waiver(SQLModel, table=True):
    """A counsellor's decision that a fee is not charged (payment difficulties, exemption)."""

    __table_args__ = (sa.UniqueConstraint("person_id", "charge_key", name="uq_waiver_charge"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    charge_key: str = Field(max_length=60)
    category: str = Field(max_length=30)  # payment_difficulties | exemption_category | other
    reason: str = Field(max_length=500)
    recorded_by: str = Field(max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow)
