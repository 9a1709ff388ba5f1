"""Two app servers, one deployment: two `portal serve` processes on one PostgreSQL database, with
uploads in (fake) S3 and e-mail through one SMTP server, as several machines behind a load
balancer would run. Requests alternate between the servers; what a person does on one the other
knows (sessions, CSRF tokens and sign-in state live in the database), a seat is never sold twice,
a payment is settled once however many webhooks arrive where, an upload is readable everywhere,
and the housekeeping loops of both servers send each reminder and each e-mail exactly once."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.db import models as m
from portal.db.engine import make_engine, session_scope
from tests.conftest import MOLLIE_TEST_KEY, NOW, fresh_database
from tests.support.factories import Factory
from tests.support.web import csrf_token

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BUCKET = "portal-evidence"
REGION = "eu-west-1"
STARTUP_SECONDS = 30
REMINDER_KINDS = ("deadline_reminder", "deadline_reminder_obliged", "test_reminder", "fee_reminder")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- what the servers share


@pytest.fixture
def s3() -> Iterator[Any]:
    """moto's S3 as a real HTTP server in this process: both app servers (separate OS
    processes) reach the same buckets. Yields a client on it, with the bucket made."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client
    finally:
        server.stop()


class Collect:
    """An SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"

    def received(self) -> Counter[tuple[str, str]]:
        """(recipient, subject) of each message received, counted."""
        from email import message_from_bytes
        from email.header import decode_header, make_header

        seen: Counter[tuple[str, str]] = Counter()
        with self.lock:
            for envelope in self.messages:
                parsed = message_from_bytes(envelope.content)
                subject = str(make_header(decode_header(parsed["Subject"] or "")))
                for to in envelope.rcpt_tos:
                    seen[(to, subject)] += 1
        return seen


@pytest.fixture
def smtp() -> Iterator[tuple[str, Collect]]:
    """One mail server for both app servers (PORTAL_SMTP_URL); yields its URL and handler."""
    from aiosmtpd.controller import Controller

    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()


# ---------------------------------------------------------------- the two servers


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Any
    upload_dir: Path

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return str(self.log.read().decode(errors="replace"))


@dataclass
class Deployment:
    database_url: str
    engine: Engine
    servers: list[Server]
    make: Factory
    s3: Any
    mail: Collect
    sandbox: Any
    # what was there before the servers started (the demo data's)
    emails_before: set[int | None] = field(default_factory=set)
    reminders_before: set[int | None] = field(default_factory=set)

    @property
    def a(self) -> str:
        return self.servers[0].base

    @property
    def b(self) -> str:
        return self.servers[1].base

    def logs(self) -> str:
        return "\n".join(f"--- {s.base}\n{s.output()[-3000:]}" for s in self.servers)


def _portal_command() -> list[str]:
    script = Path(sys.executable).with_name("portal")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from portal.cli import main; sys.exit(main())"]


@contextmanager
def portal_serve(env: dict[str, str], port: int, upload_dir: Path) -> Iterator[Server]:
    """`portal serve --no-idp --workers 1` on `port`, until the block ends (terminated, then
    killed if it does not stop)."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [*_portal_command(), "serve", "--no-idp", "--workers", "1", "--port", str(port)],
        env={**env, "PORTAL_UPLOAD_DIR": str(upload_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield Server(f"http://127.0.0.1:{port}", process, log, upload_dir)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        log.close()


def _wait_healthy(servers: list[Server]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(servers)
    while waiting:
        server = waiting[0]
        try:
            answer = httpx.get(f"{server.base}/healthz", timeout=2)
            if answer.status_code == 200 and answer.json()["dialect"] == "postgresql":
                waiting.pop(0)
                continue
        except httpx.TransportError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.base} did not start:\n{server.output()[-4000:]}")
        time.sleep(0.1)


@pytest.fixture
def deployment(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    idp: Any,
    sandbox: Any,
    s3: Any,
    smtp: tuple[str, Collect],
) -> Iterator[Deployment]:
    database_url = fresh_database(request, "postgres", tmp_path)  # migrated, demo data, course
    smtp_url, mail = smtp
    ports = [free_port(), free_port()]
    # Nothing of this process's own settings leaks into the servers' environment.
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "AWS_", "WEB_"))
    }
    env = {
        **base_env,
        "PORTAL_ENV": "test",
        "PORTAL_DATABASE_URL": database_url,
        # the address people and Mollie use (a load balancer's); here the first server's
        "PORTAL_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "PORTAL_SECRET_KEY": "two-servers-one-deployment-" + "k" * 20,
        "PORTAL_NOW": NOW.isoformat(),
        "PORTAL_OIDC_ISSUER": idp.issuer,
        "PORTAL_MOLLIE_API_KEY": MOLLIE_TEST_KEY,
        "PORTAL_MOLLIE_API_ENDPOINT": sandbox.url,
        "PORTAL_SMTP_URL": smtp_url,
        "PORTAL_STORAGE": "s3",
        "PORTAL_S3_BUCKET": BUCKET,
        "PORTAL_S3_ENDPOINT_URL": s3.meta.endpoint_url,
        "PORTAL_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
        # housekeeping every second: mail each round, the other jobs every 1 or 2 seconds
        "PORTAL_MAIL_INTERVAL_SECONDS": "1",
        "PORTAL_JOB_ROUND_SECONDS": "1",
        "PORTAL_REMINDER_ROUND_SECONDS": "2",
    }
    engine = make_engine(database_url)
    with session_scope(engine) as db:
        emails_before = set(
            db.exec(select(m.OutboxEmail.id).where(col(m.OutboxEmail.sent_at).is_not(None)))
        )
        reminders_before = set(db.exec(select(m.ReminderSent.id)))
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        servers = []
        for index, port in enumerate(ports):
            folder = tmp_path / f"uploads-{index}"
            folder.mkdir()
            servers.append(stack.enter_context(portal_serve(env, port, folder)))
        _wait_healthy(servers)
        yield Deployment(
            database_url,
            engine,
            servers,
            Factory(engine, NOW.date()),
            s3,
            mail,
            sandbox,
            emails_before,
            reminders_before,
        )


