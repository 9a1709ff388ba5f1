"""Requests to the counsellor ("a person to ask"): the person asks for a suspension or a fee
waiver, or reports a period of work, training or study or a move; a counsellor of their agency
approves or refuses it. An approval feeds the service that holds the rule (suspensions, waivers,
facts, moves), so the plan and the fees change by themselves; when that service refuses, the
whole decision is rolled back. The person is told of every decision.

A question about participation hours is a request too (kind "hours_question"), but it goes to
the municipality that decided the activity and is answered there
(services.participation.questions); the counsellor reads it and does not decide it.

A person reaches only their own requests and proof; a counsellor only those of people of their
agency (services.agency_scope). Anything else is "not_found"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal.adapters.uploads import CheckedFile
from portal.db import models as m
from portal.domain.requests import (
    ALL_FEES,
    COUNSELLOR_KINDS,
    RequestInput,
    RequestKind,
    RequestStatus,
    can_ask_about,
    can_decide,
    problems,
)
from portal.services import notify
from portal.services.agency_scope import dossier_in_scope, person_in_scope
from portal.services.caller import Principal
from portal.services.dossier import Dossier, load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments.owed import Line, statement
from portal.services.payments.staff import record_waiver
from portal.services.people import add_suspension, record_fact
from portal.services.trajectory import move_person

WAIVER_CATEGORY = "payment_difficulties"


class RequestProblems(ServiceError):
    """The request cannot be sent: every problem, as {field: code}."""

    def __init__(self, found: dict[str, str]) -> None:
        super().__init__(next(iter(found.values())), ", ".join(found))
        self.problems = found


# ------------------------------------------------------------------ the person


def _own_person(db: Session, caller: Principal) -> m.Person:
    if caller.role != "citizen" or caller.person_id is None:
        raise ServiceError("not_found")
    person = db.get(m.Person, caller.person_id)
    if person is None:
        raise ServiceError("not_found")
    return person


@dataclass(frozen=True)
class AskContext:
    """What the forms offer and the rules check against, for one person."""

    signed_on: date | None
    open_fees: tuple[Line, ...]  # fees still to pay, not waived
    municipalities: tuple[tuple[str, str], ...]  # (NIS code, name)
    current_municipality: str  # NIS code
    lives_here_since: date | None  # the day of the latest residence
    activities: tuple[m.Activity, ...] = ()  # what the person can ask a municipality about


def _context(db: Session, dossier: Dossier) -> AskContext:
    rows = db.exec(select(m.Municipality).order_by(m.Municipality.name_nl)).all()
    current = next((x.nis_code for x in rows if x.id == dossier.person.municipality_id), "")
    lines = statement(db, dossier).lines
    latest = db.exec(
        select(m.Residence)
        .where(m.Residence.person_id == dossier.person_id)
        .order_by(col(m.Residence.since).desc())
    ).first()
    activities = db.exec(
        select(m.Activity)
        .where(m.Activity.person_id == dossier.person_id)
        .order_by(col(m.Activity.updated_at).desc(), col(m.Activity.id).desc())
    ).all()
    return AskContext(
        signed_on=dossier.contract.signed_on if dossier.contract else None,
        open_fees=tuple(x for x in lines if x.payable and x.waiver is None),
        municipalities=tuple((x.nis_code, x.name_nl) for x in rows),
        current_municipality=current,
        lives_here_since=latest.since if latest is not None else None,
        activities=tuple(x for x in activities if can_ask_about(x.status)),
    )


def _dossier(db: Session, person: m.Person) -> Dossier:
    assert person.id is not None
    dossier = load_dossier(db, person.id)
    assert dossier is not None
    return dossier


def ask_context(db: Session, caller: Principal) -> AskContext:
    return _context(db, _dossier(db, _own_person(db, caller)))


def _problems(
    context: AskContext, data: RequestInput, today: date, has_proof: bool
) -> dict[str, str]:
    found = problems(
        data,
        today=today,
        signed_on=context.signed_on,
        open_fees={x.key for x in context.open_fees},
        municipalities={nis for nis, _ in context.municipalities},
        current_municipality=context.current_municipality,
        lives_here_since=context.lives_here_since,
        has_proof=has_proof,
        activities={str(x.id) for x in context.activities},
    )
    if found.get("municipality") == "same_municipality":
        found["municipality"] = "already_living_there"
    return found


def check(db: Session, caller: Principal, data: RequestInput, today: date, has_proof: bool) -> None:
    """Every problem of a request, without sending it (RequestProblems), so the form can show
    them all at once next to its own."""
    person = _own_person(db, caller)
    found = _problems(_context(db, _dossier(db, person)), data, today, has_proof)
    if found:
        raise RequestProblems(found)


def ask(
    db: Session,
    caller: Principal,
    data: RequestInput,
    files: Sequence[tuple[CheckedFile, str]],
    today: date,
    now: datetime,
) -> m.PersonRequest:
    """Send a request, with the proof files already checked and put in the store (checked
    file, storage key). RequestProblems with every problem when it cannot be sent."""
    person = _own_person(db, caller)
    context = _context(db, _dossier(db, person))
    found = _problems(context, data, today, has_proof=bool(files))
    if found:
        raise RequestProblems(found)
    municipality_id = None
    activity_id = None
    if data.kind is RequestKind.MOVE:
        municipality_id = db.exec(
            select(m.Municipality.id).where(m.Municipality.nis_code == data.municipality)
        ).one()
    elif data.kind is RequestKind.HOURS_QUESTION:
        if files:  # a question carries no proof (the form has no file field)
            raise ServiceError("not_saved")
        activity = next(x for x in context.activities if str(x.id) == data.activity)
        activity_id = activity.id
        municipality_id = question_municipality(activity, person)
    row = m.PersonRequest(
        person_id=_id(person),
        kind=data.kind.value,
        status=RequestStatus.WAITING.value,
        start_on=data.start_on,
        end_on=data.end_on if data.kind in {RequestKind.SUSPENSION, RequestKind.PERIOD} else None,
        reason=data.reason if data.kind is RequestKind.SUSPENSION else "",
        period_kind=data.period_kind if data.kind is RequestKind.PERIOD else "",
        fee=data.fee if data.kind is RequestKind.FEE_WAIVER else "",
        municipality_id=municipality_id,
        activity_id=activity_id,
        address=data.address if data.kind is RequestKind.MOVE else "",
        details=data.details,
        created_at=now,
    )
    db.add(row)
    db.flush()
    for checked, key in files:
        db.add(
            m.RequestFile(
                request_id=_id(row),
                storage_key=key,
                display_name=checked.display_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_at=now,
            )
        )
    audit(
        db,
        caller.subject,
        "request.ask",
        "person_request",
        row.id,
        person_id=person.id,
        after={"kind": row.kind, "files": len(files)},
    )
    return row


def question_municipality(activity: m.Activity, person: m.Person) -> int | None:
    """Where a question about an activity goes: the municipality that decided it, else (an
    activity waiting for more information) the one the person lives in, which asked."""
    return activity.decided_municipality_id or person.municipality_id


def own_requests(db: Session, caller: Principal) -> list[m.PersonRequest]:
    """The person's requests, newest first."""
    person = _own_person(db, caller)
    return list(
        db.exec(
            select(m.PersonRequest)
            .where(m.PersonRequest.person_id == person.id)
            .order_by(col(m.PersonRequest.created_at).desc(), col(m.PersonRequest.id).desc())
        ).all()
    )


