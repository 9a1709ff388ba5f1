"""Demo data: personas anyone trying the portal can sign in as.

Created through the services (never raw inserts that bypass the rules), with dates anchored to
the day the demo data was first loaded (kept in app_meta), so the personas keep their meaning.
Loading again changes nothing (idempotent, per subject).

Rooms: `personas` (who), `reference` (municipalities, agencies, offices, test locations),
`builder` (the verbs: a person, a contract, a fact, a payment), `stories` (each persona's story).
The participation demo (offers, submissions with a photo) is `services.demo_participation`.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from portal.adapters.storage import FileStore
from portal.services import summaries
from portal.services.demo import stories
from portal.services.demo.builder import Builder
from portal.services.demo.personas import PERSONAS, PERSONAS_BY_SUBJECT, Persona
from portal.services.demo.reference import (
    ACTOR,
    INTERPRETING_SERVICE,
    OFFICE_CONTACT,
    anchor_day,
    reference_data,
    test_sessions,
)
from portal.services.demo_participation import load_participation_demo

__all__ = [
    "ACTOR",
    "INTERPRETING_SERVICE",
    "OFFICE_CONTACT",
    "PERSONAS",
    "PERSONAS_BY_SUBJECT",
    "Persona",
    "anchor_day",
    "load_demo_data",
]


def load_demo_data(
    db: Session, today: date, bookable: int = 0, files: FileStore | None = None
) -> list[str]:
    """Create what is missing; returns the subjects created now. With `files` (where uploads
    are kept), also the participation demo (offers, submissions with a photo)."""
    reference_data(db)
    builder = Builder(db, anchor_day(db, today))
    stories.staff(builder)
    stories.newcomers(builder)
    test_sessions(db, builder.a)
    stories.testing(builder, bookable)
    stories.classroom(builder)
    if files is not None:
        db.flush()
        load_participation_demo(db, files, builder.a, today)
        stories.requests(builder, files)
    stories.follow_ups(builder)
    summaries.refresh_all(db, today)  # the counsellor's lists, for the demo's day
    return builder.created
