"""requests to the counsellor (suspension, fee waiver, work/training/study, move) and their proof

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("period_kind", sa.String(length=20), nullable=False),
        sa.Column("fee", sa.String(length=120), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("details", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=False),
        sa.Column("decision_reason", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_person_request_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_request_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_request")),
    )
    with op.batch_alter_table("person_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_request_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_request_status"), ["status"], unique=False)

    op.create_table(
        "request_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["person_request.id"],
            name=op.f("fk_request_file_request_id_person_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_file")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_request_file_storage_key")),
    )
    with op.batch_alter_table("request_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_file_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_file_request_id"))
    op.drop_table("request_file")
    with op.batch_alter_table("person_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_request_status"))
        batch_op.drop_index(batch_op.f("ix_person_request_person_id"))
    op.drop_table("person_request")
