"""Static files as a phone on a weak connection wants them: compressed once (brotli, else
gzip), kept in memory, with an ETag from the file's fingerprint so that a revalidation is a
304 with no body. The files are immutable under their fingerprinted URL, so each is compressed
at most once per process, on first request (nothing to build, nothing to keep in sync)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import brotli
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

# text compresses; images such as PNG are compressed already
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")
ENCODINGS = ("br", "gzip")  # in order of preference


def accepted_encoding(accept_encoding: str, media_type: str) -> str:
    """The encoding to send ("br", "gzip" or "" for none) for an Accept-Encoding header: the
    first of ENCODINGS the client accepts with a q above 0."""
    if not media_type.startswith(COMPRESSIBLE):
        return ""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name:
            weights[name.strip()] = quality
    for encoding in ENCODINGS:
        if weights.get(encoding, weights.get("*", 0.0)) > 0:
            return encoding
    return ""


@lru_cache(maxsize=256)
def body(path: Path, fingerprint: str, encoding: str) -> bytes:
    """The file's bytes in `encoding`, compressed once (the fingerprint keys the cache, so a
    changed file is read afresh)."""
    raw = path.read_bytes()
    if encoding == "br":
        return bytes(brotli.compress(raw, quality=11))
    if encoding == "gzip":
        return gzip.compress(raw, compresslevel=9, mtime=0)
    return raw


def etag(fingerprint: str, encoding: str) -> str:
    """A strong ETag per representation (each encoding is different bytes)."""
    return f'"{fingerprint}-{encoding}"' if encoding else f'"{fingerprint}"'


def matches(if_none_match: str, tag: str) -> bool:
    """If-None-Match holds `tag` (weak comparison, as RFC 9110 asks for GET) or is "*"."""
    wanted = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in wanted or tag in wanted


class PageGZipMiddleware(GZipMiddleware):
    """gzip for pages; static files bring their own compression (and their own Vary)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
