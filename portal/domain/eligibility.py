"""Who gets the integration trajectory (§2A): derived only from facts the agency records."""

from __future__ import annotations

from portal.domain.model import Eligibility, Obligation, PersonFacts, Protection, Register

#: The eligibilities that follow the trajectory (pillars, deadlines, attest).
TRAJECTORY: frozenset[Eligibility] = frozenset({Eligibility.OBLIGED, Eligibility.VOLUNTARY})


def eligibility(register: Register, obligation: Obligation, protection: Protection) -> Eligibility:
    """Obliged, voluntary, NT2-only or not eligible.

    - a pending application for international protection, or the waiting register → NT2 only;
    - the population or foreigners' register → obliged or voluntary, as recorded;
    - otherwise (no register) → not eligible.
    No nationality or age rules: the note gives none.
    """
    if protection is Protection.PENDING or register is Register.WAITING:
        return Eligibility.NT2_ONLY
    if register in (Register.POPULATION, Register.FOREIGNERS):
        if obligation is Obligation.OBLIGED:
            return Eligibility.OBLIGED
        return Eligibility.VOLUNTARY
    return Eligibility.NOT_ELIGIBLE


def person_eligibility(person: PersonFacts) -> Eligibility:
    return eligibility(person.register, person.obligation, person.protection)


def in_trajectory(person: PersonFacts) -> bool:
    """True for obliged and voluntary persons (the only ones with pillars and an attest)."""
    return person_eligibility(person) in TRAJECTORY
