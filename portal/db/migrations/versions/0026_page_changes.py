"""pages kept by the workers: PostgreSQL tells them whose "My integration" changed

Every change to a person's `person_dashboard` row (a record written: the triggers of migration
0023 raise its version; a page stored) and every change to what their unread counts read
(inbox messages, conversations, their posts and read marks) sends the person's id on the
channel "portal_person_page" when its transaction commits; emptying one of these tables sends
"*". Each worker listens and drops the row it kept (services.dashboard). SQLite has one process
and keeps nothing: no trigger.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "portal_person_page"  # services.dashboard.CHANNEL

# The person a changed row concerns, as an expression of the row `{r}` (NEW or OLD), and the
# changes that matter (a page row is only read once it exists: its creation tells nothing).
CONCERNS: dict[str, tuple[str, str]] = {
    "person_dashboard": ("{r}.person_id", "UPDATE OR DELETE"),
    "message": ("{r}.person_id", "INSERT OR UPDATE OR DELETE"),
    "conversation": ("{r}.person_id", "INSERT OR UPDATE OR DELETE"),
    "conversation_post": (
        "(SELECT person_id FROM conversation WHERE id = {r}.conversation_id)",
        "INSERT OR UPDATE OR DELETE",
    ),
    "conversation_read": (
        "(SELECT person_id FROM conversation WHERE id = {r}.conversation_id)",
        "INSERT OR UPDATE OR DELETE",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION portal_person_page_emptied() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '*');
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table, (person, events) in CONCERNS.items():
        new, old = person.format(r="NEW"), person.format(r="OLD")
        op.execute(
            f"""
            CREATE FUNCTION portal_person_page_{table}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'DELETE' THEN
                    PERFORM pg_notify('{CHANNEL}', ({new})::text);
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    PERFORM pg_notify('{CHANNEL}', ({old})::text);
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_page_changed AFTER {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION portal_person_page_{table}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_page_emptied AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION portal_person_page_emptied()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in CONCERNS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_page_emptied ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_page_changed ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS portal_person_page_{table}()")
    op.execute("DROP FUNCTION IF EXISTS portal_person_page_emptied()")
