"""Security headers (pure ASGI middleware) and CSRF tokens masked per response."""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
TOKEN_BYTES = 32


def checkout_origin(settings: Settings) -> str:
    """Where the pay form's redirect goes: Chromium applies form-action to redirects after a
    form is sent, so the payment provider's checkout origin must be allowed there."""
    from urllib.parse import urlparse

    if settings.mollie_checkout_origin:
        return settings.mollie_checkout_origin
    parsed = urlparse(settings.mollie_api_endpoint)
    if settings.mollie_api_endpoint and parsed.scheme and parsed.netloc:
        return f"{parsed.scheme}://{parsed.netloc}"
    return "https://www.mollie.com"


def provider_origin(settings: Settings) -> str:
    """Where the sign-out form's redirect goes: the provider's end-session endpoint (on the
    issuer's origin), allowed in form-action for the same reason."""
    from urllib.parse import urlparse

    parsed = urlparse(settings.oidc_issuer)
    return f"{parsed.scheme}://{parsed.netloc}"


def content_security_policy(settings: Settings) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action 'self' {checkout_origin(settings)} {provider_origin(settings)}",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(settings),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
        if settings.production:
            self.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_wrapper)


def session_token(session: MutableMapping[str, Any]) -> bytes:
    """The session's CSRF secret, created on first use."""
    value = session.get("csrf")
    if not isinstance(value, str):
        value = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).decode()
        session["csrf"] = value
    return base64.urlsafe_b64decode(value)


def masked_token(session: MutableMapping[str, Any]) -> str:
    """A fresh masking of the session's token for each response (BREACH defence)."""
    token = session_token(session)
    pad = secrets.token_bytes(TOKEN_BYTES)
    masked = bytes(a ^ b for a, b in zip(pad, token, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode()


def token_matches(session: MutableMapping[str, Any], submitted: str | None) -> bool:
    stored = session.get("csrf")
    if not submitted or not isinstance(stored, str):
        return False
    try:
        raw = base64.urlsafe_b64decode(submitted.encode())
        token = base64.urlsafe_b64decode(stored)
    except (ValueError, UnicodeError):
        return False
    if len(raw) != 2 * TOKEN_BYTES:
        return False
    pad, masked = raw[:TOKEN_BYTES], raw[TOKEN_BYTES:]
    unmasked = bytes(a ^ b for a, b in zip(pad, masked, strict=True))
    return hmac.compare_digest(unmasked, token)


class BodyLimitMiddleware:
    """Every request body has a ceiling the app enforces itself (not only a proxy): `limit`
    bytes, or more on the paths that take files. A body over it is refused with 413 as soon as
    the route starts reading it (a declared Content-Length at once; a chunked body once it passes
    the ceiling), so nothing of it is used."""

    def __init__(
        self, app: ASGIApp, *, limit: int, large_limit: int, large_paths: re.Pattern[str]
    ) -> None:
        self.app = app
        self.limit = limit
        self.large_limit = large_limit
        self.large_paths = large_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.large_limit if self.large_paths.match(scope["path"]) else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > limit
        received = 0

        async def limited() -> Message:
            nonlocal received
            if too_large:
                raise HTTPException(status_code=413)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited, send)
