"""The running portal as handlers see it: its settings, clock, database engine, templates and
adapters, held for the app's lifetime on `request.app.state.portal`."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from starlette.requests import Request

from portal.adapters.mail import Mailer
from portal.clock import Clock
from portal.services import unit
from portal.settings import Settings


class Rendered:
    """Pages a worker keeps rendered, by a key that names everything they show (`render_kept`):
    at most `size`, the least recently used dropped first. A kept page never goes stale — a
    change gives another key — it only stops being asked for."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: Hashable, body: str) -> None:
        with self._lock:
            self._pages[key] = body
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


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
    rendered: Rendered = field(default_factory=Rendered)  # personal pages kept (pages.render_kept)


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal  # set by the app factory
    return portal
