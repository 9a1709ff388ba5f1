"""The page "My integration" kept per person (issue 19: /my at a third of a signed-in /ping):
the table services.dashboard keeps the computed page in, and the triggers that mark it out of
date.

Every write to a record the page is computed from — the person, their contract and plan, NT2
modules, suspensions, exemptions, facts, certificate, residences, waivers, payments, bookings,
screening, online course progress, participation activities; and for the people concerned, a
test session moved, a municipality's region or an agency's contact changed — adds 1 to the person's
`person_dashboard.version`, in the writing transaction, whoever writes (the services, a bulk
statement, a console). A page computed at another version is not shown: it is computed again.
The triggers only update rows that exist (services.dashboard creates a person's row before it
computes the first page), so they never add rows, and never for a person being deleted.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The person ids a written row concerns, as a query of the row `{r}` (NEW or OLD).
OWN = "SELECT {r}.person_id"
CONCERNS: dict[str, str] = {
    "contract": OWN,
    "plan_component": "SELECT person_id FROM contract WHERE id = {r}.contract_id",
    "nt2_module": (
        "SELECT c.person_id FROM plan_component pc JOIN contract c ON c.id = pc.contract_id "
        "WHERE pc.id = {r}.component_id"
    ),
    "suspension": OWN,
    "exemption": OWN,
    "fact": OWN,
    "attest": OWN,
    "residence": OWN,
    "waiver": OWN,
    "payment": OWN,
    "booking": OWN,
    "screening": OWN,
    "lesson_read": OWN,
    "selfcheck_answer": OWN,
    "module_completion": OWN,
    "participation_activity": OWN,
}
# Rows whose change (not their creation) concerns other people's pages: which columns (all when
# empty) and whose pages. A seat booked (test_session.booked) concerns no other page.
CHANGES: dict[str, tuple[tuple[str, ...], str]] = {
    "person": ((), "SELECT {r}.id"),
    "test_session": (("starts_at",), "SELECT person_id FROM booking WHERE session_id = {r}.id"),
    "municipality": (
        ("region",),
        "SELECT id FROM person WHERE municipality_id = {r}.id "
        "UNION SELECT person_id FROM residence WHERE municipality_id = {r}.id",
    ),
    "agency": (("name", "office", "phone"), "SELECT id FROM person WHERE agency_id = {r}.id"),
}

BUMP = "UPDATE person_dashboard SET version = version + 1 WHERE person_id IN ({ids})"


def _events(table: str) -> tuple[str, ...]:
    if table in CONCERNS:
        return ("INSERT", "UPDATE", "DELETE")
    columns = CHANGES[table][0]
    return (f"UPDATE OF {', '.join(columns)}",) if columns else ("UPDATE",)


def _ids(table: str, row: str) -> str:
    query = CONCERNS[table] if table in CONCERNS else CHANGES[table][1]
    return query.format(r=row)


def _name(event: str) -> str:
    return event.split()[0].lower()


def _sqlite_up() -> None:
    for table in (*CONCERNS, *CHANGES):
        for event in _events(table):
            ids = {
                "insert": _ids(table, "NEW"),
                "delete": _ids(table, "OLD"),
                "update": f"{_ids(table, 'NEW')} UNION {_ids(table, 'OLD')}",
            }[_name(event)]
            op.execute(
                f"CREATE TRIGGER person_dashboard_{table}_{_name(event)} AFTER {event} "
                f"ON {table} FOR EACH ROW BEGIN {BUMP.format(ids=ids)}; END"
            )


def _sqlite_down() -> None:
    for table in (*CONCERNS, *CHANGES):
        for event in _events(table):
            op.execute(f"DROP TRIGGER IF EXISTS person_dashboard_{table}_{_name(event)}")


def _postgresql_up() -> None:
    for table in (*CONCERNS, *CHANGES):
        new, old = _ids(table, "NEW"), _ids(table, "OLD")
        op.execute(
            f"CREATE FUNCTION person_dashboard_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  IF TG_OP = 'INSERT' THEN\n"
            f"    {BUMP.format(ids=new)};\n"
            "  ELSIF TG_OP = 'DELETE' THEN\n"
            f"    {BUMP.format(ids=old)};\n"
            "  ELSE\n"
            f"    {BUMP.format(ids=f'{new} UNION {old}')};\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$"
        )
        op.execute(
            f"CREATE TRIGGER person_dashboard_{table} AFTER {' OR '.join(_events(table))} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION person_dashboard_{table}()"
        )


def _postgresql_down() -> None:
    for table in (*CONCERNS, *CHANGES):
        op.execute(f"DROP TRIGGER IF EXISTS person_dashboard_{table} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS person_dashboard_{table}()")


def upgrade() -> None:
    op.create_table(
        "person_dashboard",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("computed_version", sa.Integer(), nullable=True),
        sa.Column("stamp", sa.String(length=80), nullable=False),
        sa.Column("computed_at", sa.Integer(), nullable=False),
        sa.Column("fresh_until", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_dashboard_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_dashboard")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_up()
    else:
        _sqlite_up()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_down()
    else:
        _sqlite_down()
    op.drop_table("person_dashboard")
