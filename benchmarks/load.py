"""Load benchmark (on demand: `make bench`, never part of `make test`): issue 19's goals.

Starts a throwaway PostgreSQL, migrates, loads the demo data plus BENCH_PEOPLE people of the
demo counsellor's agency and municipality (contracts, plans; every other person's participation
deadline has passed, a sanction fact, and up to BENCH_EXPORT_ROWS of those are reviewed), that
many confirmed participation activities (the municipality's export) and a waiting queue; loads
the course (`portal course load`) and the staff lists' summaries (`portal summaries refresh`,
when the portal has it), sends the reminders due (`portal reminders send`: the servers' first
round would otherwise send them while pages are measured); serves with `portal serve`
(uvicorn, uvloop, httptools) on loopback and signs personas in through the local OIDC provider.
Then:

- citizen pages, in rounds: each round plays a slice of every target in turn (the anonymous
  /ping, the signed-in /ping, /my, /my/plan, ...), so that every page is compared with the same
  server's /ping under the same load in the same run. Throughput, p50/p95/p99 and errors per
  target, and each page's throughput as a share of the signed-in /ping's. One person asking
  again and again is what a worker's caches serve best, so the signed-in /ping and /my are also
  played by a crowd: BENCH_CROWD bench people (12,000, at most BENCH_PEOPLE), each with a
  session (one signs in through the provider, the others get a session made as that one was)
  and their page of "My integration" kept (one view each before the rounds), one request each
  in turn: more people than two workers keep sessions and pages of, so that every request asks
  the database, as the first request of a person coming back after a while does. The crowd is
  the worst case, reported beside each ratio goal, which is judged on one person as issue 19
  measures it (wrk and the Python client play a crowd; oha and hey cannot);
- the load generator: oha, wrk or hey when on PATH (BENCH_CLIENT=python forces ours), otherwise
  benchmarks/loadclient.py in a process of its own (uvloop, httpx, at most BENCH_CONCURRENCY
  connections); its CPU time is reported next to the workers' so a reader can judge whether it
  took the server's cores. No request is retried: any status but 200, a timeout or a broken
  connection is an error;
- staff pages (caseload, search, sanctions, the municipality's queue), one request at a time:
  latency and size; the exports (sanctions, confirmed hours): time to the last byte, rows;
- memory: the resident size of each uvicorn worker at start, before and after
  BENCH_MEMORY_REQUESTS more requests (BENCH_MEMORY=0 skips this long phase).

Prints the tables and the goals with PASS / FAIL (PARTIAL when measured on less than the goal
names, NOT RUN when not measured); exits 1 when a goal fails. Traffic goes to 127.0.0.1 only.
Settings (environment): BENCH_PEOPLE (10000), BENCH_REQUESTS (requests per target, 2000),
BENCH_ROUNDS (5), BENCH_CONCURRENCY (64), BENCH_WORKERS (2), BENCH_TIMEOUT (30 s),
BENCH_CLIENT (auto | python | oha | wrk | hey), BENCH_CROWD (12000; 0: no crowd),
BENCH_STAFF_SAMPLES (10), BENCH_EXPORT_ROWS (10000),
BENCH_EXPORT_SAMPLES (3), BENCH_MEMORY (1), BENCH_MEMORY_REQUESTS (100000),
BENCH_MEMORY_FLAT_MB (10), BENCH_REPORT (also write the report as JSON to this path).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.pages import FAIL, NOT_RUN, PARTIAL, PASS, Goal, exit_status, goal_lines  # noqa: E402

TODAY = date(2026, 3, 16)
NOW = "2026-03-16T10:00"
CITIZEN = "demo-gent-new"
COUNSELLOR = "demo-counsellor"
OFFICER = "demo-gent-officer"

# issue 19's goals
MY_SHARE = 1 / 3  # /my's throughput ≥ 1/3 of the signed-in /ping's
SESSION_SHARE = 1 / 2  # the signed-in /ping's ≥ 1/2 of the anonymous one's
GOAL_CONNECTIONS = 64
GOAL_PEOPLE = 100_000
STAFF_MS = 500
STAFF_BYTES = 200 * 1024
EXPORT_ROWS = 10_000
EXPORT_SECONDS = 2.0
MEMORY_REQUESTS = 100_000

ANONYMOUS, SIGNED_IN, CROWD = "anonymous", "citizen", "crowd"
PING, SIGNED_PING = "/ping (anonymous)", "/ping (signed in)"
CROWD_PING, CROWD_MY = "/ping (signed in, crowd)", "/my (crowd)"
# More people than two workers keep (web_sessions.CACHE_SIZE: 5,000 sessions and 5,000 pages
# each), so that, played in turn, none of them is kept when their turn comes again.
CROWD_SIZE = 12_000
CROWD_SUBJECT = "bench-citizen-{:06d}"  # the subjects the bench gives its first people
# (name in the report, path, identity): the citizen's pages, played in this order every round
TARGETS: tuple[tuple[str, str, str], ...] = (
    (PING, "/ping", ANONYMOUS),
    (SIGNED_PING, "/ping", SIGNED_IN),
    ("/my", "/my", SIGNED_IN),
    ("/my/plan", "/my/plan", SIGNED_IN),
    ("/my/participation", "/my/participation", SIGNED_IN),
    ("/my/interpreting", "/my/interpreting", SIGNED_IN),
    (CROWD_PING, "/ping", CROWD),
    (CROWD_MY, "/my", CROWD),
)
# the load generators that send each request with another person's cookie
CROWD_CLIENTS = ("wrk", "python")
# (persona, path): the staff pages, measured one request at a time
STAFF_PAGES: tuple[tuple[str, str], ...] = (
    (COUNSELLOR, "/staff"),
    (COUNSELLOR, "/staff?q=bench"),
    (COUNSELLOR, "/staff/sanctions"),
    (OFFICER, "/municipality"),
    (OFFICER, "/municipality?q=bench"),
)
EXPORTS: tuple[tuple[str, str], ...] = (
    (COUNSELLOR, "/staff/sanctions.csv"),
    (OFFICER, "/municipality/export.csv"),
)


def setting(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# ---------------------------------------------------------------- what is measured (pure)


@dataclass
class PageResult:
    """One target of the rounds: every slice's requests added up."""

    name: str
    path: str
    identity: str
    requests: int = 0
    elapsed: float = 0.0  # the slices' wall time, added up
    latencies: list[float] = field(default_factory=list, repr=False)
    errors: dict[str, int] = field(default_factory=dict)
    # percentiles a load generator gave per slice (oha), when it gives no single latencies
    slice_percentiles: list[tuple[int, dict[str, float]]] = field(default_factory=list, repr=False)

    def add(
        self,
        requests: int,
        elapsed: float,
        latencies: Sequence[float] = (),
        errors: dict[str, int] | None = None,
        percentiles: dict[str, float] | None = None,
    ) -> None:
        self.requests += requests
        self.elapsed += elapsed
        self.latencies += latencies
        for kind, count in (errors or {}).items():
            if count:
                self.errors[kind] = self.errors.get(kind, 0) + count
        if percentiles is not None:
            self.slice_percentiles.append((requests, percentiles))

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        """Answers per second, errors included (they are counted apart)."""
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def approximate(self) -> bool:
        return not self.latencies and bool(self.slice_percentiles)

    def percentile(self, q: int) -> float | None:
        """Seconds; from every latency (nearest rank), else the slices' own percentiles weighted
        by their requests (approximate)."""
        if self.latencies:
            ordered = sorted(self.latencies)
            return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
        weighted = [(n, p[f"p{q}"]) for n, p in self.slice_percentiles if f"p{q}" in p]
        total = sum(n for n, _ in weighted)
        return sum(n * v for n, v in weighted) / total if total else None

    def summary(self) -> dict[str, Any]:
        found = asdict(self)
        del found["latencies"], found["slice_percentiles"]
        found.update(
            throughput=self.throughput,
            errors_total=self.error_count,
            approximate_percentiles=self.approximate,
            **{f"p{q}_ms": ms(self.percentile(q)) for q in (50, 95, 99)},
        )
        return found


