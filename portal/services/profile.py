"""The person's own profile: how to reach them (e-mail, phone), whether messages are also
announced by e-mail, and a copy of everything the portal holds about them (the right of access,
GDPR art. 15 and 20: complete, machine-readable, audited).

The copy is gathered by walking the schema, not by a list kept by hand: every table with the
person's id, then every table that points at rows already gathered (a contract's plan, an
activity's logbook and files, a payment's events). A table added later is in the copy without
anyone remembering to add it. Only secrets that would let someone act as the person or reach
stored files (hashes of codes and links, storage keys, idempotency keys) are left out."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from portal.db import models as m
from portal.domain.contact import EMAIL_MAX, PHONE_MAX, email_problem, phone_problem
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit

# Columns never copied out: they are keys to act as the person or to reach stored files, not
# information about the person.
SECRET_COLUMNS = frozenset(
    {"code_hash", "token_hash", "key_hash", "storage_key", "active_key", "idempotency_key"}
)
# Tables that are not about one person even though a walk could reach them.
NOT_PERSONAL = frozenset({"web_session", "rate_limit_hit", "job_run", "app_meta"})

FORMAT = "inburgering-my-data/1"

__all__ = [
    "EMAIL_MAX",
    "PHONE_MAX",
    "Contact",
    "contact_problems",
    "my_data",
    "own_person",
    "update_contact",
]


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    notify_email: bool


def own_person(db: Session, caller: Principal) -> m.Person:
    """The signed-in person's record; anyone else (staff, a subject without a person) has none."""
    if caller.person_id is None:
        raise ServiceError("not_found")
    person = db.get(m.Person, caller.person_id)
    if person is None:
        raise ServiceError("not_found")
    return person


def contact_problems(contact: Contact) -> dict[str, str]:
    """Field → error code, every problem at once."""
    problems = {}
    if code := email_problem(contact.email):
        problems["email"] = code
    if code := phone_problem(contact.phone):
        problems["phone"] = code
    if contact.notify_email and not contact.email:
        problems["email"] = problems.get("email", "email_for_notices")
    return problems


def update_contact(db: Session, caller: Principal, contact: Contact) -> list[str]:
    """Save the person's contact details; the names of the fields that changed (audited without
    their values). Refused as a whole on the first problem (`contact_problems` lists them all)."""
    person = own_person(db, caller)
    for field, code in contact_problems(contact).items():
        raise ServiceError(code, field)
    changed = [
        name
        for name, value in (
            ("email", contact.email),
            ("phone", contact.phone),
            ("notify_email", contact.notify_email),
        )
        if getattr(person, name) != value
    ]
    if changed:
        person.email = contact.email
        person.phone = contact.phone
        person.notify_email = contact.notify_email
        db.add(person)
        audit(db, caller.subject, "update_contact", "person", person.id, fields=changed)
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _rows(db: Session, table: sa.Table, where: Any) -> list[dict[str, Any]]:
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    order = table.c.id if "id" in table.c else columns[0]
    found = db.execute(sa.select(*columns).where(where).order_by(order)).mappings().all()
    return [{name: _plain(value) for name, value in row.items()} for row in found]


def my_data(db: Session, caller: Principal, now: datetime) -> dict[str, Any]:
    """Everything the portal holds about the signed-in person, as plain JSON values, by table.
    The download itself is audited."""
    person = own_person(db, caller)
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_PERSONAL}
    gathered: dict[str, list[dict[str, Any]]] = {
        "person": _rows(db, tables["person"], tables["person"].c.id == person.id)
    }
    for table in tables.values():
        if "person_id" in table.c and table.name not in gathered:
            gathered[table.name] = _rows(db, table, table.c.person_id == person.id)
    # then the rows that hang from what is gathered (a plan from its contract, a logbook from
    # its activity), until nothing new hangs from anything
    grew = True
    while grew:
        grew = False
        for table in tables.values():
            if table.name in gathered:
                continue
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent in gathered and parent != "person" and fk.column.name == "id":
                    ids = [row["id"] for row in gathered[parent]]
                    gathered[table.name] = _rows(db, table, fk.parent.in_(ids)) if ids else []
                    grew = True
                    break
    if person.subject:
        account = tables["account"]
        gathered["account"] = _rows(db, account, account.c.subject == person.subject)
    audit_table = tables["audit_log"]
    about = (col(m.AuditLog.entity) == "person") & (col(m.AuditLog.entity_id) == str(person.id))
    if person.subject:
        about = about | (col(m.AuditLog.actor) == person.subject)
    gathered["audit_log"] = _rows(db, audit_table, about)
    audit(db, caller.subject, "download_my_data", "person", person.id)
    return {
        "format": FORMAT,
        "made_at": now.isoformat(),
        "person_id": person.id,
        "tables": {name: gathered[name] for name in sorted(gathered) if gathered[name]},
    }
