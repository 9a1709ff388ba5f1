"""Is the integration contract valid on a day? (§2J, for social interpreting; pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from portal.domain.contract import directional_deadline
from portal.domain.model import FactKind, PersonFacts, Pillar
from portal.domain.pillars import PillarView


def valid_until(person: PersonFacts) -> date | None:
    """The completion deadline: the directional deadline, already moved by suspensions."""
    return directional_deadline(person)


def contract_valid_on(person: PersonFacts, day: date) -> bool:
    """Signed on or before `day`, not ended by the agency by `day`, and `day` ≤ valid_until.

    The deadline day itself is valid, the day after is not. Reaching the attest does not end
    validity (product default). Without a completion deadline there is nothing to show: invalid.
    """
    if person.contract_signed_on is None or person.contract_signed_on > day:
        return False
    if any(f.kind is FactKind.CONTRACT_ENDED and f.on <= day for f in person.facts):
        return False
    until = valid_until(person)
    return until is not None and day <= until


class Validity(StrEnum):
    """Why a contract is, or is not, valid on a day (shown to the person in their language)."""

    VALID = "valid"
    NOT_SIGNED = "not_signed"  # no contract yet, or signed only later
    NO_DEADLINE = "no_deadline"  # signed, but no completion deadline agreed
    ENDED = "ended"  # ended by the agency
    EXPIRED = "expired"  # the completion deadline has passed


def validity_on(person: PersonFacts, day: date) -> Validity:
    """The reason behind `contract_valid_on` (which is `validity_on(...) is Validity.VALID`)."""
    if person.contract_signed_on is None or person.contract_signed_on > day:
        return Validity.NOT_SIGNED
    if any(f.kind is FactKind.CONTRACT_ENDED and f.on <= day for f in person.facts):
        return Validity.ENDED
    until = valid_until(person)
    if until is None:
        return Validity.NO_DEADLINE
    return Validity.VALID if day <= until else Validity.EXPIRED


def last_valid_day(person: PersonFacts) -> date | None:
    """The last day the contract is valid: its completion deadline, or the day before the agency
    ended it when that comes first. None without a signed contract or a deadline."""
    if person.contract_signed_on is None:
        return None
    until = valid_until(person)
    if until is None:
        return None
    ended = ended_on(person)
    if ended is not None:
        until = min(until, ended - timedelta(days=1))
    return until


def ended_on(person: PersonFacts) -> date | None:
    """The day the agency ended the contract (the first such fact), or None."""
    ends = [f.on for f in person.facts if f.kind is FactKind.CONTRACT_ENDED]
    return min(ends) if ends else None


def deadlines_after_validity(
    until: date | None, views: Iterable[PillarView]
) -> tuple[tuple[Pillar, date], ...]:
    """The pillars still to do whose deadline lies after the contract's last valid day: the plan
    and the contract disagree, and from the day after `until` the person loses what a valid
    contract gives (a social interpreter for free) while they still have work to do."""
    if until is None:
        return ()
    return tuple(
        (view.pillar, view.deadline)
        for view in views
        if view.required and view.met_on is None and view.deadline and view.deadline > until
    )
