"""CSV exports staff open in a spreadsheet."""

from __future__ import annotations

FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


def csv_safe(value: str) -> str:
    """No spreadsheet formulas from free text (CSV injection): a cell that a spreadsheet would
    read as a formula gets a leading apostrophe, also after leading spaces."""
    stripped = value.lstrip(" ")
    return "'" + value if stripped[:1] in FORMULA_STARTS else value
