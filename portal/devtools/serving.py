"""Serving a development tool: a WSGI app on loopback in a background thread, for a `with`."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import werkzeug.serving

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def serving(app: Any, port: int = 0, host: str = LOOPBACK) -> Iterator[Any]:
    """Serve `app` on `host` (loopback only) and `port` (0: a free one); yields the server."""
    if not is_loopback(host):
        raise ValueError(f"development tools bind to loopback only, not {host!r}")
    server = werkzeug.serving.make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)
