"""The guide: each task's status tells the truth about everything done, and one next step."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.guide import (
    Doings,
    OpenFee,
    StepKind,
    Task,
    TaskStatus,
    task,
    tasks,
    what_now,
)
from portal.domain.model import PILLARS, Pillar, PillarStatus
from portal.domain.pillars import PillarView

DEADLINE = date(2027, 3, 1)
TODAY = date(2026, 12, 14)


def view(
    pillar: Pillar,
    status: PillarStatus = PillarStatus.NOT_STARTED,
    hours: int = 0,
    deadline: date | None = DEADLINE,
) -> PillarView:
    met = TODAY if status in {PillarStatus.DONE, PillarStatus.EXEMPT} else None
    required = status is not PillarStatus.NOT_REQUIRED
    return PillarView(pillar, status, required, deadline if required else None, met, hours)


MO_FEE = OpenFee(Pillar.MO, "mo_course:1", 36000, date(2027, 1, 10))

CASES = [
    # (what the person did, pillar, rules' status) → (status, step)
    ("nothing yet", Doings(), view(Pillar.MO), TaskStatus.NOT_STARTED, StepKind.FOLLOW_MO),
    (
        "course fee open",
        Doings(course_modules_required=8, open_fees=(MO_FEE,)),
        view(Pillar.MO),
        TaskStatus.NOT_STARTED,
        StepKind.PAY,
    ),
    (
        "course paid, not begun",
        Doings(course_modules_required=8),
        view(Pillar.MO),
        TaskStatus.IN_PROGRESS,
        StepKind.START_COURSE,
    ),
    (
        "course paid and one module done (the issue's 'Nog niet begonnen')",
        Doings(course_modules_required=8, course_modules_done=1, next_module="2"),
        view(Pillar.MO),
        TaskStatus.IN_PROGRESS,
        StepKind.CONTINUE_COURSE,
    ),
    (
        "course done, may book",
        Doings(course_modules_required=8, course_modules_done=8, may_book=frozenset({Pillar.MO})),
        view(Pillar.MO, PillarStatus.IN_PROGRESS),
        TaskStatus.IN_PROGRESS,
        StepKind.BOOK_TEST,
    ),
    (
        "test booked",
        Doings(booked={Pillar.MO: date(2027, 1, 20)}),
        view(Pillar.MO, PillarStatus.IN_PROGRESS),
        TaskStatus.TEST_BOOKED,
        StepKind.GO_TO_TEST,
    ),
    (
        "20 hours waiting at the municipality",
        Doings(hours_waiting=20),
        view(Pillar.PARTICIPATION),
        TaskStatus.WAITING,
        StepKind.RECORD_HOURS,
    ),
    (
        "40 hours waiting: nothing to do but wait",
        Doings(hours_waiting=24),
        view(Pillar.PARTICIPATION, PillarStatus.IN_PROGRESS, hours=16),
        TaskStatus.WAITING,
        None,
    ),
    (
        "the municipality asked for more: the person's turn, not waiting",
        Doings(hours_waiting=12, hours_asked=True),
        view(Pillar.PARTICIPATION, PillarStatus.IN_PROGRESS, hours=30),
        TaskStatus.IN_PROGRESS,
        StepKind.ANSWER_MUNICIPALITY,
    ),
    (
        "a draft",
        Doings(hours_in_draft=True),
        view(Pillar.PARTICIPATION),
        TaskStatus.IN_PROGRESS,
        StepKind.RECORD_HOURS,
    ),
    ("VDAB", Doings(), view(Pillar.VDAB), TaskStatus.NOT_STARTED, StepKind.REGISTER_VDAB),
    (
        "NT2 module followed",
        Doings(nt2_modules_followed=1),
        view(Pillar.NT2),
        TaskStatus.IN_PROGRESS,
        StepKind.FOLLOW_NT2,
    ),
    (
        "overdue stays overdue, with its step",
        Doings(hours_waiting=8),
        view(Pillar.PARTICIPATION, PillarStatus.OVERDUE),
        TaskStatus.OVERDUE,
        StepKind.RECORD_HOURS,
    ),
    (
        "done",
        Doings(open_fees=(MO_FEE,)),
        view(Pillar.MO, PillarStatus.DONE),
        TaskStatus.DONE,
        None,
    ),
    ("exempt", Doings(), view(Pillar.VDAB, PillarStatus.EXEMPT), TaskStatus.EXEMPT, None),
    (
        "not required",
        Doings(),
        view(Pillar.VDAB, PillarStatus.NOT_REQUIRED),
        TaskStatus.NOT_REQUIRED,
        None,
    ),
    (
        "suspended",
        Doings(may_book=frozenset({Pillar.MO})),
        view(Pillar.MO, PillarStatus.SUSPENDED),
        TaskStatus.SUSPENDED,
        None,
    ),
]


@pytest.mark.parametrize(
    ("doings", "pillar_view", "status", "step"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_status_and_step(doings, pillar_view, status, step):
    result = task(pillar_view, doings)
    assert result.status is status
    assert (result.step.kind if result.step else None) is step


def test_continue_names_the_next_module():
    result = task(
        view(Pillar.MO), Doings(course_modules_required=8, course_modules_done=3, next_module="4")
    )
    assert result.step is not None and result.step.module == "4"


def test_a_fee_step_carries_its_fee_and_due_day():
    later = OpenFee(Pillar.MO, "mo_course:2", 1000, date(2027, 2, 1))
    result = task(view(Pillar.MO), Doings(open_fees=(later, MO_FEE)))
    assert result.step is not None
    assert result.step.fee == MO_FEE and result.step.due == MO_FEE.due


def test_what_now_puts_overdue_first_then_the_earliest_date():
    views = (
        view(Pillar.MO),
        view(Pillar.NT2, deadline=DEADLINE + timedelta(days=200)),
        view(Pillar.VDAB, deadline=DEADLINE - timedelta(days=40)),
        view(Pillar.PARTICIPATION),
    )
    all_tasks = tasks(views, Doings(open_fees=(MO_FEE,)))
    step = what_now(all_tasks)
    assert step is not None
    # the MO fee is due on 10 January 2027, before the VDAB deadline (20 January 2027)
    assert (step.kind, step.pillar) == (StepKind.PAY, Pillar.MO)
    overdue = (*views[:3], view(Pillar.PARTICIPATION, PillarStatus.OVERDUE))
    step = what_now(tasks(overdue, Doings(open_fees=(MO_FEE,))))
    assert step is not None and step.pillar is Pillar.PARTICIPATION


def test_nothing_left_to_do():
    done = tuple(view(p, PillarStatus.DONE) for p in PILLARS)
    assert what_now(tasks(done, Doings())) is None


# ---------------------------------------------------------------- properties

statuses = st.sampled_from(list(PillarStatus))
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31))
fees = st.builds(
    OpenFee,
    pillar=st.sampled_from(PILLARS),
    key=st.text(alphabet="abc:1", min_size=1, max_size=6),
    amount_cents=st.integers(min_value=1, max_value=100_000),
    due=st.none() | days,
)
doings_strategy = st.builds(
    Doings,
    course_modules_done=st.integers(0, 10),
    course_modules_required=st.integers(0, 10),
    next_module=st.none() | st.sampled_from(["1", "2", "9"]),
    open_fees=st.lists(fees, max_size=4).map(tuple),
    booked=st.dictionaries(st.sampled_from(PILLARS), days, max_size=2),
    may_book=st.frozensets(st.sampled_from(PILLARS)),
    hours_waiting=st.integers(0, 60),
    hours_in_draft=st.booleans(),
    hours_asked=st.booleans(),
    nt2_modules_followed=st.integers(0, 5),
)
views_strategy = st.tuples(
    *[st.builds(view, st.just(p), statuses, st.integers(0, 60), st.none() | days) for p in PILLARS]
)


@given(views_strategy, doings_strategy)
def test_met_or_suspended_tasks_have_no_step_and_the_others_do_unless_only_waiting(views, doings):
    for result in tasks(views, doings):
        if result.status in {
            TaskStatus.DONE,
            TaskStatus.EXEMPT,
            TaskStatus.NOT_REQUIRED,
            TaskStatus.SUSPENDED,
        }:
            assert result.step is None
        elif result.step is None:
            assert result.pillar is Pillar.PARTICIPATION
            assert result.hours + result.hours_waiting >= doings.hours_needed


@given(views_strategy, doings_strategy)
def test_a_task_with_any_progress_is_never_shown_as_not_started(views, doings):
    for v, result in zip(views, tasks(views, doings), strict=True):
        if result.status is TaskStatus.NOT_STARTED:
            assert v.status is PillarStatus.NOT_STARTED
            assert v.pillar not in doings.booked
            if v.pillar is Pillar.PARTICIPATION:
                assert doings.hours_waiting == 0 and not doings.hours_in_draft
            if v.pillar is Pillar.MO:
                assert doings.course_modules_done == 0


@given(views_strategy, doings_strategy)
def test_what_now_is_one_of_the_steps_and_none_is_more_urgent(views, doings):
    all_tasks: tuple[Task, ...] = tasks(views, doings)
    step = what_now(all_tasks)
    steps = [t for t in all_tasks if t.step is not None]
    if not steps:
        assert step is None
        return
    chosen = next(t for t in steps if t.step == step)
    if chosen.status is not TaskStatus.OVERDUE:
        assert all(t.status is not TaskStatus.OVERDUE for t in steps)
        if step.due is not None:
            overdue_free = [t for t in steps if t.step and t.step.due is not None]
            assert all(step.due <= t.step.due for t in overdue_free if t.step and t.step.due)
