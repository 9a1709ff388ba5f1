"""grants with an end (never deleted), offices of agencies

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("opening_hours", sa.String(length=500), nullable=False),
        sa.Column("appointment", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_office_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
    )
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_agency_id"), ["agency_id"], unique=False)
    # every agency's one office so far becomes its first office
    op.execute(
        "INSERT INTO office (agency_id, name, address, phone, email, opening_hours, appointment, "
        "active) SELECT id, CASE WHEN office = '' THEN name ELSE office END, address, phone, "
        "email, '', '', true FROM agency"
    )

    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_constraint("uq_role_grant_subject_role", type_="unique")
        batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("granted_by", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("ended_by", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("end_reason", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("active_key", sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_role_grant_office_id_office"), "office", ["office_id"], ["id"]
        )
    op.execute("UPDATE role_grant SET granted_at = CURRENT_TIMESTAMP WHERE granted_at IS NULL")
    op.execute("UPDATE role_grant SET active_key = subject || ':' || role")
    op.execute(
        "UPDATE role_grant SET office_id = (SELECT MIN(office.id) FROM office "
        "WHERE office.agency_id = role_grant.agency_id) WHERE agency_id IS NOT NULL"
    )
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.alter_column(
            "granted_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_role_grant_active_key"), ["active_key"])


def downgrade() -> None:
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_role_grant_active_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_role_grant_office_id_office"), type_="foreignkey")
        batch_op.drop_column("active_key")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_by")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("granted_by")
        batch_op.drop_column("granted_at")
        batch_op.drop_column("office_id")
        batch_op.create_unique_constraint("uq_role_grant_subject_role", ["subject", "role"])
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_agency_id"))
    op.drop_table("office")