# ---------------------------------------------------------------- people on both servers


class Phone:
    """One person's browser: one cookie jar, requests to whichever server (absolute URLs). The
    session cookie is for 127.0.0.1, so it goes to both servers, as to one behind a balancer."""

    def __init__(self) -> None:
        self.http = httpx.Client(follow_redirects=False, timeout=30)

    def get(self, server: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(server + path, **kw)

    def post(self, server: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(server + path, **kw)

    def sign_in(self, start_on: str, finish_on: str, subject: str) -> None:
        """Start signing in on one server, come back from the provider to the other."""
        start = self.get(start_on, "/login")
        assert start.status_code == 303, start.text
        answer = httpx.post(start.headers["location"], data={"sub": subject})
        assert answer.status_code == 302, answer.text
        callback = urlparse(answer.headers["location"])
        assert callback.path == "/auth/callback"
        done = self.get(finish_on, f"{callback.path}?{callback.query}")
        assert done.status_code in {302, 303}, done.text
        assert not done.headers["location"].startswith("/login"), done.headers["location"]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def phones() -> Iterator[Any]:
    made: list[Phone] = []

    def phone() -> Phone:
        made.append(Phone())
        return made[-1]

    yield phone
    for each in made:
        each.close()


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; their results in order."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []
    go = threading.Barrier(len(calls))

    def run(index: int) -> None:
        go.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


def count(engine: Engine, statement: Any) -> int:
    with session_scope(engine) as db:
        return int(db.exec(statement).one())


# ---------------------------------------------------------------- the test


def test_two_servers_one_deployment(deployment: Deployment, phones: Any) -> None:
    d = deployment
    a, b = d.a, d.b
    make = d.make
    engine = d.engine
    try:
        _sessions_across_servers(d, phones, a, b)
        _last_seat_race(d, phones, make, a, b)
        _payment_and_webhooks(d, phones, make, a, b)
        _upload_on_one_read_on_other(d, phones, make, a, b)
        _reminders_and_mail_once(d, make, engine)
    except AssertionError as error:
        raise AssertionError(f"{error}\n\nserver logs:\n{d.logs()}") from error
    for server in d.servers:
        assert server.process.poll() is None, server.output()[-3000:]
        assert "Traceback" not in server.output(), server.output()[-3000:]


def _sessions_across_servers(d: Deployment, phones: Any, a: str, b: str) -> None:
    person = d.make.person()
    phone = phones()
    phone.sign_in(b, a, person.subject)  # starts on B, the provider sends back to A
    for server in (a, b, a, b):
        page = phone.get(server, "/my")
        assert page.status_code == 200, (server, page.status_code, page.headers)
    # a form read on one server is accepted by the other (the CSRF token is the session's)
    token = csrf_token(phone.get(a, "/my/participation").text)
    draft = phone.post(b, "/my/participation/activities", data={"csrf_token": token})
    assert draft.status_code == 303, draft.text
    signed_out = phone.post(a, "/logout", data={"csrf_token": token})
    assert signed_out.status_code in {302, 303}, signed_out.text
    assert phone.get(b, "/my").status_code in {302, 303}  # signed out everywhere


def _last_seat_race(d: Deployment, phones: Any, make: Factory, a: str, b: str) -> None:
    last_seat = make.test_session("mo", capacity=1)
    people = [make.person(), make.person()]
    for person in people:
        make.mo_course_done(person)
    first, second = phones(), phones()
    first.sign_in(a, a, people[0].subject)
    second.sign_in(b, b, people[1].subject)
    tokens = [csrf_token(p.get(s, "/my/tests/mo").text) for p, s in ((first, a), (second, b))]
    answers = at_once(
        lambda: first.post(
            a, "/my/tests/mo/hold", data={"csrf_token": tokens[0], "session": last_seat}
        ),
        lambda: second.post(
            b, "/my/tests/mo/hold", data={"csrf_token": tokens[1], "session": last_seat}
        ),
    )
    assert [x.status_code for x in answers] == [303, 303], [x.text[:300] for x in answers]
    where = [x.headers["location"] for x in answers]
    won = [w for w in where if re.fullmatch(r"/my/tests/bookings/\d+", w)]
    lost = [w for w in where if w == "/my/tests/mo?error=session_full"]
    assert len(won) == 1 and len(lost) == 1, where
    loser, loser_server = (second, b) if where[1] in lost else (first, a)
    told = loser.get(loser_server, lost[0] + "&lang=en")
    assert "This session just filled up." in told.text
    with session_scope(d.engine) as db:
        session = db.get(m.TestSession, last_seat)
        assert session is not None and session.booked == 1
        seats = db.exec(
            select(m.Booking).where(
                m.Booking.session_id == last_seat, col(m.Booking.status).in_(["held", "confirmed"])
            )
        ).all()
        assert len(seats) == 1
    # the winner sees the booking on the other server too
    winner, other = (first, b) if where[0] in won else (second, a)
    assert winner.get(other, won[0]).status_code == 200


def _payment_and_webhooks(d: Deployment, phones: Any, make: Factory, a: str, b: str) -> None:
    person = make.person()
    phone = phones()
    phone.sign_in(a, b, person.subject)
    page = phone.get(a, "/my/payments")
    charge = re.search(r'name="charge" value="([^"]+)"', page.text)
    assert charge, "nothing to pay on /my/payments"
    paid = phone.post(
        a, "/my/payments/pay", data={"csrf_token": csrf_token(page.text), "charge": charge[1]}
    )
    assert paid.status_code == 303, paid.text
    checkout = paid.headers["location"]
    assert checkout.startswith(d.sandbox.url + "/checkout/tr_")
    provider_id = checkout.rsplit("/", 1)[-1]
    # paid at Mollie; the webhook is delivered by hand: to B, and at the same time to A
    httpx.post(checkout, data={"status": "paid", "webhook": "skip"})
    hooks = at_once(
        lambda: httpx.post(f"{b}/webhooks/mollie", data={"id": provider_id}, timeout=30),
        lambda: httpx.post(f"{a}/webhooks/mollie", data={"id": provider_id}, timeout=30),
    )
    assert [h.status_code for h in hooks] == [200, 200], [h.text for h in hooks]

    def state() -> tuple[list[tuple[str, int]], int, int]:
        with session_scope(d.engine) as db:
            payments = db.exec(select(m.Payment).where(m.Payment.person_id == person.id)).all()
            received = db.exec(
                select(func.count())
                .select_from(m.Message)
                .where(m.Message.person_id == person.id, m.Message.kind == "payment_received")
            ).one()
            emails = db.exec(
                select(func.count())
                .select_from(m.OutboxEmail)
                .join(m.Message, col(m.Message.id) == col(m.OutboxEmail.message_id))
                .where(m.Message.person_id == person.id, m.Message.kind == "payment_received")
            ).one()
            return [(p.status, p.amount_cents) for p in payments], int(received), int(emails)

    payments, received, emails = state()
    assert [s for s, _ in payments] == ["paid"], payments
    assert received == 1 and emails == 1, (received, emails)
    # Mollie calls again (a duplicate) at A: nothing changes
    assert httpx.post(f"{a}/webhooks/mollie", data={"id": provider_id}).status_code == 200
    assert state() == (payments, received, emails)
    inbox = phone.get(b, "/my/inbox?lang=en")
    assert inbox.status_code == 200


def _upload_on_one_read_on_other(d: Deployment, phones: Any, make: Factory, a: str, b: str) -> None:
    person = make.person()
    phone = phones()
    phone.sign_in(a, a, person.subject)
    token = csrf_token(phone.get(a, "/my/participation").text)
    draft = phone.post(a, "/my/participation/activities", data={"csrf_token": token})
    made = re.search(r"/activities/(\d+)/edit", draft.headers["location"])
    assert made, draft.headers["location"]
    activity_id = int(made[1])
    edit = phone.get(a, f"/my/participation/activities/{activity_id}/edit")
    day = NOW.date().isoformat()
    saved = phone.post(
        a,
        f"/my/participation/activities/{activity_id}/edit?lang=en",
        data={
            "csrf_token": csrf_token(edit.text),
            "action": "save",
            "kind": "volunteering",
            "organisation": "Dierenasiel Gent vzw",
            "contact_name": "Lotte Peeters",
            "contact_email": "lotte@example.invalid",
            "place": "Gent",
            "start_on": day,
            "end_on": day,
            "description": "Ik liet de honden uit en maakte de hokken schoon.",
            "log_on": [day],
            "log_hours": ["12"],
        },
        files=[("proof", ("photo.jpg", jpeg(), "image/jpeg"))],
    )
    assert saved.status_code == 303, saved.text[:2000]
    with session_scope(d.engine) as db:
        stored = db.exec(
            select(m.EvidenceFile).where(m.EvidenceFile.activity_id == activity_id)
        ).one()
        file_id, key = stored.id, stored.storage_key
    download = phone.get(b, f"/my/participation/files/{file_id}")
    assert download.status_code == 200, download.text[:500]
    assert download.content[:3] == b"\xff\xd8\xff"  # a JPEG (cleaned of metadata on upload)
    in_s3 = d.s3.get_object(Bucket=BUCKET, Key=f"evidence/{key}")["Body"].read()
    assert in_s3 == download.content
    for server in d.servers:  # nothing in a local folder on either server
        assert not any(p.is_file() for p in server.upload_dir.rglob("*")), server.upload_dir


def _due_left(engine: Engine) -> list[tuple[int, str]]:
    """The reminders due now (the fixed clock) that no one has sent."""
    from portal.services import reminders
    from portal.services.dossier import load_dossier

    left = []
    with session_scope(engine) as db:
        for person_id in reminders._people(db):
            dossier = load_dossier(db, person_id)
            if dossier is None:
                continue
            sent = set(
                db.exec(select(m.ReminderSent.key).where(m.ReminderSent.person_id == person_id))
            )
            left += [
                (person_id, due.reminder.key)
                for due in reminders.due_for(db, dossier, NOW)
                if due.reminder.key not in sent
            ]
    return left


def _reminders_and_mail_once(d: Deployment, make: Factory, engine: Engine) -> None:
    # someone whose VDAB deadline is 7 days away: a reminder is due today
    planted = make.person(signed=make.vdab_deadline_in(7))
    deadline = time.monotonic() + 25
    while True:
        with session_scope(engine) as db:
            unsent = db.exec(
                select(func.count())
                .select_from(m.OutboxEmail)
                .where(col(m.OutboxEmail.sent_at).is_(None))
            ).one()
            planted_sent = db.exec(
                select(func.count())
                .select_from(m.ReminderSent)
                .where(m.ReminderSent.person_id == planted.id)
            ).one()
            rounds = db.exec(select(m.JobRun.job, m.JobRun.worker)).all()
        workers = {worker for _, worker in rounds}
        jobs = {job for job, _ in rounds}
        # both servers' loops have taken rounds, the reminders' among them
        if planted_sent and not unsent and len(workers) >= 2 and "reminders" in jobs:
            break
        assert time.monotonic() < deadline, (unsent, planted_sent, workers, jobs)
        time.sleep(0.5)
    time.sleep(2.5)  # a few more rounds on both servers: nothing is sent again
    assert _due_left(engine) == []
    with session_scope(engine) as db:
        sent = db.exec(select(m.ReminderSent)).all()
        message_ids = [r.message_id for r in sent if r.id not in d.reminders_before]
        # every reminder claimed in the rounds has its own message, one each
        assert None not in message_ids and len(set(message_ids)) == len(message_ids)
        reminder_messages = db.exec(
            select(m.Message.id).where(
                col(m.Message.kind).in_(REMINDER_KINDS), col(m.Message.id).in_(message_ids)
            )
        ).all()
        assert len(reminder_messages) == len(message_ids)
        planted_messages = db.exec(
            select(m.Message).where(
                m.Message.person_id == planted.id, col(m.Message.kind).in_(REMINDER_KINDS)
            )
        ).all()
        planted_keys = db.exec(
            select(m.ReminderSent.key).where(m.ReminderSent.person_id == planted.id)
        ).all()
        assert len(planted_messages) == len(planted_keys) >= 1, planted_keys
        emails = db.exec(select(m.OutboxEmail)).all()
        assert all(e.sent_at is not None for e in emails)
        assert [e.id for e in emails if e.attempts or e.error] == []
        expected = Counter((e.to_address, e.subject) for e in emails if e.id not in d.emails_before)
    received = d.mail.received()
    # each e-mail queued in this run was delivered once: what the SMTP server got is exactly
    # the outbox's rows sent now, no more (nothing twice), no less
    twice = {k: n for k, n in received.items() if n > expected.get(k, 0)}
    missing = {k: n for k, n in expected.items() if received.get(k, 0) < n}
    assert not twice and not missing, f"delivered too often {twice}; not delivered {missing}"
    assert sum(received.values()) >= len(planted_keys) + 1  # the reminder and the payment
