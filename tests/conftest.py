"""Shared fixtures: a fixed clock, the local OIDC provider, SQLite and a throwaway PostgreSQL
(web tests run on both), the app and a signed-in client."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from portal.settings import BRUSSELS, Settings

hypothesis_settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=50)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The demo and test clock: a Monday in March, Europe/Brussels.
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=BRUSSELS)


def pytest_configure(config: pytest.Config) -> None:
    from portal.i18n import compile_catalogs

    compile_catalogs()


# ---------------------------------------------------------------- the local OIDC provider


class Recorder:
    """WSGI wrapper around the provider that records the requests the portal makes."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        import io

        body = b""
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        with self.lock:
            self.requests.append(
                {
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "query": environ.get("QUERY_STRING", ""),
                    "body": body.decode("latin-1"),
                }
            )
        return self.app(environ, start_response)


class Idp:
    def __init__(self, issuer: str, recorder: Recorder) -> None:
        self.issuer = issuer
        self.recorder = recorder


@pytest.fixture(scope="session")
def idp() -> Iterator[Idp]:
    import logging

    from portal.devtools.oidc_provider import running_provider
    from portal.services.demo import PERSONAS

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    holder: dict[str, Recorder] = {}

    def wrap(app: Any) -> Recorder:
        holder["recorder"] = Recorder(app)
        return holder["recorder"]

    with running_provider(0, [(p.subject, p.name) for p in PERSONAS], wrap=wrap) as server:
        yield Idp(f"http://127.0.0.1:{server.server_port}", holder["recorder"])


# ---------------------------------------------------------------- the Mollie sandbox

MOLLIE_TEST_KEY = "test_" + "s" * 30
# Uploaded evidence of every app in this test process (random keys never collide; the demo
# data's photos live here too, so every copy of the template database finds them).
UPLOAD_DIR = tempfile.mkdtemp(prefix="portal-uploads-")


def _upload_dir() -> str:
    """A folder of uploads for one app: a copy of the demo data's files (so a test that deletes
    one never takes it from another test)."""
    target = tempfile.mkdtemp(prefix="portal-uploads-")
    shutil.copytree(UPLOAD_DIR, target, dirs_exist_ok=True)
    return target


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    from portal.devtools.mollie_sandbox import running_sandbox

    with running_sandbox(0) as server:
        yield server


# ---------------------------------------------------------------- databases


def _load_template(url: str) -> None:
    from portal.adapters.storage import LocalFileStore
    from portal.db import migrate
    from portal.db.engine import make_engine, session_scope
    from portal.services.demo import load_demo_data

    migrate.upgrade(url)
    engine = make_engine(url)
    from portal.services.course import load_course

    with session_scope(engine) as db:
        load_demo_data(db, NOW.date(), files=LocalFileStore(Path(UPLOAD_DIR)))
        load_course(db, "tests")
    engine.dispose()  # the last connection to close checkpoints SQLite's WAL into the file


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _load_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    from tests.support import pg

    server = pg.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: Any) -> str:
    import sqlalchemy as sa

    name = f"portal_template_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_server.database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    _load_template(pg_server.database_url(name))
    return name


def fresh_database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "portal.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    import sqlalchemy as sa

    server = request.getfixturevalue("pg_server")
    template_name = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    admin.dispose()
    return server.database_url(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Web tests run on SQLite and on PostgreSQL."""
    if "db_kind" in metafunc.fixturenames:
        metafunc.parametrize(
            "db_kind",
            ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
            scope="function",
        )


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_kind: str, tmp_path: Path) -> str:
    return fresh_database(request, db_kind, tmp_path)


# ---------------------------------------------------------------- the app


def make_settings(database_url: str, issuer: str, **extra: str) -> Settings:
    env = {
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_OIDC_ISSUER": issuer,
        "PORTAL_BASE_URL": "http://testserver",
        "PORTAL_NOW": NOW.isoformat(),
        "PORTAL_MAIL_INTERVAL_SECONDS": "0",
        "PORTAL_MOLLIE_API_KEY": MOLLIE_TEST_KEY,
        "PORTAL_UPLOAD_DIR": _upload_dir(),
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture
def settings(database_url: str, idp: Idp, sandbox: Any) -> Settings:
    return make_settings(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    from portal.app import create_app

    application = create_app(settings)
    yield application
    application.state.portal.engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def make(app: Any) -> Any:
    """Factories per area (tests/support/factories.py) on the test's own database."""
    from tests.support.factories import Factory

    portal = app.state.portal
    return Factory(portal.engine, portal.clock.today(), portal.files)
