"""The page benchmark's verdict (benchmarks/pages.py, `make bench-pages`): from measurements to
issue 18's goals, PASS / FAIL lines and the exit status. No browser, no server."""

from __future__ import annotations

import pytest

from benchmarks.pages import (
    FAIL,
    NOT_RUN,
    PARTIAL,
    PASS,
    Lighthouse,
    Measurement,
    evaluate,
    exit_status,
    goal_lines,
)
from portal.settings import SHIPPED_LANGUAGES

KB = 1024


def pages(**changes):
    """/my and /my/plan (htmx) as a citizen in every shipped language, light and clean; `changes`
    maps "path lang" to the fields to change."""
    found = []
    for language in SHIPPED_LANGUAGES:
        for path, htmx in (("/my", False), ("/my/plan", True)):
            m = Measurement("demo-gent-new", path, language, bytes=9 * KB, htmx=htmx, axe=0)
            for name, value in changes.get(f"{path} {language}", {}).items():
                setattr(m, name, value)
            found.append(m)
    return found


def scores(**changes):
    found = []
    for language in ("nl", "ar"):
        s = Lighthouse("demo-gent-new", "/my", language, performance=100, accessibility=100)
        for name, value in changes.get(language, {}).items():
            setattr(s, name, value)
        found.append(s)
    return found


# (case, measurements, lighthouse, languages, lighthouse not run,
#  statuses of [weight, performance, accessibility, axe], exit status, words in the lines)
CASES = [
    ("all good", pages(), scores(), SHIPPED_LANGUAGES, "", [PASS] * 4, 0, []),
    (
        "a page without htmx over 15 KB",
        pages(**{"/my ar": {"bytes": 15 * KB + 1}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [FAIL, PASS, PASS, PASS],
        1,
        ["/my?lang=ar (demo-gent-new): 15.0 KB"],
    ),
    (
        "exactly 15 KB is within budget",
        pages(**{"/my nl": {"bytes": 15 * KB}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [PASS] * 4,
        0,
        [],
    ),
    (
        "a page with htmx may weigh more",
        pages(**{"/my/plan nl": {"bytes": 30 * KB}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [PASS] * 4,
        0,
        [],
    ),
    (
        "an axe violation in one language",
        pages(**{"/my uk": {"axe": 1, "axe_rules": ["color-contrast (serious) ×2"]}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [PASS, PASS, PASS, FAIL],
        1,
        ["/my?lang=uk (demo-gent-new): 1 violation(s): color-contrast (serious) ×2"],
    ),
    (
        "a page that did not load fails weight and axe",
        pages(**{"/my tr": {"error": "RuntimeError: answered 500", "bytes": None, "axe": None}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [FAIL, PASS, PASS, FAIL],
        1,
        ["/my?lang=tr (demo-gent-new): RuntimeError: answered 500"],
    ),
    (
        "a page that sends the persona elsewhere is not measured",
        pages(**{"/my ru": {"redirected": "/my/course?locked=1", "bytes": None, "axe": None}}),
        scores(),
        SHIPPED_LANGUAGES,
        "",
        [PARTIAL, PASS, PASS, PARTIAL],
        0,
        ["/my?lang=ru (demo-gent-new): not measured: redirected to /my/course?locked=1"],
    ),
    (
        "fewer languages than shipped",
        [m for m in pages() if m.language in ("nl", "ar")],
        scores(),
        ("nl", "ar"),
        "",
        [PASS, PASS, PASS, PARTIAL],
        0,
        ["not checked in"],
    ),
    (
        "Lighthouse could not run",
        pages(),
        [],
        SHIPPED_LANGUAGES,
        "npx (Node's npm) is not installed",
        [PASS, NOT_RUN, NOT_RUN, PASS],
        0,
        ["NOT RUN  Lighthouse mobile performance", "npx (Node's npm) is not installed"],
    ),
    (
        "performance 97",
        pages(),
        scores(ar={"performance": 97, "metrics": {"largest-contentful-paint": "2.6 s"}}),
        SHIPPED_LANGUAGES,
        "",
        [PASS, FAIL, PASS, PASS],
        1,
        ["/my?lang=ar (demo-gent-new): 97 (largest-contentful-paint 2.6 s)"],
    ),
    (
        "accessibility 92",
        pages(),
        scores(nl={"accessibility": 92, "failing": ["target-size"]}),
        SHIPPED_LANGUAGES,
        "",
        [PASS, PASS, FAIL, PASS],
        1,
        ["/my?lang=nl (demo-gent-new): 92 (target-size)"],
    ),
    (
        "one Lighthouse run failed, the other passed",
        pages(),
        scores(ar={"performance": None, "accessibility": None, "error": "exit 1: no Chrome"}),
        SHIPPED_LANGUAGES,
        "",
        [PASS, PARTIAL, PARTIAL, PASS],
        0,
        ["/my?lang=ar (demo-gent-new): not scored: exit 1: no Chrome"],
    ),
    (
        "nothing measured",
        [],
        [],
        SHIPPED_LANGUAGES,
        "skipped (BENCH_LIGHTHOUSE=0)",
        [NOT_RUN] * 4,
        0,
        [],
    ),
]


@pytest.mark.parametrize(
    ("measurements", "lighthouse", "languages", "not_run", "statuses", "status", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_goals_from_measurements(
    measurements, lighthouse, languages, not_run, statuses, status, words
):
    goals = evaluate(measurements, lighthouse, languages, not_run)
    assert [goal.status for goal in goals] == statuses
    assert exit_status(goals) == status
    text = "\n".join(goal_lines(goals))
    for goal in goals:
        assert f"{goal.status:<8} {goal.name}" in text
    for word in words:
        assert word in text
