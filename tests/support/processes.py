"""Real app processes for tests: `uvicorn portal.asgi:app` in its own OS process, settings from
the environment. The process is killed before its output is read, so a failing start can never
hang the suite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import MOLLIE_TEST_KEY, NOW


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def app_process(database_url: str, issuer: str, **extra: str) -> Iterator[str]:
    """Serve the portal on a free loopback port; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_OIDC_ISSUER": issuer,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_NOW": NOW.isoformat(),
        "PORTAL_MAIL_INTERVAL_SECONDS": "0",
        "PORTAL_MOLLIE_API_KEY": MOLLIE_TEST_KEY,
        **extra,
    }
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.asgi:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(10)
                log.seek(0)
                raise RuntimeError(log.read().decode(errors="replace")[-4000:])
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        log.close()
