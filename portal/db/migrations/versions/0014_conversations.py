"""conversations between a person and their agency, with files and who read what

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assigned_to", sa.String(length=255), nullable=False),
        sa.Column("started_by", sa.String(length=10), nullable=False),
        sa.Column("about_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["about_message_id"],
            ["message.id"],
            name=op.f("fk_conversation_about_message_id_message"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_conversation_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_conversation_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_conversation_last_message_at"), ["last_message_at"], unique=False
        )
    op.create_table(
        "conversation_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=10), nullable=False),
        sa.Column("author_subject", sa.String(length=255), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_post_conversation_id_conversation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_post")),
    )
    with op.batch_alter_table("conversation_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_post_conversation_id"), ["conversation_id"], unique=False
        )
    op.create_table(
        "conversation_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["conversation_post.id"],
            name=op.f("fk_conversation_file_post_id_conversation_post"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_file")),
    )
    with op.batch_alter_table("conversation_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_file_post_id"), ["post_id"], unique=False)
    op.create_table(
        "conversation_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=255), nullable=False),
        sa.Column("last_post_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_read_conversation_id_conversation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_read")),
        sa.UniqueConstraint("conversation_id", "reader", name="uq_read_once"),
    )
    with op.batch_alter_table("conversation_read", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_read_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    for table in ("conversation_read", "conversation_file", "conversation_post", "conversation"):
        op.drop_table(table)
