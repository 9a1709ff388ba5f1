"""Public pages: the start page, health, fingerprinted static files."""

from __future__ import annotations

import mimetypes
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from portal.services import dossier, health, unit
from portal.settings import STATIC_DIR
from portal.web import static_files
from portal.web.context import portal_of
from portal.web.pages import render
from portal.web.routing import Audience, route

ONE_YEAR = 365 * 24 * 3600


def start(request: Request) -> Response:
    return render(
        request, "public/start.html", {"signed_out": request.query_params.get("signed_out")}
    )


def healthz(request: Request) -> Response:
    portal = portal_of(request)
    try:
        with unit.work(portal.engine) as db:
            health.ping(db)
    except Exception:  # reported as unavailable, not raised
        return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
    return JSONResponse(
        {"status": "ok", "database": "ok", "dialect": portal.engine.dialect.name},
        headers={"Cache-Control": "no-store"},
    )


def ping(request: Request) -> Response:
    """Liveness without the database (and the benchmark's baseline page)."""
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


def static(request: Request) -> Response:
    """`/static/<hash>/<path>`: immutable, cached for a year; a stale hash is a 404. Text is
    sent compressed (brotli or gzip, compressed once per process) and a matching ETag is a 304."""
    portal = portal_of(request)
    path = request.path_params["path"]
    if portal.manifest.get(path) != request.path_params["fingerprint"]:
        raise HTTPException(status_code=404)
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    fingerprint = request.path_params["fingerprint"]
    encoding = static_files.accepted_encoding(
        request.headers.get("accept-encoding", ""), media_type
    )
    tag = static_files.etag(fingerprint, encoding)
    headers = {
        "Cache-Control": f"public, max-age={ONE_YEAR}, immutable",
        "ETag": tag,
        "Vary": "Accept-Encoding",
    }
    if static_files.matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=headers)
    if encoding:
        headers["Content-Encoding"] = encoding
    content = static_files.body(STATIC_DIR / path, fingerprint, encoding)
    return Response(content, media_type=media_type, headers=headers)


def verify_attest(request: Request) -> Response:
    """Anyone holding a printed certificate can check it: name and date, nothing more."""
    portal = portal_of(request)
    code = request.query_params.get("code", "").strip().upper()[:20]
    result: dict[str, Any] | None = None
    if code:
        with unit.work(portal.engine) as db:
            found = dossier.verify_attest(db, code)
        result = {"found": found is not None}
        if found is not None:
            result.update(name=found.name, birth_date=found.birth_date, issued_on=found.issued_on)
    # a name and a date of birth: never kept by a browser or a shared cache
    return render(request, "public/verify.html", {"code": code, "result": result}, personal=True)


def routes() -> list[Any]:
    return [
        route("/", start, Audience.PUBLIC),
        route("/healthz", healthz, Audience.PUBLIC),
        route("/ping", ping, Audience.PUBLIC),
        route("/attest/verify", verify_attest, Audience.PUBLIC),
        route("/static/{fingerprint}/{path:path}", static, Audience.PUBLIC),
    ]
