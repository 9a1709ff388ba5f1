"""What every service raises and writes: a ServiceError for input it refuses (a stable code the
web layer translates), and the audit record of every change."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal import clock
from portal.db import models as m


class ServiceError(ValueError):
    """Input a service refuses; `code` is a stable key the web layer translates."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail  # e.g. the field it is about


def audit(
    db: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = "",
    **details: Any,
) -> None:
    """One line of the audit log: who did what to which record, when (by the app's clock)."""
    db.add(
        m.AuditLog(
            at=clock.now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            details=details,
        )
    )
