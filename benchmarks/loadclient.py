"""The load benchmark's own HTTP client (benchmarks/load.py), when no native load generator
(oha, hey) is on PATH: a separate process, so that the benchmark's bookkeeping does not run on
the server's cores, with uvloop and httpx holding at most `concurrency` connections per identity.

It reads a job (JSON) on stdin: the base URL, the Cookie header of each identity (a list of them
for a crowd: each request is the next person's), the targets
(path and identity), the slices to play in order ([target, requests], ...) and the concurrency;
it writes on stdout, per slice, the wall time, every request's latency and the errors, and its
own CPU time. No request is retried: any status other than the one expected (200), a timeout or
a broken connection is an error, counted under its kind. Cookies the server sets are ignored
(each identity sends the same Cookie header every time, as a native load generator does).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import sys
import time
from collections.abc import Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

EXPECTED_STATUS = 200


def classify(status: int | None, error: BaseException | None = None) -> str:
    """The kind of error a request ended in; "" when it answered as expected."""
    if error is not None:
        import httpx

        if isinstance(error, httpx.TimeoutException):
            return "timeout"
        if isinstance(error, httpx.ConnectError):
            return "connect"
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "connection closed"
        return type(error).__name__
    if status is None:
        return "no answer"
    return "" if status == EXPECTED_STATUS else f"status {status}"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def play_slice(
    client: Any,
    path: str,
    count: int,
    concurrency: int,
    crowd: list[str] | None = None,
    turn: Iterator[int] | None = None,
) -> dict[str, Any]:
    """`count` GETs of `path` on at most `concurrency` connections at once; never retried. With
    a `crowd` (Cookie headers), each request is the next person's: the next of `turn`, which
    goes on from slice to slice."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    left = count
    turn = turn if turn is not None else itertools.count()

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            start = time.perf_counter()
            try:
                headers = {"Cookie": crowd[next(turn) % len(crowd)]} if crowd else None
                response = await client.get(path, headers=headers)
                kind = classify(response.status_code)
            except httpx.HTTPError as error:
                kind = classify(None, error)
            latencies.append(time.perf_counter() - start)
            if kind:
                errors[kind] = errors.get(kind, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return {"elapsed": time.perf_counter() - start, "latencies": latencies, "errors": errors}


async def play(job: dict[str, Any]) -> dict[str, Any]:
    import httpx

    concurrency = int(job["concurrency"])
    timeout = float(job.get("timeout", 30))
    clients: dict[str, httpx.AsyncClient] = {}
    for identity, cookie in job["cookies"].items():
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        clients[identity] = httpx.AsyncClient(
            base_url=job["base"],
            headers={"Cookie": cookie} if isinstance(cookie, str) and cookie else {},
            cookies=httpx.Cookies(CookieJar(DefaultCookiePolicy(allowed_domains=[]))),
            transport=httpx.AsyncHTTPTransport(limits=limits, retries=0),
            timeout=timeout,
            follow_redirects=False,
        )
    targets = job["targets"]
    turns = [itertools.count() for _ in targets]  # where each target is in its crowd
    slices = []
    began_cpu, began = cpu_seconds(), time.perf_counter()
    try:
        for index, count in job["slices"]:
            target = targets[index]
            cookie = job["cookies"][target["identity"]]
            found = await play_slice(
                clients[target["identity"]],
                target["path"],
                int(count),
                concurrency,
                cookie if isinstance(cookie, list) else None,
                turns[index],
            )
            slices.append({"target": index, **found})
    finally:
        for client in clients.values():
            await client.aclose()
    return {
        "slices": slices,
        "cpu": cpu_seconds() - began_cpu,
        "wall": time.perf_counter() - began,
    }


def main() -> int:
    job = json.load(sys.stdin)
    try:
        import uvloop

        result = uvloop.run(play(job))
        result["loop"] = "uvloop"
    except ImportError:
        result = asyncio.run(play(job))
        result["loop"] = "asyncio"
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
