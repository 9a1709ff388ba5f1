"""The guide (pure): where a person stands on each task and the one thing to do next.

The rules (`pillars.pillar_views`) say whether a pillar is met, exempt, not required, suspended or
overdue. The guide adds what the rules do not look at but the person did: a course module read,
a fee paid, a test booked, hours sent to the municipality. From all of it, each task gets a status
that tells the truth and at most one next step; `what_now` picks the single most urgent step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from portal.domain.model import PILLARS, Pillar, PillarStatus
from portal.domain.pillars import PillarView


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # hours sent, the municipality has not decided yet
    TEST_BOOKED = "test_booked"
    DONE = "done"
    EXEMPT = "exempt"
    NOT_REQUIRED = "not_required"
    SUSPENDED = "suspended"
    OVERDUE = "overdue"


class StepKind(StrEnum):
    PAY = "pay"  # a fee of this task is still open
    START_COURSE = "start_course"  # the online MO course, not begun
    CONTINUE_COURSE = "continue_course"  # the online MO course: the next module (`module`)
    FOLLOW_MO = "follow_mo"  # the MO course at its provider (classroom part or a repeat course)
    BOOK_TEST = "book_test"  # may book the test now
    GO_TO_TEST = "go_to_test"  # a booked test (`due` is its day)
    FOLLOW_NT2 = "follow_nt2"  # the Dutch course at its provider
    REGISTER_VDAB = "register_vdab"
    RECORD_HOURS = "record_hours"
    ANSWER_MUNICIPALITY = "answer_municipality"  # the municipality asked for more on sent hours


@dataclass(frozen=True)
class OpenFee:
    """A fee still to pay, of one task."""

    pillar: Pillar
    key: str
    amount_cents: int
    due: date | None = None


@dataclass(frozen=True)
class Doings:
    """What the person did (or has waiting) beyond the recorded facts."""

    course_modules_done: int = 0  # the online MO course
    course_modules_required: int = 0  # 0: no online course for this person
    next_module: str | None = None  # the first module not yet done (its number, as shown)
    open_fees: tuple[OpenFee, ...] = ()
    booked: dict[Pillar, date] = field(default_factory=dict)  # an upcoming booked test
    may_book: frozenset[Pillar] = frozenset()  # may book its test today
    hours_waiting: int = 0  # participation hours sent, not decided
    hours_in_draft: bool = False  # a participation draft exists
    hours_asked: bool = False  # the municipality asked for more on hours sent (waiting on them)
    hours_needed: int = 40  # participation: the hours the rules in force ask
    nt2_modules_followed: int = 0


@dataclass(frozen=True)
class Step:
    kind: StepKind
    pillar: Pillar
    due: date | None = None  # a deadline, a payment's due day, a booked test's day
    module: str | None = None  # CONTINUE_COURSE
    fee: OpenFee | None = None  # PAY


@dataclass(frozen=True)
class Task:
    pillar: Pillar
    status: TaskStatus
    step: Step | None
    deadline: date | None
    hours: int = 0  # participation: hours confirmed
    hours_waiting: int = 0


_MET = {
    PillarStatus.DONE: TaskStatus.DONE,
    PillarStatus.EXEMPT: TaskStatus.EXEMPT,
    PillarStatus.NOT_REQUIRED: TaskStatus.NOT_REQUIRED,
}


def _started(view: PillarView, doings: Doings) -> bool:
    """Anything done toward the task, whether or not the rules count it yet."""
    if view.status is PillarStatus.IN_PROGRESS:
        return True
    pillar = view.pillar
    if pillar is Pillar.MO:
        paid_course = not any(f.pillar is Pillar.MO for f in doings.open_fees) and (
            doings.course_modules_required > 0
        )
        return doings.course_modules_done > 0 or paid_course
    if pillar is Pillar.NT2:
        return doings.nt2_modules_followed > 0
    if pillar is Pillar.PARTICIPATION:
        return view.hours > 0 or doings.hours_waiting > 0 or doings.hours_in_draft
    return False


def _step(view: PillarView, doings: Doings) -> Step | None:
    pillar = view.pillar
    deadline = view.deadline
    fees = sorted(
        (f for f in doings.open_fees if f.pillar is pillar),
        key=lambda f: (f.due is None, f.due or date.max, f.key),
    )
    if pillar in doings.booked:
        return Step(StepKind.GO_TO_TEST, pillar, due=doings.booked[pillar])
    if fees:
        return Step(StepKind.PAY, pillar, due=fees[0].due or deadline, fee=fees[0])
    if pillar in doings.may_book:
        return Step(StepKind.BOOK_TEST, pillar, due=deadline)
    if pillar is Pillar.MO:
        required = doings.course_modules_required
        if required and doings.course_modules_done < required:
            if doings.course_modules_done == 0:
                return Step(StepKind.START_COURSE, pillar, due=deadline)
            return Step(StepKind.CONTINUE_COURSE, pillar, due=deadline, module=doings.next_module)
        return Step(StepKind.FOLLOW_MO, pillar, due=deadline)
    if pillar is Pillar.NT2:
        return Step(StepKind.FOLLOW_NT2, pillar, due=deadline)
    if pillar is Pillar.VDAB:
        return Step(StepKind.REGISTER_VDAB, pillar, due=deadline)
    if doings.hours_asked:
        return Step(StepKind.ANSWER_MUNICIPALITY, pillar, due=deadline)
    if view.hours + doings.hours_waiting >= doings.hours_needed:
        return None  # enough hours sent: only the municipality's decision is awaited
    return Step(StepKind.RECORD_HOURS, pillar, due=deadline)


def task(view: PillarView, doings: Doings) -> Task:
    """The task of one pillar: a met, exempt or not required pillar has no step; a suspended one
    waits for the suspension to end; otherwise the status follows what was done and the step is
    the first thing still to do (a booked test, then a fee, then booking, then the work itself)."""
    waiting = doings.hours_waiting if view.pillar is Pillar.PARTICIPATION else 0
    if view.status in _MET:
        status, step = _MET[view.status], None
    elif view.status is PillarStatus.SUSPENDED:
        status, step = TaskStatus.SUSPENDED, None
    else:
        step = _step(view, doings)
        if view.status is PillarStatus.OVERDUE:
            status = TaskStatus.OVERDUE
        elif view.pillar in doings.booked:
            status = TaskStatus.TEST_BOOKED
        elif waiting > 0 and not (view.pillar is Pillar.PARTICIPATION and doings.hours_asked):
            status = TaskStatus.WAITING
        elif _started(view, doings):
            status = TaskStatus.IN_PROGRESS
        else:
            status = TaskStatus.NOT_STARTED
    return Task(view.pillar, status, step, view.deadline, view.hours, waiting)


def tasks(views: tuple[PillarView, ...], doings: Doings) -> tuple[Task, ...]:
    """One task per pillar, in PILLARS order."""
    by_pillar = {v.pillar: v for v in views}
    return tuple(task(by_pillar[p], doings) for p in PILLARS if p in by_pillar)


def what_now(all_tasks: tuple[Task, ...]) -> Step | None:
    """The single most urgent step: an overdue task first, then the earliest date (a booked test,
    a fee, a deadline), then steps without a date; ties in the pillars' order. None when nothing
    is left to do."""
    order = {p: i for i, p in enumerate(PILLARS)}
    candidates = [t for t in all_tasks if t.step is not None]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda t: (
            t.status is not TaskStatus.OVERDUE,
            t.step.due is None if t.step else True,
            (t.step.due if t.step and t.step.due else date.max),
            order[t.pillar],
        ),
    )
    return best.step
