"""Deadlines, early warnings and upcoming deadlines (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.contract import (
    directional_deadline,
    rules_for,
    suspension_on,
    vdab_deadline,
)
from portal.domain.eligibility import in_trajectory
from portal.domain.model import MET_STATUSES, PILLARS, Obligation, PersonFacts, Pillar
from portal.domain.pillars import PillarView, pillar_views
from portal.domain.rules import RuleSet
from portal.domain.sanctions import SANCTION_TRIGGERS

__all__ = [
    "Alert",
    "alerts",
    "directional_deadline",
    "upcoming_deadlines",
    "vdab_deadline",
]


@dataclass(frozen=True)
class Alert:
    pillar: Pillar
    deadline: date
    days_left: int  # deadline - today in days; negative when past
    past: bool
    # sanction language: only for an OBLIGED person and a pillar whose missed deadline is a trigger
    # (VDAB, pillar 4); MO and NT2 deadlines and voluntary persons get a plain reminder
    sanction: bool


def _open_required(views: tuple[PillarView, ...]) -> list[tuple[Pillar, date]]:
    """(pillar, deadline) of every required pillar that is not met and has a deadline."""
    return [
        (v.pillar, v.deadline)
        for v in views
        if v.required and v.status not in MET_STATUSES and v.deadline is not None
    ]


def _order(item: tuple[Pillar, date]) -> tuple[date, int]:
    return item[1], PILLARS.index(item[0])


def alerts(person: PersonFacts, today: date, rules: RuleSet | None = None) -> tuple[Alert, ...]:
    """Warnings for required, unmet pillars whose deadline is past or within `rules.warn_days`.

    None while suspended today (the suspension already moved the deadlines), none outside the
    trajectory. Sorted by deadline, then pillar order. Sanction language only for obliged persons
    and the pillars whose missed deadline is a trigger (SANCTION_TRIGGERS).
    """
    if rules is None:
        rules = rules_for(person, today)
    if not in_trajectory(person) or suspension_on(person, today) is not None:
        return ()
    obliged = person.obligation is Obligation.OBLIGED
    result: list[Alert] = []
    for pillar, deadline in sorted(_open_required(pillar_views(person, today, rules)), key=_order):
        days_left = (deadline - today).days
        if days_left <= rules.warn_days:
            sanction = obliged and pillar in SANCTION_TRIGGERS
            result.append(Alert(pillar, deadline, days_left, days_left < 0, sanction))
    return tuple(result)


def upcoming_deadlines(
    person: PersonFacts, today: date, rules: RuleSet | None = None
) -> tuple[tuple[Pillar, date], ...]:
    """Every not-yet-met required pillar's deadline that is today or later, by date then pillar."""
    if rules is None:
        rules = rules_for(person, today)
    open_items = _open_required(pillar_views(person, today, rules))
    return tuple(sorted(((p, d) for p, d in open_items if d >= today), key=_order))
