"""sessions kept by the workers: PostgreSQL tells them which session rows change

Every change to a web_session row (an update: new data, the minute's "seen"; a delete: sign-out,
expiry, housekeeping) sends the row's id on the channel "portal_web_session" when its
transaction commits; emptying the table sends "*". Each worker listens and drops what it kept
(services.web_sessions.SessionCache). SQLite has one process and keeps nothing: no trigger.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "portal_web_session"  # services.web_sessions.CHANNEL


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION portal_web_session_changed() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', OLD.id);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION portal_web_session_emptied() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '*');
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER web_session_changed AFTER UPDATE OR DELETE ON web_session "
        "FOR EACH ROW EXECUTE FUNCTION portal_web_session_changed()"
    )
    op.execute(
        "CREATE TRIGGER web_session_emptied AFTER TRUNCATE ON web_session "
        "FOR EACH STATEMENT EXECUTE FUNCTION portal_web_session_emptied()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS web_session_emptied ON web_session")
    op.execute("DROP TRIGGER IF EXISTS web_session_changed ON web_session")
    op.execute("DROP FUNCTION IF EXISTS portal_web_session_emptied()")
    op.execute("DROP FUNCTION IF EXISTS portal_web_session_changed()")
