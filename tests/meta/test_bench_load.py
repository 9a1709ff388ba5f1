"""The load benchmark's verdict (benchmarks/load.py, `make bench`): from measurements to issue
19's goals, the interleaved rounds, the error counting of its client. No server, no database."""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from benchmarks.load import (
    CROWD,
    CROWD_MY,
    CROWD_PING,
    GOAL_PEOPLE,
    PING,
    SIGNED_PING,
    TARGETS,
    Export,
    Memory,
    PageResult,
    StaffPage,
    evaluate,
    parse_hey_csv,
    parse_wrk,
    plan,
    run_wrk,
    share,
)
from benchmarks.loadclient import classify
from benchmarks.pages import FAIL, NOT_RUN, PARTIAL, PASS, exit_status, goal_lines

MB = 1024  # in KB


def page(
    name: str, rps: float, errors: dict[str, int] | None = None, identity: str = "citizen"
) -> PageResult:
    """A target that answered `rps` requests a second over 10 s (1 ms each)."""
    result = PageResult(name, name.split(" ")[0], identity)
    result.add(int(rps * 10), 10.0, [0.001] * int(rps * 10), errors)
    return result


def pages(anonymous=1000.0, signed=600.0, my=250.0, errors=None, crowd=(550.0, 200.0)):
    """The targets; `crowd`: the crowd's signed-in /ping and /my (None: no crowd played)."""
    found = [page(PING, anonymous), page(SIGNED_PING, signed), page("/my", my, errors)]
    if crowd is not None:
        found += [
            page(CROWD_PING, crowd[0], identity=CROWD),
            page(CROWD_MY, crowd[1], identity=CROWD),
        ]
    return found


