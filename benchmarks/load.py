"""Load benchmark (on demand: `make bench`, never part of `make test`).

Starts a throwaway PostgreSQL, migrates, loads the demo data plus 10,000 people with contracts,
serves the portal with `portal serve` (uvicorn, uvloop, httptools) on loopback, signs a persona in
through the local OIDC provider, then sends a bounded number of requests to the dashboard, the
plan and a plain "ping" page of the same server, and prints requests/s and p50/p95/p99 latency.
The ratio to "ping" is our own cost. Traffic goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> None:
    from portal.db import migrate
    from portal.db import models as m
    from portal.db.engine import make_engine, session_scope
    from portal.services.demo import load_demo_data

    migrate.upgrade(url)
    engine = make_engine(url)
    today = date(2026, 3, 16)
    with session_scope(engine) as db:
        load_demo_data(db, today)
        template = db.exec(select(m.Person)).first()[0]  # type: ignore[index]
        rows = [
            {
                "given_name": f"Bench{i}",
                "family_name": f"Person{i:05d}",
                "birth_date": date(1990, 1, 1),
                "civil_register": "foreigners",
                "obligation": "obliged",
                "protection": "not_applicable",
                "situation": "none",
                "literacy": "standard",
                "nt2_target": "A2",
                "language": "nl",
                "municipality_id": template.municipality_id,
                "agency_id": template.agency_id,
                "email": "",
                "phone": "",
                "created_at": template.created_at,
            }
            for i in range(PEOPLE)
        ]
        ids = db.execute(insert(m.Person).returning(m.Person.id), rows).scalars().all()
        contracts = (
            db.execute(
                insert(m.Contract).returning(m.Contract.id),
                [
                    {
                        "person_id": pid,
                        "signed_on": today - timedelta(days=pid % 300),
                        "declaration_signed_on": today,
                        "text_version": "2022.1",
                        "created_at": template.created_at,
                    }
                    for pid in ids
                ],
            )
            .scalars()
            .all()
        )
        db.execute(
            insert(m.PlanComponent),
            [
                {
                    "contract_id": cid,
                    "pillar": pillar,
                    "provider": "CVO",
                    "variant": "",
                    "schedule": "",
                    "deadline": today + timedelta(days=365),
                    "position": n,
                }
                for cid in contracts
                for n, pillar in enumerate(("mo", "nt2", "participation"))
            ],
        )
    engine.dispose()


def sign_in(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        start = client.get("/login")
        answer = httpx.post(start.headers["location"], data={"sub": "demo-gent-new"})
        callback = urlparse(answer.headers["location"])
        done = client.get(f"{callback.path}?{callback.query}")
        assert done.status_code == 303, done.text
        return client.cookies


async def hammer(base: str, path: str, cookies: httpx.Cookies) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(REQUESTS):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                began = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - began, latencies


def report(path: str, elapsed: float, latencies: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(latencies, n=100)
    rps = len(latencies) / elapsed
    print(
        f"{path:<18} {rps:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms   "
        f"p99 {q[98] * 1000:6.1f} ms"
    )
    return rps, q[49]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from portal.devtools.oidc_provider import running_provider
    from portal.services.demo import PERSONAS
    from tests.support import pg

    server = pg.start()
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(server.database_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE bench")
        admin.dispose()
        url = server.database_url("bench")
        print(f"seeding {PEOPLE} people …", flush=True)
        seed(url)
        with running_provider(0, [(p.subject, p.name) for p in PERSONAS]) as idp:
            port = free_port()
            env = {
                **os.environ,
                "PORTAL_DATABASE_URL": url,
                "PORT": str(port),
                "PORTAL_OIDC_ISSUER": f"http://127.0.0.1:{idp.server_port}",
                "PORTAL_NOW": "2026-03-16T10:00",
            }
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "portal"),
                    "serve",
                    "--no-idp",
                    "--port",
                    str(port),
                    "--workers",
                    str(WORKERS),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for _ in range(200):
                    try:
                        if httpx.get(base + "/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                cookies = sign_in(base)
                print(
                    f"{REQUESTS} requests per page, {CONCURRENCY} concurrent, {WORKERS} workers, "
                    f"PostgreSQL, {PEOPLE} people"
                )
                results = {}
                for path in ("/ping", "/my", "/my/plan", "/my/participation", "/my/interpreting"):
                    asyncio.run(hammer(base, path, cookies))  # warm-up round
                    results[path] = report(path, *asyncio.run(hammer(base, path, cookies)))
                ping = results["/ping"][0]
                for path in ("/my", "/my/plan", "/my/participation", "/my/interpreting"):
                    print(f"{path} costs {ping / results[path][0]:.1f}× the plain page")
            finally:
                process.terminate()
                process.wait(10)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
