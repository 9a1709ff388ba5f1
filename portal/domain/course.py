"""The online MO course's rules (pure): which run of the course a person is in, when a module
is complete, when the course counts as followed, and what opens before the fee is settled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.domain.model import Fact, FactKind, TestKind

# The five attitudes of art. 24 (first paragraph) the course works towards: each module names
# the ones it practises, and the course as a whole covers every one of them.
ATTITUDES = (
    "open_to_values",  # 1° open to the values of Flemish and Belgian society
    "respects_norms",  # 2° respects its norms
    "respect_and_solidarity",  # 3° meets everyone with understanding and respect; solidarity
    "adapts_conduct",  # 4° places conduct in the new context, adapts what conflicts with the law
    "learns_dutch",  # 5° willing to learn Dutch
)


def attitude_problems(attitudes: object) -> list[str]:
    """What is wrong with a module's list of attitudes (empty when it is a non-empty list of
    known attitudes, each named once)."""
    if not isinstance(attitudes, list) or not attitudes:
        return ["names no attitude"]
    problems = [f"unknown attitude {a!r}" for a in attitudes if a not in ATTITUDES]
    if len(set(map(str, attitudes))) != len(attitudes):
        problems.append("names an attitude twice")
    return problems


def attitudes_missing(modules: Iterable[Iterable[str]]) -> list[str]:
    """The attitudes no module of a course practises, in the order of art. 24."""
    covered = {a for attitudes in modules for a in attitudes}
    return [a for a in ATTITUDES if a not in covered]


def picture_problems(question: Mapping[str, object], pictograms: frozenset[str]) -> list[str]:
    """What is wrong with a self-check question's pictures (empty when it has none, or one
    known pictogram for every choice). A picture supports a choice's words and never replaces
    them; pictures on some choices only would make those stand out, so it is all or none."""
    pictures = question.get("pictures")
    if pictures is None:
        return []
    if not isinstance(pictures, Mapping) or not pictures:
        return ["pictures must map each choice to a pictogram"]
    choices = question.get("choices")
    choices = list(choices) if isinstance(choices, list) else []
    problems = [f"a picture for {c!r}, which is not a choice" for c in pictures if c not in choices]
    problems += [
        f"unknown pictogram {p!r} (not in the sprite)"
        for p in pictures.values()
        if not isinstance(p, str) or p not in pictograms
    ]
    if not problems and set(pictures) != set(choices):
        problems.append("pictures on some choices only (every choice has one, or none has)")
    return problems


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
