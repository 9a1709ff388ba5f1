"""Who is asking: the caller every scoped service takes. Established at sign-in (services.accounts)
and kept in the server-side session; services decide with it which records are in scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Principal:
    """Who is asking, as established at sign-in and kept in the server-side session."""

    subject: str
    role: str | None  # one of ROLES, or None for a user the portal does not know
    name: str = ""
    person_id: int | None = None
    grant_id: int | None = None
    agency_id: int | None = None
    municipality_id: int | None = None
    interpreting_service_id: int | None = None

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Principal | None:
        subject = data.get("subject")
        if not isinstance(subject, str):
            return None
        auth = data.get("auth") or {}
        return cls(
            subject=subject,
            role=auth.get("role"),
            name=auth.get("name", ""),
            person_id=auth.get("person_id"),
            grant_id=auth.get("grant_id"),
            agency_id=auth.get("agency_id"),
            municipality_id=auth.get("municipality_id"),
            interpreting_service_id=auth.get("interpreting_service_id"),
        )
