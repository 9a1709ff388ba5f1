"""What the counsellor's two big lists show, kept in tables (db.models.summaries) so that a list of
100,000 people is read a page at a time from an index: a person's caseload line (what needs
attention first: `attention`) and their sanction facts (domain.sanctions), both
computed by the existing rules from the person's records.

The lines stay true in two ways:

- **after a write**, in the same transaction: a session hook notes every person whose records
  the rules read (the person, contract, plan components, suspensions, exemptions, facts, attest,
  sanction decisions) was written, and recomputes their lines just before the commit, for today
  by the installed clock (portal.clock);
- **as days pass** (a deadline comes near, passes, a term runs on): a line computed for another
  day is stale. The periodic job "summaries" (portal.app) recomputes the stale lines, oldest
  first, `JOB_LIMIT` per round; a list recomputes a few stale lines of the caller's agency at
  once (`freshen`), and says that it is being updated when there are more.

Recomputing works in batches of `BATCH` people (never an IN list of the whole agency)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, func, or_, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, delete, select

from portal import clock
from portal.db import models as m
from portal.db.engine import insert_for, session_scope
from portal.domain.model import Eligibility
from portal.domain.sanctions import sanction_facts
from portal.services.dossier import Dossier, load_dossiers

# (kind, pillar or "", day) of a sanction fact: what a counsellor's decision is kept under
ReviewKey = tuple[str, str, date]

BATCH = 500  # people recomputed at a time
JOB_LIMIT = 5_000  # people the periodic job recomputes per round
INLINE_LIMIT = 100  # stale lines a list recomputes before showing itself

COUNT_LIMIT = 10_000  # a list counts its matches exactly up to this; beyond: "more than"

PENDING = "summaries.pending"  # session.info: person ids written in this transaction
CONTRACTS = "summaries.contracts"  # session.info: contract ids whose plan was written

# The records the rules read (services.dossier.Dossier.person_facts and the sanction decisions),
# each pointing at its person.
_OF_PERSON: tuple[type[Any], ...] = (
    m.Contract,
    m.Suspension,
    m.Exemption,
    m.Fact,
    m.Attest,
    m.SanctionReview,
)


# What needs the counsellor's attention, most urgent first (the caseload's order).
ATTENTION_ORDER = (
    "sanction_to_review",
    "deadline_passed",
    "deadline_near",
    "attest_ready",
    "not_signed",
    "no_contract",
)


def attention(dossier: Dossier, reviewed: set[ReviewKey], today: date) -> list[str]:
    """What needs the counsellor's attention first, most urgent first (codes)."""
    items: list[str] = []
    evaluation = dossier.evaluate(today)
    if evaluation.eligibility not in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}:
        return items
    facts = sanction_facts(dossier.person_facts(), today)
    if any(f.key not in reviewed for f in facts):
        items.append("sanction_to_review")
    if any(a.past for a in evaluation.alerts):
        items.append("deadline_passed")
    if any(not a.past for a in evaluation.alerts):
        items.append("deadline_near")
    if dossier.contract is None:
        items.append("no_contract")
    elif dossier.contract.signed_on is None:
        items.append("not_signed")
    if evaluation.attest_on is not None and dossier.attest is None:
        items.append("attest_ready")
    return items


def search_condition(query: str) -> Any:
    """People whose first or last name contains `query`, or whose national register number it
    is (11 digits in any notation); None for no query."""
    if not query:
        return None
    digits = "".join(ch for ch in query if ch.isdigit())
    like = f"%{query.lower()}%"
    condition = col(m.Person.given_name).ilike(like) | col(m.Person.family_name).ilike(like)
    if len(digits) == 11:
        condition = condition | (col(m.Person.national_number) == digits)
    return condition


def counted(db: Session, statement: Any) -> tuple[int, bool]:
    """(how many rows `statement` selects, at most COUNT_LIMIT; whether there are more)."""
    found = db.exec(
        select(func.count()).select_from(statement.limit(COUNT_LIMIT + 1).subquery())
    ).one()
    return min(found, COUNT_LIMIT), found > COUNT_LIMIT


def keyset_page(
    db: Session,
    line: Any,
    conditions: list[Any],
    order: tuple[Any, ...],
    position: tuple[Any, ...] | None,
    size: int,
    *,
    backwards: bool = False,
) -> list[Any]:
    """Up to `size` + 1 lines of a summary table (`line`: its model, with a person_id) after
    `position` in `order` (keyset paging: the index serves any page at the same cost), each
    with its person and municipality; one more than asked says whether a next page exists.
    `backwards`: the lines before `position`, nearest first (one more: a page before them)."""
    statement = (
        select(line, m.Person, m.Municipality)
        .join(m.Person, col(m.Person.id) == col(line.person_id))
        .join(m.Municipality, col(m.Municipality.id) == col(m.Person.municipality_id))
        .where(*conditions)
    )
    return list(db.exec(keyset(statement, order, position, size, backwards=backwards)).all())


