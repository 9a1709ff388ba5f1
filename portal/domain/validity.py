"""Is the integration contract valid on a day? (§2J, for social interpreting; pure)."""

from __future__ import annotations

from datetime import date

from portal.domain.contract import directional_deadline
from portal.domain.model import FactKind, PersonFacts


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
