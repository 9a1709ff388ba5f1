"""Models and migrations agree, on SQLite and on PostgreSQL; upgrade from empty works."""

from __future__ import annotations

import pytest

from portal.db import migrate


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_models_match_migrations(request, tmp_path, kind):
    from tests.conftest import fresh_database

    url = fresh_database(request, kind, tmp_path)
    migrate.check(url)  # raises when autogenerate would find a difference


def test_upgrade_from_empty_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    migrate.check(url)
