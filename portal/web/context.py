"""The running portal as handlers see it: its settings, clock, database engine, templates and
adapters, held for the app's lifetime on `request.app.state.portal`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from starlette.requests import Request

from portal.adapters.mail import Mailer
from portal.clock import Clock
from portal.services import unit
from portal.settings import Settings


@dataclass
class Portal:
    """Shared parts, held for the app's lifetime (request.app.state.portal)."""

    settings: Settings
    clock: Clock
    engine: unit.Engine
    templates: jinja2.Environment
    manifest: dict[str, str]
    mailer: Mailer
    oauth: Any = None
    payments: Any = None
    files: Any = None  # portal.adapters.storage.FileStore (pillar-4 evidence)
    reader: Any = None  # services.web_sessions.AsyncReader: reads on the event loop (PostgreSQL)


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal  # set by the app factory
    return portal
