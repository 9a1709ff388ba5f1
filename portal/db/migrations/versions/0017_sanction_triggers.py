"""sanction triggers the counsellor records: the term of a late first registration

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.drop_column("due_on")
