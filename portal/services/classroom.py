"""Classroom sessions of the blended MO course: sessions an agency holds, attendance the
counsellor records, questions a person leaves for the next session."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal.db import models as m
from portal.services.course import active_modules, check_course_followed
from portal.services.errors import ServiceError, audit


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
    row = db.exec(
        select(m.Attendance).where(
            m.Attendance.session_id == session.id, m.Attendance.person_id == person.id
        )
    ).first()
    before = None if row is None else row.present
    if row is None:
        row = m.Attendance(
            session_id=session.id,  # type: ignore[arg-type]
            person_id=person.id,  # type: ignore[arg-type]
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

    check_course_followed(db, person.id, now)  # type: ignore[arg-type]
    return row


def ask_question(
    db: Session, person: m.Person, session: m.ClassroomSession, text: str, now: datetime
) -> m.ClassroomQuestion:
    if person.agency_id != session.agency_id:
        raise ServiceError("not_your_agency")
    if session.starts_at <= now:
        raise ServiceError("session_started")
    if not text.strip():
        raise ServiceError("required")
    if len(text) > 500:
        raise ServiceError("too_long")
    question = m.ClassroomQuestion(
        session_id=session.id,  # type: ignore[arg-type]
        person_id=person.id,  # type: ignore[arg-type]
        text=text.strip(),
        created_at=now,
    )
    db.add(question)
    db.flush()
    return question


def sessions_of_agency(db: Session, agency_id: int) -> list[m.ClassroomSession]:
    return list(
        db.exec(
            select(m.ClassroomSession)
            .where(m.ClassroomSession.agency_id == agency_id)
            .order_by(m.ClassroomSession.starts_at)  # type: ignore[arg-type]
        ).all()
    )
