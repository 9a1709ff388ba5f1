"""What every table shares: the constraint naming convention and the UTC clock for defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def translations_field() -> Any:
    """Translations of text staff typed in Dutch: `{language: {field: text}}`. The Dutch
    original stays in its own column; a language or field without a translation is absent
    (see `portal.services.translations`)."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
