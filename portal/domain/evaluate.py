"""One entry point for the web layer: everything the rules say about a person on `today`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.b1 import B1Status, B1View, b1_view
from portal.domain.contract import directional_deadline, rules_for, suspension_on
from portal.domain.deadlines import Alert, alerts, upcoming_deadlines
from portal.domain.eligibility import person_eligibility
from portal.domain.model import Eligibility, PersonFacts, Pillar, Suspension
from portal.domain.pillars import PillarView, attest_on, pillar_views
from portal.domain.rules import RuleSet
from portal.domain.validity import contract_valid_on, deadlines_after_validity, valid_until


@dataclass(frozen=True)
class Evaluation:
    eligibility: Eligibility
    pillars: tuple[PillarView, ...]
    attest_on: date | None
    directional_deadline: date | None
    valid_until: date | None
    valid_today: bool
    suspended_today: Suspension | None
    alerts: tuple[Alert, ...]
    upcoming: tuple[tuple[Pillar, date], ...]
    b1: B1Status
    b1_view: B1View  # the B1 follow-up: owed or not, why, until when
    deadlines_after_validity: tuple[tuple[Pillar, date], ...] = ()


def evaluate(person: PersonFacts, today: date, rules: RuleSet | None = None) -> Evaluation:
    """`rules` defaults to the rules in force on the day the obligation arose (the signing day)."""
    if rules is None:
        rules = rules_for(person, today)
    pillars = pillar_views(person, today, rules)
    until = valid_until(person)
    b1 = b1_view(person, today, rules)
    return Evaluation(
        eligibility=person_eligibility(person),
        pillars=pillars,
        attest_on=attest_on(person, today, rules),
        directional_deadline=directional_deadline(person),
        valid_until=until,
        valid_today=contract_valid_on(person, today),
        suspended_today=suspension_on(person, today),
        alerts=alerts(person, today, rules),
        upcoming=upcoming_deadlines(person, today, rules),
        b1=b1.status,
        deadlines_after_validity=deadlines_after_validity(until, pillars),
        b1_view=b1,
    )
