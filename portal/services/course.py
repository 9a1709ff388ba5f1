"""The online MO course: loading a content version, a person's progress, reading lessons,
answering self-checks (scored here, never in the page), and recording "MO course followed"."""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.models.base import utcnow
from portal.domain.course import (
    ModuleProgress,
    ModuleShape,
    attitude_problems,
    attitudes_missing,
    counts,
    course_followed,
    current_run,
    module_complete,
    module_open,
    picture_problems,
)
from portal.services.dossier import Dossier, load_dossier
from portal.services.errors import ServiceError, audit
from portal.services.payments import statement
from portal.services.people import record_fact
from portal.services.pictograms import pictogram_ids
from portal.settings import SHIPPED_LANGUAGES

CONTENT = Path(__file__).resolve().parent.parent / "content" / "course"
LANGUAGES = SHIPPED_LANGUAGES  # the course is written in every language the portal speaks
AUTHORITATIVE = "nl"


# ------------------------------------------------------------------------------ content


class ContentError(ValueError):
    """The course files are not usable; the message says which file and why."""


def course_status(directory: Path = CONTENT) -> str:
    """The content's validation status (e.g. "draft — to be validated with the education
    inspectorate"), as the course index states it."""
    with (directory / "course.json").open(encoding="utf-8") as handle:
        return str(json.load(handle).get("status", ""))


def read_version(directory: Path = CONTENT) -> tuple[str, list[dict[str, Any]]]:
    with (directory / "course.json").open(encoding="utf-8") as handle:
        index = json.load(handle)
    version = index["version"]
    modules = []
    for module_id in index["modules"]:
        path = directory / version / f"{module_id}.json"
        if not path.exists():
            raise ContentError(f"{path.name}: missing")
        with path.open(encoding="utf-8") as handle:
            module = json.load(handle)
        if module.get("id") != module_id:
            raise ContentError(f"{path.name}: id {module.get('id')!r} differs from the file name")
        modules.append(module)
    return version, modules


def check_module(
    module: dict[str, Any], pictograms: frozenset[str] | None = None
) -> tuple[list[str], list[str]]:
    """(errors that make the module unusable, languages that fall back to Dutch). Pictures on
    self-check choices must be pictograms of the sprite (`pictograms`, by default the one in
    static/)."""
    errors: list[str] = []
    fallbacks: list[str] = []
    name = module.get("id", "?")
    lessons = [lesson["id"] for lesson in module.get("lessons", [])]
    questions = {q["id"]: q for q in module.get("questions", [])}
    if not lessons:
        errors.append(f"{name}: no lessons")
    errors.extend(f"{name}: {p}" for p in attitude_problems(module.get("attitudes")))
    known = pictogram_ids() if pictograms is None else pictograms
    for q in questions.values():
        if q.get("correct") not in q.get("choices", []):
            errors.append(f"{name}/{q['id']}: the correct answer is not one of the choices")
        errors.extend(f"{name}/{q['id']}: {p}" for p in picture_problems(q, known))
    texts = module.get("text", {})
    # a picture is the same in every language: it belongs to the question, never to a text
    for language, text in texts.items():
        for qid, body in (text.get("questions") or {}).items():
            choices = body.get("choices") or {}
            if "pictures" in body or any(isinstance(c, dict) for c in choices.values()):
                errors.append(
                    f"{name}/{qid} [{language}]: a picture belongs to the question (the same in"
                    " every language), not to its text"
                )
    if AUTHORITATIVE not in texts:
        errors.append(f"{name}: no Dutch text")
        return errors, fallbacks
    for language in LANGUAGES:
        text = texts.get(language)
        if text is None:
            fallbacks.append(language)
            continue
        problems = []
        for lesson in module.get("lessons", []):
            body = text.get("lessons", {}).get(lesson["id"])
            if (
                not body
                or not body.get("title")
                or not any(p.strip() for p in body.get("paragraphs", []))
            ):
                problems.append(f"lesson {lesson['id']} empty")
            elif lesson.get("image") and not (body.get("image_alt") or "").strip():
                problems.append(f"lesson {lesson['id']} image without alternative text")
        for qid, q in questions.items():
            body = text.get("questions", {}).get(qid)
            if (
                not body
                or not body.get("text")
                or set(body.get("choices", {})) != set(q["choices"])
            ):
                problems.append(f"question {qid} incomplete")
            elif not body.get("explanation"):
                problems.append(f"question {qid} has no explanation")
        if not text.get("title"):
            problems.append("no title")
        if problems:
            if language == AUTHORITATIVE:
                errors.extend(f"{name} [{language}]: {p}" for p in problems)
            else:
                fallbacks.append(language)
    return errors, fallbacks