def staff(ms=120.0, size=40 * 1024, error=""):
    return [
        StaffPage("demo-counsellor", "/staff", 10, 50.0, ms, ms, size, size // 5, error),
        StaffPage("demo-gent-officer", "/municipality", 10, 40.0, 80.0, 90.0, 30 * 1024),
    ]


def exports(rows=10_000, seconds=1.2, error=""):
    return [
        Export("demo-gent-officer", "/municipality/export.csv", 3, rows, 900_000, seconds, error),
        Export("demo-counsellor", "/staff/sanctions.csv", 3, 500, 80_000, 0.3),
    ]


def memory(growth_kb=2 * MB, requests=100_000, **changes):
    found = Memory(requests, {"101": {"start": 90 * MB, "before": 100 * MB}})
    found.workers["101"]["after"] = 100 * MB + growth_kb
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def run(p=None, s=None, e=None, m=None, concurrency=64, people=GOAL_PEOPLE):
    return evaluate(
        pages() if p is None else p,
        staff() if s is None else s,
        exports() if e is None else e,
        memory() if m is None else m,
        concurrency=concurrency,
        people=people,
    )


# (case, goals, statuses of [/my, session, errors, staff pages, export, memory], words)
CASES = [
    ("all good", run(), [PASS] * 6, ["/my 250 req/s, /ping (signed in) 600 req/s: 0.42"]),
    (
        "/my below a third of the signed-in /ping",
        run(p=pages(my=190.0)),
        [FAIL, PASS, PASS, PASS, PASS, PASS],
        ["0.32 (goal ≥ 0.33)"],
    ),
    ("/my at exactly a third", run(p=pages(signed=600.0, my=200.0)), [PASS] * 6, []),
    (
        "a crowd below the goal is reported, not judged",
        run(p=pages(my=500.0, crowd=(550.0, 150.0))),
        [PASS] * 6,
        [
            "/my 500 req/s",
            "worst case, a crowd (not judged): /my (crowd) 150 req/s, "
            "/ping (signed in, crowd) 550 req/s: 0.27, below the goal",
        ],
    ),
    (
        "a crowd that meets the goal",
        run(p=pages(crowd=(550.0, 200.0))),
        [PASS] * 6,
        ["/ping (anonymous) 1000 req/s: 0.55, meets the goal"],
    ),
    (
        "no crowd played",
        run(p=pages(crowd=None)),
        [PASS] * 6,
        ["worst case, a crowd: not measured"],
    ),
    (
        "the session costs more than half",
        run(p=pages(anonymous=1000.0, signed=450.0, my=200.0)),
        [PASS, FAIL, PASS, PASS, PASS, PASS],
        ["0.45 (goal ≥ 0.50)"],
    ),
    (
        "no signed-in /ping measured",
        run(p=[page(PING, 1000.0), page("/my", 250.0)]),
        [NOT_RUN, NOT_RUN, PASS, PASS, PASS, PASS],
        ["not measured"],
    ),
    (
        "errors are counted by kind",
        run(p=pages(errors={"timeout": 2, "status 502": 1})),
        [PASS, PASS, FAIL, PASS, PASS, PASS],
        ["/my: 3 of 2500 (status 502 ×1, timeout ×2)"],
    ),
    (
        "no error at fewer connections than the goal's",
        run(concurrency=20),
        [PASS, PASS, PARTIAL, PASS, PASS, PASS],
        ["at 20 connections, none failed"],
    ),
    (
        "a slow staff page",
        run(s=staff(ms=500.0)),
        [PASS, PASS, PASS, FAIL, PASS, PASS],
        ["/staff (demo-counsellor): p95 500 ms"],
    ),
    (
        "a heavy staff page",
        run(s=staff(size=200 * 1024)),
        [PASS, PASS, PASS, FAIL, PASS, PASS],
        ["/staff (demo-counsellor): 200.0 KB"],
    ),
    (
        "a staff page that failed",
        run(s=staff(error="RuntimeError: answered 500")),
        [PASS, PASS, PASS, FAIL, PASS, PASS],
        ["answered 500"],
    ),
    (
        "staff pages fine at fewer people",
        run(people=2000),
        [PASS, PASS, PASS, PARTIAL, PASS, PASS],
        ["measured at 2,000 people"],
    ),
    (
        "a slow export",
        run(e=exports(seconds=2.0)),
        [PASS, PASS, PASS, PASS, FAIL, PASS],
        ["/municipality/export.csv: 10,000 rows in 2.00 s"],
    ),
    (
        "no export of 10,000 rows",
        run(e=exports(rows=9_999)),
        [PASS, PASS, PASS, PASS, NOT_RUN, PASS],
        ["only 9,999 rows (not judged)"],
    ),
    (
        "an export that failed",
        run(e=exports(error="ReadTimeout: timed out")),
        [PASS, PASS, PASS, PASS, FAIL, PASS],
        ["ReadTimeout"],
    ),
    (
        "memory grows",
        run(m=memory(growth_kb=11 * MB)),
        [PASS, PASS, PASS, PASS, PASS, FAIL],
        ["worker 101: +11.0 MB"],
    ),
    (
        "memory flat after fewer requests",
        run(m=memory(requests=20_000)),
        [PASS, PASS, PASS, PASS, PASS, PARTIAL],
        ["after 20,000 requests only"],
    ),
    (
        "a worker died",
        run(m=memory(error="workers changed during the run: [1, 2] → [1, 3]")),
        [PASS, PASS, PASS, PASS, PASS, FAIL],
        ["workers changed"],
    ),
    (
        "memory skipped",
        run(m=Memory(not_run="skipped (BENCH_MEMORY=0)")),
        [PASS, PASS, PASS, PASS, PASS, NOT_RUN],
        ["skipped (BENCH_MEMORY=0)"],
    ),
    ("nothing measured", run([], [], [], Memory(not_run="skipped")), [NOT_RUN] * 6, []),
]


@pytest.mark.parametrize(
    ("goals", "statuses", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_goals_from_measurements(goals, statuses, words):
    assert [goal.status for goal in goals] == statuses
    assert exit_status(goals) == (1 if FAIL in statuses else 0)
    text = "\n".join(goal_lines(goals))
    for word in words:
        assert word in text


def test_slices_add_up_and_percentiles_use_every_request():
    result = PageResult("/my", "/my", "citizen")
    result.add(3, 1.0, [0.010, 0.030, 0.020], {"timeout": 1})
    result.add(2, 1.0, [0.040, 0.050], {"timeout": 1, "status 500": 1, "connect": 0})
    assert (result.requests, result.throughput, result.error_count) == (5, 2.5, 3)
    assert result.errors == {"timeout": 2, "status 500": 1}
    assert (result.percentile(50), result.percentile(99)) == (0.030, 0.050)
    assert share(result, page(SIGNED_PING, 5.0)) == 0.5
    assert share(result, PageResult(SIGNED_PING, "/ping", "citizen")) is None


def test_rounds_interleave_every_target():
    slices = plan(3, 10, len(TARGETS))
    assert [t for t, _ in slices[: len(TARGETS)]] == list(range(len(TARGETS)))
    assert len(slices) == 3 * len(TARGETS)
    for target in range(len(TARGETS)):
        assert sorted(n for t, n in slices if t == target) == [3, 3, 4]


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (200, None, ""),
        (303, None, "status 303"),  # a redirect (such as to sign-in) is not the page measured
        (500, None, "status 500"),
        (None, httpx.ReadTimeout("slow"), "timeout"),
        (None, httpx.ConnectError("refused"), "connect"),
        (None, httpx.RemoteProtocolError("closed"), "connection closed"),
        (None, httpx.ReadError("reset"), "connection closed"),
        (None, None, "no answer"),
    ],
)
def test_client_counts_every_failure(status, error, kind):
    assert classify(status, error) == kind


def test_hey_csv_counts_unanswered_requests_and_statuses():
    text = (
        "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"
        "0.0100,0,0,0,0.01,0,200,0.0000\n"
        "0.0300,0,0,0,0.03,0,502,0.0050\n"
    )
    elapsed, latencies, errors = parse_hey_csv(text, sent=3)
    assert latencies == [0.01, 0.03]
    assert errors == {"status 502": 1, "no answer": 1}
    assert elapsed == pytest.approx(0.035)


def test_wrk_line_counts_statuses_other_than_200_and_broken_connections():
    text = (
        "Running 1s test @ http://127.0.0.1:1/\n"
        '{"duration_us": 2000000, "requests": 500, "connect": 0, "read": 3, "write": 0, '
        '"timeout": 1, "not_ok": 7, "p50": 1500, "p95": 9000, "p99": 20000}\n'
    )
    seconds, answered, percentiles, errors = parse_wrk(text)
    assert (seconds, answered) == (2.0, 500)
    assert percentiles == {"p50": 0.0015, "p95": 0.009, "p99": 0.02}
    assert errors == {"connection closed": 3, "timeout": 1, "status other than 200": 7}


@contextlib.contextmanager
def local_server(every_tenth: int = 200) -> Iterator[tuple[str, Counter[str]]]:
    """A small local server that answers 200 (every tenth answer: `every_tenth`) and counts the
    Cookie headers it was sent."""
    import http.server
    import threading

    seen: Counter[str] = Counter()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                seen[self.headers.get("Cookie", "")] += 1
                status = every_tenth if seen.total() % 10 == 0 else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not on this machine")
def test_wrk_plays_at_least_the_requests_asked_and_counts_a_redirect_as_an_error():
    with local_server(every_tenth=302) as (base, _):
        found = run_wrk(base, "/", "", count=300, concurrency=4, timeout=5)
    assert found["requests"] >= 300
    assert found["errors"]["status other than 200"] == pytest.approx(found["requests"] / 10, abs=8)
    assert found["elapsed"] >= 1


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not on this machine")
def test_wrk_plays_a_crowd_each_person_in_turn():
    crowd = [f"portal_session=person-{i}; lang=nl" for i in range(50)]
    with local_server() as (base, seen):
        found = run_wrk(base, "/", crowd, count=500, concurrency=4, timeout=5)
    assert found["requests"] >= 500
    assert set(seen) == set(crowd)  # every person, and nobody else (no request without a cookie)
    # in turn, not at random: each thread walks its share of the crowd, so nobody is asked
    # twice as often as anybody else
    assert max(seen.values()) <= 2 * min(seen.values())


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not on this machine")
def test_wrk_goes_on_through_the_crowd_from_one_run_to_the_next():
    """A target's slices are separate wrk runs: each starts where the last one stopped, so a
    crowd larger than a slice is asked in turn across the rounds, not its first few each time."""
    crowd = [f"portal_session=person-{i}" for i in range(100_000)]
    with local_server() as (base, seen):
        played = sum(
            run_wrk(base, "/turns", crowd, count=200, concurrency=4, timeout=5)["requests"]
            for _ in range(2)
        )
    asked = sum(seen.values())  # wrk counts the answers it read; a few more were sent
    assert asked >= played >= 400
    # nearly everyone asked once (the two threads of a run may end a few people apart); had
    # each run started again from the first person, half would have been asked twice
    assert len(seen) >= 0.95 * asked
