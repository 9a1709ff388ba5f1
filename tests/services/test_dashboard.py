"""The page "My integration" kept per person (services.dashboard): a kept page is shown only
while it is still true — no record it is computed from written since (database triggers, whoever
writes), the same day in Brussels and before the guide's next moment, the same code and course —
and a page computed while a record changes is not kept. On SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from pydantic import TypeAdapter

from portal.db.engine import session_scope
from portal.domain.evaluate import Evaluation, evaluate
from portal.domain.rules import rules_on
from portal.services import dashboard
from portal.services.caller import Principal
from portal.settings import BRUSSELS
from tests.domain.test_domain_evaluate import people

MIGRATION = importlib.import_module("portal.db.migrations.versions.0023_person_dashboard")


def me(person) -> Principal:
    return Principal(subject=person.subject, role="citizen", person_id=person.id)


def page_of(app, person, now=None):
    portal = app.state.portal
    with session_scope(portal.engine) as db:
        mine = dashboard.my_dashboard(db, me(person), now or portal.clock.now())
    assert mine is not None
    return mine.dashboard


def row_of(app, person):
    with app.state.portal.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT version, computed_version, computed_at, fresh_until, data "
                "FROM person_dashboard WHERE person_id = :p"
            ),
            {"p": person.id},
        ).one()


def run(app, sql: str, **params) -> None:
    with app.state.portal.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def one(app, sql: str, **params):
    with app.state.portal.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_a_kept_page_is_the_page_computed_and_is_read_again_without_computing(
    app, make, monkeypatch
):
    person = make.person()
    first = page_of(app, person)
    assert row_of(app, person).computed_version == row_of(app, person).version

    def not_again(*_args, **_kw):
        raise AssertionError("computed again while nothing changed")

    monkeypatch.setattr(dashboard, "compute", not_again)
    assert page_of(app, person) == first
    assert first.guide is not None and first.guide.task  # the guide came along


# Every table the page is computed from, with a write to one of the person's rows there: the
# triggers of migration 0023 must mark the page, on both databases.
PERSON_ROWS = {
    "contract": "UPDATE contract SET text_version = text_version WHERE person_id = :p",
    "plan_component": (
        "UPDATE plan_component SET provider = provider WHERE contract_id IN "
        "(SELECT id FROM contract WHERE person_id = :p)"
    ),
    "nt2_module": (
        "UPDATE nt2_module SET name = name WHERE component_id IN (SELECT pc.id FROM "
        "plan_component pc JOIN contract c ON c.id = pc.contract_id WHERE c.person_id = :p)"
    ),
    "fact": "UPDATE fact SET note = note WHERE person_id = :p",
    "payment": "UPDATE payment SET status = status WHERE person_id = :p",
    "booking": "UPDATE booking SET status = status WHERE person_id = :p",
    "residence": "UPDATE residence SET since = since WHERE person_id = :p",
    "person": "UPDATE person SET given_name = given_name WHERE id = :p",
    "participation_activity": (
        "UPDATE participation_activity SET hours_claimed = hours_claimed WHERE person_id = :p"
    ),
}


def _person_with_records(make):
    """A person with a row in most tables the page reads: plan with NT2 modules, a fact, a
    payment, a confirmed booking, an activity sent to the municipality."""
    person = make.person()
    make.mo_course_done(person)  # a fact and a payment
    make.booking(person, make.test_session("mo"))
    make.sent_activity(person)
    return person


@pytest.mark.parametrize("table", sorted(PERSON_ROWS))
def test_a_write_to_any_record_the_page_reads_marks_it_out_of_date(app, make, table):
    person = _person_with_records(make)
    other = _person_with_records(make)
    page_of(app, person)
    page_of(app, other)
    before = row_of(app, person).version
    run(app, PERSON_ROWS[table], p=person.id)
    after = row_of(app, person)
    assert after.version > before
    assert after.computed_version != after.version  # the next view computes it again
    assert row_of(app, other).computed_version == row_of(app, other).version  # not theirs


def test_every_table_in_the_migration_has_its_triggers(app):
    """The triggers exist for each table of the migration's lists (and each write kind)."""
    engine = app.state.portal.engine
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            names = set(
                conn.execute(
                    sa.text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'person_dashboard%'")
                ).scalars()
            )
            wanted = {f"person_dashboard_{t}" for t in (*MIGRATION.CONCERNS, *MIGRATION.CHANGES)}
        else:
            names = set(
                conn.execute(
                    sa.text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND name LIKE 'person_dashboard%'"
                    )
                ).scalars()
            )
            wanted = {
                f"person_dashboard_{t}_{kind}"
                for t in MIGRATION.CONCERNS
                for kind in ("insert", "update", "delete")
            } | {f"person_dashboard_{t}_update" for t in MIGRATION.CHANGES}
    assert wanted <= names


def test_new_and_deleted_records_mark_the_page_too(app, make):
    person = make.person()
    page_of(app, person)
    version = row_of(app, person).version
    fact = make.fact(person, "vdab_registered", source="VDAB")  # an INSERT
    assert row_of(app, person).version > version
    page = page_of(app, person)
    assert row_of(app, person).computed_version == row_of(app, person).version
    version = row_of(app, person).version
    run(app, "DELETE FROM fact WHERE id = :f", f=fact)  # a DELETE (a console, say)
    assert row_of(app, person).version > version
    assert page_of(app, person) != page  # the registration is gone from the page again


