"""Uploaded proof served back: only as a download (never shown inline), with the file's own type,
`nosniff`, no caching and a sandbox, under a harmless name. Who may read it is the service's
decision; this is only the response."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from portal.adapters.uploads import ALLOWED, display_name


def attachment(data: bytes, content_type: str, shown_name: str, fallback_stem: str) -> Response:
    """`fallback_stem` ("proof-12") names the file for browsers that ignore `filename*`."""
    fallback = f"{fallback_stem}{ALLOWED[content_type]}"
    name = display_name(shown_name) if shown_name else fallback
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
