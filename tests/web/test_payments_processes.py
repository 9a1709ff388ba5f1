"""A double tap on "Pay" on a slow phone, and worse: many pay requests for one fee at once, spread
over two real app processes on one database, make one Mollie payment, and every request sends the
person to the same checkout. Periodic jobs run once per round however many processes run."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from urllib.parse import urlparse

import httpx
import pytest
from sqlmodel import select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from tests.support.processes import app_process
from tests.support.web import csrf_token

pytestmark = pytest.mark.slow


def _signed_in(base: str, subject: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    start = client.get("/login")
    assert start.status_code == 303, start.text
    answer = httpx.post(start.headers["location"], data={"sub": subject}, follow_redirects=False)
    callback = urlparse(answer.headers["location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code in {302, 303}
    return client


def test_concurrent_pay_requests_over_two_processes_make_one_mollie_payment(
    database_url, idp, sandbox
):
    before = set(sandbox.app._payments)
    with ExitStack() as stack:
        first = stack.enter_context(
            app_process(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url)
        )
        second = stack.enter_context(
            app_process(database_url, idp.issuer, PORTAL_MOLLIE_API_ENDPOINT=sandbox.url)
        )
        one = _signed_in(first, "demo-gent-new")
        token = csrf_token(one.get("/my/payments").text)
        other = httpx.Client(base_url=second, follow_redirects=False, timeout=30)
        other.cookies.update(one.cookies)  # the same person, the same session, both servers
        answers: list[httpx.Response] = []
        lock = threading.Lock()
        go = threading.Barrier(8)

        def tap(client: httpx.Client) -> None:
            go.wait()
            answer = client.post(
                "/my/payments/pay", data={"csrf_token": token, "charge": "mo_course:1"}
            )
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=tap, args=((one, other)[i % 2],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        one.close()
        other.close()
    assert len(answers) == 8
    locations = {a.headers.get("location") for a in answers}
    assert all(a.status_code == 303 for a in answers), [a.text[:200] for a in answers]
    assert len(locations) == 1, locations
    [checkout] = locations
    assert checkout.startswith(sandbox.url + "/checkout/tr_")
    created = [p for key, p in sandbox.app._payments.items() if key not in before]
    assert len(created) == 1
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        rows = db.exec(
            select(m.Payment)
            .join(m.Person)
            .where(m.Person.subject == "demo-gent-new", m.Payment.charge_key == "mo_course:1")
        ).all()
    engine.dispose()
    assert len(rows) == 1 and rows[0].status == "open" and rows[0].active_key is not None
    assert checkout.endswith(rows[0].provider_id)
