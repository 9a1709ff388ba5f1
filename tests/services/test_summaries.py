"""services.summaries: the migration gives everyone a line to compute, the job computes it, and
a line holds what the rules say (the caseload's attention order, the sanction facts)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.db import migrate
from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.domain.sanctions import sanction_facts
from portal.services import summaries
from portal.services.dossier import load_dossier
from tests.support.factories import Factory

TODAY = date(2026, 3, 16)


def _empty_database(request, tmp_path, kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    server = request.getfixturevalue("pg_server")
    name = f"s_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.database_url(name)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_migration_gives_everyone_a_line_to_compute(request, tmp_path, kind):
    url = _empty_database(request, tmp_path, kind)
    migrate.upgrade(url, "0020")
    engine = sa.create_engine(url)
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
            "'nl', 'foreigners', 'obliged', 'not_applicable', 'none', 'standard', 'A2', 1, 1, "
            "'2026-03-16 10:00:00+00:00')"
        )
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as db:
            line = db.get(m.PersonSummary, 1)
            assert (line.agency_id, line.family_name, line.computed_on) == (
                1,
                "B",
                date(1970, 1, 1),
            )
            assert line.attention_rank == len(summaries.ATTENTION_ORDER)
            assert summaries.missing_or_stale(db, TODAY, 10) == [1]
        assert summaries.refresh_stale(engine, TODAY) == 1
        with session_scope(engine) as db:
            line = db.get(m.PersonSummary, 1)
            assert line.computed_on == TODAY
            assert line.attention == "no_contract"  # obliged, no contract yet
    finally:
        engine.dispose()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_line_holds_what_the_rules_say(engine):
    make = Factory(engine, TODAY)
    agency = make.agency()
    people = [
        make.person(agency=agency, signed=make.vdab_deadline_in(5)),
        make.person(agency=agency, contract=False),
        make.person(agency=agency, obligation="voluntary"),
    ]
    later = date(2026, 4, 1)  # the first one's VDAB deadline has passed
    with session_scope(engine) as db:
        summaries.refresh(db, [p.id for p in people], later)
    with session_scope(engine) as db:
        for person in people:
            dossier = load_dossier(db, person.id)
            line = db.get(m.PersonSummary, person.id)
            codes = summaries.attention(dossier, set(), later)
            assert line.attention == ",".join(codes)
            assert line.attention_rank == min(
                (summaries.ATTENTION_ORDER.index(c) for c in codes),
                default=len(summaries.ATTENTION_ORDER),
            )
            rows = db.exec(
                select(m.SanctionFactRow)
                .where(m.SanctionFactRow.person_id == person.id)
                .order_by(m.SanctionFactRow.seq)
            ).all()
            found = sanction_facts(dossier.person_facts(), later)
            assert [(r.kind, r.pillar, r.day, r.days_overdue) for r in rows] == [
                (f.kind, f.key[1], f.day, f.days_overdue) for f in found
            ]
        first = db.get(m.PersonSummary, people[0].id)
        assert first.attention.startswith("sanction_to_review")