@dataclass
class StaffPage:
    persona: str
    path: str
    samples: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    bytes: int | None = None  # the page as rendered (uncompressed)
    wire_bytes: int | None = None  # as sent (compressed when the server compresses)
    error: str = ""


@dataclass
class Export:
    persona: str
    path: str
    samples: int = 0
    rows: int | None = None
    bytes: int | None = None
    seconds: float | None = None  # the slowest sample, to the last byte
    error: str = ""


@dataclass
class Memory:
    requests: int = 0  # requests played between `before` and `after`
    workers: dict[str, dict[str, int | None]] = field(default_factory=dict)  # pid → KB
    not_run: str = ""
    error: str = ""  # such as a worker that died

    def growth_kb(self) -> dict[str, int]:
        return {
            pid: (kb["after"] or 0) - (kb["before"] or 0)
            for pid, kb in self.workers.items()
            if kb.get("before") is not None and kb.get("after") is not None
        }


@dataclass
class Cpu:
    """CPU seconds over the measured rounds' wall time: the load generator's and the workers'."""

    client: str = ""
    wall: float = 0.0
    client_cpu: float = 0.0
    workers_cpu: float | None = None


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def percentile(values: Sequence[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def share(part: PageResult | None, whole: PageResult | None) -> float | None:
    """part's throughput as a share of whole's; None when either is missing or empty."""
    if part is None or whole is None or not part.requests or not whole.throughput:
        return None
    return part.throughput / whole.throughput


def by_name(pages: Sequence[PageResult]) -> dict[str, PageResult]:
    return {page.name: page for page in pages}


def kb(size: int | None) -> str:
    return "?" if size is None else f"{size / 1024:.1f} KB"


# ---------------------------------------------------------------- the goals (pure)


def ratio_goal(
    name: str,
    part: PageResult | None,
    whole: PageResult | None,
    at_least: float,
    worst: tuple[PageResult | None, PageResult | None] = (None, None),
) -> Goal:
    """`part` ÷ `whole` ≥ `at_least`, as issue 19 measures it (one person); the same for a
    crowd (`worst`: every request another person's, none kept by a worker) is reported beside
    it, not judged."""
    goal = Goal(name, PASS)
    found = share(part, whole)
    if found is None or part is None or whole is None:
        goal.status = NOT_RUN
        goal.detail = ["not measured"]
        return goal
    goal.detail = [
        f"{part.name} {part.throughput:.0f} req/s, {whole.name} {whole.throughput:.0f} req/s: "
        f"{found:.2f} (goal ≥ {at_least:.2f})"
    ]
    if found < at_least:
        goal.status = FAIL
    crowd, crowd_whole = worst
    crowd_share = share(crowd, crowd_whole)
    if crowd is None or crowd_whole is None or crowd_share is None:
        goal.detail.append("worst case, a crowd: not measured (BENCH_CROWD, wrk or Python client)")
    else:
        verdict = "meets the goal" if crowd_share >= at_least else "below the goal"
        goal.detail.append(
            f"worst case, a crowd (not judged): {crowd.name} {crowd.throughput:.0f} req/s, "
            f"{crowd_whole.name} {crowd_whole.throughput:.0f} req/s: {crowd_share:.2f}, {verdict}"
        )
    return goal


def evaluate(
    pages: Sequence[PageResult],
    staff: Sequence[StaffPage],
    exports: Sequence[Export],
    memory: Memory,
    *,
    concurrency: int,
    people: int,
    flat_kb: int = 10 * 1024,
) -> list[Goal]:
    """Issue 19's goals from what was measured: FAIL when a measurement misses a goal; PARTIAL
    when it meets it on less than the goal names (fewer connections, people or requests); NOT
    RUN when it was not measured (with why)."""
    found = by_name(pages)
    goals = [
        ratio_goal(
            f"/my ≥ {MY_SHARE:.2f} of the signed-in /ping's throughput",
            found.get("/my"),
            found.get(SIGNED_PING),
            MY_SHARE,
            (found.get(CROWD_MY), found.get(CROWD_PING)),
        ),
        ratio_goal(
            f"signed-in /ping ≥ {SESSION_SHARE:.2f} of the anonymous /ping's throughput",
            found.get(SIGNED_PING),
            found.get(PING),
            SESSION_SHARE,
            (found.get(CROWD_PING), found.get(PING)),
        ),
    ]

    errors = Goal(f"zero errors at {GOAL_CONNECTIONS} connections", PASS)
    played = [p for p in pages if p.requests]
    errors.detail = [
        f"{p.name}: {p.error_count} of {p.requests} ("
        + ", ".join(f"{kind} ×{n}" for kind, n in sorted(p.errors.items()))
        + ")"
        for p in played
        if p.error_count
    ]
    if errors.detail:
        errors.status = FAIL
    elif not played:
        errors.status, errors.detail = NOT_RUN, ["no request was played"]
    else:
        total = sum(p.requests for p in played)
        errors.detail = [f"{total} requests at {concurrency} connections, none failed"]
        if concurrency < GOAL_CONNECTIONS:
            errors.status = PARTIAL

    lists = Goal(
        f"every staff page < {STAFF_MS} ms (p95) and < {STAFF_BYTES // 1024} KB "
        f"at {GOAL_PEOPLE:,} people per agency",
        PASS,
    )
    for page in staff:
        where = f"{page.path} ({page.persona})"
        if page.error:
            lists.detail.append(f"{where}: {page.error}")
        elif page.p95_ms is not None and page.p95_ms >= STAFF_MS:
            lists.detail.append(f"{where}: p95 {page.p95_ms:.0f} ms")
        if not page.error and page.bytes is not None and page.bytes >= STAFF_BYTES:
            lists.detail.append(f"{where}: {kb(page.bytes)}")
    if lists.detail:
        lists.status = FAIL
    elif not staff:
        lists.status, lists.detail = NOT_RUN, ["no staff page was measured"]
    elif people < GOAL_PEOPLE:
        lists.status = PARTIAL
        lists.detail = [f"measured at {people:,} people (BENCH_PEOPLE={GOAL_PEOPLE} to judge)"]

    export = Goal(f"a {EXPORT_ROWS:,}-row export in < {EXPORT_SECONDS:g} s", PASS)
    big = [e for e in exports if not e.error and (e.rows or 0) >= EXPORT_ROWS]
    broken = [f"{e.path} ({e.persona}): {e.error}" for e in exports if e.error]
    slow = [
        f"{e.path}: {e.rows:,} rows in {e.seconds:.2f} s"
        for e in big
        if e.seconds is not None and e.rows is not None and e.seconds >= EXPORT_SECONDS
    ]
    small = [
        f"{e.path}: only {e.rows or 0:,} rows (not judged)"
        for e in exports
        if not e.error and (e.rows or 0) < EXPORT_ROWS
    ]
    if slow or broken:
        export.status, export.detail = FAIL, slow + broken
    elif not big:
        export.status = NOT_RUN
        export.detail = small or ["no export was measured"]
    else:
        export.detail = [f"{e.path}: {e.rows:,} rows in {e.seconds:.2f} s" for e in big] + small

    flat = Goal(
        f"memory per worker flat (growth ≤ {flat_kb / 1024:g} MB) after "
        f"{MEMORY_REQUESTS:,} requests",
        PASS,
    )
    growth = memory.growth_kb()
    if memory.not_run:
        flat.status, flat.detail = NOT_RUN, [memory.not_run]
    elif memory.error:
        flat.status, flat.detail = FAIL, [memory.error]
    elif not growth:
        flat.status, flat.detail = NOT_RUN, ["no worker's memory was read"]
    else:
        flat.detail = [
            f"worker {pid}: {'+' if kb_ >= 0 else ''}{kb_ / 1024:.1f} MB"
            for pid, kb_ in growth.items()
        ]
        if any(kb_ > flat_kb for kb_ in growth.values()):
            flat.status = FAIL
        elif memory.requests < MEMORY_REQUESTS:
            flat.status = PARTIAL
            flat.detail.append(f"after {memory.requests:,} requests only")
    return [*goals, errors, lists, export, flat]


# ---------------------------------------------------------------- the report


def fmt_ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def pages_table(pages: Sequence[PageResult]) -> list[str]:
    """A line per target; each signed-in page against the signed-in /ping of the same people."""
    found = by_name(pages)
    bases = {SIGNED_IN: found.get(SIGNED_PING), CROWD: found.get(CROWD_PING)}
    head = (
        f"{'page':<25} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'÷ signed-in /ping':>18}"
    )
    lines = [head, "-" * len(head)]
    for page in pages:
        ratio = share(page, bases.get(page.identity, bases[SIGNED_IN]))
        mark = "≈" if page.approximate else " "
        lines.append(
            f"{page.name:<25} {page.throughput:8.0f} "
            + " ".join(f"{mark}{fmt_ms(ms(page.percentile(q))):>7}" for q in (50, 95, 99))
            + f" {page.error_count:>7} {'?' if ratio is None else f'{ratio:.2f}':>18}"
        )
    return lines


def staff_table(staff: Sequence[StaffPage], exports: Sequence[Export]) -> list[str]:
    head = (
        f"{'staff page':<28} {'persona':<18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'size':>10}"
    )
    lines = [head, "-" * len(head)]
    for s in staff:
        if s.error:
            lines.append(f"{s.path:<28} {s.persona:<18} {s.error}")
            continue
        lines.append(
            f"{s.path:<28} {s.persona:<18} {fmt_ms(s.p50_ms):>8} {fmt_ms(s.p95_ms):>8} "
            f"{fmt_ms(s.max_ms):>8} {kb(s.bytes):>10}"
        )
    lines.append("")
    head = f"{'export':<28} {'persona':<18} {'rows':>8} {'size':>10} {'slowest':>9}"
    lines += [head, "-" * len(head)]
    for e in exports:
        if e.error:
            lines.append(f"{e.path:<28} {e.persona:<18} {e.error}")
            continue
        seconds = "?" if e.seconds is None else f"{e.seconds:.2f} s"
        lines.append(
            f"{e.path:<28} {e.persona:<18} {e.rows or 0:>8,} {kb(e.bytes):>10} {seconds:>9}"
        )
    return lines


def cpu_lines(cpu: Cpu, cores: int) -> list[str]:
    if not cpu.wall:
        return []
    client = cpu.client_cpu / cpu.wall
    lines = [
        f"load generator: {cpu.client}; CPU {cpu.client_cpu:.1f} s over {cpu.wall:.1f} s "
        f"= {client:.0%} of one core ({cores} cores here)"
    ]
    if cpu.workers_cpu is not None:
        lines.append(
            f"portal workers: CPU {cpu.workers_cpu:.1f} s = {cpu.workers_cpu / cpu.wall:.0%} of "
            "one core (PostgreSQL runs on the same cores)"
        )
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        lines.append(f"load average at the end: {load:.1f} (other work on these cores skews it)")
    return lines


def memory_lines(memory: Memory) -> list[str]:
    if memory.not_run:
        return [f"memory: not run: {memory.not_run}"]
    lines = [
        f"memory (resident, per worker; {memory.requests:,} requests between before and after)"
    ]
    for pid, sizes in memory.workers.items():
        lines.append(
            f"  worker {pid}: "
            + ", ".join(
                f"{k} {'?' if v is None else f'{v / 1024:.1f} MB'}" for k, v in sizes.items()
            )
        )
    if memory.error:
        lines.append(f"  {memory.error}")
    return lines


# ---------------------------------------------------------------- seeding


def seed(url: str, people: int, export_rows: int, crowd: int = 0) -> dict[str, int]:
    """The demo data, then `people` people of the demo citizen's agency, municipality and
    counsellor in bulk, the first `crowd` of them with a subject to sign in with
    (CROWD_SUBJECT): a contract and a plan each; every other person's participation deadline
    has passed (a sanction fact) and up to `export_rows` of those facts are reviewed; then
    `export_rows` confirmed activities decided by the demo officer's municipality and a queue of
    waiting ones (one per 20 people)."""
    from sqlalchemy import insert, select

    from portal.db import migrate
    from portal.db import models as m
    from portal.db.engine import make_engine, session_scope
    from portal.services.demo import load_demo_data
    from tests.support.bulk import person_row

    migrate.upgrade(url)
    engine = make_engine(url)
    counts: dict[str, int] = {}
    with session_scope(engine) as db:
        load_demo_data(db, TODAY)
        template = db.exec(select(m.Person).where(m.Person.subject == CITIZEN)).first()[0]  # type: ignore[index]
        officer = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == OFFICER)).first()[0]  # type: ignore[index]
        municipality_id = officer.municipality_id or template.municipality_id
        moment = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
        ids: list[int] = []
        for start in range(0, people, 10_000):
            rows = [
                person_row(
                    given_name=f"Bench{i}",
                    family_name=f"Person{i:06d}",
                    birth_date=date(1990, 1, 1) + timedelta(days=i % 7000),
                    municipality_id=template.municipality_id,
                    agency_id=template.agency_id,
                    counsellor_grant_id=template.counsellor_grant_id,
                    created_at=template.created_at,
                    subject=CROWD_SUBJECT.format(i) if i < crowd else None,
                )
                for i in range(start, min(people, start + 10_000))
            ]
            ids += db.execute(insert(m.Person).returning(m.Person.id), rows).scalars().all()
        counts["people"] = len(ids)
        overdue: dict[int, date] = {}
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            contracts = db.execute(
                insert(m.Contract).returning(m.Contract.id, m.Contract.person_id),
                [
                    {
                        "person_id": pid,
                        "signed_on": TODAY - timedelta(days=400 + pid % 300),
                        "declaration_signed_on": TODAY - timedelta(days=400),
                        "text_version": "2022.1",
                        "created_at": template.created_at,
                    }
                    for pid in chunk
                ],
            ).all()
            components = []
            for cid, pid in contracts:
                late = pid % 2 == 0
                for n, pillar in enumerate(("mo", "nt2", "participation")):
                    deadline = TODAY + timedelta(days=365)
                    if late and pillar == "participation":
                        deadline = TODAY - timedelta(days=30 + pid % 200)
                        overdue[pid] = deadline
                    components.append(
                        {
                            "contract_id": cid,
                            "pillar": pillar,
                            "provider": "CVO",
                            "variant": "",
                            "schedule": "",
                            "deadline": deadline,
                            "position": n,
                        }
                    )
            db.execute(insert(m.PlanComponent), components)
        reviewed = list(overdue.items())[:export_rows]
        for start in range(0, len(reviewed), 10_000):
            db.execute(
                insert(m.SanctionReview),
                [
                    {
                        "person_id": pid,
                        "kind": "deadline_passed",
                        "pillar": "participation",
                        "deadline": deadline,
                        "decision": "report",
                        "reason": "",
                        "reviewed_by": COUNSELLOR,
                        "reviewed_at": moment,
                    }
                    for pid, deadline in reviewed[start : start + 10_000]
                ],
            )
        counts["overdue"], counts["reviewed"] = len(overdue), len(reviewed)
        activities = []
        for i in range(export_rows):
            activities.append(
                {
                    "person_id": ids[i % len(ids)] if ids else template.id,
                    "status": "confirmed",
                    "kind": "volunteering",
                    "organisation": "Bench vzw",
                    "start_on": TODAY - timedelta(days=60 + i % 300),
                    "end_on": TODAY - timedelta(days=30 + i % 300),
                    "hours_claimed": 10,
                    "hours_confirmed": 10,
                    "decided_by": OFFICER,
                    "decided_at": moment - timedelta(minutes=i),
                    "decided_municipality_id": municipality_id,
                    "submitted_at": moment - timedelta(days=1, minutes=i),
                    "created_at": moment - timedelta(days=2),
                    "updated_at": moment - timedelta(minutes=i),
                }
            )
        for i in range(len(ids) // 20):
            activities.append(
                {
                    "person_id": ids[(i * 7) % len(ids)],
                    "status": "submitted",
                    "kind": "buddy",
                    "organisation": "Bench buddies",
                    "start_on": TODAY - timedelta(days=40),
                    "end_on": TODAY - timedelta(days=10),
                    "hours_claimed": 8,
                    "submitted_at": moment - timedelta(minutes=i),
                    "created_at": moment - timedelta(days=2),
                    "updated_at": moment - timedelta(minutes=i),
                }
            )
        for start in range(0, len(activities), 10_000):
            db.execute(insert(m.Activity), activities[start : start + 10_000])
        counts["confirmed"], counts["waiting"] = export_rows, len(activities) - export_rows
    engine.dispose()
    return counts


def portal_command(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "portal"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"portal {' '.join(args)}: {done.stderr.strip()[-500:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def summaries_available() -> bool:
    """Whether the portal keeps the staff lists in summary tables to refresh after bulk inserts."""
    if importlib.util.find_spec("portal.services.summaries") is None:
        return False
    from portal.services import summaries

    return callable(getattr(summaries, "refresh", None))


# ---------------------------------------------------------------- the server and its workers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """uvicorn's worker processes under `portal serve` (the process itself with one worker)."""
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            found.append(child)
    return sorted(found) or [pid]


def rss_kb(pid: int) -> int | None:
    try:
        import psutil  # type: ignore[import-untyped]

        return int(psutil.Process(pid).memory_info().rss // 1024)
    except ImportError:
        pass
    except Exception:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_of(pids: Sequence[int]) -> float | None:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return None
    return total


@contextmanager
def serving(url: str, issuer: str, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORT": str(port),
        "PORTAL_OIDC_ISSUER": issuer,
        "PORTAL_NOW": NOW,
    }
    command = ["serve", "--no-idp", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "portal"), *command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the portal did not answer /healthz in 60 s")
        # every worker up: as many as asked (uvicorn starts them before the first answers)
        for _ in range(100):
            if workers < 2 or len(workers_of(process.pid)) >= workers:
                break
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def kept_per_worker() -> int:
    """How many sessions (and pages of "My integration") a worker keeps."""
    from portal.services import web_sessions

    return web_sessions.CACHE_SIZE


def sign_in_crowd(base: str, url: str, crowd: int, threads: int = 16) -> list[str]:
    """The Cookie headers of the crowd's first `crowd` people. The first signs in through the
    provider; each other gets a session made as that one was (the portal's own session store,
    the same data but for their subject, person and name): 12,000 sign-ins through the local
    provider would take the better part of an hour. Then each one's "My integration" is viewed
    once, so that their page is kept, as for someone who came back later the same day; a view
    that does not answer 200 stops the bench."""
    import re
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import sqlalchemy as sa
    from starlette.requests import cookie_parser

    from portal.db import models as m
    from portal.db.engine import make_engine
    from portal.services import web_sessions
    from portal.settings import Settings

    first = sign_in(base, CROWD_SUBJECT.format(0))
    name = Settings.from_env().session_cookie_name  # the served portal's, from the same settings
    raw = cookie_parser(first)[name]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            model = connection.execute(
                sa.select(m.WebSession).where(
                    m.WebSession.id == web_sessions.digest(raw)  # type: ignore[arg-type]
                )
            ).one()
            people = connection.execute(
                sa.select(m.Person.subject, m.Person.id, m.Person.given_name, m.Person.family_name)
                .where(
                    m.Person.subject.in_(  # type: ignore[union-attr]
                        [CROWD_SUBJECT.format(i) for i in range(1, crowd)]
                    )
                )
                .order_by(m.Person.subject)
            ).all()
        cookies, names = [first], ["Bench0"]
        for subject, person_id, given, family in people:
            raw_id = secrets.token_urlsafe(32)
            auth = {**model.data["auth"], "person_id": person_id, "name": f"{given} {family}"}
            data = {**model.data, "subject": subject, "auth": auth}
            web_sessions.create(engine, raw_id, subject, False, data, model.created_at)
            cookies.append(first.replace(f"{name}={raw}", f"{name}={raw_id}"))
            names.append(given)
    finally:
        engine.dispose()

    with httpx.Client(
        base_url=base, timeout=120, limits=httpx.Limits(max_connections=threads)
    ) as client:

        def view(cookie: str, given: str) -> None:
            found = client.get("/my", headers={"Cookie": cookie})
            if found.status_code != 200 or not re.search(rf"\b{given}\b", found.text):
                raise RuntimeError(f"/my of {given} of the crowd: {found.status_code}, not theirs")

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(view, cookies, names))
    return cookies


def sign_in(base: str, subject: str) -> str:
    """The Cookie header of a session of `subject`, signed in through the local provider."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        start = client.get("/login")
        answer = httpx.post(start.headers["location"], data={"sub": subject})
        callback = urlparse(answer.headers["location"])
        done = client.get(f"{callback.path}?{callback.query}")
        if done.status_code != 303:
            raise RuntimeError(f"sign-in of {subject}: {done.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


# ---------------------------------------------------------------- the load generators

NATIVE_CLIENTS = ("oha", "wrk", "hey")

# wrk runs for a duration, not a number of requests: this script counts every answer that is
# not a 200 in each thread and prints one JSON line at the end (wrk's own "errors.status" only
# counts statuses above 399, and a redirect must count too).
WRK_SCRIPT = """
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    '{"duration_us": %d, "requests": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "not_ok": %d, "p50": %d, "p95": %d, "p99": %d}\\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.timeout, bad,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
# A crowd: each request with the next person's cookie (the file named by the first argument, one
# Cookie header a line); thread `id` of `stride` (the second argument) takes every stride-th
# person from the person `start` (the third argument: where the last run of the target stopped),
# so that each person is asked once per turn of the whole crowd.
WRK_CROWD_SCRIPT = """
function init(args)
  not_ok = 0
  cookies = {}
  for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
  stride = tonumber(args[2])
  at = tonumber(args[3]) + id - stride
end
function request()
  at = (at + stride) % #cookies
  return wrk.format(nil, nil, {Cookie = cookies[at + 1]})
end
"""
WRK_THREADS = 2


def native_client() -> str:
    """oha, wrk or hey when on PATH (BENCH_CLIENT chooses), else "python"
    (benchmarks/loadclient.py)."""
    wanted = os.environ.get("BENCH_CLIENT", "auto")
    if wanted == "python":
        return "python"
    for tool in NATIVE_CLIENTS if wanted == "auto" else (wanted,):
        if shutil.which(tool):
            return tool
    if wanted not in ("auto", "python"):
        print(f"BENCH_CLIENT={wanted} is not on PATH: using the Python client", flush=True)
    return "python"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_python_client(job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadclient"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load client failed: {done.stderr.strip()[-1000:]}")
    return json.loads(done.stdout)


def parse_hey_csv(text: str, sent: int) -> tuple[float, list[float], dict[str, int]]:
    """hey's `-o csv`: one line per answered request (response-time, ..., status-code, offset);
    a request that got no answer has no line (counted as an error)."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    elapsed = 0.0
    for row in csv.DictReader(io.StringIO(text)):
        latency, status, offset = (
            float(row["response-time"]),
            int(row["status-code"]),
            float(row["offset"]),
        )
        latencies.append(latency)
        elapsed = max(elapsed, offset + latency)
        if status != 200:
            errors[f"status {status}"] = errors.get(f"status {status}", 0) + 1
    if sent > len(latencies):
        errors["no answer"] = sent - len(latencies)
    return elapsed, latencies, errors


def parse_oha_json(text: str) -> tuple[float, dict[str, float], dict[str, int], int]:
    found = json.loads(text)
    errors: dict[str, int] = {}
    answered = 0
    for status, count in (found.get("statusCodeDistribution") or {}).items():
        answered += int(count)
        if str(status) != "200":
            errors[f"status {status}"] = errors.get(f"status {status}", 0) + int(count)
    for message, count in (found.get("errorDistribution") or {}).items():
        errors[str(message)[:60]] = errors.get(str(message)[:60], 0) + int(count)
    percentiles = {
        key: float(value)
        for key, value in (found.get("latencyPercentiles") or {}).items()
        if key in ("p50", "p95", "p99") and value is not None
    }
    return (
        float(found["summary"]["total"]),
        percentiles,
        errors,
        answered + sum(int(c) for c in (found.get("errorDistribution") or {}).values()),
    )


def parse_wrk(text: str) -> tuple[float, int, dict[str, float], dict[str, int]]:
    """The JSON line WRK_SCRIPT prints: seconds, answers, percentiles (s), errors by kind."""
    line = next(ln for ln in reversed(text.splitlines()) if ln.startswith("{"))
    found = json.loads(line)
    errors = {
        kind: int(found[key])
        for kind, key in (
            ("connect", "connect"),
            ("connection closed", "read"),
            ("write", "write"),
            ("timeout", "timeout"),
            ("status other than 200", "not_ok"),
        )
        if int(found[key])
    }
    percentiles = {key: found[key] / 1e6 for key in ("p50", "p95", "p99")}
    return found["duration_us"] / 1e6, int(found["requests"]), percentiles, errors


# the rate wrk's first slice of a target assumes, to turn a number of requests into seconds
WRK_FIRST_RATE = 200.0
wrk_rates: dict[str, float] = {}
# where each crowd target's next run starts in its crowd (the person after the last one asked)
crowd_turns: dict[str, int] = {}


def run_wrk(
    base: str, path: str, cookie: str | list[str], count: int, concurrency: int, timeout: int
) -> dict[str, Any]:
    """About `count` requests with wrk: it runs for a duration, so each run lasts what the
    target's last rate predicts (1-30 s), and runs follow until `count` answers are in. A list
    of cookies is a crowd: each request is the next person's."""
    import tempfile

    crowd = cookie if isinstance(cookie, list) else None
    key = f"{path} {'crowd' if crowd else bool(cookie)}"
    played, elapsed, weighted, errors = 0, 0.0, {"p50": 0.0, "p95": 0.0, "p99": 0.0}, {}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script = Path(folder) / "count.lua"
        script.write_text(WRK_SCRIPT + (WRK_CROWD_SCRIPT if crowd else ""), encoding="utf-8")
        people = Path(folder) / "cookies.txt"
        if crowd:
            people.write_text("".join(f"{c}\n" for c in crowd), encoding="utf-8")
        while played < count:
            turn = crowd_turns.get(key, 0)
            who = ["--", str(people), str(WRK_THREADS), str(turn)] if crowd else []
            rate = wrk_rates.get(key, WRK_FIRST_RATE)
            seconds = min(30, max(1, math.ceil((count - played) / rate)))
            command = [shutil.which("wrk") or "wrk", "-t", str(WRK_THREADS), "-c", str(concurrency)]
            command += ["-d", f"{seconds}s", "--timeout", f"{timeout}s", "-s", str(script)]
            command += ["-H", f"Cookie: {cookie}"] if cookie and not crowd else []
            command += [base + path, *who]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"wrk failed: {done.stderr.strip()[-500:]}")
            took, answered, percentiles, found = parse_wrk(done.stdout)
            played += answered
            elapsed += took
            if crowd:
                crowd_turns[key] = (crowd_turns.get(key, 0) + answered) % len(crowd)
            for name, value in percentiles.items():
                weighted[name] += value * answered
            for kind, number in found.items():
                errors[kind] = errors.get(kind, 0) + number
            wrk_rates[key] = max(answered / took, 1.0) if took else rate
            if answered == 0:
                break
    return {
        "elapsed": elapsed,
        "percentiles": {k: v / played for k, v in weighted.items()} if played else {},
        "errors": errors,
        "requests": played,
    }


def run_native(
    tool: str,
    base: str,
    path: str,
    cookie: str | list[str],
    count: int,
    concurrency: int,
    timeout: int,
) -> dict[str, Any]:
    if tool == "wrk":
        return run_wrk(base, path, cookie, count, concurrency, timeout)
    if isinstance(cookie, list):
        raise RuntimeError(f"{tool} sends one cookie: it cannot play a crowd")
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    program = shutil.which(tool) or tool
    if tool == "hey":
        command = [
            program,
            "-n",
            str(count),
            "-c",
            str(min(count, concurrency)),
            "-t",
            str(timeout),
        ]
        command += [*headers, "-disable-redirects", "-o", "csv", base + path]
    else:
        help_text = subprocess.run(
            [program, "--help"], capture_output=True, text=True, check=False
        ).stdout
        output = ["--output-format", "json"] if "--output-format" in help_text else ["-j"]
        command = [program, "--no-tui", *output, "-n", str(count), "-c", str(concurrency)]
        command += ["-t", f"{timeout}s", "--redirect", "0", *headers, base + path]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} failed: {done.stderr.strip()[-500:]}")
    if tool == "hey":
        elapsed, latencies, errors = parse_hey_csv(done.stdout, count)
        return {"elapsed": elapsed, "latencies": latencies, "errors": errors, "requests": count}
    elapsed, percentiles, errors, played = parse_oha_json(done.stdout)
    return {"elapsed": elapsed, "percentiles": percentiles, "errors": errors, "requests": played}


