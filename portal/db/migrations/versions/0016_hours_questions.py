"""questions about participation hours: a request kind answered by the municipality (the
activity asked about; the municipality's requests found by an index)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_person_request_activity_id_participation_activity"),
            "participation_activity",
            ["activity_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_person_request_municipality_id"), ["municipality_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("person_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_request_municipality_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_person_request_activity_id_participation_activity"), type_="foreignkey"
        )
        batch_op.drop_column("activity_id")