def keyset(
    statement: Any,
    order: tuple[Any, ...],
    position: tuple[Any, ...] | None,
    size: int,
    *,
    backwards: bool = False,
) -> Any:
    """`statement` narrowed to the rows after `position` in `order` (or before it, nearest
    first, when `backwards`), at most `size` + 1 of them: one more than a page says whether a
    page lies beyond. `order` must end in a unique column, so that every row has one place."""
    if position is not None:
        key, mark = tuple_(*order), tuple_(*position)
        statement = statement.where(key < mark if backwards else key > mark)
    ordered = [c.desc() for c in order] if backwards else list(order)
    return statement.order_by(*ordered).limit(size + 1)


@dataclass(frozen=True)
class Window:
    """Which lines a page shows, in the list's order, and whether pages lie before and after."""

    lines: list[Any]
    before: bool
    after: bool


def window(
    read: Callable[[tuple[Any, ...] | None, bool], list[Any]],
    after: tuple[Any, ...] | None,
    before: tuple[Any, ...] | None,
    size: int,
) -> Window:
    """A page of a keyset-paged list: `read(position, backwards)` gives up to `size` + 1
    lines (keyset_page). After a cursor: the lines after it; before a cursor: the lines before
    it, in order; a page before that would not be full is the first page (full) instead."""
    if before is not None:
        found = read(before, True)
        if len(found) > size:
            return Window(list(reversed(found[:size])), True, True)
        after = None  # back at the start
    found = read(after, False)
    return Window(found[:size], after is not None, len(found) > size)


def reviewed_keys(db: Session, person_ids: list[int]) -> dict[int, set[ReviewKey]]:
    """The facts these people's counsellors have decided on, per person (the keys only)."""
    out: dict[int, set[ReviewKey]] = {}
    if not person_ids:
        return out
    review = m.SanctionReview
    for person_id, kind, pillar, deadline in db.exec(
        select(
            col(review.person_id), col(review.kind), col(review.pillar), col(review.deadline)
        ).where(col(review.person_id).in_(person_ids))
    ).all():
        out.setdefault(person_id, set()).add((kind, pillar, deadline))
    return out