def plan(rounds: int, requests: int, targets: int) -> list[tuple[int, int]]:
    """The slices, interleaved: every round plays each target in turn; `requests` per target in
    all, spread over the rounds (the first rounds take the remainder)."""
    slices = []
    for r in range(rounds):
        count = requests // rounds + (1 if r < requests % rounds else 0)
        if count:
            slices += [(t, count) for t in range(targets)]
    return slices


def play_rounds(
    tool: str,
    base: str,
    cookies: dict[str, str | list[str]],
    slices: Sequence[tuple[int, int]],
    concurrency: int,
    timeout: int,
    workers: Callable[[], list[int]],
    results: Sequence[PageResult] | None = None,
    played: Sequence[tuple[str, str, str]] = TARGETS,
) -> Cpu:
    """Play the slices (indices into `played`); add them to `results` (one per target) when
    given; the CPU used."""
    targets = [{"path": path, "identity": who} for _, path, who in played]
    pids = workers()
    server_before = cpu_of(pids)
    began = time.perf_counter()
    if tool == "python":
        job = {
            "base": base,
            "cookies": cookies,
            "targets": targets,
            "slices": list(slices),
            "concurrency": concurrency,
            "timeout": timeout,
        }
        answer = run_python_client(job)
        client_cpu = float(answer["cpu"])
        label = f"benchmarks/loadclient.py ({answer.get('loop')}, httpx, own process)"
        for part in answer["slices"]:
            if results is not None:
                results[part["target"]].add(
                    len(part["latencies"]), part["elapsed"], part["latencies"], part["errors"]
                )
    else:
        before = children_cpu()
        label = f"{tool} (native)"
        for index, count in slices:
            target = targets[index]
            part = run_native(
                tool, base, target["path"], cookies[target["identity"]], count, concurrency, timeout
            )
            if results is not None:
                results[index].add(
                    part["requests"],
                    part["elapsed"],
                    part.get("latencies", ()),
                    part["errors"],
                    part.get("percentiles"),
                )
        client_cpu = children_cpu() - before
    wall = time.perf_counter() - began
    server_after = cpu_of(pids)
    server = None if server_before is None or server_after is None else server_after - server_before
    return Cpu(label, wall, client_cpu, server)


