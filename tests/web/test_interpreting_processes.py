"""The rate limit on wrong codes holds across app processes: two real `uvicorn` processes on one
database, wrong codes spread over both, and the eleventh is refused by either of them."""

from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from portal.domain import share_codes
from portal.services import interpreting
from portal.settings import Settings
from tests.conftest import NOW
from tests.support.processes import app_process

pytestmark = pytest.mark.slow


def test_wrong_codes_spread_over_two_processes_are_counted_together(database_url, idp):
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        service = db.exec(select(m.InterpretingService)).first()
        _, raw = interpreting.issue_api_key(db, "test", service.id, "two processes")
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        _, good = interpreting.create_code(
            db, person.id, NOW, days=30, actor="test", key=Settings().code_key
        )
    engine.dispose()
    headers = {"Authorization": f"Bearer {raw}"}
    with ExitStack() as stack:
        first = stack.enter_context(app_process(database_url, idp.issuer))
        second = stack.enter_context(app_process(database_url, idp.issuer))
        for i in range(10):  # the default limit: 10 wrong codes per 15 minutes
            base = (first, second)[i % 2]
            wrong = "K7M29PXQ" + share_codes.ALPHABET[i]
            answer = httpx.post(
                f"{base}/api/v1/status-checks", json={"code": wrong}, headers=headers
            )
            assert answer.status_code == 200 and answer.json()["result"] == "wrong"
        for base in (first, second):
            stopped = httpx.post(
                f"{base}/api/v1/status-checks", json={"code": good}, headers=headers
            )
            assert stopped.status_code == 429, stopped.text
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        outcomes = [
            c.outcome for c in db.exec(select(m.StatusCheck).order_by(m.StatusCheck.id)).all()
        ]
    engine.dispose()
    assert outcomes == ["wrong"] * 10 + ["rate_limited"] * 2
