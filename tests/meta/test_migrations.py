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


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_money_migration_keeps_what_was_paid_and_reopens_attempts_ended_by_mistake(
    request, tmp_path, kind
):
    """0010: paid fees stay settled for what they paid, modules keep the key their fees were
    paid under, the UTC fee gets its one lasting key, and attempts the portal itself marked
    failed while Mollie still had them are opened again for reconciliation."""
    import sqlalchemy as sa

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        import uuid

        server = request.getfixturevalue("pg_server")
        name = f"m_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = server.database_url(name)
    migrate.upgrade(url, "0009")
    engine = sa.create_engine(url)
    now = "2026-03-16 10:00:00+00:00"
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO agency (id, code, name, office, address, phone, email) "
            "VALUES (1, 'gent', 'In-Gent', '', '', '', '')"
        )
        run(
            "INSERT INTO municipality (id, nis_code, name_nl, name_fr, province, region) "
            "VALUES (1, '44021', 'Gent', '', '', 'flanders')"
        )
        run(
            "INSERT INTO person (id, given_name, family_name, birth_date, email, phone, language, "
            "civil_register, obligation, protection, situation, literacy, nt2_target, "
            "municipality_id, agency_id, created_at) VALUES (1, 'A', 'B', '1990-01-01', '', '', "
            f"'nl', 'foreigners', 'obliged', 'not_applicable', 'none', 'standard', 'A2', 1, 1, '{now}')"
        )
        run(
            "INSERT INTO contract (id, person_id, signed_on, text_version, created_at, created_by, "
            f"signed_by) VALUES (1, 1, '2026-03-01', '2022.1', '{now}', 't', 't')"
        )
        run(
            "INSERT INTO plan_component (id, contract_id, pillar, provider, provider_type, variant, "
            "classroom_sessions, schedule, position) VALUES (7, 1, 'nt2', 'CVO', 'CVO', '', 0, '', 1)"
        )
        run(
            "INSERT INTO nt2_module (id, component_id, name, lesson_periods, planned_start, "
            "planned_end, position) VALUES (12, 7, '1.1', 80, '2026-04-01', '2026-06-30', 0)"
        )
        columns = (
            "id, person_id, charge_key, description, amount_cents, currency, channel, "
            "provider_id, mode, status, method, checkout_url, idempotency_key, active_key, "
            "reference, recorded_by, created_at, updated_at, settled_at, refunded_cents, "
            "flagged, flag_reason"
        )
        rows = [
            (1, "nt2_module:12", "tr_paid", "paid", "k1", None, f"'{now}'"),
            (2, "nt2_utc:7", "tr_utc", "open", "k2", "'1:nt2_utc:7'", "NULL"),
            (3, "mo_course:1", "tr_lost", "failed", "k3", None, "NULL"),
        ]
        for pid, key, tr, status, ikey, active, settled in rows:
            run(
                f"INSERT INTO payment ({columns}) VALUES ({pid}, 1, '{key}', 'fee', 9000, 'EUR', "
                f"'mollie', '{tr}', 'test', '{status}', '', '', '{ikey}', {active or 'NULL'}, '', '', "
                f"'{now}', '{now}', {settled}, 0, false, '')"
            )
        run(
            "INSERT INTO payment_event (payment_id, at, source, from_status, to_status, detail) "
            f"VALUES (3, '{now}', 'create', 'open', 'failed', '{{}}')"
        )
        run(
            "INSERT INTO waiver (person_id, charge_key, category, reason, recorded_by, recorded_at) "
            f"VALUES (1, 'nt2_utc:7', 'other', 'x', 't', '{now}')"
        )
    migrate.upgrade(url)
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        assert run("SELECT fee_key FROM nt2_module WHERE id = 12").scalar() == "12"
        assert run("SELECT drawn_up_on FROM contract").scalar() is not None
        payments = {
            row[0]: row[1:]
            for row in run(
                "SELECT id, charge_key, active_key, status, settled_cents FROM payment"
            ).all()
        }
        assert payments[1] == ("nt2_module:12", None, "paid", 9000)
        assert payments[2] == ("nt2_utc:1", "1:nt2_utc:1", "open", 0)
        assert payments[3] == ("mo_course:1", None, "open", 0)  # reconciled from now on
        assert run("SELECT charge_key FROM waiver").scalar() == "nt2_utc:1"
    engine.dispose()
    migrate.check(url)
