"""What the counsellor's two big lists show, kept per person so that a list of 100,000 people is
read a page at a time from an index (services.summaries keeps these rows in step with the records
they are computed from; the rules stay in portal.domain)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class PersonSummary(SQLModel, table=True):
    """A person's line in the caseload: what needs attention first, as computed on a day."""

    __tablename__ = "person_summary"
    __table_args__ = (
        # the caseload's order, for keyset pages: most urgent first, then by name
        sa.Index(
            "ix_person_summary_list", "agency_id", "attention_rank", "family_name", "person_id"
        ),
        sa.Index("ix_person_summary_agency_computed", "agency_id", "computed_on"),
    )
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    family_name: str = Field(max_length=100)  # the person's, copied for the list's index
    # the index in services.summaries.ATTENTION_ORDER of the most urgent code; its length: none
    attention_rank: int
    attention: str = Field(default="", max_length=200)  # the codes, comma-separated, in order
    computed_on: date = Field(index=True)  # the day the rules were applied for


class SanctionFactRow(SQLModel, table=True):
    """A sanction fact the rules find for an obliged person (domain.sanctions), as computed on
    the day of the person's summary, and whether the counsellor has decided on it."""

    __tablename__ = "sanction_fact_row"
    __table_args__ = (
        # the list's order, for keyset pages: to review first, then by day
        sa.Index("ix_sanction_fact_row_list", "agency_id", "reviewed", "day", "person_id", "seq"),
    )
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    agency_id: int = Field(foreign_key="agency.id")
    kind: str = Field(max_length=30)
    pillar: str = Field(default="", max_length=20)  # "" when about the whole trajectory
    day: date  # SanctionFact.day: what a decision on it is kept under
    deadline: date | None = None
    on: date | None = None
    days_overdue: int | None = None
    reason: str = Field(default="", max_length=500)
    reviewed: bool = False


class PersonDashboard(SQLModel, table=True):
    """A person's "My integration" as computed (services.dashboard): the rules' evaluation and
    the guide, language-neutral, as JSON. True while `version` is `computed_version` (database
    triggers add 1 to `version` whenever a record it is computed from is written, whoever
    writes it: migration 0023), the code and course content are those of `stamp`, and the time
    is within [`computed_at`, `fresh_until`) (POSIX seconds: midnight in Brussels, a held seat
    running out or a booked test starting end it)."""

    __tablename__ = "person_dashboard"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    version: int = 0
    computed_version: int | None = None  # None: never computed
    stamp: str = Field(default="", max_length=80)
    computed_at: int = 0
    fresh_until: int = 0
    data: str = Field(default="", sa_type=sa.Text)
