"""The online MO course and its classroom part."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from portal.db.models.base import translations_field, utcnow


class CourseModule(SQLModel, table=True):
    """A module of a loaded course version, with its texts in every language (as loaded)."""

    __tablename__ = "course_module"
    __table_args__ = (sa.UniqueConstraint("version", "module_id", name="uq_course_module"),)
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=20, index=True)
    module_id: str = Field(max_length=60)
    position: int
    required: bool = True
    free: bool = False
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CourseVersion(SQLModel, table=True):
    __tablename__ = "course_version"
    version: str = Field(primary_key=True, max_length=20)
    loaded_at: datetime = Field(default_factory=utcnow)
    active: bool = False
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class LessonRead(SQLModel, table=True):
    """Progress is kept per module and lesson id, so a new version keeps it."""

    __tablename__ = "lesson_read"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "run", "module_id", "lesson_id", name="uq_lesson_read"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    lesson_id: str = Field(max_length=20)
    read_at: datetime = Field(default_factory=utcnow)


class SelfCheckAnswer(SQLModel, table=True):
    """Every answer given (earlier runs' answers stay visible)."""

    __tablename__ = "selfcheck_answer"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    question_id: str = Field(max_length=20)
    choice: str = Field(max_length=10)
    correct: bool
    answered_at: datetime = Field(default_factory=utcnow)


class ModuleCompletion(SQLModel, table=True):
    __tablename__ = "module_completion"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "run", "module_id", name="uq_module_completion"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    run: int = 1
    module_id: str = Field(max_length=60)
    version: str = Field(max_length=20)
    completed_at: datetime = Field(default_factory=utcnow)


class ClassroomSession(SQLModel, table=True):
    """A classroom session of the blended MO course, held by an agency."""

    __tablename__ = "classroom_session"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="session_order"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    module_id: str | None = Field(default=None, max_length=60)
    title: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime
    place: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=255)
    translations: dict[str, dict[str, str]] = translations_field()


class Attendance(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("session_id", "person_id", name="uq_attendance"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="classroom_session.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    present: bool
    recorded_by: str = Field(max_length=255)
    recorded_at: datetime = Field(default_factory=utcnow)


class ClassroomQuestion(SQLModel, table=True):
    """A question a person leaves for the next classroom session."""

    __tablename__ = "classroom_question"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="classroom_session.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
