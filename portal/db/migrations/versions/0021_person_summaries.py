"""what the counsellor's lists show, per person: the caseload's attention order and the sanction
facts (issue 19: lists of 100,000 people read a page at a time)

Every person gets a placeholder line computed "long ago" (1970-01-01): the lists show everyone at
once and say that they are being updated, and the periodic "summaries" job (or `portal summaries
refresh`) computes the lines, oldest first.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_COMPUTED = date(1970, 1, 1)
NO_ATTENTION = 6  # len(services.summaries.ATTENTION_ORDER): nothing known yet


def upgrade() -> None:
    op.create_table(
        "person_summary",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("attention_rank", sa.Integer(), nullable=False),
        sa.Column("attention", sa.String(length=200), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_person_summary_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_summary_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_summary")),
    )
    with op.batch_alter_table("person_summary", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_summary_list",
            ["agency_id", "attention_rank", "family_name", "person_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_person_summary_agency_computed", ["agency_id", "computed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_summary_computed_on"), ["computed_on"], unique=False
        )

    op.create_table(
        "sanction_fact_row",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("pillar", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("days_overdue", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_sanction_fact_row_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_sanction_fact_row_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", "seq", name=op.f("pk_sanction_fact_row")),
    )
    with op.batch_alter_table("sanction_fact_row", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sanction_fact_row_list",
            ["agency_id", "reviewed", "day", "person_id", "seq"],
            unique=False,
        )

    op.execute(
        sa.text(
            "INSERT INTO person_summary "
            "(person_id, agency_id, family_name, attention_rank, attention, computed_on) "
            "SELECT id, agency_id, family_name, :rank, '', :day FROM person"
        ).bindparams(rank=NO_ATTENTION, day=NOT_COMPUTED)
    )


def downgrade() -> None:
    with op.batch_alter_table("sanction_fact_row", schema=None) as batch_op:
        batch_op.drop_index("ix_sanction_fact_row_list")
    op.drop_table("sanction_fact_row")
    with op.batch_alter_table("person_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_summary_computed_on"))
        batch_op.drop_index("ix_person_summary_agency_computed")
        batch_op.drop_index("ix_person_summary_list")
    op.drop_table("person_summary")