# ------------------------------------------------------------------ one request


@dataclass(frozen=True)
class RequestView:
    request: m.PersonRequest
    person: m.Person
    files: tuple[m.RequestFile, ...]
    municipality: str  # a move: the new municipality; a question: the one asked (its name)
    fee: Line | None  # a waiver of one fee: its line
    activity: m.Activity | None = None  # a question: the activity it is about


def _view(db: Session, row: m.PersonRequest, person: m.Person) -> RequestView:
    files = db.exec(
        select(m.RequestFile)
        .where(m.RequestFile.request_id == row.id)
        .order_by(col(m.RequestFile.id))
    ).all()
    municipality = db.get(m.Municipality, row.municipality_id) if row.municipality_id else None
    fee = None
    if row.fee and row.fee != ALL_FEES:
        fee = statement(db, _dossier(db, person)).line(row.fee)
    activity = db.get(m.Activity, row.activity_id) if row.activity_id else None
    return RequestView(
        row, person, tuple(files), municipality.name_nl if municipality else "", fee, activity
    )


def own_request(db: Session, caller: Principal, request_id: int) -> RequestView:
    person = _own_person(db, caller)
    row = db.get(m.PersonRequest, request_id)
    if row is None or row.person_id != person.id:
        raise ServiceError("not_found")
    return _view(db, row, person)


