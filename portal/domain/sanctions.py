"""Sanction facts the portal derives for obliged persons (ABB imposes sanctions, not the portal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.contract import rules_for
from portal.domain.eligibility import person_eligibility
from portal.domain.model import MET_STATUSES, PILLARS, Eligibility, PersonFacts, Pillar
from portal.domain.pillars import pillar_views
from portal.domain.rules import RuleSet

VDAB_LATE = "vdab_late"
DEADLINE_PASSED = "deadline_passed"


@dataclass(frozen=True)
class SanctionFact:
    kind: str  # VDAB_LATE or DEADLINE_PASSED
    pillar: Pillar
    deadline: date
    on: date | None  # vdab_late: the registration day; deadline_passed: None (nothing happened)


def sanction_facts(
    person: PersonFacts, today: date, rules: RuleSet | None = None
) -> tuple[SanctionFact, ...]:
    """Late VDAB registration, and required pillars not met by a passed deadline.

    Only for obliged persons; empty for everyone else. A suspension that starts after a deadline
    does not undo the fact that it passed. Sorted by deadline, then pillar order.
    """
    if rules is None:
        rules = rules_for(person, today)
    if person_eligibility(person) is not Eligibility.OBLIGED:
        return ()
    result: list[SanctionFact] = []
    for view in pillar_views(person, today, rules):
        if view.deadline is None:
            continue
        if view.late:
            result.append(SanctionFact(VDAB_LATE, view.pillar, view.deadline, view.met_on))
        elif view.required and view.status not in MET_STATUSES and today > view.deadline:
            result.append(SanctionFact(DEADLINE_PASSED, view.pillar, view.deadline, None))
    return tuple(sorted(result, key=lambda s: (s.deadline, PILLARS.index(s.pillar))))
