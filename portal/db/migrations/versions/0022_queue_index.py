"""the municipality's queue, paged: an index on status, sending time and id

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_participation_activity_queue",
        "participation_activity",
        ["status", "submitted_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_participation_activity_queue", table_name="participation_activity")
