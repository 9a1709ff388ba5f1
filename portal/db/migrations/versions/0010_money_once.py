"""money once: stable NT2 fee keys, the day a contract was drawn up, what a payment settled
and gives back, chargebacks, what an attempt sent to Mollie, and periodic job rounds

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job", "round", name="uq_job_run_round"),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_run_started_at"), ["started_at"], unique=False)

    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drawn_up_on", sa.Date(), nullable=True))
    # Existing contracts: the day they were drawn up is unknown, and no later than the signing.
    op.execute("UPDATE contract SET drawn_up_on = signed_on WHERE signed_on IS NOT NULL")

    # Existing modules keep the key their fees were paid under ("nt2_module:<id>").
    with op.batch_alter_table("nt2_module", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_key", sa.String(length=16), nullable=True))
    op.execute("UPDATE nt2_module SET fee_key = CAST(id AS VARCHAR(16))")
    with op.batch_alter_table("nt2_module", schema=None) as batch_op:
        batch_op.alter_column("fee_key", existing_type=sa.String(length=16), nullable=False)

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settled_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("surplus_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("charged_back_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("charged_back_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("locale", sa.String(length=8), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("redirect_url", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("webhook_url", sa.String(length=500), server_default="", nullable=False)
        )
    op.execute("UPDATE payment SET settled_cents = amount_cents WHERE settled_at IS NOT NULL")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_payment_settled_within_amount"),
            "settled_cents >= 0 AND surplus_cents >= 0 "
            "AND settled_cents + surplus_cents <= amount_cents",
        )

    # Attempts the portal itself marked failed while Mollie still had them open (the old
    # double-tap fault): open again, so that reconciliation asks Mollie for their real status.
    op.execute(
        "UPDATE payment SET status = 'open' WHERE status = 'failed' AND provider_id IS NOT NULL "
        "AND id IN (SELECT payment_id FROM payment_event "
        "WHERE source = 'create' AND to_status = 'failed')"
    )

    # The UTC contribution was keyed on the plan row, which an amendment rewrites: one per person.
    op.execute("UPDATE payment SET charge_key = 'nt2_utc:1' WHERE charge_key LIKE 'nt2_utc:%'")
    op.execute(
        "UPDATE payment SET active_key = CAST(person_id AS VARCHAR(20)) || ':nt2_utc:1' "
        "WHERE active_key LIKE '%:nt2_utc:%'"
    )
    op.execute(
        "DELETE FROM waiver WHERE charge_key LIKE 'nt2_utc:%' AND id NOT IN "
        "(SELECT MIN(id) FROM waiver WHERE charge_key LIKE 'nt2_utc:%' GROUP BY person_id)"
    )
    op.execute("UPDATE waiver SET charge_key = 'nt2_utc:1' WHERE charge_key LIKE 'nt2_utc:%'")


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payment_settled_within_amount"), type_="check")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("redirect_url")
        batch_op.drop_column("locale")
        batch_op.drop_column("charged_back_at")
        batch_op.drop_column("charged_back_cents")
        batch_op.drop_column("surplus_cents")
        batch_op.drop_column("settled_cents")
    with op.batch_alter_table("nt2_module", schema=None) as batch_op:
        batch_op.drop_column("fee_key")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_column("drawn_up_on")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_run_started_at"))
    op.drop_table("job_run")
