"""The real app under uvicorn in a background thread, on loopback: the browser tests' portal."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from portal.settings import Settings
from tests.conftest import make_settings

STARTUP_SECONDS = 15


@dataclass
class LivePortal:
    base_url: str
    settings: Settings
    app: Any


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_portal(database_url: str, issuer: str, **env: str) -> Iterator[LivePortal]:
    """Serve the portal on `database_url` (signing in at `issuer`) until the block ends, with
    `env` added to the test settings (such as PORTAL_MOLLIE_API_ENDPOINT). PORTAL_BASE_URL is
    always the server's own address, so that callbacks (Mollie's webhook) reach it.
    Raises RuntimeError when it does not start."""
    from portal.app import create_app

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = make_settings(database_url, issuer, **{**env, "PORTAL_BASE_URL": base_url})
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the portal did not start under uvicorn on port {port}")
            time.sleep(0.02)
        yield LivePortal(base_url, settings, app)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.portal.engine.dispose()
