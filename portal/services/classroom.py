"""Classroom sessions of the blended MO course: sessions an agency holds, attendance the
counsellor records, questions a person leaves for the next session. A counsellor only reaches
the sessions and persons of their own agency, a person only the sessions of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.services.caller import Principal
from portal.services.course import active_modules, check_course_followed
from portal.services.errors import ServiceError, audit

# ------------------------------------------------------------------------------ sessions


def create_session(
    db: Session,
    actor: str,
    agency_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    online_url: str,
    module_id: str | None,
    now: datetime,
) -> m.ClassroomSession:
    if not title.strip():
        raise ServiceError("required")
    if ends_at <= starts_at:
        raise ServiceError("end_before_start")
    if starts_at < now:
        raise ServiceError("session_in_past")
    if not place.strip() and not online_url.strip():
        raise ServiceError("place_or_link")
    if online_url and not online_url.startswith("https://"):
        raise ServiceError("https_link")
    if module_id:
        known = {row.module_id for row in active_modules(db)}
        if known and module_id not in known:  # before the first course load: any id is kept
            raise ServiceError("choose")
    session = m.ClassroomSession(
        agency_id=agency_id,
        module_id=module_id or None,
        title=title.strip()[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip()[:300],
        online_url=online_url.strip()[:500],
        created_by=actor,
    )
    db.add(session)
    db.flush()
    audit(
        db,
        actor,
        "create_classroom_session",
        "classroom_session",
        session.id,
        after={"title": session.title, "starts_at": starts_at.isoformat()},
    )
    return session


def plan_session(
    db: Session,
    caller: Principal,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    online_url: str,
    module_id: str | None,
    now: datetime,
) -> m.ClassroomSession:
    """A session of the caller's agency."""
    if caller.agency_id is None:
        raise ServiceError("not_found")
    return create_session(
        db,
        caller.subject,
        caller.agency_id,
        title,
        starts_at,
        ends_at,
        place,
        online_url,
        module_id,
        now,
    )


def sessions_of_agency(db: Session, agency_id: int | None) -> list[m.ClassroomSession]:
    return list(
        db.exec(
            select(m.ClassroomSession)
            .where(m.ClassroomSession.agency_id == agency_id)
            .order_by(col(m.ClassroomSession.starts_at))
        ).all()
    )


def staff_sessions(db: Session, caller: Principal) -> list[m.ClassroomSession]:
    """The sessions of the caller's agency."""
    return sessions_of_agency(db, caller.agency_id)


def sessions_for_person(
    db: Session, person_id: int, *, module_id: str | None = None, after: datetime | None = None
) -> list[m.ClassroomSession]:
    """The sessions of the person's agency (of one module, or starting after a moment)."""
    person = db.get(m.Person, person_id)
    if person is None:
        return []
    query = select(m.ClassroomSession).where(m.ClassroomSession.agency_id == person.agency_id)
    if module_id is not None:
        query = query.where(m.ClassroomSession.module_id == module_id)
    if after is not None:
        query = query.where(col(m.ClassroomSession.starts_at) > after)
    return list(db.exec(query.order_by(col(m.ClassroomSession.starts_at))).all())


# ------------------------------------------------------------------------------ attendance


class QuestionRow(NamedTuple):
    question: m.ClassroomQuestion
    person: m.Person


@dataclass(frozen=True)
class AttendanceSheet:
    """One session of the caller's agency: who may attend, who did, the questions left."""

    session: m.ClassroomSession
    people: list[m.Person]
    attendance: dict[int, bool]  # person id → present
    questions: list[QuestionRow]


def _agency_session(db: Session, caller: Principal, session_id: int) -> m.ClassroomSession:
    session = db.exec(
        select(m.ClassroomSession).where(
            m.ClassroomSession.id == session_id,
            m.ClassroomSession.agency_id == caller.agency_id,
        )
    ).first()
    if session is None:
        raise ServiceError("not_found")
    return session


def _participants(db: Session, agency_id: int | None) -> list[m.Person]:
    """Persons of the agency whose signed plan has a blended or classroom MO course."""
    return list(
        db.exec(
            select(m.Person)
            .join(m.Contract, col(m.Contract.person_id) == col(m.Person.id))
            .join(m.PlanComponent, col(m.PlanComponent.contract_id) == col(m.Contract.id))
            .where(
                m.Person.agency_id == agency_id,
                col(m.Contract.signed_on).is_not(None),
                m.PlanComponent.pillar == "mo",
                col(m.PlanComponent.variant).in_(["blended", "classroom"]),
            )
            .order_by(col(m.Person.family_name), col(m.Person.given_name))
        ).all()
    )


def attendance_sheet(db: Session, caller: Principal, session_id: int) -> AttendanceSheet:
    session = _agency_session(db, caller, session_id)
    attendance = {
        a.person_id: a.present
        for a in db.exec(select(m.Attendance).where(m.Attendance.session_id == session.id)).all()
    }
    questions = db.exec(
        select(m.ClassroomQuestion, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.ClassroomQuestion.person_id))
        .where(m.ClassroomQuestion.session_id == session.id)
        .order_by(col(m.ClassroomQuestion.created_at))
    ).all()
    return AttendanceSheet(
        session,
        _participants(db, caller.agency_id),
        attendance,
        [QuestionRow(*row) for row in questions],
    )


def record_attendance(
    db: Session,
    actor: str,
    session: m.ClassroomSession,
    person: m.Person,
    present: bool,
    now: datetime,
) -> m.Attendance:
    if person.agency_id != session.agency_id:
        raise ServiceError("not_your_agency")
    if session.starts_at > now:
        raise ServiceError("session_not_started")
    assert session.id is not None and person.id is not None
    row = db.exec(
        select(m.Attendance).where(
            m.Attendance.session_id == session.id, m.Attendance.person_id == person.id
        )
    ).first()
    before = None if row is None else row.present
    if row is None:
        row = m.Attendance(
            session_id=session.id,
            person_id=person.id,
            present=present,
            recorded_by=actor,
            recorded_at=now,
        )
    else:
        row.present = present
        row.recorded_by = actor
        row.recorded_at = now
    db.add(row)
    db.flush()
    audit(
        db,
        actor,
        "record_attendance",
        "attendance",
        row.id,
        person_id=person.id,
        before=before,
        after=present,
    )

    check_course_followed(db, person.id, now)
    return row


def record_attendance_sheet(
    db: Session, caller: Principal, session_id: int, marks: dict[int, bool], now: datetime
) -> None:
    """Record who was present (True) or absent (False) at a session of the caller's agency;
    marks for anyone but the agency's participants are left out."""
    session = _agency_session(db, caller, session_id)
    for person in _participants(db, caller.agency_id):
        assert person.id is not None
        present = marks.get(person.id)
        if present is not None:
            record_attendance(db, caller.subject, session, person, present, now)


# ------------------------------------------------------------------------------ questions


def ask_question(
    db: Session, person_id: int, session_id: int, text: str, now: datetime
) -> m.ClassroomQuestion:
    """A person leaves a question for a session of their own agency (another agency's session
    is not found)."""
    person = db.get(m.Person, person_id)
    session = db.get(m.ClassroomSession, session_id)
    if person is None or session is None or session.agency_id != person.agency_id:
        raise ServiceError("not_found")
    if session.starts_at <= now:
        raise ServiceError("session_started")
    if not text.strip():
        raise ServiceError("required")
    if len(text) > 500:
        raise ServiceError("too_long")
    question = m.ClassroomQuestion(
        session_id=session_id, person_id=person_id, text=text.strip(), created_at=now
    )
    db.add(question)
    db.flush()
    return question