def load_course(db: Session, actor: str, directory: Path = CONTENT) -> dict[str, Any]:
    """Load (publish) the course version in `directory`. Idempotent; a new version becomes the
    active one and keeps everyone's progress. Returns the report (fallbacks per module)."""
    version, modules = read_version(directory)
    report: dict[str, Any] = {"version": version, "modules": len(modules), "fallbacks": {}}
    all_errors = []
    for module in modules:
        errors, fallbacks = check_module(module)
        all_errors.extend(errors)
        if fallbacks:
            report["fallbacks"][module["id"]] = fallbacks
    if not all_errors:
        missing = attitudes_missing(module.get("attitudes", []) for module in modules)
        all_errors.extend(f"no module practises the attitude {a!r}" for a in missing)
    if all_errors:
        raise ContentError("; ".join(all_errors))
    existing = {
        row.module_id: row
        for row in db.exec(select(m.CourseModule).where(m.CourseModule.version == version)).all()
    }
    for position, module in enumerate(modules):
        row = existing.get(module["id"]) or m.CourseModule(
            version=version, module_id=module["id"], position=position
        )
        row.position = position
        row.required = bool(module.get("required", True))
        row.free = bool(module.get("free", False))
        row.content = module
        db.add(row)
    for other in db.exec(select(m.CourseVersion)).all():
        other.active = other.version == version
        db.add(other)
    row_version = db.get(m.CourseVersion, version)
    if row_version is None:
        row_version = m.CourseVersion(version=version, active=True)
    row_version.active = True
    row_version.loaded_at = utcnow()  # every process reads the modules again (active_modules)
    row_version.report = report
    db.add(row_version)
    db.flush()
    audit(db, actor, "load_course", "course_version", version, report=report)
    forget_loaded_course(db)
    return report


VERSION_CHECK_SECONDS = 30.0
"""How long a process trusts the active course version it saw before asking again: a newly
loaded version is used everywhere within this time (this process: at once)."""


@dataclass
class _Loaded:
    checked_at: float = -VERSION_CHECK_SECONDS  # time.monotonic() of the last look
    key: tuple[str, datetime] | None = None  # the active version and its loading time
    modules: tuple[m.CourseModule, ...] = ()


_LOADED: weakref.WeakKeyDictionary[Any, _Loaded] = weakref.WeakKeyDictionary()
"""Per database (engine), the active version's modules: their content (every lesson in every
language) is read once per loaded version and process, not on every page showing two numbers."""


def active_modules(db: Session) -> list[m.CourseModule]:
    """The modules of the version in use, in order, from this process's cache (the active
    version is looked up at most every VERSION_CHECK_SECONDS). The rows are copies that belong
    to no database session: read them, never change them."""
    engine = db.get_bind()
    loaded = _LOADED.setdefault(engine, _Loaded())
    now = time.monotonic()
    if now - loaded.checked_at >= VERSION_CHECK_SECONDS:
        found = db.exec(
            select(m.CourseVersion.version, m.CourseVersion.loaded_at).where(
                m.CourseVersion.active == True  # noqa: E712
            )
        ).first()
        key = (found[0], found[1]) if found is not None else None
        if key != loaded.key:
            rows = (
                db.exec(
                    select(m.CourseModule)
                    .where(m.CourseModule.version == key[0])
                    .order_by(col(m.CourseModule.position))
                ).all()
                if key is not None
                else []
            )
            loaded.modules = tuple(m.CourseModule(**row.model_dump()) for row in rows)
            loaded.key = key
        loaded.checked_at = now
    return list(loaded.modules)


def active_key(db: Session) -> str:
    """The active course version as this process knows it ("" before the first load): the
    stamp of what is computed from the course (services.dashboard)."""
    active_modules(db)
    return _key_text(_LOADED[db.get_bind()].key)


