"""Domain tests: make the `portal` package importable when it is not installed (e.g. a fresh venv
without `pip install -e .`). Harmless once it is installed or `pythonpath` is configured."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path

if find_spec("portal") is None:  # pragma: no cover - depends on how the venv was set up
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
