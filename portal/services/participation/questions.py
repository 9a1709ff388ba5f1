"""Questions about participation hours, on the municipality's side: a person asks the
municipality that decided an activity (a request of kind "hours_question", services.requests),
and an officer of that municipality answers it in plain text; the person is told.

Scope: an officer sees only the questions sent to their own municipality; any other question,
or a request of another kind, is "not_found" (404), never "forbidden"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.requests import RequestKind, RequestStatus, answer_problem
from portal.services import notify
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit
from portal.services.requests import decide_once, link

KIND = RequestKind.HOURS_QUESTION.value


@dataclass(frozen=True)
class Question:
    request: m.PersonRequest
    person: m.Person
    activity: m.Activity


def _municipality_of(caller: Principal) -> int:
    if caller.role != "municipality" or caller.municipality_id is None:
        raise ServiceError("not_found")
    return caller.municipality_id


QUESTIONS_SHOWN = 50


def open_questions(db: Session, caller: Principal, limit: int = QUESTIONS_SHOWN) -> list[Question]:
    """The questions waiting for an answer of the officer's municipality, the `limit` oldest
    (a work queue: answering them brings the next ones; `open_question_count` says how many)."""
    municipality_id = _municipality_of(caller)
    rows = db.exec(
        select(m.PersonRequest, m.Person, m.Activity)
        .join(m.Person, col(m.Person.id) == m.PersonRequest.person_id)
        .join(m.Activity, col(m.Activity.id) == m.PersonRequest.activity_id)
        .where(*_waiting(municipality_id))
        .order_by(col(m.PersonRequest.created_at), col(m.PersonRequest.id))
        .limit(limit)
    ).all()
    return [Question(row, person, activity) for row, person, activity in rows]


def open_question_count(db: Session, caller: Principal) -> int:
    municipality_id = _municipality_of(caller)
    return int(
        db.exec(
            select(func.count()).select_from(m.PersonRequest).where(*_waiting(municipality_id))
        ).one()
    )


def _waiting(municipality_id: int) -> list[Any]:
    return [
        m.PersonRequest.kind == KIND,
        m.PersonRequest.municipality_id == municipality_id,
        m.PersonRequest.status == RequestStatus.WAITING.value,
    ]


def _question(db: Session, caller: Principal, request_id: int) -> Question:
    municipality_id = _municipality_of(caller)
    row = db.get(m.PersonRequest, request_id)
    if row is None or row.kind != KIND or row.municipality_id != municipality_id:
        raise ServiceError("not_found")
    person = db.get(m.Person, row.person_id)
    activity = db.get(m.Activity, row.activity_id) if row.activity_id else None
    assert person is not None and activity is not None
    return Question(row, person, activity)


def open_question(db: Session, caller: Principal, request_id: int) -> Question:
    """One question of the officer's municipality, the read recorded in the audit log (an
    officer read what a person wrote)."""
    question = _question(db, caller, request_id)
    audit(
        db,
        caller.subject,
        "request.open",
        "person_request",
        request_id,
        person_id=question.person.id,
    )
    return question


def answer(
    db: Session, caller: Principal, request_id: int, text: str, now: datetime, base_url: str
) -> m.PersonRequest:
    """The municipality's answer (plain text, required), once, also when two officers answer
    at once ("question_answered" for the second)."""
    question = _question(db, caller, request_id)
    row = question.request
    problem = answer_problem(text)
    if problem is not None:
        raise ServiceError(problem)
    decide_once(
        db, caller, row, RequestStatus.ANSWERED, text.strip(), now, taken="question_answered"
    )
    audit(
        db,
        caller.subject,
        "request.answer",
        "person_request",
        row.id,
        person_id=question.person.id,
        municipality_id=row.municipality_id,
        activity_id=row.activity_id,
    )
    notify.notify(
        db,
        question.person,
        "request_answered",
        organisation=question.activity.organisation,
        answer=row.decision_reason,
        link=link(base_url, row),
    )
    return row
