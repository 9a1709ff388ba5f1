"""The counsellor's two big lists (issue 19): the caseload and the sanction facts, read a page at a
time from their tables (services.summaries): paging without duplicates or gaps, search, filters,
the caller's agency only, the export's period, and lines kept true after writes and as days pass."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from sqlalchemy import insert, update
from sqlmodel import col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import facts, summaries
from portal.services.caller import Principal
from tests.support.bulk import person_row
from tests.support.exports import csv_records
from tests.support.web import sign_in
from tests.web.test_weight import counting

PERSON_LINK = re.compile(r'href="/staff/persons/(\d+)"')
NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next">')
PREV_LINK = re.compile(r'<a href="([^"]+)" rel="prev">')
FIRST_FACT = date(2026, 1, 1)


def bulk_people(engine, agency_id: int, n: int, today: date, prefix: str = "Fam") -> list[int]:
    """n obliged people of the agency without a contract (inserted in bulk, as a large agency's
    import would be); every second one with a refused intake (a sanction fact) on a day of its
    own; their lines computed with services.summaries.refresh."""
    with session_scope(engine) as db:
        municipality = db.exec(
            select(m.Municipality).where(m.Municipality.nis_code == "44021")
        ).one()
        now = datetime(2026, 3, 1, tzinfo=UTC)
        db.execute(
            insert(m.Person),
            [
                person_row(
                    given_name=f"G{i}",
                    family_name=f"{prefix}{i % 40:02d}",
                    municipality_id=municipality.id,
                    agency_id=agency_id,
                    created_at=now,
                )  # three of each: the id decides
                for i in range(n)
            ],
        )
        ids = list(
            db.exec(
                select(m.Person.id)
                .where(
                    m.Person.agency_id == agency_id, col(m.Person.family_name).startswith(prefix)
                )
                .order_by(col(m.Person.id))
            ).all()
        )
        db.execute(
            insert(m.Fact),
            [
                {
                    "person_id": pid,
                    "kind": "intake_refused",
                    "on": FIRST_FACT + timedelta(days=i // 2),
                    "hours": 0,
                    "source": "",
                    "note": "did not come",
                    "recorded_by": "t",
                    "recorded_at": now,
                    "withdrawn_by": "",
                    "withdrawn_reason": "",
                }
                for i, pid in enumerate(ids)
                if i % 2 == 0
            ],
        )
        summaries.refresh(db, ids, today)
    return ids


def walk(client, path: str) -> tuple[list[int], list[str]]:
    """Follow "Next page" from `path` to the end: the person ids in order, and the pages."""
    seen: list[int] = []
    pages: list[str] = []
    url: str | None = path
    while url:
        page = client.get(url)
        assert page.status_code == 200, url
        pages.append(page.text)
        seen += [int(x) for x in PERSON_LINK.findall(page.text)]
        found = NEXT_LINK.search(page.text)
        url = unescape(found.group(1)) if found else None
        assert len(pages) < 20
    return seen, pages


def agency_and_counsellor(make):
    agency = make.agency()
    return agency, make.counsellor(agency)


def test_the_caseload_pages_on_without_duplicates_or_gaps(client, app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 120, today)
    sign_in(client, counsellor)
    seen, pages = walk(client, "/staff?lang=en")
    assert len(pages) == 3 and len(seen) == 120
    assert sorted(seen) == sorted(ids)
    with session_scope(engine) as db:
        lines = {s.person_id: s for s in db.exec(select(m.PersonSummary)).all()}
    order = [(lines[p].attention_rank, lines[p].family_name, p) for p in seen]
    assert order == sorted(order)  # a sanction fact to review first, then by name and id
    assert lines[seen[0]].attention == "sanction_to_review,no_contract"
    assert "120 persons" in pages[0]
    assert "Back to the start" in pages[1] and "Back to the start" not in pages[0]
    assert "Updating" not in pages[0]


def test_the_caseload_is_searched_and_filtered(client, app, make):
    engine = app.state.portal.engine
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 60, app.state.portal.clock.today(), prefix="Zed")
    sign_in(client, counsellor)
    found = client.get("/staff?lang=en&q=zed07").text
    assert "2 persons" in found  # Zed07: the 8th and the 48th
    assert [int(x) for x in PERSON_LINK.findall(found)] == [ids[7], ids[47]]
    to_review = client.get("/staff?lang=en&kind=sanction_to_review").text
    assert "30 persons" in to_review
    assert set(map(int, PERSON_LINK.findall(to_review))) == set(ids[::2])
    assert "No persons found." in client.get("/staff?lang=en&kind=attest_ready").text
    # a cursor that is not one starts at the beginning; an unknown kind is no filter
    assert "60 persons" in client.get("/staff?lang=en&after=x.y&kind=nonsense").text


def test_another_agencys_people_are_never_listed(client, app, make):
    engine = app.state.portal.engine
    home, _ = agency_and_counsellor(make)
    _, away_counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, home.id, 10, app.state.portal.clock.today(), prefix="Home")
    sign_in(client, away_counsellor)
    for path in ("/staff?q=Home", "/staff/sanctions?q=Home", "/staff/sanctions"):
        page = client.get(path).text
        assert not set(map(int, PERSON_LINK.findall(page))) & set(ids), path
    # a cursor naming another agency's person shows nothing of them either
    page = client.get(f"/staff?after=0.{ids[0]}.Home00").text
    assert not set(map(int, PERSON_LINK.findall(page))) & set(ids)
    assert client.get(f"/staff/persons/{ids[0]}").status_code == 404


def test_the_sanction_list_pages_on_and_is_filtered(client, app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 120, today)
    with session_scope(engine) as db:  # two decisions, through the session (the hook)
        for pid in ids[:4:2]:
            db.add(
                m.SanctionReview(
                    person_id=pid,
                    kind="intake_refused",
                    pillar="",
                    deadline=FIRST_FACT + timedelta(days=ids.index(pid) // 2),
                    decision="report",
                    reviewed_by=counsellor,
                )
            )
    sign_in(client, counsellor)
    seen, pages = walk(client, "/staff/sanctions?lang=en")
    assert len(pages) == 2 and len(seen) == 60 and sorted(seen) == sorted(ids[::2])
    assert seen[-2:] == ids[:4:2]  # reviewed last
    assert "60 sanction facts" in pages[0]
    reviewed = client.get("/staff/sanctions?lang=en&status=reviewed").text
    assert [int(x) for x in PERSON_LINK.findall(reviewed)] == ids[:4:2]
    to_review = client.get("/staff/sanctions?lang=en&status=to_review").text
    assert "58 sanction facts" in to_review
    assert "No sanction facts." in client.get("/staff/sanctions?lang=en&pillar=vdab").text
    searched = client.get("/staff/sanctions?lang=en&q=fam01").text
    assert {int(x) for x in PERSON_LINK.findall(searched)} == {
        pid for i, pid in enumerate(ids) if i % 2 == 0 and i % 40 == 1
    }


def test_the_export_takes_a_period_and_refuses_a_day_that_is_not_a_date(client, app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 20, today)
    with session_scope(engine) as db:
        for i, pid in enumerate(ids):
            if i % 2 == 0:
                db.add(
                    m.SanctionReview(
                        person_id=pid,
                        kind="intake_refused",
                        pillar="",
                        deadline=FIRST_FACT + timedelta(days=i // 2),
                        decision="not_report",
                        reason="ill",
                        reviewed_by=counsellor,
                    )
                )
    sign_in(client, counsellor)
    everything = csv_records(client.get("/staff/sanctions.csv?lang=en"))
    assert len(everything) == 10
    period = csv_records(client.get("/staff/sanctions.csv?from=2026-01-03&to=2026-01-05"))
    assert [row["Deadline"] or row["Happened on"] for row in period] == [
        "2026-01-03",
        "2026-01-04",
        "2026-01-05",
    ]
    assert len(csv_records(client.get("/staff/sanctions.csv?from=2026-01-08"))) == 3
    bad = client.get("/staff/sanctions.csv?from=3 January&to=2026-01-05")
    assert bad.status_code == 400
    assert "Enter a real date, for example 15 March 2026." in bad.text
    backwards = client.get("/staff/sanctions.csv?from=2026-01-05&to=2026-01-03")
    assert backwards.status_code == 400
    assert "The end date must be on or after the start date." in backwards.text
    dutch = client.get("/staff/sanctions.csv?lang=nl&from=gisteren")
    assert dutch.status_code == 400 and 'lang="nl"' in dutch.text


def test_the_export_streams_in_batches(app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 12, today)
    with session_scope(engine) as db:
        for i, pid in enumerate(ids[::2]):
            db.add(
                m.SanctionReview(
                    person_id=pid,
                    kind="intake_refused",
                    pillar="",
                    deadline=FIRST_FACT + timedelta(days=i),
                    decision="report",
                    reviewed_by=counsellor,
                )
            )
        grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == counsellor)).one()
    caller = Principal(counsellor, "counsellor", grant_id=grant.id, agency_id=agency.id)
    from portal.services.sanctions import reviewed_sanctions

    items = reviewed_sanctions(engine, caller, today, batch=4)
    with counting(engine) as statements:
        first = next(items)
    assert first.person_id == ids[0]
    assert first.decision == "report" and first.reviewed_by == counsellor
    assert len(statements) < 15  # one batch read, not the whole list
    assert [i.person_id for i in [first, *items]] == ids[::2]


def test_recording_a_fact_updates_the_persons_lines_at_once(client, app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    person = make.person(agency=agency)  # through the services: the hook made the lines
    with session_scope(engine) as db:
        line = db.get(m.PersonSummary, person.id)
        assert line is not None and line.computed_on == today
        assert "sanction_to_review" not in line.attention
        grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == counsellor)).one()
        caller = Principal(counsellor, "counsellor", grant_id=grant.id, agency_id=agency.id)
        facts.record(
            db, caller, person.id, facts.FactEntry("intake_refused", today, note="x"), today
        )
    with session_scope(engine) as db:
        line = db.get(m.PersonSummary, person.id)
        assert line.attention.startswith("sanction_to_review")
        (row,) = db.exec(
            select(m.SanctionFactRow).where(m.SanctionFactRow.person_id == person.id)
        ).all()
        assert (row.kind, row.day, row.reviewed) == ("intake_refused", today, False)
    sign_in(client, counsellor)
    page = client.get("/staff/sanctions?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/staff/sanctions/review",
        data={
            "csrf_token": token,
            "person_id": str(person.id),
            "kind": "intake_refused",
            "pillar": "",
            "deadline": today.isoformat(),
            "decision": "report",
            "reason": "",
        },
    )
    assert answer.status_code == 303
    with session_scope(engine) as db:
        row = db.exec(
            select(m.SanctionFactRow).where(m.SanctionFactRow.person_id == person.id)
        ).one()
        assert row.reviewed
        assert "sanction_to_review" not in db.get(m.PersonSummary, person.id).attention


def test_lines_of_an_earlier_day_are_recomputed(client, app, make, monkeypatch):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 6, today)
    with session_scope(engine) as db:
        db.execute(
            update(m.PersonSummary)
            .where(col(m.PersonSummary.person_id).in_(ids))
            .values(computed_on=today - timedelta(days=1), attention="", attention_rank=6)
        )
    assert summaries.refresh_stale(engine, today) >= 6  # the periodic job
    with session_scope(engine) as db:
        for pid in ids:
            line = db.get(m.PersonSummary, pid)
            assert line.computed_on == today and line.attention.endswith("no_contract")
        assert summaries.missing_or_stale(db, today, 10) == []
    # a list recomputes a few stale lines itself, and says so when there are many
    with session_scope(engine) as db:
        db.execute(
            update(m.PersonSummary)
            .where(col(m.PersonSummary.person_id).in_(ids))
            .values(computed_on=today - timedelta(days=1), attention="")
        )
    sign_in(client, counsellor)
    assert "Updating" not in client.get("/staff?lang=en").text
    with session_scope(engine) as db:
        assert db.get(m.PersonSummary, ids[0]).computed_on == today
        db.execute(
            update(m.PersonSummary)
            .where(col(m.PersonSummary.person_id).in_(ids))
            .values(computed_on=today - timedelta(days=1))
        )
    monkeypatch.setattr(summaries, "INLINE_LIMIT", 3)
    page = client.get("/staff?lang=en").text
    assert "Updating: the list may be a day behind for some people." in page


def test_people_without_lines_get_them_from_the_job(app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, _ = agency_and_counsellor(make)
    ids = bulk_people(engine, agency.id, 4, today)
    with session_scope(engine) as db:
        db.execute(
            m.PersonSummary.__table__.delete().where(m.PersonSummary.__table__.c.person_id.in_(ids))
        )
        assert set(summaries.missing_or_stale(db, today, 100)) >= set(ids)
    summaries.refresh_stale(engine, today)
    with session_scope(engine) as db:
        assert all(db.get(m.PersonSummary, pid) is not None for pid in ids)


def test_the_lists_run_a_fixed_number_of_queries_whatever_the_agencys_size(client, app, make):
    engine = app.state.portal.engine
    today = app.state.portal.clock.today()
    agency, counsellor = agency_and_counsellor(make)
    bulk_people(engine, agency.id, 30, today, prefix="Small")
    sign_in(client, counsellor)
    paths = ("/staff", "/staff/sanctions", "/staff?q=small", "/staff/sanctions?status=to_review")

    def counts() -> dict[str, int]:
        out = {}
        for path in paths:
            client.get(path)
            with counting(engine) as statements:
                page = client.get(path)
            assert page.status_code == 200
            assert len(page.content) < 200_000
            out[path] = len(statements)
        return out

    small = counts()
    bulk_people(engine, agency.id, 270, today, prefix="Large")
    large = counts()
    assert small == large


def test_the_sanctions_export_is_recorded_in_the_audit_log_with_its_period(client, app):
    sign_in(client, "demo-counsellor")
    assert client.get("/staff/sanctions.csv?from=2026-01-01").status_code == 200
    with session_scope(app.state.portal.engine) as db:
        logged = db.exec(select(m.AuditLog).where(m.AuditLog.action == "sanctions.export")).all()
    assert [(e.actor, e.details["start"], e.details["end"]) for e in logged] == [
        ("demo-counsellor", "2026-01-01", "")
    ]


def walk_back(client, last_page: str) -> list[list[int]]:
    """Follow "Previous page" from the text of a last page to the first: each page's person
    ids, last page first."""
    pages = [[int(x) for x in PERSON_LINK.findall(last_page)]]
    found = PREV_LINK.search(last_page)
    while found:
        page = client.get(unescape(found.group(1)))
        assert page.status_code == 200
        pages.append([int(x) for x in PERSON_LINK.findall(page.text)])
        found = PREV_LINK.search(page.text)
        assert len(pages) < 20
    return pages


@pytest.mark.parametrize("path", ["/staff?lang=en", "/staff/sanctions?lang=en"])
def test_previous_page_walks_back_over_the_same_pages(client, app, make, path):
    engine = app.state.portal.engine
    agency, counsellor = agency_and_counsellor(make)
    bulk_people(engine, agency.id, 130, app.state.portal.clock.today())
    sign_in(client, counsellor)
    _seen, pages = walk(client, path)
    assert len(pages) >= 2
    forward = [[int(x) for x in PERSON_LINK.findall(text)] for text in pages]
    assert "Previous page" not in pages[0] and all("Previous page" in t for t in pages[1:])
    assert walk_back(client, pages[-1]) == forward[::-1]


def test_previous_page_from_a_cursor_near_the_start_shows_the_full_first_page(client, app, make):
    engine = app.state.portal.engine
    agency, counsellor = agency_and_counsellor(make)
    bulk_people(engine, agency.id, 120, app.state.portal.clock.today())
    sign_in(client, counsellor)
    first = client.get("/staff?lang=en").text
    ids = [int(x) for x in PERSON_LINK.findall(first)]
    with session_scope(engine) as db:
        line = db.get(m.PersonSummary, ids[3])
        assert line is not None
        cursor = f"{line.attention_rank}.{line.person_id}.{line.family_name}"
    # before the fourth line (as when lines moved since the link was made): that page would
    # hold three lines, so the full first page is shown instead, without "Previous page"
    back = client.get("/staff?" + urlencode({"lang": "en", "before": cursor})).text
    assert [int(x) for x in PERSON_LINK.findall(back)] == ids
    assert "Previous page" not in back and "Next page" in back
    for bad in ("before=nonsense", "before=9.9.x", "before=" + "9" * 150):
        answer = client.get(f"/staff?lang=en&{bad}")
        assert answer.status_code == 200  # an unknown cursor: the first page
        assert [int(x) for x in PERSON_LINK.findall(answer.text)] == ids
