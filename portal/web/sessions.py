"""Server-side sessions (pure ASGI middleware).

The cookie carries only a random id (256 bits); the database keeps its SHA-256, the data, and
the times. Sign-out and expiry delete the row, so a replayed cookie is dead. An unknown, expired
or malformed cookie simply means "signed out". `scope["session"]` is a dict (what Authlib's
Starlette client uses for state, nonce and PKCE verifier); `scope["portal.session"]` is the handle.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anyio import to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.clock import Clock
from portal.services import web_sessions as store
from portal.settings import Settings

TOUCH_EVERY = timedelta(seconds=60)


class SessionData(dict[str, Any]):
    """A dict that notices changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.modified = True
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)


@dataclass
class SessionHandle:
    raw_id: str | None
    data: SessionData
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    regenerate: bool = False
    destroyed: bool = False
    touched: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str | None:
        value = self.data.get("subject")
        return value if isinstance(value, str) else None

    def sign_in(self, subject: str, staff: bool, values: dict[str, Any]) -> None:
        """Start a signed-in session under a new id (session fixation defence)."""
        keep_lang = self.data.get("lang")
        self.data.clear()
        self.data.update(values)
        self.data["subject"] = subject
        self.data["staff"] = staff
        if keep_lang and "lang" not in values:
            self.data["lang"] = keep_lang
        self.regenerate = True

    def destroy(self) -> None:
        self.destroyed = True
        self.data.clear()


class SessionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        engine: store.Engine,
        clock: Clock,
        reader: store.AsyncReader | None = None,
    ) -> None:
        self.app = app
        self.reader = reader
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.cookie = settings.session_cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = self._read_cookie(scope)
        handle = SessionHandle(raw_id=None, data=SessionData())
        if (
            raw_id is not None
            and scope["path"] not in {"/healthz"}
            and not scope["path"].startswith("/static/")
        ):
            if self.reader is not None and self.reader.ready():  # PostgreSQL: on the loop
                found = await self.reader.load(self.settings, raw_id, self.clock.now())
                handle = self._handle(raw_id, found)
            else:
                handle = await to_thread.run_sync(self._load, raw_id)
        scope["session"] = handle.data
        scope["portal.session"] = handle

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and self._writes(handle):
                cookie = await to_thread.run_sync(self._persist, handle)
                if cookie is not None:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _read_cookie(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                # Starlette's parser, as browsers read cookies (http.cookies' SimpleCookie is
                # ten times slower and gives up on a whole header for one odd cookie)
                raw = cookie_parser(value.decode("latin-1")).get(self.cookie)
                if raw is not None:
                    if 20 <= len(raw) <= 100 and raw.replace("-", "").replace("_", "").isalnum():
                        return raw
        return None

    def _load(self, raw_id: str) -> SessionHandle:
        found = store.load(self.engine, self.settings, raw_id, self.clock.now())
        return self._handle(raw_id, found)

    def _handle(self, raw_id: str, stored: store.Stored | None) -> SessionHandle:
        if stored is None:
            return SessionHandle(raw_id=None, data=SessionData())
        if stored.expired:
            return SessionHandle(raw_id=None, data=SessionData(), extra={"expired": True})
        return SessionHandle(
            raw_id=raw_id,
            data=SessionData(stored.data),
            created_at=stored.created_at,
            last_seen_at=stored.last_seen_at,
        )

    def _cookie(self, value: str, max_age: int | None) -> str:
        parts = [f"{self.cookie}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.settings.https:
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)

    def _writes(self, handle: SessionHandle) -> bool:
        """Whether the response changes the session or its cookie (most requests don't: then
        no thread and no database call)."""
        if handle.destroyed or handle.regenerate:
            return True
        if handle.raw_id is None:
            return bool(handle.data) or bool(handle.extra.get("expired"))
        return self._due(handle, self.clock.now())

    @staticmethod
    def _due(handle: SessionHandle, now: datetime) -> bool:
        """A kept session is written when its data changed, or to mark it seen (once a minute)."""
        stale = handle.last_seen_at is None or now - handle.last_seen_at > TOUCH_EVERY
        return handle.data.modified or stale

    def _persist(self, handle: SessionHandle) -> str | None:
        """Write the session back; returns a Set-Cookie value when the cookie changes."""
        now = self.clock.now()
        if handle.destroyed:
            if handle.raw_id is not None:
                store.drop(self.engine, handle.raw_id)
                self._forget(handle.raw_id)
            return self._cookie("", 0)
        if handle.regenerate and handle.raw_id is not None:
            store.drop(self.engine, handle.raw_id)
            self._forget(handle.raw_id)
            handle.raw_id = None
        if handle.raw_id is None:
            if not handle.data:
                return self._cookie("", 0) if handle.extra.get("expired") else None
            handle.raw_id = secrets.token_urlsafe(32)
            store.create(
                self.engine,
                handle.raw_id,
                handle.subject,
                bool(handle.data.get("staff")),
                dict(handle.data),
                now,
            )
            return self._cookie(handle.raw_id, None)
        if self._due(handle, now):
            store.save(self.engine, handle.raw_id, handle.subject, dict(handle.data), now)
            self._forget(handle.raw_id)
        return None

    def _forget(self, raw_id: str) -> None:
        """This worker's kept lookup of the session is no longer true: dropped before the answer
        leaves (the other workers hear of it from the database: store.SessionCache)."""
        if self.reader is not None:
            self.reader.forget(raw_id)


def delete_expired_sessions(engine: store.Engine, settings: Settings, now: datetime) -> int:
    """Housekeeping: remove sessions past the absolute limit or the longest idle limit."""
    return store.delete_expired(engine, settings, now)