def _chunks(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# ---------------------------------------------------------------- recomputing


def refresh(db: Session, person_ids: Iterable[int], today: date) -> int:
    """Recompute these people's lines for `today` (people no longer there lose theirs); how
    many people were recomputed."""
    ids = sorted(set(person_ids))  # one lock order for every writer (no deadlocks)
    for batch in _chunks(ids):
        _refresh_batch(db, batch, today)
    pending = db.info.get(PENDING)
    if pending:
        pending.difference_update(ids)
    return len(ids)


def _refresh_batch(db: Session, ids: list[int], today: date) -> None:
    agencies: dict[int, list[int]] = {}
    for person_id, agency_id in db.exec(
        select(m.Person.id, m.Person.agency_id).where(col(m.Person.id).in_(ids))
    ).all():
        assert person_id is not None
        agencies.setdefault(agency_id, []).append(person_id)
    reviews = reviewed_keys(db, ids)
    summaries: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    for agency_id, people in agencies.items():
        for dossier in load_dossiers(db, people, agency_id):
            person_id = dossier.person_id
            decided = reviews.get(person_id, set())
            codes = attention(dossier, decided, today)
            summaries.append(
                {
                    "person_id": person_id,
                    "agency_id": agency_id,
                    "family_name": dossier.person.family_name,
                    "attention_rank": min(
                        (ATTENTION_ORDER.index(c) for c in codes), default=len(ATTENTION_ORDER)
                    ),
                    "attention": ",".join(codes),
                    "computed_on": today,
                }
            )
            for seq, fact in enumerate(sanction_facts(dossier.person_facts(), today)):
                facts.append(
                    {
                        "person_id": person_id,
                        "seq": seq,
                        "agency_id": agency_id,
                        "kind": fact.kind,
                        "pillar": fact.pillar.value if fact.pillar else "",
                        "day": fact.day,
                        "deadline": fact.deadline,
                        "on": fact.on,
                        "days_overdue": fact.days_overdue,
                        "reason": fact.reason[:500],
                        "reviewed": fact.key in decided,
                    }
                )
    found = {row["person_id"] for row in summaries}
    gone = [pid for pid in ids if pid not in found]
    # The summary lines first, upserted: on PostgreSQL this locks each person's line, so two
    # transactions recomputing the same person take turns for the fact rows below.
    if summaries:
        db.execute(_upsert_summaries(db), summaries)
    db.execute(delete(m.SanctionFactRow).where(col(m.SanctionFactRow.person_id).in_(ids)))
    if gone:
        db.execute(delete(m.PersonSummary).where(col(m.PersonSummary.person_id).in_(gone)))
    if facts:
        db.execute(m.SanctionFactRow.__table__.insert(), facts)  # type: ignore[attr-defined]


def _upsert_summaries(db: Session) -> Any:
    statement = insert_for(db, m.PersonSummary.__table__)  # type: ignore[attr-defined]
    columns = ("agency_id", "family_name", "attention_rank", "attention", "computed_on")
    return statement.on_conflict_do_update(
        index_elements=["person_id"], set_={name: statement.excluded[name] for name in columns}
    )


def all_people(db: Session) -> list[int]:
    """Every person's id, in order."""
    return [pid for pid in db.exec(select(m.Person.id).order_by(col(m.Person.id))).all() if pid]


def refresh_all(db: Session, today: date) -> int:
    """Recompute every person's lines, in this transaction (the demo data)."""
    return refresh(db, all_people(db), today)


# ---------------------------------------------------------------- as days pass


def _stale(day: date) -> Any:
    """A line computed for another day than `day` (before it; after it only with a clock moved
    back, in demos and tests). Two ranges of the computed_on indexes."""
    computed = col(m.PersonSummary.computed_on)
    return or_(computed < day, computed > day)


def freshen(db: Session, agency_id: int | None, today: date, limit: int | None = None) -> bool:
    """Recompute the agency's stale lines when there are at most `limit` (INLINE_LIMIT); whether
    its lines are all computed for today now (False: the periodic job is still at work)."""
    if agency_id is None:
        return True
    limit = INLINE_LIMIT if limit is None else limit
    stale = db.exec(
        select(m.PersonSummary.person_id)
        .where(m.PersonSummary.agency_id == agency_id, _stale(today))
        .limit(limit + 1)
    ).all()
    if len(stale) > limit:
        return False
    if stale:
        refresh(db, stale, today)
    return True


def missing_or_stale(db: Session, today: date, limit: int) -> list[int]:
    """Up to `limit` people whose lines are missing or were computed for another day, those
    without lines first, then the oldest."""
    missing = db.exec(
        select(m.Person.id)
        .outerjoin(m.PersonSummary, col(m.PersonSummary.person_id) == col(m.Person.id))
        .where(col(m.PersonSummary.person_id).is_(None))
        .order_by(col(m.Person.id))
        .limit(limit)
    ).all()
    ids = [pid for pid in missing if pid is not None]
    if len(ids) < limit:
        ids += db.exec(
            select(m.PersonSummary.person_id)
            .where(_stale(today))
            .order_by(col(m.PersonSummary.computed_on), col(m.PersonSummary.person_id))
            .limit(limit - len(ids))
        ).all()
    return ids


def refresh_stale(engine: Engine, today: date, limit: int = JOB_LIMIT) -> int:
    """The periodic job: recompute up to `limit` missing or stale lines, a transaction per
    batch (short locks); how many were recomputed."""
    with session_scope(engine) as db:
        ids = missing_or_stale(db, today, limit)
    for batch in _chunks(ids):
        with session_scope(engine) as db:
            refresh(db, batch, today)
    return len(ids)


# ---------------------------------------------------------------- after a write


def _noted(session: OrmSession) -> tuple[set[int], set[int]]:
    pending: set[int] = session.info.setdefault(PENDING, set())
    contracts: set[int] = session.info.setdefault(CONTRACTS, set())
    return pending, contracts


def _after_flush(session: OrmSession, _context: Any) -> None:
    """Note the people whose records the rules read were written (new, changed or deleted)."""
    pending, contracts = _noted(session)
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, m.Person):
            if instance.id is not None:
                pending.add(instance.id)
        elif isinstance(instance, _OF_PERSON):
            pending.add(instance.person_id)
        elif isinstance(instance, m.PlanComponent):
            contracts.add(instance.contract_id)


def _before_commit(session: OrmSession) -> None:
    """Recompute the noted people's lines in the transaction that wrote their records."""
    assert isinstance(session, Session)
    session.flush()  # what is still to write (the commit would flush it after this hook)
    if not session.info.get(PENDING) and not session.info.get(CONTRACTS):
        return
    today = clock.now().date()
    for _ in range(10):  # recomputing writes no record the rules read: one round, in practice
        session.flush()
        pending, contracts = _noted(session)
        if contracts:
            pending.update(
                session.exec(
                    select(m.Contract.person_id).where(col(m.Contract.id).in_(sorted(contracts)))
                ).all()
            )
            contracts.clear()
        if not pending:
            return
        refresh(session, set(pending), today)
        pending.clear()


def _forget(session: OrmSession, *_: Any) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(CONTRACTS, None)


def install() -> None:
    """Register the session hooks (once; portal.services does, on import)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_rollback", _forget)


install()
