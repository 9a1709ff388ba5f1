"""The page "My integration" for the signed-in person, read in one query.

What the page shows — the rules' evaluation for today, the guide (tasks, what to do now, fees
still open), the person's name, contract and certificate — is computed from some twenty tables
(services.dossier, services.guide). It is kept, language-neutral, in the person's
`person_dashboard` row, and the page reads that row and the unread-message counts together.

A kept page is shown only while it is still true:

- **no record changed**: database triggers (migration 0023) add 1 to the row's `version` in
  every transaction that writes a record the page is computed from, whoever writes it; a page
  computed at another version is computed again;
- **time**: a page is computed for a day (midnight in Brussels ends it) and for the moments
  the guide names (`Guide.changes_at`: a held seat running out, a booked test starting); a
  clock moved back (demos, tests) also makes it stale;
- **code and course content**: the `stamp` names both (a deployment with other rules, a new
  course version).

Computing again does not race with writers: the row exists first (so the triggers can mark
it), its version is read before the records, and the page is stored only if the version is
still that one (`UPDATE … WHERE version = :read`) — a write in between leaves it unstored.

On PostgreSQL each worker also keeps the rows it read (web_sessions.Kept, `CHANNEL`): every
change to a person's row (a record written, a page stored) or to their unread counts (a
message, a post, a conversation read) tells every worker, by a trigger and LISTEN/NOTIFY
(migration 0026), to drop it. A page view then usually asks the database nothing."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.db import models as m
from portal.db.engine import insert_for, session_scope
from portal.domain.evaluate import Evaluation
from portal.domain.model import Eligibility
from portal.domain.rules import rules_on
from portal.services import conversations, course, guide
from portal.services.caller import Principal
from portal.services.dossier import Dossier, load_dossier
from portal.services.web_sessions import AsyncReader
from portal.settings import BRUSSELS

log = logging.getLogger("portal.dashboard")

FORMAT = 1  # of the kept JSON: a change of `Dashboard` raises it


@dataclass(frozen=True)
class AgencyContact:
    name: str
    office: str
    phone: str


@dataclass(frozen=True)
class Dashboard:
    """What "My integration" shows, for a day; `guide` only for people in the programme."""

    given_name: str
    region: str
    agency: AgencyContact
    has_contract: bool
    signed_on: date | None
    attest_issued_on: date | None
    participation_hours: int  # the rules in force for the person
    evaluation: Evaluation
    guide: guide.Guide | None

    @property
    def eligible(self) -> bool:
        return self.evaluation.eligibility in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}


# the channel that tells the workers whose row changed (migration 0026 sends the person's id)
CHANNEL = "portal_person_page"


@dataclass(frozen=True)
class Mine:
    dashboard: Dashboard
    unread: int  # the inbox badge: read with the page, not stored with it
    # which kept page this is (person, version, computed at, stamp, the data's hash): the same
    # for as long as the page is; None for a page just computed
    kept: tuple[Any, ...] | None = None


_ADAPTER = TypeAdapter(Dashboard)
_ROW = m.PersonDashboard.__table__  # type: ignore[attr-defined]


@functools.cache
def _code_stamp() -> str:
    """The rules and services this process computes with (a deployment with other code does
    not show pages computed by the old one)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(str(FORMAT).encode())
    for folder in ("domain", "services"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stamp(course_key: str) -> str:
    return f"{_code_stamp()} {course_key}"[:80]


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _fresh_until(now: datetime, found: guide.Guide | None) -> int:
    """The end of `now`'s day in Brussels, or the guide's next change when sooner."""
    day = now.astimezone(BRUSSELS).date()
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=BRUSSELS)
    until = midnight
    if found is not None and found.changes_at is not None:
        until = min(until, found.changes_at)
    return _seconds(until)


def compute(db: Session, dossier: Dossier, now: datetime) -> Dashboard:
    """The page for `now` from the person's records (services.dossier, services.guide)."""
    today = now.date()
    evaluation = dossier.evaluate(today)
    signed_on = dossier.contract.signed_on if dossier.contract else None
    agency = dossier.agency
    page = Dashboard(
        given_name=dossier.person.given_name,
        region=dossier.municipality.region,
        agency=AgencyContact(agency.name, agency.office, agency.phone),
        has_contract=dossier.contract is not None,
        signed_on=signed_on,
        attest_issued_on=dossier.attest.issued_on if dossier.attest else None,
        participation_hours=rules_on(signed_on or today).participation_hours,
        evaluation=evaluation,
        guide=None,
    )
    if page.eligible:
        found = guide.guide_for(db, dossier, now, evaluation)
        page = replace(page, guide=found)
    return page


