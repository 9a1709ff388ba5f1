"""Friendly, translated error pages; never a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from portal.web.pages import render

log = logging.getLogger("portal.errors")


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status in {301, 302, 303, 304, 307, 308}:
        return Response(status_code=status, headers=exc.headers)
    if request.url.path.startswith("/api/"):  # the API answers in JSON, as it describes
        detail = {405: "This method is not allowed here.", 404: "No such resource."}.get(
            status, "The request cannot be handled."
        )
        error = {405: "method_not_allowed", 404: "not_found"}.get(status, "bad_request")
        return JSONResponse(
            {"error": error, "detail": detail}, status_code=status, headers=exc.headers
        )
    kind = {403: "403", 404: "404", 405: "405", 413: "413"}.get(
        status, "400" if status < 500 else "500"
    )
    if exc.detail in {"csrf", "signed_out"}:
        kind = str(exc.detail)
    try:
        response = render(request, "errors/error.html", {"kind": kind}, status=status)
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        return response
    except Exception:  # pragma: no cover - the error page itself failed
        log.exception("error page failed")
        return PlainTextResponse(str(status), status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    try:
        return render(request, "errors/error.html", {"kind": "500"}, status=500)
    except Exception:  # pragma: no cover - the error page itself failed
        return PlainTextResponse("500", status_code=500)
