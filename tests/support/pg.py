"""A throwaway PostgreSQL server from the installed binaries (or an external one when
PORTAL_TEST_POSTGRES_URL is given). initdb refuses root, so as root it runs as `postgres`,
with its data folder and socket in a fresh temporary folder that user owns."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


def _bin_dir() -> str:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    url: str  # server URL without database name, e.g. postgresql+psycopg://postgres@127.0.0.1:5
    folder: str | None = None
    pg_ctl: list[str] | None = None

    def database_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def stop(self) -> None:
        if self.pg_ctl is not None and self.folder is not None:
            subprocess.run(
                [*self.pg_ctl, "stop", "-m", "immediate", "-D", f"{self.folder}/data"],
                capture_output=True,
                check=False,
            )
            shutil.rmtree(self.folder, ignore_errors=True)


def start() -> PgServer:
    external = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if external:
        return PgServer(url=external.rstrip("/"))
    bindir = _bin_dir()
    folder = tempfile.mkdtemp(prefix="portal-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        os.chmod(folder, 0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [
            *as_user,
            f"{bindir}/initdb",
            "-D",
            f"{folder}/data",
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
    )
    pg_ctl = [*as_user, f"{bindir}/pg_ctl"]
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [*pg_ctl, "start", "-w", "-D", f"{folder}/data", "-o", options, "-l", f"{folder}/log"],
        check=True,
        capture_output=True,
    )
    server = PgServer(
        url=f"postgresql+psycopg://postgres@127.0.0.1:{port}", folder=folder, pg_ctl=pg_ctl
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return server
