"""The municipality's decision is taken once, also when two officers decide at the same moment;
a confirmation records the pillar-4 fact exactly once. Each test makes its own person and
activities (tests/support/factories.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from portal.db import models as m
from portal.db.engine import make_engine
from portal.services import participation as svc
from portal.services.errors import ServiceError
from portal.settings import BRUSSELS
from tests.support.factories import Factory

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=BRUSSELS)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make(engine, tmp_path) -> Factory:
    from portal.adapters.storage import LocalFileStore

    return Factory(engine, NOW.date(), LocalFileStore(tmp_path / "files"))


def test_two_officers_deciding_at_once_make_one_decision(engine, make):
    sent = make.sent_activity(make.person(), hours=8)  # waiting for the municipality
    with (
        Session(engine, expire_on_commit=False) as first,
        Session(engine, expire_on_commit=False) as second,
    ):
        activity = first.get(m.Activity, sent)
        gent = first.get(m.Person, activity.person_id).municipality_id
        first.commit()  # SQLite: end each read before the other session starts one
        stale = second.get(m.Activity, activity.id)  # the second officer opened it too
        assert stale.status == "submitted"
        second.get(m.Person, stale.person_id)
        second.commit()  # SQLite: end the read (its lock); the loaded rows stay as they were
        first.commit()
        svc.decide(
            first,
            gent,
            activity.id,
            "confirm_all",
            confirmed=None,
            reason="",
            actor="officer-1",
            now=NOW,
            today=NOW.date(),
        )
        first.commit()
        with pytest.raises(ServiceError) as refused:
            svc.decide(
                second,
                gent,
                activity.id,
                "reject",
                confirmed=None,
                reason="Nee.",
                actor="officer-2",
                now=NOW,
                today=NOW.date(),
            )
        assert refused.value.code == "not_waiting"
        second.rollback()
    with Session(engine) as db:
        row = db.get(m.Activity, activity.id)
        facts = db.exec(select(m.Fact).where(m.Fact.source == f"participation:{activity.id}")).all()
    assert row.status == "confirmed" and row.decided_by == "officer-1"
    assert [f.hours for f in facts] == [8]


def test_two_activities_sent_at_once_cannot_both_fill_the_same_day(engine, make, tmp_path):
    """A person has 8 hours waiting today; two drafts of 10 hours each for today, sent at the
    same moment from two tabs: 8 + 10 fits, 8 + 10 + 10 does not, so exactly one goes."""
    import threading

    from portal.adapters.storage import LocalFileStore
    from portal.adapters.uploads import inspect_upload
    from portal.domain.participation import LogEntry
    from portal.services.demo_participation import attendance_sheet_photo

    store = LocalFileStore(tmp_path / "files")
    photo = inspect_upload(attendance_sheet_photo("x", 1), "p.jpg", None, max_bytes=10**7)
    made = make.person()
    make.sent_activity(made, hours=8, on=NOW.date())
    with Session(engine, expire_on_commit=False) as db:
        person = db.get(m.Person, made.id)
        drafts = []
        for name in ("Kringloopwinkel", "Voedselbank"):
            activity = svc.save_draft(
                db,
                person.id,
                None,
                svc.ActivityInput(
                    kind="volunteering",
                    organisation=name,
                    contact_name="X",
                    place="Gent",
                    start_on=NOW.date(),
                    end_on=NOW.date(),
                    description="Hielp mee.",
                    entries=[LogEntry(NOW.date(), 10)],
                ),
                NOW,
                actor="test",
            )
            svc.add_file(db, store, activity, photo, max_files=5, actor="test", now=NOW)
            drafts.append(activity.id)
        db.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send(activity_id: int) -> None:
        with Session(engine) as db:
            barrier.wait()
            try:
                svc.submit(
                    db,
                    person.id,
                    activity_id,
                    NOW,
                    NOW.date(),
                    actor="test",
                    base_url="http://x",
                    link_days=14,
                )
                db.commit()
                outcomes.append("sent")
            except ServiceError as error:
                db.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=send, args=(i,)) for i in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["day_over_24", "sent"], outcomes