def known_key(engine: Any) -> str | None:
    """`active_key` without a query: None when this process is due to look again."""
    loaded = _LOADED.get(engine)
    if loaded is None or time.monotonic() - loaded.checked_at >= VERSION_CHECK_SECONDS:
        return None
    return _key_text(loaded.key)


def _key_text(key: tuple[str, datetime] | None) -> str:
    return f"{key[0]}@{key[1].isoformat()}" if key is not None else ""


def forget_loaded_course(db: Session) -> None:
    """This process looks up the active version again at its next use (after loading one)."""
    _LOADED.pop(db.get_bind(), None)


def active_version(db: Session) -> m.CourseVersion | None:
    """The course version now in use (with the loader's report), or None before the first load."""
    return db.exec(select(m.CourseVersion).where(m.CourseVersion.active == True)).first()  # noqa: E712


def shape(row: m.CourseModule) -> ModuleShape:
    content = row.content
    return ModuleShape(
        id=row.module_id,
        lessons=frozenset(lesson["id"] for lesson in content["lessons"]),
        questions=frozenset(q["id"] for q in content["questions"]),
        required=row.required,
        free=row.free,
    )


_FALLBACKS: dict[tuple[str, str], frozenset[str]] = {}


def texts(row: m.CourseModule, language: str) -> tuple[dict[str, Any], bool]:
    """The module's texts in `language`, or the Dutch ones (and True) when missing."""
    content = row.content["text"]
    key = (row.version, row.module_id)
    if key not in _FALLBACKS:
        _FALLBACKS[key] = frozenset(check_module(row.content)[1])
    if language in content and language not in _FALLBACKS[key]:
        return content[language], False
    return content[AUTHORITATIVE], language != AUTHORITATIVE


# ------------------------------------------------------------------------------ progress


@dataclass
class CourseState:
    dossier: Dossier
    run: int
    fee_settled: bool
    fee_line: Any
    modules: list[m.CourseModule]
    classroom_required: int = 0
    classroom_attended: int = 0
    progress: dict[str, ModuleProgress] = field(default_factory=dict)
    answers: dict[str, dict[str, m.SelfCheckAnswer]] = field(default_factory=dict)
    earlier_answers: dict[str, dict[str, m.SelfCheckAnswer]] = field(default_factory=dict)

    def module(self, module_id: str) -> m.CourseModule | None:
        return next((x for x in self.modules if x.module_id == module_id), None)

    def is_open(self, row: m.CourseModule) -> bool:
        return module_open(shape(row), self.fee_settled)

    def complete(self, row: m.CourseModule) -> bool:
        return module_complete(shape(row), self.progress.get(row.module_id, ModuleProgress()))

    @property
    def counts(self) -> tuple[int, int]:
        return counts([shape(x) for x in self.modules], self.progress)


def _fee(db: Session, dossier: Dossier, owed: Any = None) -> tuple[bool, Any]:
    line = (owed if owed is not None else statement(db, dossier)).line("mo_course:1")
    if line is None:
        return False, None  # no signed contract yet: no course beyond the introduction
    return (line.paid is not None or line.charge.amount_cents == 0), line


def course_state(db: Session, person_id: int, today: date) -> CourseState:
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("unknown_person")
    return state_of(db, dossier, today)


