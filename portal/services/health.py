"""Whether the database answers (the health check)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def ping(db: Session) -> None:
    """One round trip to the database; raises when it does not answer."""
    db.connection().execute(text("SELECT 1"))
