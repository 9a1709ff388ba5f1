"""Booking the standardized tests: who may book which test, which attempt, the 20-minute hold and
the cancellation terms (product defaults: free up to 7 days before the session).

The person below is obliged, signed the contract on 15 March 2024 and looks at the portal on
1 September 2024 unless a case says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.b1 import B1_BOOKABLE, b1_status
from portal.domain.booking_rules import (
    BRUSSELS,
    CancelTerms,
    Refusal,
    Right,
    attempt_number,
    booking_right,
    booking_rights,
    cancel_terms,
    hold_active,
    hold_expires_at,
)
from portal.domain.model import (
    Fact,
    FactKind,
    Level,
    Obligation,
    PeriodKind,
    PersonFacts,
    Pillar,
    Protection,
    Register,
    Situation,
    TestKind,
)
from portal.domain.rules import RuleSet

RULES = RuleSet(effective_from=date(2022, 1, 1), version="test")
SIGNED = date(2024, 3, 15)
TODAY = date(2024, 9, 1)

MO, EXEMPTION, NT2, B1 = TestKind.MO, TestKind.MO_EXEMPTION, TestKind.NT2, TestKind.B1_ORAL


def result(test: TestKind, on: date, passed: bool, level: Level | None = None) -> Fact:
    return Fact(FactKind.TEST_RESULT, on, test=test, passed=passed, level=level)


def course(on: date) -> Fact:
    return Fact(FactKind.MO_COURSE_FOLLOWED, on)


def module(on: date) -> Fact:
    return Fact(FactKind.NT2_MODULE_FOLLOWED, on)


def uitgeleerd(pillar: Pillar, on: date = date(2024, 8, 1)) -> Fact:
    return Fact(FactKind.UITGELEERD, on, pillar=pillar)


COURSE = course(date(2024, 5, 1))
MO_FAIL = result(MO, date(2024, 6, 1), passed=False)
REPEAT_COURSE = course(date(2024, 7, 15))
MO_PASS = result(MO, date(2024, 6, 1), passed=True)
EXEMPTION_FAIL = result(EXEMPTION, date(2024, 4, 20), passed=False)
EXEMPTION_PASS = result(EXEMPTION, date(2024, 4, 20), passed=True)
NT2_FAIL = result(NT2, date(2024, 6, 10), passed=False, level=Level.A2)
NT2_A1_PASS = result(NT2, date(2024, 5, 10), passed=True, level=Level.A1)
NT2_ADAPTED_PASS = result(NT2, date(2024, 7, 10), passed=True, level=Level.A2_ADAPTED)
NT2_A2_PASS = result(NT2, date(2024, 7, 10), passed=True, level=Level.A2)


def person(
    *facts: Fact,
    register: Register = Register.POPULATION,
    obligation: Obligation = Obligation.OBLIGED,
    protection: Protection = Protection.NOT_APPLICABLE,
    signed: date | None = SIGNED,
    nt2_target: Level = Level.A2,
) -> PersonFacts:
    return PersonFacts(
        birth_date=date(1990, 5, 10),
        register=register,
        obligation=obligation,
        protection=protection,
        nt2_target=nt2_target,
        contract_signed_on=signed,
        facts=facts,
    )


# B1 oral follow-up: works at intake (MO and NT2 are the required pillars), attest on
# 10 January 2025 (the NT2 pass); the 24-month window runs to 10 January 2027. Without a spell of
# 6 uninterrupted months of work, training or study, B1 is owed once no such spell fits any more.
B1_ATTEST = date(2025, 1, 10)
B1_OWED_DAY = date(2026, 8, 1)
B1_PASSES = (
    result(MO, date(2024, 6, 1), passed=True),
    result(NT2, B1_ATTEST, passed=True, level=Level.A2),
)
SIX_MONTHS_WORK = Fact(
    FactKind.PERIOD, date(2025, 2, 1), period_kind=PeriodKind.WORK, until=date(2025, 9, 1)
)


def b1_person(*facts: Fact, obligation: Obligation = Obligation.OBLIGED) -> PersonFacts:
    return PersonFacts(
        birth_date=date(1990, 5, 10),
        register=Register.POPULATION,
        obligation=obligation,
        situation=Situation.WORKS,
        contract_signed_on=SIGNED,
        facts=B1_PASSES + facts,
    )


NONE: frozenset[TestKind] = frozenset()

# (test, person, today, screened, active bookings, refusal or None if allowed, attempt)
CASES = [
    # -- MO test
    pytest.param(MO, person(COURSE), TODAY, False, NONE, None, 1,
                 id="MO test after the course is followed: allowed, attempt 1"),
    pytest.param(MO, person(), TODAY, False, NONE, Refusal.COURSE_NOT_FOLLOWED, 1,
                 id="MO test before the course is followed: refused"),
    pytest.param(MO, person(course(date(2024, 9, 2))), TODAY, False, NONE,
                 Refusal.COURSE_NOT_FOLLOWED, 1,
                 id="MO test with the course recorded for tomorrow: refused (later facts do not count)"),
    pytest.param(MO, person(COURSE, MO_FAIL), TODAY, False, NONE,
                 Refusal.REPEAT_COURSE_NOT_FOLLOWED, 2,
                 id="MO retake after a fail without the repeat course: refused"),
    pytest.param(MO, person(COURSE, MO_FAIL, REPEAT_COURSE), TODAY, False, NONE, None, 2,
                 id="MO retake after the repeat course: allowed, attempt 2"),
    pytest.param(MO, person(COURSE, MO_FAIL, course(MO_FAIL.on)), TODAY, False, NONE,
                 Refusal.REPEAT_COURSE_NOT_FOLLOWED, 2,
                 id="MO retake with a course dated on the day of the fail only: refused"),
    pytest.param(MO, person(COURSE, MO_FAIL, REPEAT_COURSE, result(MO, date(2024, 8, 1), False)),
                 TODAY, False, NONE, Refusal.REPEAT_COURSE_NOT_FOLLOWED, 3,
                 id="MO third attempt after a second fail, no course since: refused"),
    pytest.param(MO, person(COURSE, MO_FAIL, REPEAT_COURSE), date(2024, 7, 14), False, NONE,
                 Refusal.REPEAT_COURSE_NOT_FOLLOWED, 2,
                 id="MO retake the day before the repeat course is followed: refused"),
    pytest.param(MO, person(MO_FAIL), TODAY, False, NONE, Refusal.REPEAT_COURSE_NOT_FOLLOWED, 2,
                 id="MO retake after a fail with no course recorded at all: the repeat course"),
    pytest.param(MO, person(EXEMPTION_FAIL, COURSE), TODAY, False, NONE, None, 1,
                 id="MO test after a failed exemption test and the course: allowed, attempt 1"),
    pytest.param(MO, person(COURSE, MO_PASS), TODAY, False, NONE, Refusal.PASSED_ALREADY, 2,
                 id="MO test after an MO pass: refused"),
    pytest.param(MO, person(EXEMPTION_PASS), TODAY, False, NONE, Refusal.PASSED_ALREADY, 1,
                 id="MO test after an exemption test pass: refused"),
    pytest.param(MO, person(COURSE), TODAY, False, frozenset({MO}), Refusal.ACTIVE_BOOKING, 1,
                 id="a second MO booking while one is active: refused"),
    pytest.param(MO, person(COURSE), TODAY, False, frozenset({EXEMPTION}),
                 Refusal.ACTIVE_BOOKING, 1,
                 id="MO test while an exemption test booking is active: refused (same test)"),
    pytest.param(MO, person(COURSE), TODAY, False, frozenset({NT2, B1}), None, 1,
                 id="MO test while NT2 and B1 bookings are active: allowed"),
    pytest.param(MO, person(COURSE, MO_FAIL, uitgeleerd(Pillar.MO)), TODAY, False, NONE,
                 Refusal.UITGELEERD, 2, id="uitgeleerd MO: no test"),
    # -- MO exemption test
    pytest.param(EXEMPTION, person(), TODAY, True, NONE, None, 1,
                 id="exemption test after screening, at the start: allowed, attempt 1"),
    pytest.param(EXEMPTION, person(), TODAY, False, NONE, Refusal.NOT_SCREENED, 1,
                 id="exemption test without screening: refused"),
    pytest.param(EXEMPTION, person(COURSE), TODAY, True, NONE, Refusal.EXEMPTION_ONLY_AT_START, 1,
                 id="exemption test once the MO course is followed: refused"),
    pytest.param(EXEMPTION, person(COURSE), TODAY, False, NONE, Refusal.EXEMPTION_ONLY_AT_START, 1,
                 id="exemption test, course followed and not screened: only at the start (screening would not help)"),
    pytest.param(EXEMPTION, person(EXEMPTION_FAIL), TODAY, True, NONE,
                 Refusal.EXEMPTION_ONLY_AT_START, 2,
                 id="exemption test after a failed exemption test: refused"),
    pytest.param(EXEMPTION, person(MO_FAIL), TODAY, True, NONE, Refusal.EXEMPTION_ONLY_AT_START, 1,
                 id="exemption test after a failed MO test: refused"),
    pytest.param(EXEMPTION, person(course(date(2024, 9, 2))), TODAY, True, NONE, None, 1,
                 id="exemption test with the course recorded for tomorrow: allowed today"),
    pytest.param(EXEMPTION, person(EXEMPTION_PASS), TODAY, True, NONE, Refusal.PASSED_ALREADY, 2,
                 id="exemption test after an exemption pass: refused"),
    pytest.param(EXEMPTION, person(), TODAY, True, frozenset({MO}), Refusal.ACTIVE_BOOKING, 1,
                 id="exemption test while an MO test booking is active: refused"),
    pytest.param(EXEMPTION, person(uitgeleerd(Pillar.MO)), TODAY, True, NONE,
                 Refusal.UITGELEERD, 1, id="uitgeleerd MO: no exemption test either"),
    # -- NT2 test
    pytest.param(NT2, person(), TODAY, False, NONE, None, 1,
                 id="NT2 test: allowed, attempt 1"),
    pytest.param(NT2, person(NT2_FAIL), TODAY, False, NONE, Refusal.REPEAT_MODULE_NOT_FOLLOWED, 2,
                 id="NT2 retest after a fail without a module since: refused"),
    pytest.param(NT2, person(NT2_FAIL, module(date(2024, 7, 1))), TODAY, False, NONE, None, 2,
                 id="NT2 retest after a fail and a module followed since: allowed, attempt 2"),
    pytest.param(NT2, person(module(date(2024, 5, 1)), NT2_FAIL), TODAY, False, NONE,
                 Refusal.REPEAT_MODULE_NOT_FOLLOWED, 2,
                 id="NT2 retest: a module before the fail does not count"),
    pytest.param(NT2, person(NT2_FAIL, module(NT2_FAIL.on)), TODAY, False, NONE,
                 Refusal.REPEAT_MODULE_NOT_FOLLOWED, 2,
                 id="NT2 retest: a module on the day of the fail is the earlier one"),
    pytest.param(NT2, person(NT2_FAIL, module(date(2024, 9, 2))), TODAY, False, NONE,
                 Refusal.REPEAT_MODULE_NOT_FOLLOWED, 2,
                 id="NT2 retest: a module recorded for tomorrow does not count yet"),
    pytest.param(NT2, person(NT2_FAIL, module(date(2024, 7, 1)),
                             result(NT2, date(2024, 8, 1), passed=False, level=Level.A2)),
                 TODAY, False, NONE, Refusal.REPEAT_MODULE_NOT_FOLLOWED, 3,
                 id="NT2: a second fail needs another module after it"),
    pytest.param(NT2, person(module(date(2024, 5, 1))), TODAY, False, NONE, None, 1,
                 id="NT2 first test with a module: allowed"),
    pytest.param(NT2, person(NT2_A1_PASS), TODAY, False, NONE, None, 2,
                 id="NT2 after an A1 pass (below the A2 target): allowed, attempt 2"),
    pytest.param(NT2, person(NT2_A2_PASS), TODAY, False, NONE, Refusal.PASSED_ALREADY, 2,
                 id="NT2 after an A2 pass: refused"),
    pytest.param(NT2, person(NT2_ADAPTED_PASS), TODAY, False, NONE, None, 2,
                 id="NT2 after an adapted-A2 pass when the target is A2: allowed"),
    pytest.param(NT2, person(NT2_ADAPTED_PASS, nt2_target=Level.A2_ADAPTED), TODAY, False, NONE,
                 Refusal.PASSED_ALREADY, 2,
                 id="NT2 with the adapted target after an adapted-A2 pass: refused"),
    pytest.param(NT2, person(NT2_A2_PASS, nt2_target=Level.A2_ADAPTED), TODAY, False, NONE,
                 Refusal.PASSED_ALREADY, 2,
                 id="NT2 with the adapted target after an A2 pass (higher): refused"),
    pytest.param(NT2, person(NT2_A2_PASS), date(2024, 7, 9), False, NONE, None, 1,
                 id="NT2 the day before the A2 pass: allowed"),
    pytest.param(NT2, person(NT2_FAIL, uitgeleerd(Pillar.NT2)), TODAY, False, NONE,
                 Refusal.UITGELEERD, 2, id="uitgeleerd NT2: no test"),
    pytest.param(NT2, person(uitgeleerd(Pillar.NT2, date(2024, 9, 2))), TODAY, False, NONE,
                 None, 1, id="uitgeleerd NT2 recorded for tomorrow: not yet"),
    pytest.param(MO, person(COURSE, uitgeleerd(Pillar.NT2)), TODAY, False, NONE, None, 1,
                 id="uitgeleerd NT2 does not stop the MO test"),
    pytest.param(NT2, person(), TODAY, False, frozenset({NT2}), Refusal.ACTIVE_BOOKING, 1,
                 id="a second NT2 booking while one is active: refused"),
    pytest.param(NT2, person(obligation=Obligation.VOLUNTARY), TODAY, False, NONE, None, 1,
                 id="voluntary person: NT2 test allowed like an obliged one"),
    # -- not in the trajectory
    pytest.param(NT2, person(protection=Protection.PENDING), TODAY, False, NONE,
                 Refusal.NOT_IN_TRAJECTORY, 1, id="pending applicant: not in trajectory"),
    pytest.param(NT2, person(register=Register.WAITING), TODAY, False, NONE,
                 Refusal.NOT_IN_TRAJECTORY, 1, id="waiting register (NT2 only): not in trajectory"),
    pytest.param(MO, person(COURSE, register=Register.NONE), TODAY, False, NONE,
                 Refusal.NOT_IN_TRAJECTORY, 1, id="not registered: not in trajectory"),
    pytest.param(NT2, person(signed=None), TODAY, False, NONE, Refusal.NOT_IN_TRAJECTORY, 1,
                 id="no contract signed: not in trajectory"),
    pytest.param(NT2, person(signed=date(2024, 9, 2)), TODAY, False, NONE,
                 Refusal.NOT_IN_TRAJECTORY, 1, id="contract signed tomorrow: not yet in trajectory"),
    pytest.param(NT2, person(signed=TODAY), TODAY, False, NONE, None, 1,
                 id="contract signed today: NT2 test allowed"),
    # -- order of the checks
    pytest.param(NT2, person(uitgeleerd(Pillar.NT2), protection=Protection.PENDING), TODAY, False,
                 frozenset({NT2}), Refusal.NOT_IN_TRAJECTORY, 1,
                 id="order: not in trajectory before uitgeleerd and an active booking"),
    pytest.param(NT2, person(NT2_A2_PASS, uitgeleerd(Pillar.NT2)), TODAY, False, NONE,
                 Refusal.UITGELEERD, 2, id="order: uitgeleerd before passed already"),
    pytest.param(MO, person(COURSE, MO_PASS), TODAY, False, frozenset({MO}),
                 Refusal.PASSED_ALREADY, 2, id="order: passed already before an active booking"),
    pytest.param(MO, person(), TODAY, False, frozenset({MO}), Refusal.ACTIVE_BOOKING, 1,
                 id="order: an active booking before the course condition"),
    # -- B1 oral test
    pytest.param(B1, b1_person(), B1_OWED_DAY, False, NONE, None, 1,
                 id="B1 oral when owed: allowed, attempt 1"),
    pytest.param(B1, b1_person(result(B1, date(2026, 8, 1), False)), date(2026, 9, 1), False,
                 NONE, None, 2, id="B1 oral retake after a fail, still owed: allowed, attempt 2"),
    pytest.param(B1, b1_person(SIX_MONTHS_WORK), B1_OWED_DAY, False, NONE, Refusal.B1_NOT_OWED, 1,
                 id="B1 oral when not owed: refused"),
    pytest.param(B1, b1_person(), date(2025, 3, 1), False, NONE, None, 1,
                 id="B1 oral from the attest on, while still open: allowed"),
    pytest.param(B1, b1_person(), B1_ATTEST, False, NONE, None, 1,
                 id="B1 oral on the attest day: allowed"),
    pytest.param(B1, b1_person(obligation=Obligation.VOLUNTARY), B1_OWED_DAY, False, NONE,
                 Refusal.B1_NOT_OWED, 1, id="B1 oral for a voluntary person: refused"),
    pytest.param(B1, person(COURSE), TODAY, False, NONE, Refusal.B1_NOT_OWED, 1,
                 id="B1 oral before the attest: refused"),
    pytest.param(B1, b1_person(result(B1, date(2026, 8, 1), True)), date(2026, 9, 1), False,
                 NONE, Refusal.PASSED_ALREADY, 2, id="B1 oral after a B1 pass: refused"),
    pytest.param(B1, b1_person(), B1_OWED_DAY, False, frozenset({B1}), Refusal.ACTIVE_BOOKING, 1,
                 id="a second B1 oral booking while one is active: refused"),
]  # fmt: skip


@pytest.mark.parametrize(("test", "p", "today", "screened", "active", "refusal", "attempt"), CASES)
def test_booking_right_follows_the_policy(
    test: TestKind,
    p: PersonFacts,
    today: date,
    screened: bool,
    active: frozenset[TestKind],
    refusal: Refusal | None,
    attempt: int,
) -> None:
    right = booking_right(test, p, today, screened=screened, active_tests=active, rules=RULES)
    assert right == Right(
        test=test,
        allowed=refusal is None,
        refusal=refusal,
        attempt=attempt,
        level=p.nt2_target if test is NT2 else None,
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(Level.A2, Level.A2, id="NT2 test at the A2 target"),
        pytest.param(Level.A2_ADAPTED, Level.A2_ADAPTED, id="low-literate: at the adapted level"),
    ],
)
def test_nt2_right_carries_the_target_level(target: Level, expected: Level) -> None:
    right = booking_right(NT2, person(nt2_target=target), TODAY, screened=False, active_tests=NONE)
    assert right.allowed
    assert right.level is expected


def test_booking_rights_lists_every_test_in_testkind_order() -> None:
    rights = booking_rights(person(COURSE), TODAY, screened=True, active_tests=NONE)
    assert [r.test for r in rights] == list(TestKind)
    assert [r.refusal for r in rights] == [
        None,  # MO: course followed
        Refusal.EXEMPTION_ONLY_AT_START,  # the course is followed
        None,  # NT2
        Refusal.B1_NOT_OWED,  # no attest yet
    ]


def test_rules_default_to_those_in_force_at_signing() -> None:
    p = b1_person()
    assert booking_right(B1, p, B1_OWED_DAY, screened=False, active_tests=NONE) == booking_right(
        B1, p, B1_OWED_DAY, screened=False, active_tests=NONE, rules=RULES
    )


def test_b1_uses_the_rules_passed_in() -> None:
    # with 3 uninterrupted months, a 3-month job after the attest makes B1 not owed
    three = RuleSet(effective_from=date(2022, 1, 1), version="three", b1_uninterrupted_months=3)
    job = Fact(
        FactKind.PERIOD, date(2025, 2, 1), period_kind=PeriodKind.WORK, until=date(2025, 4, 30)
    )
    p = b1_person(job)
    assert booking_right(B1, p, B1_OWED_DAY, screened=False, active_tests=NONE).allowed
    right = booking_right(B1, p, B1_OWED_DAY, screened=False, active_tests=NONE, rules=three)
    assert right.refusal is Refusal.B1_NOT_OWED


# ---------------------------------------------------------------- attempt numbers


def test_attempt_number_counts_results_of_that_test_up_to_today() -> None:
    facts = [
        result(MO, date(2024, 6, 1), passed=False),
        result(MO, date(2024, 8, 1), passed=False),
        result(MO, date(2024, 9, 2), passed=False),  # tomorrow: does not count
        result(EXEMPTION, date(2024, 4, 1), passed=False),  # another test
        result(NT2, date(2024, 6, 1), passed=True, level=Level.A1),
        COURSE,
    ]
    assert attempt_number(MO, facts, TODAY) == 3
    assert attempt_number(EXEMPTION, facts, TODAY) == 2
    assert attempt_number(NT2, facts, TODAY) == 2
    assert attempt_number(B1, facts, TODAY) == 1
    assert attempt_number(MO, iter(facts), TODAY) == 3  # any iterable


# ---------------------------------------------------------------- holds


def test_a_hold_lasts_twenty_minutes_by_default() -> None:
    held = datetime(2026, 3, 16, 10, 0, tzinfo=BRUSSELS)
    assert RuleSet(effective_from=date(2022, 1, 1), version="x").booking_hold_minutes == 20
    assert hold_expires_at(held, RULES) == datetime(2026, 3, 16, 10, 20, tzinfo=BRUSSELS)
    expires = hold_expires_at(held, RULES)
    assert hold_active(expires, datetime(2026, 3, 16, 10, 19, 59, 999999, tzinfo=BRUSSELS))
    assert not hold_active(expires, expires)
    assert not hold_active(expires, datetime(2026, 3, 16, 9, 20, tzinfo=UTC))  # 10:20 Brussels


def test_a_hold_across_the_spring_dst_change_lasts_twenty_real_minutes() -> None:
    held = datetime(2026, 3, 29, 1, 50, tzinfo=BRUSSELS)  # 01:50 CET; 02:00 CET → 03:00 CEST
    assert hold_expires_at(held, RULES) == datetime(2026, 3, 29, 1, 10, tzinfo=UTC)
    assert hold_expires_at(held, RULES).astimezone(BRUSSELS).hour == 3


def test_the_hold_length_is_a_setting() -> None:
    rules = RuleSet(effective_from=date(2022, 1, 1), version="x", booking_hold_minutes=45)
    held = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert hold_expires_at(held, rules) == datetime(2026, 3, 16, 10, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: hold_expires_at(datetime(2026, 3, 16, 10, 0), RULES), id="hold"),
        pytest.param(
            lambda: hold_active(datetime(2026, 3, 16, 10, 0, tzinfo=UTC), datetime(2026, 3, 16)),
            id="active",
        ),
        pytest.param(
            lambda: cancel_terms(datetime(2026, 3, 16), datetime(2026, 3, 1, tzinfo=UTC), RULES),
            id="cancel",
        ),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# ---------------------------------------------------------------- cancellation

SESSION = datetime(2026, 3, 21, 9, 0, tzinfo=BRUSSELS)  # Saturday 21 March, 09:00


def brussels(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(brussels(2026, 3, 1, 12, 0), CancelTerms.FREE, id="three weeks before: free"),
        pytest.param(brussels(2026, 3, 14, 0, 0), CancelTerms.FREE,
                     id="the 7th day before, at midnight: free"),
        pytest.param(brussels(2026, 3, 14, 23, 59, 59), CancelTerms.FREE,
                     id="the 7th day before, late evening (less than 7x24h left): still free"),
        pytest.param(brussels(2026, 3, 15, 0, 0), CancelTerms.NO_REFUND,
                     id="the 6th day before, at midnight: no refund"),
        pytest.param(datetime(2026, 3, 14, 23, 30, tzinfo=UTC), CancelTerms.NO_REFUND,
                     id="23:30 UTC is already the 15th in Brussels: no refund"),
        pytest.param(datetime(2026, 3, 14, 22, 59, tzinfo=UTC), CancelTerms.FREE,
                     id="22:59 UTC is still the 14th in Brussels: free"),
        pytest.param(brussels(2026, 3, 21, 8, 59, 59), CancelTerms.NO_REFUND,
                     id="a second before the session: no refund"),
        pytest.param(brussels(2026, 3, 21, 9, 0), CancelTerms.TOO_LATE,
                     id="the session has started: too late"),
        pytest.param(brussels(2026, 3, 22, 9, 0), CancelTerms.TOO_LATE, id="the day after: too late"),
    ],
)  # fmt: skip
def test_cancel_terms_count_brussels_calendar_days(now: datetime, expected: CancelTerms) -> None:
    assert cancel_terms(SESSION, now, RULES) is expected


def test_cancel_terms_use_brussels_days_whatever_zone_the_session_is_given_in() -> None:
    session_utc = SESSION.astimezone(UTC)
    assert cancel_terms(session_utc, brussels(2026, 3, 14, 23, 59), RULES) is CancelTerms.FREE
    assert cancel_terms(session_utc, brussels(2026, 3, 15, 0, 0), RULES) is CancelTerms.NO_REFUND


def test_the_free_cancellation_period_is_a_setting() -> None:
    rules = RuleSet(effective_from=date(2022, 1, 1), version="x", free_cancellation_days=2)
    assert RULES.free_cancellation_days == 7
    assert cancel_terms(SESSION, brussels(2026, 3, 19, 23, 0), rules) is CancelTerms.FREE
    assert cancel_terms(SESSION, brussels(2026, 3, 20, 0, 0), rules) is CancelTerms.NO_REFUND


# ---------------------------------------------------------------- properties

ZONES = st.sampled_from(
    [
        UTC,
        BRUSSELS,
        ZoneInfo("America/New_York"),
        ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
        timezone(timedelta(hours=5, minutes=30)),
    ]
)
AWARE = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
SPAN = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real elapsed time (on the UTC timeline: a DST change does not bend it)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


@given(held=AWARE)
def test_a_hold_ends_exactly_twenty_minutes_later(held: datetime) -> None:
    expires = hold_expires_at(held, RULES)
    assert elapsed(held, expires) == timedelta(minutes=20)
    assert expires.tzinfo is held.tzinfo


@given(held=AWARE, after=SPAN, before=st.timedeltas(min_value=timedelta(microseconds=1),
                                                   max_value=timedelta(minutes=20)))  # fmt: skip
def test_a_hold_is_active_until_its_expiry_instant(
    held: datetime, after: timedelta, before: timedelta
) -> None:
    expires = hold_expires_at(held, RULES)
    assert not hold_active(expires, expires.astimezone(UTC) + after)
    assert hold_active(expires, expires.astimezone(UTC) - before)


_ORDER = {CancelTerms.FREE: 0, CancelTerms.NO_REFUND: 1, CancelTerms.TOO_LATE: 2}


@given(starts=AWARE, now=AWARE, later_by=SPAN)
def test_cancel_terms_never_improve_as_time_passes(
    starts: datetime, now: datetime, later_by: timedelta
) -> None:
    earlier = cancel_terms(starts, now, RULES)
    later = cancel_terms(starts, now.astimezone(UTC) + later_by, RULES)
    assert _ORDER[later] >= _ORDER[earlier]


@given(starts=AWARE, extra=SPAN)
def test_cancelling_at_least_eight_days_before_is_free(starts: datetime, extra: timedelta) -> None:
    now = starts.astimezone(UTC) - timedelta(days=8) - extra
    assert cancel_terms(starts, now, RULES) is CancelTerms.FREE


@given(starts=AWARE, now=AWARE)
def test_the_started_session_is_too_late_and_only_that(starts: datetime, now: datetime) -> None:
    too_late = cancel_terms(starts, now, RULES) is CancelTerms.TOO_LATE
    assert too_late == (elapsed(starts, now) >= timedelta(0))


DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))
LEVELS = st.sampled_from(list(Level))
FACTS = st.one_of(
    st.builds(
        Fact,
        kind=st.just(FactKind.TEST_RESULT),
        on=DAYS,
        test=st.sampled_from(list(TestKind)),
        passed=st.booleans(),
        level=st.one_of(st.none(), LEVELS),
    ),
    st.builds(Fact, kind=st.just(FactKind.MO_COURSE_FOLLOWED), on=DAYS),
    st.builds(Fact, kind=st.just(FactKind.NT2_MODULE_FOLLOWED), on=DAYS),
    st.builds(
        Fact,
        kind=st.just(FactKind.UITGELEERD),
        on=DAYS,
        pillar=st.sampled_from([Pillar.MO, Pillar.NT2]),
    ),
    st.builds(
        Fact,
        kind=st.just(FactKind.PERIOD),
        on=DAYS,
        period_kind=st.sampled_from(list(PeriodKind)),
        until=st.one_of(st.none(), DAYS),
    ),
)


@given(
    test=st.sampled_from(list(TestKind)),
    facts=st.lists(FACTS, max_size=8),
    more=st.lists(FACTS, max_size=8),
    today=DAYS,
)
def test_attempt_numbers_never_decrease_as_facts_are_added(
    test: TestKind, facts: list[Fact], more: list[Fact], today: date
) -> None:
    before = attempt_number(test, facts, today)
    assert before >= 1
    assert attempt_number(test, facts + more, today) >= before
    assert attempt_number(test, facts, today + timedelta(days=1)) >= before


PEOPLE = st.builds(
    PersonFacts,
    birth_date=st.dates(min_value=date(1950, 1, 1), max_value=date(2008, 1, 1)),
    register=st.sampled_from(list(Register)),
    obligation=st.sampled_from(list(Obligation)),
    protection=st.sampled_from(list(Protection)),
    situation=st.sampled_from(list(Situation)),
    nt2_target=st.sampled_from([Level.A2, Level.A2_ADAPTED]),
    contract_signed_on=st.one_of(st.none(), DAYS),
    facts=st.lists(FACTS, max_size=8).map(tuple),
)


@given(
    p=PEOPLE,
    today=DAYS,
    screened=st.booleans(),
    active=st.frozensets(st.sampled_from(list(TestKind))),
)
def test_a_right_is_either_allowed_or_refused_with_a_reason(
    p: PersonFacts, today: date, screened: bool, active: frozenset[TestKind]
) -> None:
    rights = booking_rights(p, today, screened=screened, active_tests=active, rules=RULES)
    assert [r.test for r in rights] == list(TestKind)
    for right in rights:
        assert right.allowed == (right.refusal is None)
        assert right.attempt == attempt_number(right.test, p.facts, today)
        assert right.level == (p.nt2_target if right.test is NT2 else None)
        if right.allowed:
            assert right.test not in active
        if right.test is B1 and right.refusal in (None, Refusal.B1_NOT_OWED):
            # bookable exactly while the follow-up is open or owed (from the attest on)
            assert right.allowed == (b1_status(p, today, RULES) in B1_BOOKABLE)


@pytest.mark.parametrize(
    ("test", "level", "target", "fits"),
    [
        (TestKind.NT2, "A2", "A2", True),
        (TestKind.NT2, "A2_adapted", "A2", False),  # the regular track: not the adapted session
        (TestKind.NT2, "A2", "A2_adapted", False),  # the adapted track: not the regular session
        (TestKind.NT2, "A2_adapted", "A2_adapted", True),
        (TestKind.NT2, "A1", "A2", False),
        (TestKind.NT2, None, "A2_adapted", True),  # a session without a level fits everyone
        (TestKind.MO, "A2", "A2_adapted", True),  # only NT2 has levels to match
        (TestKind.B1_ORAL, "B1", "A2", True),
    ],
)
def test_session_fits_the_persons_nt2_level(test, level, target, fits):
    from portal.domain.booking_rules import session_fits

    assert session_fits(test, level, target) is fits


@given(p=PEOPLE, today=DAYS)
def test_an_nt2_retest_needs_a_module_after_the_last_fail_unless_uitgeleerd(
    p: PersonFacts, today: date
) -> None:
    right = booking_right(NT2, p, today, screened=False, active_tests=NONE, rules=RULES)
    facts = [f for f in p.facts if f.on <= today]
    fails = [
        f.on
        for f in facts
        if f.kind is FactKind.TEST_RESULT and f.test is NT2 and f.passed is False
    ]
    module_after = bool(fails) and any(
        f.kind is FactKind.NT2_MODULE_FOLLOWED and f.on > max(fails) for f in facts
    )
    if right.refusal is Refusal.REPEAT_MODULE_NOT_FOLLOWED:
        assert fails and not module_after
    elif right.allowed and fails:
        assert module_after
    # a module followed the day after the last fail cures it, from that day on
    if right.refusal is Refusal.REPEAT_MODULE_NOT_FOLLOWED:
        day = max(fails) + timedelta(days=1)
        cured = replace(p, facts=(*p.facts, Fact(FactKind.NT2_MODULE_FOLLOWED, day)))
        later = max(today, day)
        again = booking_right(NT2, cured, later, screened=False, active_tests=NONE, rules=RULES)
        assert again.refusal is not Refusal.REPEAT_MODULE_NOT_FOLLOWED or any(
            f.kind is FactKind.TEST_RESULT and f.test is NT2 and f.passed is False and f.on > today
            for f in p.facts
        )