def state_of(db: Session, dossier: Dossier, today: date, owed: Any = None) -> CourseState:
    """The person's course: their run, whether the fee is settled, and their progress per
    module, for a dossier already loaded (and `owed`, the person's payment statement, when the
    caller has it already)."""
    person_id = dossier.person_id
    run = current_run(dossier.person_facts().facts, today)
    settled, line = _fee(db, dossier, owed)
    mo = next((c for c in dossier.components if c.pillar == "mo"), None)
    required = mo.classroom_sessions if mo is not None and mo.variant != "online" else 0

    state = CourseState(
        dossier, run, settled, line, active_modules(db), required, attended(db, person_id)
    )
    reads = db.exec(
        select(m.LessonRead).where(
            col(m.LessonRead.person_id) == person_id, col(m.LessonRead.run) == run
        )
    ).all()
    answers = db.exec(
        select(m.SelfCheckAnswer)
        .where(m.SelfCheckAnswer.person_id == person_id)
        .order_by(col(m.SelfCheckAnswer.answered_at), col(m.SelfCheckAnswer.id))
    ).all()
    completions = db.exec(
        select(m.ModuleCompletion).where(
            m.ModuleCompletion.person_id == person_id, m.ModuleCompletion.run == run
        )
    ).all()
    done = {c.module_id for c in completions}
    read: dict[str, set[str]] = {}
    for r in reads:
        read.setdefault(r.module_id, set()).add(r.lesson_id)
    answered: dict[str, set[str]] = {}
    for a in answers:
        target = state.answers if a.run == run else state.earlier_answers
        target.setdefault(a.module_id, {})[a.question_id] = a  # the latest answer counts
        if a.run == run:
            answered.setdefault(a.module_id, set()).add(a.question_id)
    for row in state.modules:
        state.progress[row.module_id] = ModuleProgress(
            read=frozenset(read.get(row.module_id, ())),
            answered=frozenset(answered.get(row.module_id, ())),
            completed=row.module_id in done,
        )
    return state


@dataclass(frozen=True)
class Progress:
    """What a summary shows of the course: (required modules done, required), the next
    required module to do; None each when there is no course."""

    counts: tuple[int, int] | None
    next_module: str | None


def progress_summary(db: Session, dossier: Dossier, today: date) -> Progress:
    """The course in two numbers and a next step, in one query (the cached modules, and the
    lessons read, questions answered and modules completed in the current run together)."""
    modules = active_modules(db)
    if not modules:
        return Progress(None, None)
    run = current_run(dossier.person_facts().facts, today)
    person_id = dossier.person_id

    def tagged(tag: str) -> Any:
        return sa.literal_column(f"'{tag}'", sa.String).label("kind")

    rows = db.execute(
        sa.union_all(
            sa.select(
                tagged("read"), col(m.LessonRead.module_id), col(m.LessonRead.lesson_id)
            ).where(col(m.LessonRead.person_id) == person_id, col(m.LessonRead.run) == run),
            sa.select(
                tagged("answer"),
                col(m.SelfCheckAnswer.module_id),
                col(m.SelfCheckAnswer.question_id),
            ).where(
                col(m.SelfCheckAnswer.person_id) == person_id, col(m.SelfCheckAnswer.run) == run
            ),
            sa.select(
                tagged("done"),
                col(m.ModuleCompletion.module_id),
                sa.literal_column("''", sa.String),
            ).where(
                col(m.ModuleCompletion.person_id) == person_id, col(m.ModuleCompletion.run) == run
            ),
        )
    ).all()
    read: dict[str, set[str]] = {}
    answered: dict[str, set[str]] = {}
    done: set[str] = set()
    for what, module_id, item in rows:
        if what == "read":
            read.setdefault(module_id, set()).add(item)
        elif what == "answer":
            answered.setdefault(module_id, set()).add(item)
        else:
            done.add(module_id)
    progress = {
        row.module_id: ModuleProgress(
            frozenset(read.get(row.module_id, ())),
            frozenset(answered.get(row.module_id, ())),
            row.module_id in done,
        )
        for row in modules
    }
    shapes = [shape(row) for row in modules]
    next_module = next(
        (s.id for s in shapes if s.required and not module_complete(s, progress[s.id])), None
    )
    return Progress(counts(shapes, progress), next_module)


def _after_progress(db: Session, state: CourseState, row: m.CourseModule, now: datetime) -> None:
    """Record a module's completion (once per run), then see whether the course is followed."""
    progress = state.progress.get(row.module_id, ModuleProgress())
    if not progress.completed and module_complete(shape(row), progress):
        db.add(
            m.ModuleCompletion(
                person_id=state.dossier.person_id,
                run=state.run,
                module_id=row.module_id,
                version=row.version,
                completed_at=now,
            )
        )
        state.progress[row.module_id] = ModuleProgress(progress.read, progress.answered, True)
        db.flush()
    _record_followed(db, state, now)


