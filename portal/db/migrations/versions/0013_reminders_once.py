"""reminders sent, once per person and key

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_reminder_sent_message_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reminder_sent_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("person_id", "key", name="uq_reminder_once"),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_sent_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_person_id"))
    op.drop_table("reminder_sent")
