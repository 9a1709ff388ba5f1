"""Page benchmark (on demand: `make bench-pages`, also part of `make bench`; never in `make test`).

Measures issue 18's goals on the main pages of every role (the list the phone-layout browser test
uses) in every shipped language, against the portal served the way the browser tests serve it
(uvicorn on loopback, SQLite with the demo data, the local OIDC provider, development sign-in):

- first-view bytes over the wire: the compressed page plus every CSS, JS and image it loads, as
  tests/web/test_weight.py counts them; the goal is 15 KB for a page without htmx;
- whether the page uses htmx;
- axe-core violations in Debian's chromium (Playwright, a phone): the goal is 0 in every language;
- Lighthouse (mobile; performance and accessibility) on a few main pages in Dutch and Arabic,
  through `npx lighthouse` when Node can fetch it: the goals are performance ≥ 98 and
  accessibility 100.

Prints a table and the goals with PASS / FAIL; exits 1 when a goal fails. Settings (environment):
BENCH_LANGUAGES (default: every shipped language), BENCH_PAGES (restrict the main pages),
BENCH_LIGHTHOUSE=0 (skip Lighthouse), BENCH_LIGHTHOUSE_PAGES, BENCH_LIGHTHOUSE_LANGUAGES
(default nl,ar), BENCH_REPORT (also write the report as JSON to this path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal.settings import SHIPPED_LANGUAGES  # noqa: E402
from tests.browser.test_phone_layout import PAGES  # noqa: E402  (the main pages of every role)
from tests.web.test_weight import BUDGET_BYTES  # noqa: E402  (15 KB first view without htmx)

# Lighthouse 13 needs Node 22.19; 12.8 runs on Node 18.16 and later (Debian's and CI's Node 20).
LIGHTHOUSE = "lighthouse@12.8.2"
CHROME_PATH = "/usr/bin/chromium"
PERFORMANCE_GOAL = 98
ACCESSIBILITY_GOAL = 100
# One or two main pages per role (Lighthouse takes 10-20 s a page).
LIGHTHOUSE_PAGES = (
    "/",
    "/help",
    "/my",
    "/my/plan",
    "/staff",
    "/municipality",
    "/admin/access",
    "/interpreting",
)
LIGHTHOUSE_LANGUAGES = ("nl", "ar")  # and Arabic for right to left
LIGHTHOUSE_SECONDS = 240
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)

PASS, FAIL, PARTIAL, NOT_RUN = "PASS", "FAIL", "PARTIAL", "NOT RUN"


# ---------------------------------------------------------------- what is measured


@dataclass
class Measurement:
    """One main page in one language."""

    persona: str | None
    path: str
    language: str
    bytes: int | None = None
    htmx: bool = False
    assets: list[str] = field(default_factory=list)
    axe: int | None = None
    axe_rules: list[str] = field(default_factory=list)  # "rule (impact) ×nodes"
    redirected: str = ""  # where the page sent this persona instead (not measured)
    error: str = ""


@dataclass
class Lighthouse:
    """Lighthouse's mobile scores (0-100) for one page in one language."""

    persona: str | None
    path: str
    language: str
    performance: int | None = None
    accessibility: int | None = None
    failing: list[str] = field(default_factory=list)  # accessibility audits that fail
    metrics: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass
class Goal:
    name: str
    status: str
    detail: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the goals (pure)


def label(item: Measurement | Lighthouse) -> str:
    who = item.persona or "signed out"
    return f"{item.path}?lang={item.language} ({who})"


def kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def evaluate(
    measurements: Sequence[Measurement],
    lighthouse: Sequence[Lighthouse],
    languages: Sequence[str] = SHIPPED_LANGUAGES,
    lighthouse_not_run: str = "",
) -> list[Goal]:
    """Issue 18's goals from what was measured. A page that did not load fails the goals it is
    part of; a goal measured on fewer pages or languages than it names (a page that redirects
    the persona elsewhere is not measured) is PARTIAL unless something fails; a goal not
    measured at all is NOT RUN (with the reason)."""
    broken = [f"{label(m)}: {m.error}" for m in measurements if m.error]
    skipped = [
        f"{label(m)}: not measured: redirected to {m.redirected}"
        for m in measurements
        if m.redirected and not m.error
    ]

    light = Goal(f"first view ≤ {BUDGET_BYTES // 1024} KB on every page without htmx", PASS)
    plain = [m for m in measurements if not m.error and m.bytes is not None and not m.htmx]
    heavy = [m for m in plain if m.bytes is not None and m.bytes > BUDGET_BYTES]
    light.detail = [f"{label(m)}: {kilobytes(m.bytes or 0)}" for m in heavy] + broken
    if light.detail:
        light.status = FAIL
        light.detail += skipped
    elif not plain:
        light.status = NOT_RUN
        light.detail = ["no page without htmx was measured", *skipped]
    elif skipped:
        light.status = PARTIAL
        light.detail = skipped

    missing = [lang for lang in SHIPPED_LANGUAGES if lang not in languages]
    axe = Goal(f"axe-core: 0 violations in all {len(SHIPPED_LANGUAGES)} languages", PASS)
    checked = [m for m in measurements if not m.error and m.axe is not None]
    axe.detail = [
        f"{label(m)}: {m.axe} violation(s): {', '.join(m.axe_rules)}" for m in checked if m.axe
    ] + broken
    unchecked = [f"not checked in {', '.join(missing)}"] if missing else []
    if axe.detail:
        axe.status = FAIL
        axe.detail += skipped + unchecked
    elif not checked:
        axe.status = NOT_RUN
        axe.detail = ["no page was checked", *skipped]
    elif skipped or missing:
        axe.status = PARTIAL
        axe.detail = skipped + unchecked

    speed = Goal(f"Lighthouse mobile performance ≥ {PERFORMANCE_GOAL} on the main pages", PASS)
    access = Goal(f"Lighthouse accessibility {ACCESSIBILITY_GOAL} on the main pages", PASS)
    scored = [s for s in lighthouse if not s.error]
    unscored = [f"{label(s)}: not scored: {s.error}" for s in lighthouse if s.error]
    for goal, attribute, target in (
        (speed, "performance", PERFORMANCE_GOAL),
        (access, "accessibility", ACCESSIBILITY_GOAL),
    ):
        if lighthouse_not_run or not scored:
            goal.status = NOT_RUN
            goal.detail = [lighthouse_not_run or "no page was scored", *unscored]
            continue
        below = [s for s in scored if (getattr(s, attribute) or 0) < target]
        for score in below:
            why = (
                ", ".join(score.failing)
                if attribute == "accessibility"
                else ", ".join(f"{k} {v}" for k, v in score.metrics.items())
            )
            goal.detail.append(f"{label(score)}: {getattr(score, attribute)} ({why})")
        if below:
            goal.status = FAIL
            goal.detail += unscored
        elif unscored:
            goal.status = PARTIAL
            goal.detail = unscored
    return [light, speed, access, axe]


def exit_status(goals: Sequence[Goal]) -> int:
    """1 when a goal fails; 0 otherwise (a goal that could not be measured says so, and why)."""
    return 1 if any(goal.status == FAIL for goal in goals) else 0


def goal_lines(goals: Sequence[Goal]) -> list[str]:
    lines = []
    for goal in goals:
        lines.append(f"{goal.status:<8} {goal.name}")
        lines += [f"         - {line}" for line in goal.detail]
    return lines


# ---------------------------------------------------------------- the report


