"""The status-check API for interpreting services' own systems: `POST /api/v1/status-checks`
with an API key, its published description (`GET /api/v1/openapi.json`), and the API keys
administrators issue and revoke (`/admin/api-keys`)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from jsonschema import Draft202012Validator
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal.domain.share_codes import Outcome
from portal.services import interpreting as svc
from portal.services import unit
from portal.web.context import portal_of
from portal.web.forms import Form, row_id, submit
from portal.web.pages import render
from portal.web.routing import API_MAX_BODY, Audience, client_address, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def _problem(status: int, error: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def api_status_check(request: Request) -> Response:
    portal = portal_of(request)
    caller: svc.ApiCaller = request.state.api_key
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _problem(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.state.body
    if body is None:
        return _problem(413, "too_large", f"The body may be at most {API_MAX_BODY} bytes.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _problem(400, "bad_json", "The body is not valid JSON.")
    problem = _request_problem(data)
    if problem is not None:  # judged by the published schema itself: the two always agree
        return _problem(422, "invalid_request", problem)
    code = data["code"]
    settings = portal.settings
    now = portal.clock.now()
    answer = svc.check_code(
        portal.engine,
        code,
        now,
        service_id=caller.service_id,
        actor=f"api-key:{caller.key_id}",
        client_address=client_address(request),
        channel="api",
        limit=settings.check_limit,
        window=timedelta(minutes=settings.check_window_minutes),
        key=settings.code_key,
        api_key_id=caller.key_id,
    )
    if answer.outcome is Outcome.RATE_LIMITED:
        return _problem(
            429,
            "rate_limited",
            "Too many wrong codes. Wait before you try again.",
            **{"Retry-After": str(answer.retry_after_seconds)},
        )
    person = None
    if answer.outcome is not Outcome.WRONG:
        person = {
            "name": answer.name,
            "birth_date": answer.birth_date.isoformat() if answer.birth_date else None,
            "contract_valid_until": answer.valid_until.isoformat() if answer.valid_until else None,
        }
    return JSONResponse(
        {
            "result": answer.outcome.value,
            "valid_today": answer.valid_today,
            "checked_at": now.isoformat(timespec="seconds"),
            "person": person,
        },
        status_code=200,
        headers={"Cache-Control": "no-store"},
    )


_REQUEST_VALIDATOR: Any = None


def _request_problem(data: Any) -> str | None:
    """Why `data` is not a StatusCheckRequest of the published API description (None: it is)."""
    global _REQUEST_VALIDATOR
    if _REQUEST_VALIDATOR is None:
        schema = openapi_document("")["components"]["schemas"]["StatusCheckRequest"]
        _REQUEST_VALIDATOR = Draft202012Validator(schema)
    error = next(iter(_REQUEST_VALIDATOR.iter_errors(data)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where + ': ' if where else ''}{error.message}"[:300]


def openapi(request: Request) -> Response:
    portal = portal_of(request)
    return JSONResponse(openapi_document(portal.settings.base_url))


def openapi_document(base_url: str) -> dict[str, Any]:
    problem = {"$ref": "#/components/schemas/Problem"}

    def error(description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": problem}}}

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Integration in Flanders: status checks for social interpreting",
            "version": "1.0.0",
            "description": (
                "An interpreting service checks whether a person's integration contract is "
                "valid today (then interpreting is paid for them). The person gives a share code "
                "(e.g. K7M-29P-XQ4) from their portal. Every check is recorded and shown to the "
                "person. Wrong codes are limited per service and per client address (by default "
                "10 per 15 minutes)."
            ),
        },
        "servers": [{"url": base_url}],
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key issued to the interpreting service by an admin.",
                }
            },
            "schemas": {
                "StatusCheckRequest": {
                    "type": "object",
                    "required": ["code"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 64,
                            "pattern": "\\S",
                            "description": (
                                "The share code; case, spaces and dashes are ignored (at least "
                                "one other character)."
                            ),
                            "examples": ["K7M-29P-XQ4"],
                        }
                    },
                },
                "StatusCheck": {
                    "type": "object",
                    "required": ["result", "valid_today", "checked_at", "person"],
                    "properties": {
                        "result": {
                            "type": "string",
                            "enum": ["valid", "not_valid_today", "wrong"],
                            "description": (
                                "wrong: the code is unknown, expired or withdrawn (the answer "
                                "does not say which, and gives no personal data)."
                            ),
                        },
                        "valid_today": {"type": "boolean"},
                        "checked_at": {"type": "string", "format": "date-time"},
                        "person": {
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "required": ["name", "birth_date", "contract_valid_until"],
                                    "properties": {
                                        "name": {"type": "string"},
                                        "birth_date": {"type": "string", "format": "date"},
                                        "contract_valid_until": {
                                            "type": ["string", "null"],
                                            "format": "date",
                                        },
                                    },
                                },
                            ]
                        },
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["error", "detail"],
                    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
                },
            },
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/api/v1/status-checks": {
                "post": {
                    "operationId": "checkStatus",
                    "summary": "Check a share code: is the contract valid today?",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StatusCheckRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The check was made and recorded.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/StatusCheck"}
                                }
                            },
                        },
                        "400": error("The body is not valid JSON."),
                        "401": error("No valid API key (missing, wrong or revoked)."),
                        "413": error("The body is too large."),
                        "415": error("The body is not application/json."),
                        "405": {
                            **error("Only POST is allowed here."),
                            "headers": {
                                "Allow": {
                                    "schema": {"type": "string"},
                                    "description": "The allowed methods.",
                                }
                            },
                        },
                        "422": error("The body is not a StatusCheckRequest (see detail)."),
                        "429": {
                            **error("Too many wrong codes: wait (see Retry-After)."),
                            "headers": {
                                "Retry-After": {
                                    "schema": {"type": "integer"},
                                    "description": "Seconds to wait.",
                                }
                            },
                        },
                    },
                }
            }
        },
    }


# --- admin: API keys -------------------------------------------------------------------------


def _keys_context(request: Request, form: Form | None = None, **extra: Any) -> dict[str, Any]:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        keys = svc.api_keys(db)
        services = svc.all_services(db)
    return {
        "keys": keys,
        "options": [(str(s.id), s.name) for s in services],
        "form": form or Form(),
        "new_key": None,
        "revoked": False,
        **extra,
    }


def api_keys_page(request: Request) -> Response:
    context = _keys_context(request, revoked=request.query_params.get("revoked") == "1")
    return render(request, "staff/api_keys.html", context, personal=True)


def issue_api_key(request: Request) -> Response:
    form = Form(request.state.form)
    service = form.integer("service", maximum=2**31)
    label = form.text("label", required=False, max_length=100)

    def issue(db: unit.Db) -> tuple[Any, str]:
        assert service is not None  # the form is ok
        return svc.issue_api_key(db, principal_of(request).subject, service, label)

    def again(form: Form, status: int) -> Response:
        if "service" in form.errors:
            form.errors["service"] = "choose"  # whatever was wrong: choose one from the list
        return render(
            request,
            "staff/api_keys.html",
            _keys_context(request, form),
            status=status,
            personal=True,
        )

    def issued(result: tuple[Any, str]) -> Response:
        key, raw = result
        context = _keys_context(request, new_key=raw, new_key_row=key)
        return render(request, "staff/api_keys.html", context, status=201, personal=True)

    return submit(request, form, issue, again=again, done=issued, field="service")


def revoke_api_key(request: Request) -> Response:
    portal = portal_of(request)
    key_id = row_id(request.path_params["key_id"])
    if key_id is None:
        raise HTTPException(status_code=404)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        svc.revoke_api_key(db, principal_of(request).subject, key_id, portal.clock.now())
    return RedirectResponse("/admin/api-keys?revoked=1", status_code=303)


def routes() -> list[Any]:
    return [
        route("/api/v1/status-checks", api_status_check, Audience.API_KEY, ("POST",)),
        route("/api/v1/openapi.json", openapi, Audience.PUBLIC),
        route("/admin/api-keys", api_keys_page, Audience.ADMIN),
        route("/admin/api-keys", issue_api_key, Audience.ADMIN, ("POST",), name="issue_api_key"),
        route("/admin/api-keys/{key_id:id}/revoke", revoke_api_key, Audience.ADMIN, ("POST",)),
    ]
