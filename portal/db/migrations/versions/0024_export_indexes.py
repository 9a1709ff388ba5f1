"""the municipality's export, in batches: an index on the deciding municipality, time and id

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_participation_activity_decided",
        "participation_activity",
        ["decided_municipality_id", "decided_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_participation_activity_decided", table_name="participation_activity")