def table(measurements: Sequence[Measurement], languages: Sequence[str]) -> list[str]:
    """One row per page, one column per language: first-view KB and axe violations."""
    rows: dict[tuple[str | None, str], dict[str, Measurement]] = {}
    for m in measurements:
        rows.setdefault((m.persona, m.path), {})[m.language] = m
    width = max([len(path) for _, path in rows] + [4])
    head = f"{'page':<{width}}  {'role (persona)':<18} htmx " + " ".join(
        f"{lang:>10}" for lang in languages
    )
    legend = "! over budget, ? did not load, → redirected elsewhere (not measured)"
    lines = [f"first view (KB, compressed) / axe violations; {legend}", head]
    lines.append("-" * len(head))
    for (persona, path), cells in rows.items():
        htmx = {m.htmx for m in cells.values() if m.bytes is not None}
        uses = "yes" if htmx == {True} else "no" if htmx == {False} else "mixed" if htmx else "?"
        line = f"{path:<{width}}  {persona or 'signed out':<18} {uses:<4} "
        texts = []
        for lang in languages:
            cell = cells.get(lang)
            if cell is None:
                texts.append(f"{'':>10}")
                continue
            if cell.redirected and not cell.error:
                texts.append(f"{'→':>10}")
            elif cell.error or cell.bytes is None:
                texts.append(f"{'?':>10}")
            else:
                over = "!" if not cell.htmx and cell.bytes > BUDGET_BYTES else ""
                axe = "-" if cell.axe is None else str(cell.axe)
                texts.append(f"{f'{cell.bytes / 1024:.1f}{over} / {axe}':>10}")
        lines.append(line + " ".join(texts))
    return lines


def lighthouse_table(scores: Sequence[Lighthouse]) -> list[str]:
    if not scores:
        return []
    width = max(len(s.path) for s in scores)
    head = f"{'page':<{width}}  lang  perf  a11y  FCP / LCP / TBT / CLS / SI"
    lines = [f"Lighthouse ({LIGHTHOUSE}, mobile)", head, "-" * len(head)]
    for s in scores:
        if s.error:
            lines.append(f"{s.path:<{width}}  {s.language:<4}  not scored: {s.error}")
            continue
        metrics = " / ".join(s.metrics.get(name, "?") for name in METRICS)
        lines.append(
            f"{s.path:<{width}}  {s.language:<4}  {s.performance!s:>4}  {s.accessibility!s:>4}"
            f"  {metrics}"
        )
    return lines


def report_json(
    languages: Sequence[str],
    measurements: Sequence[Measurement],
    scores: Sequence[Lighthouse],
    lighthouse_not_run: str,
    goals: Sequence[Goal],
) -> dict[str, Any]:
    return {
        "languages": list(languages),
        "budget_bytes": BUDGET_BYTES,
        "pages": [asdict(m) for m in measurements],
        "lighthouse": {
            "version": LIGHTHOUSE,
            "not_run": lighthouse_not_run,
            "scores": [asdict(s) for s in scores],
        },
        "goals": [asdict(g) for g in goals],
        "exit_status": exit_status(goals),
    }


# ---------------------------------------------------------------- the portal and the browser


@contextmanager
def live_portal() -> Iterator[Any]:
    """The browser tests' portal: a copy of the demo data (with the tests' course) on SQLite, the
    local OIDC provider, the app under uvicorn on loopback."""
    import logging

    # the local provider (development only) imports authlib.jose (as in pyproject's pytest
    # config); authlib's own "always" filter comes first, ours before it
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    from portal.devtools.oidc_provider import running_provider
    from portal.i18n import compile_catalogs
    from portal.services.demo import PERSONAS
    from tests.browser.server import serve_portal
    from tests.conftest import _load_template

    compile_catalogs()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with (
        tempfile.TemporaryDirectory(prefix="bench-pages-") as folder,
        running_provider(0, [(p.subject, p.name) for p in PERSONAS]) as idp,
    ):
        database_url = f"sqlite:///{folder}/portal.sqlite3"
        _load_template(database_url)
        with serve_portal(database_url, f"http://127.0.0.1:{idp.server_port}") as portal:
            yield portal


