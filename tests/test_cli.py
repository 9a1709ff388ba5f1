"""The `portal` command: admin management with clear errors that change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal import cli
from portal.db import models as m
from portal.db.engine import make_engine, session_scope


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_NOW", "2026-03-16T10:00")
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["demo-data"]) == 0
    return url


def grants(url):
    engine = make_engine(url)
    with session_scope(engine) as db:
        rows = [
            (g.subject, g.role)
            for g in db.exec(select(m.RoleGrant).where(m.RoleGrant.ended_at == None)).all()  # noqa: E711
        ]
    engine.dispose()
    return rows


def test_demo_data_is_idempotent(db_url, capsys):
    assert cli.main(["demo-data"]) == 0
    assert "already loaded" in capsys.readouterr().out


def test_grant_and_revoke(db_url):
    assert cli.main(["admin", "agency", "leuven", "Agentschap Leuven"]) == 0
    assert cli.main(["admin", "grant", "new-counsellor", "counsellor", "--agency", "leuven"]) == 0
    assert ("new-counsellor", "counsellor") in grants(db_url)
    assert cli.main(["admin", "revoke", "new-counsellor", "counsellor"]) == 0
    assert ("new-counsellor", "counsellor") not in grants(db_url)
    engine = make_engine(db_url)
    with session_scope(engine) as db:  # the grant keeps its history: ended, not deleted
        [ended] = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == "new-counsellor")).all()
        assert ended.ended_at is not None and ended.ended_by.startswith("cli:")
    engine.dispose()
    # granted again later: a new grant beside the ended one
    assert cli.main(["admin", "grant", "new-counsellor", "counsellor", "--agency", "leuven"]) == 0
    assert ("new-counsellor", "counsellor") in grants(db_url)


def test_revoking_a_counsellor_with_a_caseload_hands_it_over_and_keeps_history(db_url, capsys):
    assert cli.main(["admin", "grant", "heir", "counsellor", "--agency", "gent"]) == 0
    assert cli.main(["admin", "revoke", "demo-counsellor", "counsellor"]) == 2
    assert "name a successor" in capsys.readouterr().err
    assert (
        cli.main(["admin", "revoke", "demo-counsellor", "counsellor", "--successor", "nobody"]) == 2
    )
    assert (
        cli.main(
            [
                "admin",
                "revoke",
                "demo-counsellor",
                "counsellor",
                "--successor",
                "heir",
                "--reason",
                "left the agency",
            ]
        )
        == 0
    )
    engine = make_engine(db_url)
    with session_scope(engine) as db:
        old = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == "demo-counsellor")).one()
        heir = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == "heir")).one()
        assert old.ended_at is not None and old.end_reason == "left the agency"
        assert db.exec(select(m.Person).where(m.Person.counsellor_grant_id == old.id)).all() == []
        assert db.exec(select(m.Person).where(m.Person.counsellor_grant_id == heir.id)).all()
        actions = [a.action for a in db.exec(select(m.AuditLog)).all()]
    engine.dispose()
    assert "hand_over_caseload" in actions and "revoke_role" in actions


@pytest.mark.parametrize(
    "argv",
    [
        ["admin", "grant", "x", "counsellor"],
        ["admin", "grant", "x", "counsellor", "--agency", "nope"],
        ["admin", "grant", "demo-counsellor", "counsellor", "--agency", "gent"],
        ["admin", "municipality", "2100", "Nergens", "--region", "flanders"],
        ["admin", "municipality", "21010", "Jette", "--region", "flanders"],
        ["admin", "municipality", "44021", "Gent", "--region", "flanders"],
        ["admin", "agency", "Bad Code!", "x"],
        ["admin", "revoke", "nobody", "admin"],
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(db_url, capsys, argv):
    before = grants(db_url)
    assert cli.main(argv) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert grants(db_url) == before


def test_production_refuses_demo_data(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(SystemExit):
        cli.main(["demo-data"])


def test_api_keys_issued_listed_and_revoked(db_url, capsys):
    from portal.services.demo import INTERPRETING_SERVICE
    from portal.services.interpreting import authenticate_api_key

    capsys.readouterr()
    assert cli.main(["admin", "api-key", "issue", INTERPRETING_SERVICE, "--label", "planner"]) == 0
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert raw.startswith("isk_")
    assert cli.main(["admin", "api-key", "list"]) == 0
    listing = capsys.readouterr().out
    assert "planner" in listing and "active" in listing and raw not in listing
    engine = make_engine(db_url)
    with session_scope(engine) as db:
        key = db.exec(select(m.ApiKey)).one()
        assert authenticate_api_key(db, raw, key.created_at) is not None
    assert cli.main(["admin", "api-key", "revoke", str(key.id)]) == 0
    with session_scope(engine) as db:
        assert authenticate_api_key(db, raw, key.created_at) is None
    engine.dispose()
    assert cli.main(["admin", "api-key", "issue", "No such service"]) == 2
    assert cli.main(["admin", "api-key", "revoke", "999"]) == 2


def test_serve_uses_one_worker_per_core_unless_told_otherwise(monkeypatch):
    import os

    from portal.cli import workers

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert workers(None) == len(os.sched_getaffinity(0))
    assert workers(3) == 3
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert workers(None) == 5
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("WEB_CONCURRENCY", wrong)
        with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
            workers(None)


def test_serve_keeps_idle_connections_longer_than_a_proxy_does():
    from portal.cli import KEEP_ALIVE_SECONDS, build_parser

    args = build_parser().parse_args(["serve"])
    assert args.keep_alive == KEEP_ALIVE_SECONDS > 60  # most proxies close after 60 s idle
    assert args.workers is None  # one per core
