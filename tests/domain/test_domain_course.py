"""Progress rules of the online MO course, as tables."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.course import (
    ModuleProgress,
    ModuleShape,
    counts,
    course_followed,
    current_run,
    module_complete,
    module_open,
)
from portal.domain.model import Fact, FactKind, TestKind

A = ModuleShape("a", frozenset({"l1", "l2"}), frozenset({"q1", "q2"}))
B = ModuleShape("b", frozenset({"l1"}), frozenset({"q1"}))
INTRO = ModuleShape("intro", frozenset({"l1"}), frozenset({"q1"}), free=True)
OPTIONAL = ModuleShape("extra", frozenset({"l1"}), frozenset(), required=False)


def mo_test(day, passed):
    return Fact(FactKind.TEST_RESULT, day, test=TestKind.MO, passed=passed)


@pytest.mark.parametrize(
    ("facts", "today", "run"),
    [
        pytest.param([], date(2026, 3, 1), 1, id="no test yet: the first course"),
        pytest.param(
            [mo_test(date(2026, 5, 1), False)],
            date(2026, 5, 2),
            2,
            id="failed once: a repeat course",
        ),
        pytest.param(
            [mo_test(date(2026, 5, 1), False)],
            date(2026, 4, 30),
            1,
            id="a result dated later does not count yet",
        ),
        pytest.param(
            [mo_test(date(2026, 5, 1), False), mo_test(date(2026, 8, 1), False)],
            date(2026, 9, 1),
            3,
            id="failed twice: the third run",
        ),
        pytest.param(
            [mo_test(date(2026, 5, 1), True)], date(2026, 9, 1), 1, id="passed the first time"
        ),
        pytest.param(
            [mo_test(date(2026, 5, 1), False), mo_test(date(2026, 8, 1), True)],
            date(2026, 9, 1),
            2,
            id="passed on the retake: stays in run 2",
        ),
        pytest.param(
            [Fact(FactKind.TEST_RESULT, date(2026, 5, 1), test=TestKind.NT2, passed=False)],
            date(2026, 9, 1),
            1,
            id="an NT2 fail does not repeat the MO course",
        ),
    ],
)
def test_current_run(facts, today, run):
    assert current_run(facts, today) == run


@pytest.mark.parametrize(
    ("progress", "complete"),
    [
        pytest.param(ModuleProgress(), False, id="nothing done"),
        pytest.param(
            ModuleProgress(frozenset({"l1", "l2"})),
            False,
            id="lessons read, self-check not answered",
        ),
        pytest.param(
            ModuleProgress(frozenset({"l1"}), frozenset({"q1", "q2"})), False, id="a lesson unread"
        ),
        pytest.param(
            ModuleProgress(frozenset({"l1", "l2"}), frozenset({"q1", "q2"})),
            True,
            id="all read and answered",
        ),
        pytest.param(
            ModuleProgress(frozenset({"l1", "l2", "old"}), frozenset({"q1", "q2", "q0"})),
            True,
            id="extra ids from an older version do not matter",
        ),
        pytest.param(
            ModuleProgress(frozenset(), frozenset(), completed=True),
            True,
            id="completed earlier: a new version keeps it",
        ),
    ],
)
def test_module_complete(progress, complete):
    assert module_complete(A, progress) is complete


def test_course_followed_needs_every_required_module_and_the_classroom_part():
    done = ModuleProgress(frozenset({"l1", "l2"}), frozenset({"q1", "q2"}))
    progress = {"a": done, "b": ModuleProgress(frozenset({"l1"}), frozenset({"q1"}))}
    assert course_followed([A, B, OPTIONAL], progress)
    assert not course_followed([A, B], {"a": done})
    assert not course_followed([A, B], progress, classroom_required=2, classroom_attended=1)
    assert course_followed([A, B], progress, classroom_required=2, classroom_attended=2)
    assert not course_followed([OPTIONAL], {})  # no required module: nothing to follow


@pytest.mark.parametrize(
    ("module", "fee_settled", "opens"),
    [(INTRO, False, True), (A, False, False), (A, True, True), (INTRO, True, True)],
)
def test_only_the_introduction_opens_before_the_fee(module, fee_settled, opens):
    assert module_open(module, fee_settled) is opens


def test_counts_only_required_modules():
    done = ModuleProgress(frozenset({"l1"}), frozenset({"q1"}))
    assert counts([A, B, OPTIONAL], {"b": done, "extra": done}) == (1, 2)


# ------------------------------------------------------------------ attitudes of art. 24

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from portal.domain.course import ATTITUDES, attitude_problems, attitudes_missing  # noqa: E402


@pytest.mark.parametrize(
    ("attitudes", "problems"),
    [
        pytest.param(["respect_and_solidarity"], [], id="one known attitude"),
        pytest.param(list(ATTITUDES), [], id="all five"),
        pytest.param(None, ["names no attitude"], id="missing"),
        pytest.param([], ["names no attitude"], id="empty"),
        pytest.param("learns_dutch", ["names no attitude"], id="a string, not a list"),
        pytest.param(["solidarity"], ["unknown attitude 'solidarity'"], id="unknown"),
        pytest.param(["learns_dutch", "learns_dutch"], ["names an attitude twice"], id="twice"),
    ],
)
def test_a_module_names_known_attitudes(attitudes, problems):
    assert attitude_problems(attitudes) == problems


@pytest.mark.parametrize(
    ("modules", "missing"),
    [
        pytest.param([], list(ATTITUDES), id="no module: every attitude missing"),
        pytest.param([ATTITUDES[:2], ATTITUDES[2:]], [], id="split over two modules"),
        pytest.param(
            [["open_to_values"], ["learns_dutch"]],
            ["respects_norms", "respect_and_solidarity", "adapts_conduct"],
            id="in the order of art. 24",
        ),
    ],
)
def test_the_course_covers_every_attitude(modules, missing):
    assert attitudes_missing(modules) == missing


@given(st.lists(st.lists(st.sampled_from(ATTITUDES), max_size=5), max_size=8))
def test_an_attitude_is_missing_exactly_when_no_module_names_it(modules):
    missing = attitudes_missing(modules)
    named = {a for module in modules for a in module}
    assert set(missing) == set(ATTITUDES) - named
    assert missing == [a for a in ATTITUDES if a in missing]


from portal.domain.course import picture_problems  # noqa: E402

SPRITE = frozenset({"doctor", "hospital", "bus"})
QUESTION = {"id": "q1", "choices": ["a", "b"], "correct": "a"}


@pytest.mark.parametrize(
    ("pictures", "problems"),
    [
        pytest.param(None, [], id="no pictures"),
        pytest.param({"a": "doctor", "b": "hospital"}, [], id="one for every choice"),
        pytest.param(
            {"a": "doctor", "b": "unicorn"},
            ["unknown pictogram 'unicorn' (not in the sprite)"],
            id="unknown",
        ),
        pytest.param(
            {"a": "doctor", "c": "bus"},
            ["a picture for 'c', which is not a choice"],
            id="not a choice",
        ),
        pytest.param(
            {"a": "doctor"},
            ["pictures on some choices only (every choice has one, or none has)"],
            id="some only",
        ),
        pytest.param({}, ["pictures must map each choice to a pictogram"], id="empty"),
        pytest.param(
            ["doctor", "bus"], ["pictures must map each choice to a pictogram"], id="a list"
        ),
    ],
)
def test_a_self_check_question_has_a_known_picture_for_every_choice_or_none(pictures, problems):
    question = QUESTION if pictures is None else {**QUESTION, "pictures": pictures}
    assert picture_problems(question, SPRITE) == problems