def axe_source() -> str:
    """axe-core from the pinned copy scripts/ensure-browser.sh provides (as the browser tests)."""
    done = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "ensure-browser.sh")],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Path(done.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']} ({v.get('impact')}) ×{len(v['nodes'])}" for v in violations]


def measure_page(page: Any, client: Any, base_url: str, axe: str, m: Measurement) -> None:
    """Open the page in the browser (axe-core), then count its first view over HTTP."""
    from tests.browser.support import html_attributes, run_axe
    from tests.web.test_weight import HX_ATTRIBUTE, first_view

    target = f"{m.path}?lang={m.language}"
    response = page.goto(base_url + target)
    status = response.status if response else None
    if status != 200:
        raise RuntimeError(f"answered {status}")
    if urlsplit(page.url).path != m.path:  # such as a module the persona has not opened yet
        m.redirected = page.url.removeprefix(base_url)
        return
    shown = html_attributes(page)["lang"]
    if shown != m.language:
        raise RuntimeError(f"shown in {shown!r}")
    violations = run_axe(page, axe)
    m.axe, m.axe_rules = len(violations), summarise(violations)
    m.bytes, html, m.assets = first_view(client, target)
    loads = any(a.endswith("/htmx.min.js") for a in m.assets)
    m.htmx = loads or bool(HX_ATTRIBUTE.search(html))


def measure_persona(
    browser: Any,
    base_url: str,
    axe: str,
    persona: str | None,
    paths: Sequence[str],
    langs: Sequence[str],
) -> tuple[list[Measurement], str]:
    """Every page of one persona in every language; and the session's Cookie header."""
    import httpx

    from tests.browser.support import phone_context, sign_in

    found = []
    context = phone_context(browser)
    try:
        page = context.new_page()
        if persona:
            sign_in(page, base_url, persona)
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items()) if persona else ""
        with httpx.Client(
            base_url=base_url, cookies=cookies, follow_redirects=False, timeout=30
        ) as client:
            for language in langs:
                for path in paths:
                    m = Measurement(persona, path, language)
                    found.append(m)
                    try:
                        measure_page(page, client, base_url, axe, m)
                    except Exception as error:
                        m.error = f"{type(error).__name__}: {error}".strip()[:300]
                    print(".", end="", flush=True)
    finally:
        context.close()
    return found, cookie_header


# ---------------------------------------------------------------- Lighthouse


