"""The audit log, filtered for administrators: by person (number, name or national register
number), actor, action and period, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy import func as sa_func
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.settings import BRUSSELS


@dataclass(frozen=True)
class AuditFilter:
    person: str = ""  # a person's number, or part of a name or national register number
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


def audit_entries(
    db: Session, wanted: AuditFilter, *, before_id: int | None = None, limit: int = 50
) -> list[m.AuditLog]:
    """Audit entries matching `wanted`, newest first, `limit` at a time (keyset: pass the last
    id shown as `before_id` for the next page)."""
    query = select(m.AuditLog)
    if wanted.person.strip():
        text = wanted.person.strip()
        ids: list[int] = []
        if text.isdigit() and len(text) < 10:
            ids = [int(text)]
        else:
            digits = "".join(ch for ch in text if ch.isdigit())
            like = f"%{text.lower()}%"
            conditions: list[ColumnElement[bool]] = [
                sa_func.lower(m.Person.given_name + " " + m.Person.family_name).like(like)
            ]
            if len(digits) == 11:
                conditions.append(col(m.Person.national_number) == digits)
            ids = [
                pid
                for pid in db.exec(select(m.Person.id).where(or_(*conditions)).limit(50)).all()
                if pid is not None
            ]
        if not ids:
            return []
        query = query.where(
            or_(
                and_(
                    col(m.AuditLog.entity) == "person",
                    col(m.AuditLog.entity_id).in_([str(i) for i in ids]),
                ),
                m.AuditLog.details["person_id"].as_integer().in_(ids),
            )
        )
    if wanted.actor.strip():
        query = query.where(col(m.AuditLog.actor).contains(wanted.actor.strip()))
    if wanted.action:
        query = query.where(m.AuditLog.action == wanted.action)
    if wanted.since is not None:
        query = query.where(m.AuditLog.at >= _start_of(wanted.since))
    if wanted.until is not None:
        query = query.where(m.AuditLog.at < _start_of(wanted.until + timedelta(days=1)))
    if before_id is not None:
        query = query.where(col(m.AuditLog.id) < before_id)
    query = query.order_by(col(m.AuditLog.id).desc()).limit(limit)
    return list(db.exec(query).all())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS)
