"""The municipality's decision is taken once, also when two officers decide at the same moment;
a confirmation records the pillar-4 fact exactly once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from portal.db import models as m
from portal.db.engine import make_engine
from portal.services import participation as svc
from portal.services.people import ServiceError
from portal.settings import BRUSSELS

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=BRUSSELS)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_two_officers_deciding_at_once_make_one_decision(engine):
    with (
        Session(engine, expire_on_commit=False) as first,
        Session(engine, expire_on_commit=False) as second,
    ):
        activity = first.exec(
            select(m.Activity).join(m.Person).where(m.Person.subject == "demo-gent-new")
        ).one()
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
