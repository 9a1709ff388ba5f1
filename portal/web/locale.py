"""Locale negotiation (pure ASGI): ?lang= → saved preference (session/profile, then cookie)
→ Accept-Language → the default. An explicit choice is remembered in a cookie, and on the
profile once signed in."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from anyio import to_thread
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import i18n
from portal.services.accounts import save_language
from portal.settings import Settings

COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def _cookie_value(scope: Scope, name: str) -> str | None:
    for header, value in scope["headers"]:
        if header == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a mangled cookie header is ignored
                return None
            if name in jar:
                return jar[name].value
    return None


def _header(scope: Scope, name: bytes) -> str:
    for header, value in scope["headers"]:
        if header == name:
            return str(value.decode("latin-1"))
    return ""


class LocaleMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.languages = settings.languages

    def choose(self, scope: Scope) -> tuple[str, bool]:
        """The language for this request, and whether it was chosen explicitly now."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = (query.get("lang") or [""])[0].strip().lower()
        if asked in self.languages:
            return asked, True
        session = scope.get("session") or {}
        saved = session.get("lang")
        if isinstance(saved, str) and saved in self.languages:
            return saved, False
        cookie = _cookie_value(scope, COOKIE)
        if cookie in self.languages:
            return str(cookie), False
        accept = _header(scope, b"accept-language")
        negotiated = i18n.negotiate(accept, self.languages, self.settings.default_language)
        return negotiated, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language, explicit = self.choose(scope)
        i18n.set_language(language)
        scope["portal.language"] = language
        handle = scope.get("portal.session")
        if explicit and handle is not None:
            if handle.data.get("lang") != language and handle.subject:
                handle.data["lang"] = language
                portal = scope["app"].state.portal
                await to_thread.run_sync(save_language, portal.engine, handle.subject, language)

        # static files are the same in every language: no Content-Language, no Vary on the
        # language or the cookie (a shared cache keeps one copy for everyone)
        static = scope["path"].startswith("/static/")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and not static:
                headers = MutableHeaders(scope=message)
                if explicit:
                    secure = "; Secure" if self.settings.https else ""
                    headers.append(
                        "Set-Cookie",
                        f"{COOKIE}={language}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax{secure}",
                    )
                headers.setdefault("Content-Language", language)
                vary = headers.get("Vary")
                if vary is None:
                    headers["Vary"] = "Accept-Language, Cookie"
            await send(message)

        await self.app(scope, receive, send_wrapper)
