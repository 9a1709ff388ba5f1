"""Rows for bulk inserts of people (tests and benchmarks that need many of them fast): what
every such person shares, so that each caller names only what differs."""

from __future__ import annotations

from datetime import date
from typing import Any

PERSON_DEFAULTS: dict[str, Any] = {
    "birth_date": date(1990, 1, 1),
    "civil_register": "foreigners",
    "obligation": "obliged",
    "protection": "not_applicable",
    "situation": "none",
    "literacy": "standard",
    "nt2_target": "A2",
    "language": "nl",
    "email": "",
    "phone": "",
}


def person_row(**fields: Any) -> dict[str, Any]:
    """A `person` row for `insert(m.Person)`: an obliged adult with Dutch as language, plus
    `fields` (names, municipality_id, agency_id, created_at, …)."""
    return {**PERSON_DEFAULTS, **fields}
