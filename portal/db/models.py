"""Tables. Enumerated values are stored as short strings (the domain's StrEnum values), so
SQLite and PostgreSQL behave the same and a new value needs no type migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


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


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    subject: str | None = Field(default=None, max_length=255, unique=True)
    national_number: str | None = Field(default=None, max_length=11, unique=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
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
    source: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(default="", max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow)
    # a fact recorded in error is withdrawn (kept, with who and why), never deleted
    withdrawn_at: datetime | None = None
    withdrawn_by: str = Field(default="", max_length=255)
    withdrawn_reason: str = Field(default="", max_length=300)


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


class Payment(SQLModel, table=True):
    """One attempt to pay one charge: online through Mollie, or recorded by staff."""

    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="positive_amount"),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"
        ),
        sa.CheckConstraint(
            "settled_cents >= 0 AND surplus_cents >= 0 "
            "AND settled_cents + surplus_cents <= amount_cents",
            name="settled_within_amount",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    charge_key: str = Field(max_length=60)
    description: str = Field(max_length=255)
    amount_cents: int
    currency: str = Field(default="EUR", max_length=3)
    channel: str = Field(default="mollie", max_length=20)  # mollie | counter | ocmw
    provider_id: str | None = Field(default=None, max_length=40, unique=True)
    mode: str = Field(default="", max_length=10)  # test | live
    status: str = Field(default="open", max_length=20)
    method: str = Field(default="", max_length=40)
    checkout_url: str = Field(default="", max_length=500)
    idempotency_key: str = Field(max_length=64, unique=True)
    # set while the payment is open or pending: one live attempt per charge at a time
    active_key: str | None = Field(default=None, max_length=80, unique=True)
    reference: str = Field(default="", max_length=100)
    recorded_by: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    settled_at: datetime | None = None
    refunded_cents: int = 0
    # what the payment settled of its charge (the rest, if any, is given back: surplus_cents)
    settled_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    surplus_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    charged_back_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    charged_back_at: datetime | None = None
    # what was sent to Mollie besides amount and description: the same again on a retry
    locale: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    redirect_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    webhook_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    flagged: bool = False
    flag_reason: str = Field(default="", max_length=300)


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


class PaymentEvent(SQLModel, table=True):
    """Every status change of a payment, appended, never changed."""

    __tablename__ = "payment_event"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    source: str = Field(max_length=20)  # create | webhook | reconcile | return | staff | refund
    from_status: str = Field(default="", max_length=20)
    to_status: str = Field(max_length=20)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Refund(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    provider_id: str | None = Field(default=None, max_length=40, unique=True)
    amount_cents: int
    status: str = Field(default="queued", max_length=20)
    reason: str = Field(default="", max_length=300)
    idempotency_key: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CourseModule(SQLModel, table=True):
    """A module of a loaded course version, with its texts in every language (as loaded)."""

    __tablename__ = "course_module"
    __table_args__ = (sa.UniqueConstraint("version", "module_id", name="uq_course_module"),)
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=20, index=True)
    module_id: str = Field(max_length=60)
    position: int
    required: bool = True
    free: bool = False
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CourseVersion(SQLModel, table=True):
    __tablename__ = "course_version"
    version: str = Field(primary_key=True, max_length=20)
    loaded_at: datetime = Field(default_factory=utcnow)
    active: bool = False
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class LessonRead(SQLModel, table=True):
    """Progress is kept per module and lesson id, so a new version keeps it."""

    __tablename__ = "lesson_read"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "run", "module_id", "lesson_id", name="uq_lesson_read"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    lesson_id: str = Field(max_length=20)
    read_at: datetime = Field(default_factory=utcnow)


class SelfCheckAnswer(SQLModel, table=True):
    """Every answer given (earlier runs' answers stay visible)."""

    __tablename__ = "selfcheck_answer"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    question_id: str = Field(max_length=20)
    choice: str = Field(max_length=10)
    correct: bool
    answered_at: datetime = Field(default_factory=utcnow)


class ModuleCompletion(SQLModel, table=True):
    __tablename__ = "module_completion"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "run", "module_id", name="uq_module_completion"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    version: str = Field(max_length=20)
    completed_at: datetime = Field(default_factory=utcnow)


class ClassroomSession(SQLModel, table=True):
    """A classroom session of the blended MO course, held by an agency."""

    __tablename__ = "classroom_session"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="session_order"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    module_id: str | None = Field(default=None, max_length=60)
    title: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime
    place: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=255)


class Attendance(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("session_id", "person_id", name="uq_attendance"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="classroom_session.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    present: bool
    recorded_by: str = Field(max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow)


class ClassroomQuestion(SQLModel, table=True):
    """A question a person leaves for the next classroom session."""

    __tablename__ = "classroom_question"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="classroom_session.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


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


class RateLimitHit(SQLModel, table=True):
    """One counted attempt in a rate-limit bucket; shared by every app process."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (sa.Index("ix_rate_limit_hit_bucket_at", "bucket", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=120)
    at: datetime


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


class Activity(SQLModel, table=True):
    """One activity on the uniform form: a draft, then a submission the municipality decides."""

    __tablename__ = "participation_activity"
    __table_args__ = (
        sa.CheckConstraint("hours_confirmed >= 0", name="hours_confirmed_not_negative"),
        sa.CheckConstraint("hours_confirmed <= hours_claimed", name="confirmed_within_claimed"),
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