def _in_scope(db: Session, caller: Principal, request_id: int) -> tuple[m.PersonRequest, m.Person]:
    row = db.get(m.PersonRequest, request_id)
    if row is None:
        raise ServiceError("not_found")
    return row, person_in_scope(db, caller, row.person_id)


def _to_decide(db: Session, caller: Principal, request_id: int) -> tuple[m.PersonRequest, m.Person]:
    """A request the counsellor decides: a question about hours is read, not decided, here."""
    row, person = _in_scope(db, caller, request_id)
    if row.kind not in COUNSELLOR_KINDS:
        raise ServiceError("not_found")
    return row, person


def request_in_scope(db: Session, caller: Principal, request_id: int) -> RequestView:
    """A request of a person of the counsellor's agency; "not_found" otherwise."""
    return _view(db, *_in_scope(db, caller, request_id))


@dataclass(frozen=True)
class Pending:
    request: m.PersonRequest
    person: m.Person


def pending(db: Session, caller: Principal) -> list[Pending]:
    """The waiting requests of the people of the counsellor's agency, oldest first (not the
    questions about hours: a municipality answers those)."""
    return _of_agency(
        db,
        caller,
        m.PersonRequest.status == RequestStatus.WAITING.value,
        col(m.PersonRequest.kind).in_([k.value for k in COUNSELLOR_KINDS]),
    )


def hours_questions(db: Session, caller: Principal, limit: int = 50) -> list[Pending]:
    """The questions about hours the people of the counsellor's agency asked a municipality,
    newest first: to read (the municipality answers them)."""
    return _of_agency(
        db,
        caller,
        m.PersonRequest.kind == RequestKind.HOURS_QUESTION.value,
        newest_first=True,
        limit=limit,
    )


def _of_agency(
    db: Session, caller: Principal, *where: Any, newest_first: bool = False, limit: int = 500
) -> list[Pending]:
    """Requests of the people of the counsellor's agency that meet `where`; none for anyone
    else."""
    if caller.role != "counsellor" or caller.agency_id is None:
        return []
    columns = [col(m.PersonRequest.created_at), col(m.PersonRequest.id)]
    order: list[Any] = [x.desc() for x in columns] if newest_first else list(columns)
    rows = db.exec(
        select(m.PersonRequest, m.Person)
        .join(m.Person, col(m.Person.id) == m.PersonRequest.person_id)
        .where(m.Person.agency_id == caller.agency_id, *where)
        .order_by(*order)
        .limit(limit)
    ).all()
    return [Pending(row, person) for row, person in rows]


# ------------------------------------------------------------------ the decision