# ---------------------------------------------------------------- staff pages and exports


def measure_staff(base: str, cookies: dict[str, str], samples: int) -> list[StaffPage]:
    import httpx

    found = []
    for persona, path in STAFF_PAGES:
        page = StaffPage(persona, path)
        found.append(page)
        times: list[float] = []
        with httpx.Client(
            base_url=base, headers={"Cookie": cookies[persona]}, timeout=60, follow_redirects=False
        ) as client:
            try:
                for n in range(samples + 1):  # the first warms up
                    start = time.perf_counter()
                    response = client.get(path)
                    took = time.perf_counter() - start
                    if response.status_code != 200:
                        raise RuntimeError(f"answered {response.status_code}")
                    if n:
                        times.append(took)
                    page.bytes = len(response.content)
                    page.wire_bytes = response.num_bytes_downloaded
            except (httpx.HTTPError, RuntimeError) as error:
                page.error = f"{type(error).__name__}: {error}"[:200]
                continue
        page.samples = len(times)
        page.p50_ms, page.p95_ms = ms(percentile(times, 50)), ms(percentile(times, 95))
        page.max_ms = ms(max(times)) if times else None
    return found


def measure_exports(base: str, cookies: dict[str, str], samples: int) -> list[Export]:
    import httpx

    found = []
    for persona, path in EXPORTS:
        export = Export(persona, path)
        found.append(export)
        with httpx.Client(
            base_url=base, headers={"Cookie": cookies[persona]}, timeout=120, follow_redirects=False
        ) as client:
            try:
                for _ in range(samples):
                    start = time.perf_counter()
                    with client.stream("GET", path) as response:
                        if response.status_code != 200:
                            raise RuntimeError(f"answered {response.status_code}")
                        body = b"".join(response.iter_bytes())
                    took = time.perf_counter() - start
                    export.seconds = max(export.seconds or 0.0, took)
                    text = body.decode("utf-8-sig")
                    export.rows = max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)
                    export.bytes = len(body)
                    export.samples += 1
            except (httpx.HTTPError, RuntimeError) as error:
                export.error = f"{type(error).__name__}: {error}"[:200]
    return found


