"""The four pillars (§2D): which apply, their status and deadline, and the attest day (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.contract import agreed_deadline, facts_until, rules_for, suspension_on
from portal.domain.dates import age_on, nth_birthday
from portal.domain.eligibility import in_trajectory
from portal.domain.model import (
    LEVEL_ORDER,
    PILLARS,
    Fact,
    FactKind,
    Obligation,
    PersonFacts,
    Pillar,
    PillarStatus,
    Situation,
    TestKind,
)
from portal.domain.rules import RuleSet

_MO_TESTS = frozenset({TestKind.MO, TestKind.MO_EXEMPTION})


@dataclass(frozen=True)
class PillarView:
    pillar: Pillar
    status: PillarStatus
    required: bool  # False → NOT_REQUIRED, unless an optional pillar was met anyway (DONE)
    deadline: date | None  # the agreed deadline after suspensions; None when not required
    met_on: date | None  # day the pillar was met (pass, registration, 40th hour, exemption, ...)
    hours: int = 0  # participation: confirmed hours so far
    late: bool = False  # VDAB: registered after its deadline (still met; a sanction fact)


@dataclass(frozen=True)
class _Progress:
    met_on: date | None = None
    exempt: bool = False
    started: bool = False
    hours: int = 0


def of_working_age(birth_date: date, day: date, rules: RuleSet) -> bool:
    """working_age_from ≤ age < pension_age on `day`."""
    return rules.working_age_from <= age_on(birth_date, day) < rules.pension_age


def required_pillars(person: PersonFacts, today: date, rules: RuleSet) -> frozenset[Pillar]:
    """The pillars the attest needs for this person on `today`.

    MO and NT2 always; VDAB for those of working age who do not work (students included);
    participation only for obliged persons who neither work nor study. Nothing for persons outside
    the trajectory (NT2-only, not eligible).
    """
    if not in_trajectory(person):
        return frozenset()
    required = {Pillar.MO, Pillar.NT2}
    if person.situation is not Situation.WORKS and of_working_age(person.birth_date, today, rules):
        required.add(Pillar.VDAB)
    if person.obligation is Obligation.OBLIGED and person.situation is Situation.NONE:
        required.add(Pillar.PARTICIPATION)
    return frozenset(required)


def _passes_mo(fact: Fact) -> bool:
    return fact.kind is FactKind.TEST_RESULT and fact.test in _MO_TESTS and fact.passed is True


def _passes_nt2(fact: Fact, person: PersonFacts) -> bool:
    return (
        fact.kind is FactKind.TEST_RESULT
        and fact.test is TestKind.NT2
        and fact.passed is True
        and fact.level is not None
        and LEVEL_ORDER[fact.level] >= LEVEL_ORDER[person.nt2_target]
    )


def _uitgeleerd(fact: Fact, pillar: Pillar) -> bool:
    return fact.kind is FactKind.UITGELEERD and fact.pillar is pillar


def _progress(
    person: PersonFacts, pillar: Pillar, facts: tuple[Fact, ...], today: date, rules: RuleSet
) -> _Progress:
    hours = 0
    done_days: list[date] = []
    started = False
    if pillar is Pillar.MO:
        done_days = [f.on for f in facts if _passes_mo(f) or _uitgeleerd(f, pillar)]
        started = any(
            f.kind is FactKind.MO_COURSE_FOLLOWED
            or (f.kind is FactKind.TEST_RESULT and f.test in _MO_TESTS)
            for f in facts
        )
    elif pillar is Pillar.NT2:
        done_days = [f.on for f in facts if _passes_nt2(f, person) or _uitgeleerd(f, pillar)]
        started = any(
            f.kind is FactKind.NT2_MODULE_FOLLOWED
            or (f.kind is FactKind.TEST_RESULT and f.test is TestKind.NT2)
            for f in facts
        )
    elif pillar is Pillar.VDAB:
        done_days = [f.on for f in facts if f.kind is FactKind.VDAB_REGISTERED]
    else:
        for fact in sorted(
            (f for f in facts if f.kind is FactKind.PILLAR4_HOURS), key=lambda f: f.on
        ):
            hours += fact.hours
            if not done_days and hours >= rules.participation_hours:
                done_days = [fact.on]
        started = hours > 0
    exempt_days = [e.on for e in person.exemptions if e.pillar is pillar and e.on <= today]
    done_on = min(done_days, default=None)
    exempt_on = min(exempt_days, default=None)
    # the earliest way of meeting the pillar wins; a pass on the same day as an exemption is DONE
    if done_on is not None and (exempt_on is None or done_on <= exempt_on):
        return _Progress(met_on=done_on, started=started, hours=hours)
    if exempt_on is not None:
        return _Progress(met_on=exempt_on, exempt=True, started=started, hours=hours)
    return _Progress(started=started, hours=hours)


def _met_days(person: PersonFacts, today: date, rules: RuleSet) -> dict[Pillar, date]:
    facts = facts_until(person, today)
    met: dict[Pillar, date] = {}
    for pillar in PILLARS:
        met_on = _progress(person, pillar, facts, today, rules).met_on
        if met_on is not None:
            met[pillar] = met_on
    return met


def pillar_views(
    person: PersonFacts, today: date, rules: RuleSet | None = None
) -> tuple[PillarView, ...]:
    """Status of each pillar on `today`, in PILLARS order.

    Precedence: met (DONE / EXEMPT), NOT_REQUIRED, SUSPENDED (today inside a suspension),
    OVERDUE (today after the deadline), IN_PROGRESS, NOT_STARTED. Only facts dated on or before
    `today` count. Outside the trajectory every pillar is NOT_REQUIRED.
    """
    if rules is None:
        rules = rules_for(person, today)
    facts = facts_until(person, today)
    eligible = in_trajectory(person)
    required = required_pillars(person, today, rules)
    suspended = suspension_on(person, today) is not None
    views: list[PillarView] = []
    for pillar in PILLARS:
        progress = _progress(person, pillar, facts, today, rules)
        if not eligible:
            views.append(
                PillarView(pillar, PillarStatus.NOT_REQUIRED, False, None, None, progress.hours)
            )
            continue
        is_required = pillar in required
        deadline = agreed_deadline(person, pillar, rules) if is_required else None
        late = False
        if progress.met_on is not None:
            status = PillarStatus.EXEMPT if progress.exempt else PillarStatus.DONE
            late = (
                pillar is Pillar.VDAB
                and status is PillarStatus.DONE
                and deadline is not None
                and progress.met_on > deadline
            )
        elif not is_required:
            status = PillarStatus.NOT_REQUIRED
        elif suspended:
            status = PillarStatus.SUSPENDED
        elif deadline is not None and today > deadline:
            status = PillarStatus.OVERDUE
        elif progress.started:
            status = PillarStatus.IN_PROGRESS
        else:
            status = PillarStatus.NOT_STARTED
        views.append(
            PillarView(
                pillar=pillar,
                status=status,
                required=is_required,
                deadline=deadline,
                met_on=progress.met_on,
                hours=progress.hours,
                late=late,
            )
        )
    return tuple(views)


def attest_on(person: PersonFacts, today: date, rules: RuleSet | None = None) -> date | None:
    """The day the attest was reached: the first day (on or before `today`) on which every pillar
    required on that day had been met. Facts dated after `today` are ignored.

    Usually the day the last required pillar was met; if a pillar stopped being required (VDAB at
    pension age) the attest can fall on that day. Once reached it stays reached. None if not
    reached, or for persons outside the trajectory.
    """
    if rules is None:
        rules = rules_for(person, today)
    if not in_trajectory(person):
        return None
    met = _met_days(person, today, rules)
    candidates = set(met.values())
    candidates.add(nth_birthday(person.birth_date, rules.pension_age))
    for day in sorted(d for d in candidates if d <= today):
        if all(p in met and met[p] <= day for p in required_pillars(person, day, rules)):
            return day
    return None
