"""The code stays linted, formatted and (in the rules, services and adapters) strictly typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_ruff_lint():
    run(str(BIN / "ruff"), "check", "portal", "tests", "scripts", "benchmarks")


def test_ruff_format():
    run(str(BIN / "ruff"), "format", "--check", "portal", "tests", "scripts", "benchmarks")


def test_mypy_strict():
    run(str(BIN / "mypy"))


def test_domain_reads_no_clock():
    """Rules take `today` as a parameter; they never read the clock themselves."""
    for path in (ROOT / "portal" / "domain").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
            assert forbidden not in text, f"{path.name} calls {forbidden}"