# ---------------------------------------------------------------- main


def main() -> int:
    import logging
    import warnings

    # the local provider (development only) imports authlib.jose, as pages.py says
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from portal.devtools.oidc_provider import running_provider
    from portal.services.demo import PERSONAS
    from tests.support import pg

    people = setting("BENCH_PEOPLE", 10_000)
    requests = setting("BENCH_REQUESTS", 2000)
    rounds = max(1, setting("BENCH_ROUNDS", 5))
    concurrency = setting("BENCH_CONCURRENCY", 64)
    workers = setting("BENCH_WORKERS", 2)
    timeout = setting("BENCH_TIMEOUT", 30)
    export_rows = setting("BENCH_EXPORT_ROWS", EXPORT_ROWS)
    crowd = min(setting("BENCH_CROWD", CROWD_SIZE), people)
    memory_on = os.environ.get("BENCH_MEMORY", "1") != "0"
    memory_requests = setting("BENCH_MEMORY_REQUESTS", MEMORY_REQUESTS)
    flat_kb = setting("BENCH_MEMORY_FLAT_MB", 10) * 1024
    tool = native_client()
    if tool not in CROWD_CLIENTS:
        crowd = 0
    played = [t for t in TARGETS if crowd or t[2] != CROWD]
    cores = os.cpu_count() or 1
    timings: dict[str, float] = {}

    server = pg.start()
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        admin.dispose()
        url = server.database_url("bench")
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_NOW": NOW}
        began = time.monotonic()
        print(f"seeding {people:,} people, {export_rows:,} confirmed activities …", flush=True)
        counts = seed(url, people, export_rows, crowd)
        timings["seed"] = time.monotonic() - began
        began = time.monotonic()
        print(f"  {portal_command(env, 'course', 'load')}", flush=True)
        timings["course"] = time.monotonic() - began
        began = time.monotonic()
        if summaries_available():
            print(f"  {portal_command(env, 'summaries', 'refresh')}", flush=True)
        else:
            print("  no summaries to refresh (portal.services.summaries has no refresh)")
        timings["summaries"] = time.monotonic() - began
        # The reminders the loaded people have due today, sent once before measuring: the
        # servers' hourly round then finds nothing new, as on any hour but the first after a
        # load (measured during the rounds, that one-off would weigh on one worker's pages).
        began = time.monotonic()
        print(f"  {portal_command(env, 'reminders', 'send')}", flush=True)
        timings["reminders"] = time.monotonic() - began
        print(
            "  "
            + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
            + f"; {counts['overdue']:,} deadlines passed, {counts['reviewed']:,} reviewed, "
            f"{counts['waiting']:,} activities waiting",
            flush=True,
        )

        with (
            running_provider(0, [(p.subject, p.name) for p in PERSONAS]) as idp,
            serving(url, f"http://127.0.0.1:{idp.server_port}", workers) as (base, process),
        ):
            pids = workers_of(process.pid)
            started = {pid: rss_kb(pid) for pid in pids}
            cookies: dict[str, str | list[str]] = {ANONYMOUS: "", SIGNED_IN: sign_in(base, CITIZEN)}
            staff_cookies = {who: sign_in(base, who) for who in (COUNSELLOR, OFFICER)}
            if crowd:
                began = time.monotonic()
                print(f"signing in a crowd of {crowd:,} people …", flush=True)
                if crowd <= kept_per_worker() * workers:
                    print(
                        f"  note: {workers} workers keep up to {kept_per_worker() * workers:,} "
                        "sessions and pages: some of the crowd may be kept (BENCH_PEOPLE and "
                        f"BENCH_CROWD above that for a crowd that is not)",
                        flush=True,
                    )
                cookies[CROWD] = sign_in_crowd(base, url, crowd)
                timings["crowd"] = time.monotonic() - began
            else:
                print(f"  no crowd (BENCH_CROWD=0, or {tool} sends one cookie)", flush=True)
            results = [PageResult(name, path, who) for name, path, who in played]
            per_slice = requests // rounds
            print(
                f"{requests:,} requests per target in {rounds} interleaved rounds "
                f"({per_slice:,} a slice), {concurrency} connections, {workers} workers, "
                f"{cores} cores, PostgreSQL, {people:,} people; client: {tool}"
                + (f"; crowd: {crowd:,} people in turn" if crowd else ""),
                flush=True,
            )
            if per_slice < 2 * concurrency:
                print(
                    f"  note: a slice of {per_slice} requests barely fills {concurrency} "
                    "connections; raise BENCH_REQUESTS for steadier numbers"
                )

            def current() -> list[int]:
                return workers_of(process.pid)

            began = time.monotonic()
            warm = max(concurrency, 50)
            play_rounds(
                tool,
                base,
                cookies,
                plan(1, warm, len(played)),
                concurrency,
                timeout,
                current,
                played=played,
            )
            cpu = play_rounds(
                tool,
                base,
                cookies,
                plan(rounds, requests, len(played)),
                concurrency,
                timeout,
                current,
                results,
                played,
            )
            timings["rounds"] = time.monotonic() - began
            began = time.monotonic()
            staff = measure_staff(base, staff_cookies, setting("BENCH_STAFF_SAMPLES", 10))
            exports = measure_exports(base, staff_cookies, setting("BENCH_EXPORT_SAMPLES", 3))
            timings["staff"] = time.monotonic() - began

            memory = Memory()
            if not memory_on:
                memory.not_run = "skipped (BENCH_MEMORY=0)"
            else:
                print(f"memory: {memory_requests:,} more requests …", flush=True)
                began = time.monotonic()
                before_pids = current()
                before = {pid: rss_kb(pid) for pid in before_pids}
                chunk = max(concurrency * 10, 1000)
                slices = [
                    (i % len(played), min(chunk, memory_requests - n))
                    for i, n in enumerate(range(0, memory_requests, chunk))
                ]
                memory.requests = sum(count for _, count in slices)
                play_rounds(
                    tool, base, cookies, slices, concurrency, timeout, current, played=played
                )
                after_pids = current()
                for pid in before_pids:
                    memory.workers[str(pid)] = {
                        "start": started.get(pid),
                        "before": before[pid],
                        "after": rss_kb(pid) if pid in after_pids else None,
                    }
                if after_pids != before_pids:
                    memory.error = f"workers changed during the run: {before_pids} → {after_pids}"
                timings["memory"] = time.monotonic() - began
    finally:
        server.stop()

    goals = evaluate(
        results, staff, exports, memory, concurrency=concurrency, people=people, flat_kb=flat_kb
    )
    print()
    print("\n".join(pages_table(results)))
    if any(r.approximate for r in results):
        print("≈: the request-weighted mean of the load generator's per-slice percentiles")
    print("\n".join(cpu_lines(cpu, cores)))
    print()
    print("\n".join(staff_table(staff, exports)))
    print()
    print("\n".join(memory_lines(memory)))
    print("phases: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    print("\ngoals (issue 19):")
    print("\n".join(goal_lines(goals)))
    if target := os.environ.get("BENCH_REPORT"):
        report = {
            "settings": {
                "people": people,
                "requests": requests,
                "rounds": rounds,
                "concurrency": concurrency,
                "workers": workers,
                "cores": cores,
                "client": tool,
                "crowd": crowd,
                "memory_requests": memory.requests,
            },
            "seeded": counts,
            "pages": [r.summary() for r in results],
            "cpu": asdict(cpu),
            "staff": [asdict(s) for s in staff],
            "exports": [asdict(e) for e in exports],
            "memory": asdict(memory),
            "timings": timings,
            "goals": [asdict(g) for g in goals],
            "exit_status": exit_status(goals),
        }
        Path(target).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nreport written to {target}")
    return exit_status(goals)


if __name__ == "__main__":
    raise SystemExit(main())
