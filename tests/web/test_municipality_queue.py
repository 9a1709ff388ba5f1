"""The municipality's queue is paged (50 at a time, oldest first, keyset: no activity twice,
none skipped, even when many were sent at the same moment), searchable and filtered, and a
page costs the same number of queries whatever the size of the queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from tests.support.bulk import person_row
from tests.support.web import check_page, sign_in
from tests.web.test_weight import counting

GHENT = "44021"


def fill_queue(engine, n: int, status: str = "submitted") -> None:
    """n people of Ghent, each with an activity waiting (three at a time sent at the same
    second, so that the order needs the id too)."""
    with session_scope(engine) as db:
        ghent = db.exec(select(m.Municipality).where(m.Municipality.nis_code == GHENT)).one()
        template = db.exec(select(m.Person).where(m.Person.municipality_id == ghent.id)).first()
        people = [
            person_row(
                given_name=f"Queue{i:03d}",
                family_name="Wachtrij",
                birth_date=template.birth_date,
                municipality_id=ghent.id,
                agency_id=template.agency_id,
                created_at=template.created_at,
            )
            for i in range(n)
        ]
        db.execute(insert(m.Person), people)
        ids = db.exec(
            select(m.Person.id).where(m.Person.family_name == "Wachtrij").order_by(m.Person.id)
        ).all()
        start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        db.execute(
            insert(m.Activity),
            [
                {
                    "person_id": person_id,
                    "status": status,
                    "kind": "volunteering",
                    "organisation": f"Vereniging {i:03d}",
                    "hours_claimed": 4,
                    "submitted_at": start + timedelta(seconds=i // 3),
                }
                for i, person_id in enumerate(ids[-n:])
            ],
        )


ROW = re.compile(r'<a href="/municipality/activities/(\d+)">')
NEXT = re.compile(r'<a href="(/municipality\?[^"#]*)#queue" rel="next">')


def pages(client, first: str) -> list[list[str]]:
    seen, path = [], first
    while path:
        page = client.get(path.replace("&amp;", "&"))
        assert page.status_code == 200
        queue = page.text.split('id="queue"', 1)[1].split("<h2", 1)[0]
        seen.append(ROW.findall(queue))
        found = NEXT.search(queue)
        path = found.group(1) if found else ""
    return seen


def test_the_queue_comes_a_page_at_a_time_each_activity_once(client, app):
    engine = app.state.portal.engine
    fill_queue(engine, 120)
    sign_in(client, "demo-gent-officer")
    first = client.get("/municipality?lang=en")
    check_page(first.text)
    with session_scope(engine) as db:
        waiting = db.exec(
            select(m.Activity.id)
            .join(m.Person, m.Person.id == m.Activity.person_id)
            .join(m.Municipality, m.Municipality.id == m.Person.municipality_id)
            .where(
                m.Municipality.nis_code == GHENT,
                m.Activity.status.in_(["submitted", "info_requested"]),
            )
            .order_by(m.Activity.submitted_at, m.Activity.id)
        ).all()
    assert f"{len(waiting)} activities are waiting." in first.text
    seen = pages(client, "/municipality?lang=en")
    assert [len(p) for p in seen][:2] == [50, 50]
    flat = [int(i) for p in seen for i in p]
    assert flat == list(waiting)  # oldest first, none twice, none skipped
    assert (
        "Back to the start"
        in client.get(NEXT.search(first.text).group(1).replace("&amp;", "&")).text
    )


PREV = re.compile(r'<a href="(/municipality\?[^"#]*)#queue" rel="prev">')


def test_previous_page_walks_the_queue_back_over_the_same_pages(client, app):
    """From the last page, "Previous page" gives the same pages in reverse (also among
    activities sent at the same second); the first page has no "Previous page"."""
    engine = app.state.portal.engine
    fill_queue(engine, 130)
    sign_in(client, "demo-gent-officer")
    forward = pages(client, "/municipality?lang=en&q=Wachtrij")
    assert len(forward) == 3
    path = "/municipality?lang=en&q=Wachtrij"
    for _ in range(2):  # to the last page
        path = NEXT.search(client.get(path).text).group(1).replace("&amp;", "&")
    back = []
    while path:
        queue = client.get(path).text.split('id="queue"', 1)[1].split("<h2", 1)[0]
        back.append(ROW.findall(queue))
        found = PREV.search(queue)
        path = found.group(1).replace("&amp;", "&") if found else ""
        assert len(back) < 10
    assert back == forward[::-1]
    first = client.get("/municipality?lang=en&q=Wachtrij").text
    assert 'rel="prev"' not in first and "Back to the start" not in first
    for bad in ("before=abc", "before=" + "9" * 12, "before=999999"):
        answer = client.get(f"/municipality?lang=en&q=Wachtrij&{bad}")
        assert answer.status_code == 200  # an unknown cursor: the first page
        rows = ROW.findall(answer.text.split('id="queue"', 1)[1].split("<h2", 1)[0])
        assert rows == forward[0]


def test_the_queue_can_be_searched_and_filtered(client, app):
    engine = app.state.portal.engine
    fill_queue(engine, 60)
    fill_queue(engine, 3, status="info_requested")
    sign_in(client, "demo-gent-officer")
    found = client.get("/municipality?lang=en&q=queue007")
    assert ROW.findall(found.text.split('id="queue"', 1)[1].split("<h2", 1)[0]).__len__() == 1
    assert "1 activity is waiting." in found.text
    by_organisation = client.get("/municipality?lang=en&q=Vereniging 05")
    assert "10 activities are waiting." in by_organisation.text  # 050–059
    asked = client.get("/municipality?lang=en&status=info_requested")
    assert "activities are waiting." in asked.text
    rows = ROW.findall(asked.text.split('id="queue"', 1)[1].split("<h2", 1)[0])
    with session_scope(engine) as db:
        statuses = {db.get(m.Activity, int(i)).status for i in rows}
    assert statuses == {"info_requested"}
    odd = client.get("/municipality?lang=en&status=<script>&after=abc&q=" + "x" * 500)
    assert odd.status_code == 200 and "<script>" not in odd.text


def test_a_queue_page_costs_the_same_queries_for_10_or_300_waiting(client, app):
    engine = app.state.portal.engine
    sign_in(client, "demo-gent-officer")
    fill_queue(engine, 10)
    client.get("/municipality")
    with counting(engine) as small:
        client.get("/municipality")
    fill_queue(engine, 290)
    with counting(engine) as large:
        page = client.get("/municipality")
    assert len(small) == len(large)
    assert len(page.content) < 200_000


def decided(engine, days: list[int]) -> list[int]:
    """Confirmed activities decided by Ghent on the given days of March 2026 (at 23:30 in
    Brussels, to test the day's edge), oldest first; their ids."""
    fill_queue(engine, len(days))
    with session_scope(engine) as db:
        ghent = db.exec(select(m.Municipality).where(m.Municipality.nis_code == GHENT)).one()
        rows = db.exec(
            select(m.Activity)
            .join(m.Person, m.Person.id == m.Activity.person_id)
            .where(m.Person.family_name == "Wachtrij", m.Activity.status == "submitted")
            .order_by(m.Activity.id.desc())
            .limit(len(days))
        ).all()
        for activity, day in zip(sorted(rows, key=lambda a: a.id), days, strict=True):
            activity.status = "confirmed"
            activity.hours_confirmed = 4
            activity.decided_municipality_id = ghent.id
            activity.decided_at = datetime(2026, 3, day, 22, 30, tzinfo=UTC)  # 23:30 Brussels
            db.add(activity)
        return [a.id for a in sorted(rows, key=lambda a: a.id)]


def test_the_export_streams_in_batches_and_keeps_a_period(app):
    from portal.services import participation as svc

    engine = app.state.portal.engine
    ids = decided(engine, [2, 2, 2, 3, 5, 9, 9, 12])
    with session_scope(engine) as db:
        ghent = db.exec(select(m.Municipality).where(m.Municipality.nis_code == GHENT)).one()

    def exported(**period):
        rows = svc.export_confirmed(engine, ghent.id, actor="t", batch=3, **period)
        return [line.activity_id for line in rows if line.activity_id in ids]

    assert exported() == ids  # 3 + 3 + 2: every row once, in decision order
    from datetime import date

    assert exported(start=date(2026, 3, 3), end=date(2026, 3, 9)) == ids[3:7]
    assert exported(start=date(2026, 3, 10)) == ids[7:]
    assert exported(end=date(2026, 3, 1)) == []


def test_a_wrong_period_is_a_clear_error_and_nothing_is_exported(client, app):
    engine = app.state.portal.engine
    decided(engine, [2, 3])
    sign_in(client, "demo-gent-officer")
    with session_scope(engine) as db:
        before = len(
            db.exec(select(m.AuditLog).where(m.AuditLog.action == "activity.export")).all()
        )
    wrong = client.get("/municipality/export.csv?lang=en&from=2026-03-09&to=2026-03-01")
    assert wrong.status_code == 400 and wrong.headers["content-type"].startswith("text/html")
    check_page(wrong.text)
    assert "The end date must be on or after the start date." in wrong.text
    not_a_date = client.get("/municipality/export.csv?lang=en&from=9 March")
    assert not_a_date.status_code == 400
    assert 'value="9 March"' in not_a_date.text  # what was typed stays
    with session_scope(engine) as db:
        after = len(db.exec(select(m.AuditLog).where(m.AuditLog.action == "activity.export")).all())
    assert after == before
    good = client.get("/municipality/export.csv?lang=en&from=2026-03-03&to=2026-03-03")
    assert good.status_code == 200
    assert "2026-03-03" in good.headers["content-disposition"]
    assert len(good.text.strip().splitlines()) == 2  # the header and the one decided that day


def test_questions_about_hours_show_the_oldest_and_say_how_many_wait(client, app):
    from portal.domain.requests import RequestKind

    engine = app.state.portal.engine
    fill_queue(engine, 60)
    with session_scope(engine) as db:
        ghent = db.exec(select(m.Municipality).where(m.Municipality.nis_code == GHENT)).one()
        activities = db.exec(
            select(m.Activity)
            .join(m.Person, m.Person.id == m.Activity.person_id)
            .where(m.Person.family_name == "Wachtrij")
        ).all()
        db.execute(
            insert(m.PersonRequest),
            [
                {
                    "person_id": a.person_id,
                    "kind": RequestKind.HOURS_QUESTION.value,
                    "status": "waiting",
                    "municipality_id": ghent.id,
                    "activity_id": a.id,
                    "details": "Waarom?",
                    "created_at": datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=i),
                }
                for i, a in enumerate(activities)
            ],
        )
        waiting = db.exec(
            select(m.PersonRequest).where(
                m.PersonRequest.municipality_id == ghent.id, m.PersonRequest.status == "waiting"
            )
        ).all()
    sign_in(client, "demo-gent-officer")
    home = client.get("/municipality?lang=en").text
    table = home.split('id="questions-title"', 1)[1].split("</table>", 1)[0]
    assert table.count('href="/municipality/questions/') == 10
    assert f"These are the oldest 10 of {len(waiting)} questions." in home
    listing = client.get("/municipality/questions?lang=en")
    check_page(listing.text)
    assert listing.text.count('href="/municipality/questions/') == 50
    assert f"These are the oldest 50 of {len(waiting)} questions." in listing.text