def decide_once(
    db: Session,
    caller: Principal,
    row: m.PersonRequest,
    status: RequestStatus,
    reason: str,
    now: datetime,
    *,
    taken: str = "request_decided",
) -> None:
    """Mark the request decided (or a question answered: `reason` is the answer), once: a
    conditional update, so two people pressing at once decide it only once (`taken` for the
    second)."""
    if not can_decide(row.status):
        raise ServiceError(taken)
    result = db.execute(
        update(m.PersonRequest)
        .where(
            col(m.PersonRequest.id) == row.id,
            col(m.PersonRequest.status) == RequestStatus.WAITING.value,
        )
        .values(
            status=status.value, decided_at=now, decided_by=caller.subject, decision_reason=reason
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(taken)
    db.refresh(row)


def _input_of(db: Session, row: m.PersonRequest) -> RequestInput:
    municipality = db.get(m.Municipality, row.municipality_id) if row.municipality_id else None
    return RequestInput(
        kind=RequestKind(row.kind),
        start_on=row.start_on,
        end_on=row.end_on,
        reason=row.reason,
        period_kind=row.period_kind,
        fee=row.fee,
        municipality=municipality.nis_code if municipality else "",
        address=row.address,
        details=row.details,
    )


def _apply(
    db: Session, caller: Principal, row: m.PersonRequest, person: m.Person, today: date
) -> None:
    """What the approval changes in the dossier, through the service that holds the rule."""
    actor = caller.subject
    data = _input_of(db, row)
    dossier = dossier_in_scope(db, caller, row.person_id)
    # the rules again, on the dossier as it is now (a fee paid meanwhile, a contract changed)
    has_proof = db.exec(select(m.RequestFile.id).where(m.RequestFile.request_id == row.id)).first()
    found = _problems(_context(db, dossier), data, today, has_proof=has_proof is not None)
    if found:
        raise ServiceError(next(iter(found.values())))
    note = f"request {row.id}: {row.details}".strip()
    if data.kind is RequestKind.SUSPENSION:
        assert data.start_on is not None and data.end_on is not None
        add_suspension(
            db,
            actor,
            person,
            data.start_on,
            data.end_on,
            f"{data.reason}; {note}"[:300],
            tell_person=False,
        )
    elif data.kind is RequestKind.FEE_WAIVER:
        _waive(db, actor, dossier, data.fee, row.details or note)
    elif data.kind is RequestKind.PERIOD:
        assert data.start_on is not None
        record_fact(
            db,
            actor,
            person,
            "period",
            data.start_on,
            today,
            period_kind=data.period_kind,
            until=data.end_on,
            source="request",
            note=note[:500],
            tell_person=False,
        )
    else:
        assert data.start_on is not None
        move_person(db, actor, person, data.municipality, data.start_on, today)


def _waive(db: Session, actor: str, dossier: Dossier, fee: str, reason: str) -> None:
    """Waive one fee, or every open fee: waiving NT2 modules frees room under the NT2 cap, so a
    module that cost nothing may cost something now; it is waived too (rounds until none is
    left open)."""
    if fee != ALL_FEES:
        record_waiver(db, actor, dossier, fee, WAIVER_CATEGORY, reason)
        return
    for _ in range(20):
        dossier = dossier_in_scope_of(db, dossier)
        keys = [x.key for x in _context(db, dossier).open_fees]
        if not keys:
            return
        for key in keys:
            record_waiver(db, actor, dossier, key, WAIVER_CATEGORY, reason)


def dossier_in_scope_of(db: Session, dossier: Dossier) -> Dossier:
    """The same dossier loaded again (after a change)."""
    fresh = load_dossier(db, dossier.person_id)
    assert fresh is not None
    return fresh


def approve(
    db: Session, caller: Principal, request_id: int, today: date, now: datetime, base_url: str
) -> m.PersonRequest:
    """Approve a waiting request: its effect on the dossier, the decision, the person told.
    A refusal of the service behind it (an overlapping suspension, a fee paid meanwhile) is
    raised and nothing is changed (the caller's unit of work is rolled back)."""
    row, person = _to_decide(db, caller, request_id)
    decide_once(db, caller, row, RequestStatus.APPROVED, "", now)
    _apply(db, caller, row, person, today)
    audit(
        db,
        caller.subject,
        "request.approve",
        "person_request",
        row.id,
        person_id=person.id,
        kind=row.kind,
    )
    notify.notify(db, person, "request_approved", request=row.kind, link=link(base_url, row))
    return row


def refuse(
    db: Session, caller: Principal, request_id: int, reason: str, now: datetime, base_url: str
) -> m.PersonRequest:
    """Refuse a waiting request with the reason the person reads."""
    row, person = _to_decide(db, caller, request_id)
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_missing")
    if len(reason) > 2000:
        raise ServiceError("reason_long")
    decide_once(db, caller, row, RequestStatus.REFUSED, reason, now)
    audit(
        db,
        caller.subject,
        "request.refuse",
        "person_request",
        row.id,
        person_id=person.id,
        kind=row.kind,
        reason=reason,
    )
    notify.notify(
        db, person, "request_refused", request=row.kind, reason=reason, link=link(base_url, row)
    )
    return row


def link(base_url: str, row: m.PersonRequest) -> str:
    """The person's page of the request, for an e-mail."""
    return f"{base_url.rstrip('/')}/my/requests/{row.id}"


# ------------------------------------------------------------------ proof


def file_for(db: Session, caller: Principal, file_id: int) -> m.RequestFile | None:
    """A proof file for its owner or a counsellor of their agency (the read audited); None,
    with the refusal audited, for anyone else or an unknown file."""
    row = db.get(m.RequestFile, file_id)
    request = db.get(m.PersonRequest, row.request_id) if row is not None else None
    person = db.get(m.Person, request.person_id) if request is not None else None
    allowed = person is not None and (
        (caller.role == "citizen" and caller.person_id == person.id)
        or (
            caller.role == "counsellor"
            and caller.agency_id is not None
            and caller.agency_id == person.agency_id
        )
    )
    if row is None or not allowed:
        audit(db, caller.subject, "request_file.refused", "request_file", file_id)
        return None
    audit(db, caller.subject, "request_file.download", "request_file", row.id, role=caller.role)
    return row


def _id(row: m.Person | m.PersonRequest) -> int:
    assert row.id is not None
    return row.id
