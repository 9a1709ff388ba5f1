"""Every route declares its audience; one wrapper enforces it (and CSRF) before the handler runs.

Handlers are plain `def` functions (database work runs in the thread pool, never on the event
loop). `route(...)` builds an `AudienceRoute`, a Starlette Route that carries its `.audience`, so
a meta-test can prove that no route is left without one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, Literal, overload
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.services import interpreting, unit
from portal.services.caller import Principal
from portal.web.context import portal_of
from portal.web.security import CSRF_FIELD, CSRF_HEADER, token_matches

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class IdConvertor(Convertor[int]):
    """`{name:id}`: a database id in a path. At most 9 digits, so every value fits the databases'
    integer columns; anything else is simply not a matching path (404), never a crash."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())


class Audience(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"  # any signed-in user, with or without a role
    CITIZEN = "citizen"
    COUNSELLOR = "counsellor"
    MUNICIPALITY = "municipality"
    INTERPRETING = "interpreting"
    ADMIN = "admin"
    # an interpreting service's own system, with an API key (Authorization: Bearer ...); no
    # session, no cookie, so no CSRF token
    API_KEY = "api_key"


ROLES = ("citizen", "counsellor", "municipality", "interpreting", "admin")


def principal_of(request: Request) -> Principal:
    """The signed-in caller of a route whose audience already required one."""
    principal: Principal = request.state.principal
    return principal


API_MAX_BODY = 4096


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (not read further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return body


def api_key_of(request: Request) -> interpreting.ApiCaller | None:
    """Who calls with the live API key of an `Authorization: Bearer <key>` header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        return interpreting.api_caller(db, raw.strip(), portal.clock.now())


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def require_csrf(request: Request, submitted: str | None) -> None:
    """For streaming handlers: the same check `route` makes for every other form."""
    session = request.scope.get("session") or {}
    if not token_matches(session, submitted):
        raise HTTPException(status_code=403, detail="csrf")


def allowed(audience: Audience, principal: Principal | None) -> bool:
    if audience is Audience.PUBLIC:
        return True
    if audience is Audience.API_KEY:
        return False
    if principal is None:
        return False
    if audience is Audience.SIGNED_IN:
        return True
    return principal.role == audience.value


Handler = Callable[[Request], Response]  # a plain function, run in the thread pool
StreamHandler = Callable[[Request], Awaitable[Response]]  # stream=True: an async one


class AudienceRoute(Route):
    """A Route that declares who may use it (`route` enforces it before the handler runs; a
    handler given here directly, such as sign-in or a webhook, makes its own checks) and whether
    it takes a POST without the CSRF token."""

    def __init__(
        self,
        path: str,
        endpoint: StreamHandler,
        audience: Audience,
        *,
        methods: list[str],
        name: str | None = None,
        csrf_exempt: bool = False,
    ) -> None:
        super().__init__(path, endpoint, methods=methods, name=name)
        self.audience = audience
        self.csrf_exempt = csrf_exempt


@overload
def route(
    path: str,
    handler: Handler,
    audience: Audience,
    methods: tuple[str, ...] = ...,
    *,
    csrf_exempt: bool = ...,
    name: str | None = ...,
    stream: Literal[False] = ...,
) -> AudienceRoute: ...


@overload
def route(
    path: str,
    handler: StreamHandler,
    audience: Audience,
    methods: tuple[str, ...] = ...,
    *,
    csrf_exempt: bool = ...,
    name: str | None = ...,
    stream: Literal[True],
) -> AudienceRoute: ...


def route(
    path: str,
    handler: Callable[[Request], Any],
    audience: Audience,
    methods: tuple[str, ...] = ("GET",),
    *,
    csrf_exempt: bool = False,
    name: str | None = None,
    stream: bool = False,
) -> AudienceRoute:
    """`stream=True`: the handler is `async` and runs on the event loop (it must not block:
    blocking work goes to a thread); it reads any body itself (uploads, with limits) and must
    call `require_csrf` with the token it read, before it changes anything."""

    async def endpoint(request: Request) -> Response:
        if audience is Audience.API_KEY:
            request.state.principal = None
            key = await run_in_threadpool(api_key_of, request)
            if key is None:
                return JSONResponse(
                    {"error": "unauthorized", "detail": "A valid API key is required."},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="portal"'},
                )
            request.state.api_key = key
            request.state.body = await read_limited(request, API_MAX_BODY)
            return await run_in_threadpool(handler, request)
        handle = request.scope.get("portal.session")
        principal = Principal.from_session(handle.data) if handle is not None else None
        request.state.principal = principal
        if not allowed(audience, principal):
            if principal is None and request.method in SAFE_METHODS:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            # a form sent after the session ended: say so (not "no access")
            raise HTTPException(status_code=403, detail="signed_out" if principal is None else None)
        if stream:
            streamed: Response = await handler(request)  # the overloads make it a StreamHandler
            return streamed
        if request.method not in SAFE_METHODS and not csrf_exempt:
            submitted = request.headers.get(CSRF_HEADER)
            if submitted is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                submitted = value if isinstance(value, str) else None
            session = request.scope.get("session") or {}
            if not token_matches(session, submitted):
                raise HTTPException(status_code=403, detail="csrf")
        if request.method not in SAFE_METHODS:
            if request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                request.state.form = await request.form()
            else:  # a POST that is not a form (a script's JSON, say): no fields at all
                request.state.form = FormData()
        return await run_in_threadpool(handler, request)

    endpoint.__name__ = handler.__name__
    return AudienceRoute(
        path,
        endpoint,
        audience,
        methods=list(methods),
        name=name or handler.__name__,
        csrf_exempt=csrf_exempt,
    )