def lighthouse_missing() -> str:
    """'' when `npx lighthouse` runs here; otherwise why not."""
    if os.environ.get("BENCH_LIGHTHOUSE", "1") == "0":
        return "skipped (BENCH_LIGHTHOUSE=0)"
    npx = shutil.which("npx")
    if not npx:
        return "npx (Node's npm) is not installed"
    if not Path(CHROME_PATH).exists():
        return f"no chromium at {CHROME_PATH}"
    try:
        done = subprocess.run(
            [npx, "--yes", LIGHTHOUSE, "--version"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"`npx {LIGHTHOUSE} --version` took more than 10 minutes"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`npx {LIGHTHOUSE}` failed ({done.returncode}): {last[:200]}"
    return ""


def run_lighthouse(
    base_url: str, persona: str | None, path: str, language: str, cookie: str, folder: Path
) -> Lighthouse:
    """One page; once more when Lighthouse's own run fails (such as NO_NAVSTART, a trace it
    could not record on a busy machine: "Please run Lighthouse again")."""
    score = lighthouse_once(base_url, persona, path, language, cookie, folder)
    if score.error and not score.error.startswith("ended at"):
        score = lighthouse_once(base_url, persona, path, language, cookie, folder)
    return score


def lighthouse_once(
    base_url: str, persona: str | None, path: str, language: str, cookie: str, folder: Path
) -> Lighthouse:
    score = Lighthouse(persona, path, language)
    out = folder / "report.json"
    out.unlink(missing_ok=True)
    command = [
        shutil.which("npx") or "npx",
        "--yes",
        LIGHTHOUSE,
        f"{base_url}{path}?lang={language}",
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        "--chrome-flags=--headless=new --no-sandbox",
        "--quiet",
    ]
    if cookie:  # in a file, so that the session is not on the command line
        headers = folder / "headers.json"
        headers.write_text(json.dumps({"Cookie": cookie}), encoding="utf-8")
        command.append(f"--extra-headers={headers}")
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=LIGHTHOUSE_SECONDS,
            check=False,
            env={**os.environ, "CHROME_PATH": CHROME_PATH},
        )
    except subprocess.TimeoutExpired:
        score.error = f"took more than {LIGHTHOUSE_SECONDS} s"
        return score
    if done.returncode != 0 or not out.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        score.error = f"exit {done.returncode}: {last[:200]}"
        return score
    result = json.loads(out.read_text(encoding="utf-8"))
    if runtime := result.get("runtimeError"):
        score.error = f"{runtime.get('code')}: {runtime.get('message', '')[:200]}"
        return score
    categories = result["categories"]
    final = result.get("finalDisplayedUrl", "")
    if not final.startswith(f"{base_url}{path}?"):  # such as sign-in, when the cookie failed
        score.error = f"ended at {final}"
        return score
    for name in ("performance", "accessibility"):
        value = categories[name]["score"]
        setattr(score, name, None if value is None else round(value * 100))
    audits = result["audits"]
    score.failing = [
        ref["id"]
        for ref in categories["accessibility"]["auditRefs"]
        if ref.get("weight") and (audits[ref["id"]].get("score") or 0) < 1
    ]
    score.metrics = {k: str(audits[k].get("displayValue", "?")) for k in METRICS if k in audits}
    return score


# ---------------------------------------------------------------- main


def listed(name: str, default: Sequence[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    return [x.strip() for x in value.split(",") if x.strip()] if value else list(default)


def persona_of(path: str) -> str | None:
    return next((persona for persona, paths in PAGES.items() if path in paths), None)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    languages = [x for x in listed("BENCH_LANGUAGES", SHIPPED_LANGUAGES) if x in SHIPPED_LANGUAGES]
    wanted = set(listed("BENCH_PAGES", [p for paths in PAGES.values() for p in paths]))
    began = time.monotonic()
    axe = axe_source()
    measurements: list[Measurement] = []
    scores: list[Lighthouse] = []
    cookies: dict[str | None, str] = {}
    with live_portal() as portal, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print(f"pages in {', '.join(languages)} at {portal.base_url} ", end="", flush=True)
            for persona, paths in PAGES.items():
                chosen = [p for p in paths if p in wanted]
                if chosen:
                    found, cookies[persona] = measure_persona(
                        browser, portal.base_url, axe, persona, chosen, languages
                    )
                    measurements += found
            print(f" {time.monotonic() - began:.0f} s")
            not_run = lighthouse_missing()
            if not not_run:
                pages = listed("BENCH_LIGHTHOUSE_PAGES", LIGHTHOUSE_PAGES)
                langs = listed("BENCH_LIGHTHOUSE_LANGUAGES", LIGHTHOUSE_LANGUAGES)
                print(f"Lighthouse on {len(pages)} page(s) in {', '.join(langs)} ", end="")
                with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as folder:
                    for path in pages:
                        persona = persona_of(path)
                        if persona not in cookies:
                            cookies[persona] = measure_persona(
                                browser, portal.base_url, axe, persona, [], []
                            )[1]
                        for language in langs:
                            scores.append(
                                run_lighthouse(
                                    portal.base_url,
                                    persona,
                                    path,
                                    language,
                                    cookies[persona],
                                    Path(folder),
                                )
                            )
                            print(".", end="", flush=True)
                print(f" {time.monotonic() - began:.0f} s")
        finally:
            browser.close()

    goals = evaluate(measurements, scores, languages, not_run)
    print()
    print("\n".join(table(measurements, languages)))
    problems = [
        f"  {label(m)}: "
        + (m.error or (f"redirected to {m.redirected}" if m.redirected else "; ".join(m.axe_rules)))
        for m in measurements
        if m.error or m.redirected or m.axe
    ]
    if problems:
        print("\npages not measured or with axe violations:")
        print("\n".join(problems))
    print()
    print("\n".join(lighthouse_table(scores)) if scores else f"Lighthouse: not run: {not_run}")
    print("\ngoals (issue 18):")
    print("\n".join(goal_lines(goals)))
    if target := os.environ.get("BENCH_REPORT"):
        report = report_json(languages, measurements, scores, not_run, goals)
        Path(target).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nreport written to {target}")
    return exit_status(goals)


if __name__ == "__main__":
    raise SystemExit(main())
