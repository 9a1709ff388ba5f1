"""The online MO course's rules (pure): which run of the course a person is in, when a module
is complete, when the course counts as followed, and what opens before the fee is settled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.domain.model import Fact, FactKind, TestKind


@dataclass(frozen=True)
class ModuleShape:
    """What a module asks: its lessons and self-check questions (of the loaded version)."""

    id: str
    lessons: frozenset[str]
    questions: frozenset[str]
    required: bool = True
    free: bool = False


@dataclass(frozen=True)
class ModuleProgress:
    read: frozenset[str] = frozenset()
    answered: frozenset[str] = frozenset()
    completed: bool = False  # recorded when it was first complete; a new version keeps it


def current_run(facts: Iterable[Fact], today: date) -> int:
    """Run 1 is the first course; every failed MO test (until a pass) opens a repeat course."""
    run = 1
    for fact in sorted(facts, key=lambda f: f.on):
        if fact.on > today or fact.kind is not FactKind.TEST_RESULT or fact.test is not TestKind.MO:
            continue
        if fact.passed:
            return run
        run += 1
    return run


def module_complete(shape: ModuleShape, progress: ModuleProgress) -> bool:
    """Complete once every lesson is read and every self-check question answered (right or
    wrong: the explanation teaches); once recorded, a newer version of the module does not
    take it away."""
    if progress.completed:
        return True
    return shape.lessons <= progress.read and shape.questions <= progress.answered


def course_followed(
    modules: Iterable[ModuleShape],
    progress: Mapping[str, ModuleProgress],
    classroom_required: int = 0,
    classroom_attended: int = 0,
) -> bool:
    """The fact "MO course followed": every required module complete and the classroom part
    of the plan attended."""
    required = [shape for shape in modules if shape.required]
    if not required:
        return False
    done = all(module_complete(s, progress.get(s.id, ModuleProgress())) for s in required)
    return done and classroom_attended >= classroom_required


def module_open(shape: ModuleShape, fee_settled: bool) -> bool:
    """Before the course fee is paid (or 0 €: Brussels, a waiver), only the free introduction
    opens."""
    return shape.free or fee_settled


def counts(
    modules: Iterable[ModuleShape], progress: Mapping[str, ModuleProgress]
) -> tuple[int, int]:
    """(required modules complete, required modules) — "7/13 modules"."""
    required = [shape for shape in modules if shape.required]
    done = sum(1 for s in required if module_complete(s, progress.get(s.id, ModuleProgress())))
    return done, len(required)
