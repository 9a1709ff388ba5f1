"""Booking the standardized tests (MO test, MO exemption test, NT2 test, B1 oral test): pure rules.

Who may book which test today, which attempt a booking would be, how long an unpaid seat is held
and on what terms a booking can be cancelled or rescheduled (product defaults: a 20-minute hold,
free up to 7 days before the session). No clock reads: `today` and `now` are parameters; every
datetime is timezone-aware. Only facts dated on or before `today` count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from portal.domain.b1 import B1_BOOKABLE, b1_status
from portal.domain.contract import facts_until, rules_for
from portal.domain.eligibility import in_trajectory
from portal.domain.model import (
    LEVEL_ORDER,
    Fact,
    FactKind,
    Level,
    PersonFacts,
    Pillar,
    TestKind,
)
from portal.domain.rules import RuleSet

#: Calendar days for the cancellation rule are Europe/Brussels days, whatever zone the inputs use.
BRUSSELS = ZoneInfo("Europe/Brussels")

_MO_TESTS = frozenset({TestKind.MO, TestKind.MO_EXEMPTION})

#: The pillar whose "uitgeleerd" ends the need for a test (B1 oral belongs to no pillar).
_PILLAR_OF: dict[TestKind, Pillar] = {
    TestKind.MO: Pillar.MO,
    TestKind.MO_EXEMPTION: Pillar.MO,
    TestKind.NT2: Pillar.NT2,
}

#: Tests that count as one "test type" for the one-active-booking rule: the MO exemption test is
#: the MO test taken at the start (§2D), so an active booking of either blocks the other.
_SAME_TEST: dict[TestKind, frozenset[TestKind]] = {
    TestKind.MO: _MO_TESTS,
    TestKind.MO_EXEMPTION: _MO_TESTS,
    TestKind.NT2: frozenset({TestKind.NT2}),
    TestKind.B1_ORAL: frozenset({TestKind.B1_ORAL}),
}


class Refusal(StrEnum):
    """Why a test cannot be booked now (the web layer translates each)."""

    NOT_IN_TRAJECTORY = "not_in_trajectory"  # NT2-only / not eligible / no signed contract
    ACTIVE_BOOKING = "active_booking"  # at most one active (held or confirmed) booking per test
    PASSED_ALREADY = "passed_already"
    COURSE_NOT_FOLLOWED = "course_not_followed"  # MO test: "MO course followed" is needed
    REPEAT_COURSE_NOT_FOLLOWED = "repeat_course_not_followed"  # after a failed MO test
    REPEAT_MODULE_NOT_FOLLOWED = "repeat_module_not_followed"  # after a failed NT2 test
    NOT_SCREENED = "not_screened"  # MO exemption test: only after screening by the agency
    EXEMPTION_ONLY_AT_START = "exemption_only_at_start"  # MO course followed or MO test taken
    B1_NOT_OWED = "b1_not_owed"  # B1 oral only from the attest on, for those who may owe it
    UITGELEERD = "uitgeleerd"  # the pillar counts as met without a pass
    WRONG_LEVEL = "wrong_level"  # an NT2 session at another level than the person's target


@dataclass(frozen=True)
class Right:
    """May the person book `test` today, and if so which attempt at which level."""

    test: TestKind
    allowed: bool
    refusal: Refusal | None
    attempt: int  # which attempt this booking would be (1 = first)
    level: Level | None  # NT2: the person's target (A2 or the adapted level); None otherwise


def session_fits(test: TestKind, session_level: str | None, nt2_target: str) -> bool:
    """Whether a session of `test` at `session_level` is one the person may sit: an NT2 session
    must be at the person's target level (A2, or the adapted A2 the counsellor recorded for a
    low-literate learner) or have no level; the other tests have no levels to match."""
    if test is not TestKind.NT2 or session_level is None:
        return True
    return session_level == nt2_target


class CancelTerms(StrEnum):
    FREE = "free"  # cancel or reschedule with a refund (or the fee moves to the new booking)
    NO_REFUND = "no_refund"  # fewer than `free_cancellation_days` calendar days before
    TOO_LATE = "too_late"  # the session has started


# ---------------------------------------------------------------- facts


def _is_result(fact: Fact, tests: frozenset[TestKind]) -> bool:
    return fact.kind is FactKind.TEST_RESULT and fact.test in tests


def _passed_already(test: TestKind, person: PersonFacts, facts: tuple[Fact, ...]) -> bool:
    """MO and MO exemption: any MO or MO exemption pass; NT2: a pass at the target level or
    higher (LEVEL_ORDER); B1 oral: a B1 oral pass."""
    if test in _MO_TESTS:
        return any(_is_result(f, _MO_TESTS) and f.passed is True for f in facts)
    if test is TestKind.NT2:
        target = LEVEL_ORDER[person.nt2_target]
        return any(
            _is_result(f, frozenset({TestKind.NT2}))
            and f.passed is True
            and f.level is not None
            and LEVEL_ORDER[f.level] >= target
            for f in facts
        )
    return any(_is_result(f, frozenset({TestKind.B1_ORAL})) and f.passed is True for f in facts)


def _uitgeleerd(test: TestKind, facts: tuple[Fact, ...]) -> bool:
    pillar = _PILLAR_OF.get(test)
    return pillar is not None and any(
        f.kind is FactKind.UITGELEERD and f.pillar is pillar for f in facts
    )


def _mo_refusal(facts: tuple[Fact, ...]) -> Refusal | None:
    """The MO test needs the fact "MO course followed"; after a failed MO test, a course followed
    dated strictly after the last fail (the repeat course). A course recorded on the day of the
    fail is taken to be the earlier course."""
    courses = [f.on for f in facts if f.kind is FactKind.MO_COURSE_FOLLOWED]
    fails = [f.on for f in facts if _is_result(f, frozenset({TestKind.MO})) and f.passed is False]
    if fails:
        last_fail = max(fails)
        if not any(day > last_fail for day in courses):
            return Refusal.REPEAT_COURSE_NOT_FOLLOWED
        return None
    return None if courses else Refusal.COURSE_NOT_FOLLOWED


def _nt2_refusal(facts: tuple[Fact, ...]) -> Refusal | None:
    """The first NT2 test has no condition; after a failed NT2 test, an NT2 module followed dated
    strictly after the last fail (as for MO: a module recorded on the day of the fail is taken to
    be the earlier one). "Uitgeleerd" is checked before this and ends the need for a retest."""
    fails = [f.on for f in facts if _is_result(f, frozenset({TestKind.NT2})) and f.passed is False]
    if not fails:
        return None
    last_fail = max(fails)
    modules = (f.on for f in facts if f.kind is FactKind.NT2_MODULE_FOLLOWED)
    return None if any(day > last_fail for day in modules) else Refusal.REPEAT_MODULE_NOT_FOLLOWED


def _mo_exemption_refusal(facts: tuple[Fact, ...], screened: bool) -> Refusal | None:
    """Only at the start (no MO course followed, no MO or MO exemption test taken), and only
    after screening. "Only at the start" is checked first: it cannot be cured by screening."""
    started = any(f.kind is FactKind.MO_COURSE_FOLLOWED or _is_result(f, _MO_TESTS) for f in facts)
    if started:
        return Refusal.EXEMPTION_ONLY_AT_START
    return None if screened else Refusal.NOT_SCREENED


# ---------------------------------------------------------------- rights


def attempt_number(test: TestKind, facts: Iterable[Fact], today: date) -> int:
    """1 + the results of `test` dated on or before `today` (passes and fails alike).

    Each test kind counts on its own: an MO exemption test is not an MO test attempt.
    """
    return 1 + sum(1 for f in facts if f.on <= today and _is_result(f, frozenset({test})))


def _refusal(
    test: TestKind,
    person: PersonFacts,
    today: date,
    facts: tuple[Fact, ...],
    screened: bool,
    active_tests: frozenset[TestKind],
    rules: RuleSet,
) -> Refusal | None:
    signed = person.contract_signed_on
    if not in_trajectory(person) or signed is None or signed > today:
        return Refusal.NOT_IN_TRAJECTORY
    if _uitgeleerd(test, facts):
        return Refusal.UITGELEERD
    if _passed_already(test, person, facts):
        return Refusal.PASSED_ALREADY
    if active_tests & _SAME_TEST[test]:
        return Refusal.ACTIVE_BOOKING
    if test is TestKind.MO:
        return _mo_refusal(facts)
    if test is TestKind.MO_EXEMPTION:
        return _mo_exemption_refusal(facts, screened)
    if test is TestKind.B1_ORAL:
        return None if b1_status(person, today, rules) in B1_BOOKABLE else Refusal.B1_NOT_OWED
    return _nt2_refusal(facts)


def booking_right(
    test: TestKind,
    person: PersonFacts,
    today: date,
    *,
    screened: bool,
    active_tests: frozenset[TestKind],
    rules: RuleSet | None = None,
) -> Right:
    """May `person` book `test` on `today`?

    Checks, in order (the first that applies is the refusal):
    1. not in the trajectory: eligibility not obliged/voluntary, or no contract signed by today;
    2. uitgeleerd recorded for the test's pillar (MO for both MO tests, NT2);
    3. passed already (MO tests: an MO or MO exemption pass; NT2: a pass at the target level or
       higher; B1 oral: a B1 oral pass);
    4. an active (held or confirmed) booking of the same test (the MO test and the MO exemption
       test count as one);
    5. the test's own condition (MO: course followed, and a repeat course after the last fail;
       MO exemption: at the start only, after screening; NT2: after a failed NT2 test, a module
       followed again after the last fail; B1 oral: b1_status OPEN or
       OWED, i.e. from the attest on, unless not owed or not applicable).
    `screened`: the agency screened the person for the MO exemption test. `active_tests`: the
    tests the person holds or has confirmed a booking for. `rules` default: those in force when
    the contract was signed.
    """
    if rules is None:
        rules = rules_for(person, today)
    facts = facts_until(person, today)
    refusal = _refusal(test, person, today, facts, screened, active_tests, rules)
    return Right(
        test=test,
        allowed=refusal is None,
        refusal=refusal,
        attempt=attempt_number(test, facts, today),
        level=person.nt2_target if test is TestKind.NT2 else None,
    )


def booking_rights(
    person: PersonFacts,
    today: date,
    *,
    screened: bool,
    active_tests: frozenset[TestKind],
    rules: RuleSet | None = None,
) -> tuple[Right, ...]:
    """`booking_right` for every test, in TestKind order."""
    return tuple(
        booking_right(
            test, person, today, screened=screened, active_tests=active_tests, rules=rules
        )
        for test in TestKind
    )


# ---------------------------------------------------------------- holds and cancellation


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment


def hold_expires_at(held_at: datetime, rules: RuleSet) -> datetime:
    """`booking_hold_minutes` of elapsed time after `held_at`, in `held_at`'s time zone.

    Computed on the UTC timeline, so a hold across a DST change still lasts exactly 20 minutes.
    """
    _aware(held_at, "held_at")
    expires = held_at.astimezone(UTC) + timedelta(minutes=rules.booking_hold_minutes)
    return expires.astimezone(held_at.tzinfo)


def hold_active(expires_at: datetime, now: datetime) -> bool:
    """True strictly before the expiry instant; from `expires_at` on the seat is free again."""
    return _aware(now, "now").astimezone(UTC) < _aware(expires_at, "expires_at").astimezone(UTC)


def cancel_terms(session_starts_at: datetime, now: datetime, rules: RuleSet) -> CancelTerms:
    """Terms for cancelling or rescheduling a booked session at `now`.

    - TOO_LATE once the session has started (`now` >= `session_starts_at`, as instants);
    - FREE while the Europe/Brussels calendar day of the session is at least
      `free_cancellation_days` days after the Europe/Brussels calendar day of `now`:
      (starts_at.date() - now.date()).days >= 7, both dates taken in Europe/Brussels.
      A session on Saturday the 21st can be cancelled free until Saturday the 14th at 23:59:59
      (the whole 7th day before is still free), whatever the time of the session;
    - NO_REFUND in between.
    Monotone in `now`: FREE, then NO_REFUND, then TOO_LATE, never back.
    """
    starts = _aware(session_starts_at, "session_starts_at")
    moment = _aware(now, "now")
    if moment.astimezone(UTC) >= starts.astimezone(UTC):
        return CancelTerms.TOO_LATE
    days_before = (starts.astimezone(BRUSSELS).date() - moment.astimezone(BRUSSELS).date()).days
    if days_before >= rules.free_cancellation_days:
        return CancelTerms.FREE
    return CancelTerms.NO_REFUND