def _read_statement() -> Any:
    """The kept page and the unread counts of the person `:person_id`, in one query (built
    once: a page view only sends it)."""
    person_id: Any = sa.bindparam("person_id")
    messages, talks = conversations.unread_counts(person_id)
    return sa.select(
        _ROW.c.version,
        _ROW.c.computed_version,
        _ROW.c.stamp,
        _ROW.c.computed_at,
        _ROW.c.fresh_until,
        _ROW.c.data,
        messages.label("messages"),
        talks.label("talks"),
    ).where(_ROW.c.person_id == person_id)


_READ = _read_statement()


def _read(db: Session, person_id: int) -> Any:
    return db.connection().execute(_READ, {"person_id": person_id}).first()


def _make_row(db: Session, person_id: int) -> None:
    db.connection().execute(
        insert_for(db, _ROW)
        .values(person_id=person_id, version=0, stamp="", computed_at=0, fresh_until=0, data="")
        .on_conflict_do_nothing(index_elements=["person_id"])
    )


def _kept(row: Any, at: int, stamp: str, person_id: int) -> Mine | None:
    """The page in `row` (as `_READ` reads it) when it is still true at `at`, else None."""
    if row is None:
        return None
    version, computed_version, kept_stamp, computed_at, fresh_until, data, messages, talks = row
    if computed_version != version or kept_stamp != stamp or not computed_at <= at < fresh_until:
        return None
    try:
        page = _ADAPTER.validate_json(data)
    except ValidationError:  # not what this code writes (edited by hand, say): compute it
        log.warning("the kept page of a person could not be read; computing it again")
        return None
    kept = (person_id, version, computed_at, kept_stamp, hash(data))
    return Mine(page, int(messages or 0) + int(talks or 0), kept)


async def kept_dashboard(
    reader: AsyncReader, engine: Engine, caller: Principal, now: datetime
) -> Mine | None:
    """The signed-in person's kept page when it is still true, read on the event loop (one
    query, no thread); None when it is not, or cannot be read there (SQLite; the course
    version due for a look): then `my_dashboard`, in a thread."""
    course_key = course.known_key(engine)
    if caller.role != "citizen" or caller.person_id is None or course_key is None:
        return None
    if not reader.ready():
        return None
    rows = reader.kept.get(CHANNEL)
    key = str(caller.person_id)
    row = rows.value(key) if rows is not None else None
    if row is None:
        generation = rows.generation if rows is not None else 0
        row = await reader.first(_READ, {"person_id": caller.person_id})
        if row is not None and rows is not None:
            rows.keep_value(key, generation, tuple(row))
    return _kept(row, _seconds(now), _stamp(course_key), caller.person_id)


async def dashboard_for(
    reader: AsyncReader | None, engine: Engine, caller: Principal, now: datetime
) -> Mine | None:
    """The signed-in person's page for `now`: the kept one, read on the event loop when it can
    be (`kept_dashboard`), else `my_dashboard` in a thread; None for a caller who is not a
    person with a record."""
    if reader is not None:
        mine = await kept_dashboard(reader, engine, caller, now)
        if mine is not None:
            return mine
    mine = await anyio.to_thread.run_sync(_computed, engine, caller, now)
    if reader is not None and caller.person_id is not None:
        rows = reader.kept.get(CHANNEL)
        if rows is not None:  # this worker's copy is older than what it just stored
            rows.drop(str(caller.person_id))
    return mine


def _computed(engine: Engine, caller: Principal, now: datetime) -> Mine | None:
    with session_scope(engine) as db:
        return my_dashboard(db, caller, now)


def my_dashboard(db: Session, caller: Principal, now: datetime) -> Mine | None:
    """The signed-in person's page for `now`, kept or computed (and kept); None for a caller
    who is not a person with a record. Commits `db` when it computes."""
    person_id = caller.person_id
    if caller.role != "citizen" or person_id is None:
        return None
    row = _read(db, person_id)
    at = _seconds(now)
    stamp = _stamp(course.active_key(db))
    if (mine := _kept(row, at, stamp, person_id)) is not None:
        return mine
    if row is None:
        if db.get(m.Person, person_id) is None:
            return None
        _make_row(db, person_id)
        db.commit()  # the row exists before the records are read: the triggers can mark it
        row = _read(db, person_id)
    version = row[0]  # read before the records: what they say is at least this new
    dossier = load_dossier(db, person_id, amendments=False)
    if dossier is None:
        return None
    page = compute(db, dossier, now)
    unread = int(row[6] or 0) + int(row[7] or 0)  # read with the version
    db.commit()  # the reads end here (SQLite: the write below starts a transaction of its own)
    db.connection().execute(
        sa.update(_ROW)
        .where(_ROW.c.person_id == person_id, _ROW.c.version == version)
        .values(
            computed_version=version,
            stamp=stamp,
            computed_at=at,
            fresh_until=_fresh_until(now, page.guide),
            data=_ADAPTER.dump_json(page).decode(),
        )
    )
    db.commit()
    return Mine(page, unread)
