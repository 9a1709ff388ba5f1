"""The sandbox as one WSGI app (werkzeug, no framework): the routes of the Mollie API, the
control API and the pages, dispatched to their endpoints; and serving it on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from portal.devtools.mollie_sandbox.api import MollieApi, authenticate, json_response
from portal.devtools.mollie_sandbox.control import ControlApi
from portal.devtools.mollie_sandbox.models import SandboxError
from portal.devtools.mollie_sandbox.pages import Pages, page
from portal.devtools.serving import is_loopback, serving
from portal.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

LOOPBACK = "127.0.0.1"
MAX_BODY = 64 * 1024

URLS = Map(
    [
        Rule("/v2/payments", endpoint="create_payment", methods=["POST"]),
        Rule("/v2/payments/<payment_id>", endpoint="get_payment", methods=["GET"]),
        Rule("/v2/payments/<payment_id>/refunds", endpoint="create_refund", methods=["POST"]),
        Rule("/v2/payments/<payment_id>/refunds", endpoint="list_refunds", methods=["GET"]),
        Rule(
            "/v2/payments/<payment_id>/refunds/<refund_id>",
            endpoint="get_refund",
            methods=["GET"],
        ),
        Rule(
            "/v2/payments/<payment_id>/chargebacks",
            endpoint="list_chargebacks",
            methods=["GET"],
        ),
        Rule("/checkout/<payment_id>", endpoint="checkout", methods=["GET", "POST"]),
        Rule(
            "/_sandbox/payments/<payment_id>/status",
            endpoint="control_payment",
            methods=["POST"],
        ),
        Rule("/_sandbox/refunds/<refund_id>/status", endpoint="control_refund", methods=["POST"]),
        Rule(
            "/_sandbox/payments/<payment_id>/chargeback",
            endpoint="control_chargeback",
            methods=["POST"],
        ),
        Rule(
            "/_sandbox/dashboard/<payment_id>/chargeback",
            endpoint="dashboard_chargeback",
            methods=["POST"],
        ),
        Rule(
            "/_sandbox/webhooks/<payment_id>/replay",
            endpoint="control_replay",
            methods=["POST"],
        ),
        Rule("/_sandbox/webhook-calls", endpoint="control_calls", methods=["GET"]),
        Rule("/_sandbox/dashboard/<payment_id>", endpoint="dashboard", methods=["GET"]),
    ],
    strict_slashes=False,
    merge_slashes=False,
)


class _Request(Request):
    max_content_length = MAX_BODY


class MollieSandbox(MollieApi, ControlApi, Pages):
    """The WSGI app over the thread-safe in-memory store (`SandboxStore`, whose Python API
    tests and `make run` use). An endpoint `name` is the method `_name` of one of its parts."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = _Request(environ)
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        api = request.path == "/v2" or request.path.startswith("/v2/")
        control = request.path.startswith("/_sandbox/")
        try:
            api_key = authenticate(request) if api else ""
            try:
                endpoint, args = URLS.bind_to_environ(request.environ).match()
            except NotFound:
                if api or control:
                    raise SandboxError(404, "The requested resource does not exist.") from None
                return page("Not found", "<p>There is nothing here.</p>", 404)
            except MethodNotAllowed:
                if api or control:
                    raise SandboxError(
                        405, f"The sandbox does not support {request.method} on this resource."
                    ) from None
                return page("Not allowed", "<p>This method is not allowed here.</p>", 405)
            handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
            if api:
                return handler(request, api_key, **args)
            return handler(request, **args)
        except SandboxError as error:
            return json_response(error.body(), error.status)
        except HTTPException as error:  # e.g. 413 from the body size limit
            status = error.code or 400
            return json_response(SandboxError(status, error.description or "").body(), status)


@dataclass(frozen=True)
class SandboxServer:
    url: str
    app: MollieSandbox
    port: int


@contextmanager
def running_sandbox(port: int = 0, host: str = LOOPBACK) -> Iterator[SandboxServer]:
    """Serve a fresh sandbox on loopback in a background thread for the `with` block."""
    if not is_loopback(host):
        raise ValueError(f"the payment sandbox binds to loopback only, not {host!r}")
    app = MollieSandbox()
    with serving(app, port, host) as server:
        shown = f"[{host}]" if ":" in host else host
        app.base_url = f"http://{shown}:{server.server_port}"
        yield SandboxServer(url=app.base_url, app=app, port=server.server_port)


def refuse_in_production(settings: Settings) -> None:
    if settings.production:
        raise RuntimeError("the payment sandbox never runs in production mode")
