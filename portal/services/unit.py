"""A unit of work for the web layer: `with work(engine) as db:` opens one transaction that commits
when the block ends and rolls back on an error. The web layer passes `db` on to services and never
queries it itself (tests/meta/test_structure.py keeps it so)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.db.engine import session_scope

Db = Session
work = session_scope

__all__ = ["Db", "Engine", "work"]