def test_what_concerns_nobody_s_page_does_not_mark_it(app, make):
    """A seat booked by someone else changes the session's count, not this person's page."""
    person = make.person()
    make.mo_course_done(person)
    session = make.test_session("mo")
    make.booking(person, session)
    page_of(app, person)
    version = row_of(app, person).version
    run(app, "UPDATE test_session SET booked = booked + 1 WHERE id = :s", s=session)
    assert row_of(app, person).version == version
    run(app, "UPDATE test_session SET starts_at = starts_at WHERE id = :s", s=session)
    assert row_of(app, person).version > version  # a moved session is theirs to see


def test_a_region_or_agency_change_marks_the_pages_of_their_people(app, make):
    person = make.person()
    page_of(app, person)
    version = row_of(app, person).version
    run(app, "UPDATE agency SET phone = phone WHERE code = 'gent'")
    assert row_of(app, person).version > version
    version = row_of(app, person).version
    run(app, "UPDATE municipality SET region = region WHERE nis_code = '44021'")
    assert row_of(app, person).version > version


def test_a_page_computed_while_a_record_changes_is_not_kept(app, make, monkeypatch):
    """The version is read before the records: a write in between leaves the page unkept, and
    the next view shows the write. (SQLite writes one at a time: there, no write can come in
    between.)"""
    if app.state.portal.engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes its write lock at BEGIN: no write comes in between")
    person = make.person()
    real = dashboard.compute
    written: list[int] = []

    def compute_while_written(db, dossier, now):
        page = real(db, dossier, now)
        if not written:  # a counsellor records a registration meanwhile
            written.append(make.fact(person, "vdab_registered", source="VDAB"))
        return page

    monkeypatch.setattr(dashboard, "compute", compute_while_written)
    stale = page_of(app, person)
    row = row_of(app, person)
    assert row.computed_version != row.version  # not kept
    fresh = page_of(app, person)
    assert fresh != stale
    assert row_of(app, person).computed_version == row_of(app, person).version


def test_a_kept_page_ends_at_midnight_in_brussels_and_with_a_clock_moved_back(app, make):
    person = make.person()
    now = app.state.portal.clock.now()
    page_of(app, person, now)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), BRUSSELS)
    assert row_of(app, person).fresh_until == int(midnight.timestamp())
    computed = row_of(app, person).computed_at
    tomorrow = midnight + timedelta(hours=9)
    later = page_of(app, person, tomorrow)
    assert row_of(app, person).computed_at == int(tomorrow.timestamp()) != computed
    assert later.evaluation == page_of(app, person, tomorrow).evaluation  # kept for that day
    page_of(app, person, now)  # back in time (a demo's clock): computed again
    assert row_of(app, person).computed_at == int(now.timestamp())


def test_a_held_seat_running_out_ends_the_kept_page(app, make):
    """While a seat is held the test cannot be booked again; when the hold runs out it can
    (booking.bookable_tests), so a page kept while the seat was held is computed again at
    that moment, and not before."""
    person = make.person()
    make.mo_course_done(person)
    now = app.state.portal.clock.now()
    make.held_seat(person, make.test_session("mo"), at=now)
    page = page_of(app, person, now)
    expires = now + timedelta(minutes=rules_on(now.date()).booking_hold_minutes)
    assert page.guide is not None and page.guide.changes_at == expires
    assert row_of(app, person).fresh_until == int(expires.timestamp())
    computed = row_of(app, person).computed_at
    assert page_of(app, person, expires - timedelta(seconds=1)) == page  # still held: kept
    assert row_of(app, person).computed_at == computed
    after = page_of(app, person, expires)
    assert row_of(app, person).computed_at == int(expires.timestamp())  # computed again
    assert after.guide is not None and after.guide.changes_at != expires


def test_other_code_or_another_course_version_is_not_shown(app, make, monkeypatch):
    person = make.person()
    page_of(app, person)
    computed = row_of(app, person)
    monkeypatch.setattr(dashboard, "_code_stamp", lambda: "another-deployment")
    page_of(app, person, app.state.portal.clock.now() + timedelta(seconds=1))
    assert row_of(app, person).computed_at == computed.computed_at + 1  # computed again


def test_someone_without_a_record_has_no_page(app):
    portal = app.state.portal
    with session_scope(portal.engine) as db:
        nobody = Principal(subject="nobody", role="citizen", person_id=987654)
        assert dashboard.my_dashboard(db, nobody, portal.clock.now()) is None
        staff = Principal(subject="demo-counsellor", role="counsellor", agency_id=1)
        assert dashboard.my_dashboard(db, staff, portal.clock.now()) is None
    assert one(app, "SELECT count(*) FROM person_dashboard WHERE person_id = 987654") == 0


@given(people())
def test_what_the_rules_say_is_kept_exactly(facts):
    """The kept JSON gives back the very evaluation (the pillars, alerts, B1 view, dates)."""
    adapter = TypeAdapter(Evaluation)
    today = datetime(2026, 3, 16, tzinfo=BRUSSELS).date()
    evaluation = evaluate(facts, today)
    assert adapter.validate_json(adapter.dump_json(evaluation)) == evaluation


def test_a_kept_page_that_cannot_be_read_is_computed_again(app, make):
    person = make.person()
    first = page_of(app, person)
    run(
        app,
        "UPDATE person_dashboard SET data = '{\"given_name\": 1}' WHERE person_id = :p",
        p=person.id,
    )
    assert page_of(app, person) == first  # computed again, and kept again
    assert row_of(app, person).data != '{"given_name": 1}'