def _record_followed(db: Session, state: CourseState, now: datetime) -> None:
    """The fact "MO course followed" when every required module is complete and the classroom
    part of the plan attended: once per run, through the same fact a counsellor records."""
    person = state.dossier.person
    shapes = [shape(x) for x in state.modules]
    if not course_followed(
        shapes, state.progress, state.classroom_required, state.classroom_attended
    ):
        return
    source = f"online course, run {state.run}"
    already = db.exec(
        select(m.Fact).where(
            m.Fact.person_id == person.id,
            m.Fact.kind == "mo_course_followed",
            m.Fact.source == source,
            col(m.Fact.withdrawn_at).is_(None),
        )
    ).first()
    if already is None:
        record_fact(
            db, "portal:course", person, "mo_course_followed", now.date(), now.date(), source=source
        )


def check_course_followed(db: Session, person_id: int, now: datetime) -> None:
    """After attendance is recorded: the classroom part may have been the last thing missing."""
    _record_followed(db, course_state(db, person_id, now.date()), now)


def read_lesson(
    db: Session, person_id: int, module_id: str, lesson_id: str, now: datetime
) -> CourseState:
    state = course_state(db, person_id, now.date())
    row = state.module(module_id)
    if row is None or lesson_id not in shape(row).lessons:
        raise ServiceError("unknown_lesson")
    if not state.is_open(row):
        raise ServiceError("course_locked")
    progress = state.progress.get(module_id, ModuleProgress())
    if lesson_id not in progress.read:
        db.add(
            m.LessonRead(
                person_id=person_id,
                run=state.run,
                module_id=module_id,
                lesson_id=lesson_id,
                read_at=now,
            )
        )
        state.progress[module_id] = ModuleProgress(
            progress.read | {lesson_id}, progress.answered, progress.completed
        )
        db.flush()
        _after_progress(db, state, row, now)
    return state


@dataclass(frozen=True)
class Feedback:
    question_id: str
    choice: str
    correct: bool
    correct_choice: str


def answer(
    db: Session, person_id: int, module_id: str, choices: dict[str, str], now: datetime
) -> list[Feedback]:
    """Score the self-check on the server; every question must be answered."""
    state = course_state(db, person_id, now.date())
    row = state.module(module_id)
    if row is None:
        raise ServiceError("unknown_module")
    if not state.is_open(row):
        raise ServiceError("course_locked")
    questions = {q["id"]: q for q in row.content["questions"]}
    missing = [qid for qid in questions if choices.get(qid) not in questions[qid]["choices"]]
    if missing:
        raise ServiceError("answer_every_question", ",".join(missing))
    feedback = []
    for qid, q in questions.items():
        choice = choices[qid]
        correct = choice == q["correct"]
        db.add(
            m.SelfCheckAnswer(
                person_id=person_id,
                run=state.run,
                module_id=module_id,
                question_id=qid,
                choice=choice,
                correct=correct,
                answered_at=now,
            )
        )
        feedback.append(Feedback(qid, choice, correct, q["correct"]))
    progress = state.progress.get(module_id, ModuleProgress())
    state.progress[module_id] = ModuleProgress(
        progress.read, progress.answered | set(questions), progress.completed
    )
    db.flush()
    _after_progress(db, state, row, now)
    return feedback


def attended(db: Session, person_id: int) -> int:
    return len(
        db.exec(
            select(m.Attendance).where(
                m.Attendance.person_id == person_id,
                m.Attendance.present == True,  # noqa: E712
            )
        ).all()
    )


def attendance_counts(db: Session, person_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Classroom attendance per person: (sessions present, sessions with attendance taken)."""
    out: dict[int, tuple[int, int]] = {}
    if not person_ids:
        return out
    rows = db.exec(
        select(m.Attendance.person_id, m.Attendance.present).where(
            col(m.Attendance.person_id).in_(person_ids)
        )
    ).all()
    for person_id, present in rows:
        was, taken = out.get(person_id, (0, 0))
        out[person_id] = (was + (1 if present else 0), taken + 1)
    return out


def course_counts(db: Session, person_id: int, today: date) -> tuple[int, int] | None:
    """(modules done, required modules) of the online course, or None when none is loaded."""
    state = course_state(db, person_id, today)
    return state.counts if state.modules else None
