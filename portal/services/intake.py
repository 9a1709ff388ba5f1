"""Intake: the counsellor registers a newcomer with their own agency, after a preview of what the
rules make of the answers (nothing saved by a preview)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, select

from portal.db import models as m
from portal.domain.eligibility import eligibility
from portal.domain.model import (
    Eligibility,
    Level,
    Obligation,
    PersonFacts,
    Pillar,
    Protection,
    Region,
    Register,
    Situation,
)
from portal.domain.nrn import NrnError, nrn_matches_birth_date, parse_nrn
from portal.domain.pillars import required_pillars
from portal.domain.rules import rules_on
from portal.services.agency_scope import agency_of
from portal.services.caller import Principal
from portal.services.errors import ServiceError
from portal.services.people import NewPerson, register_person

PILLARS = (Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION)


@dataclass(frozen=True)
class Preview:
    """What the rules make of an intake: eligibility and, per pillar, whether it is required."""

    eligibility: Eligibility
    required: tuple[tuple[Pillar, bool], ...]
    region: str
    adapted: bool  # low-literate: the adapted NT2 level

    @property
    def in_trajectory(self) -> bool:
        return self.eligibility in {Eligibility.OBLIGED, Eligibility.VOLUNTARY}


def municipality_choices(db: Session) -> list[tuple[str, str]]:
    """(NIS code, Dutch name) of every municipality, by name."""
    rows = db.exec(select(m.Municipality).order_by(m.Municipality.name_nl)).all()
    return [(row.nis_code, row.name_nl) for row in rows]


def national_number_problem(national_number: str | None, birth_date: date) -> str | None:
    """The error code of a national register number that cannot be this person's, or None."""
    if not national_number:
        return None
    try:
        parsed = parse_nrn(national_number)
    except NrnError as error:
        return f"nrn_{error.code}"
    if not nrn_matches_birth_date(parsed, birth_date):
        return "nrn_birth_date"
    return None


def preview(db: Session, new: NewPerson, today: date) -> Preview:
    """What the rules make of the intake, before saving."""
    municipality = db.exec(
        select(m.Municipality).where(m.Municipality.nis_code == new.municipality_nis)
    ).one()
    facts = PersonFacts(
        birth_date=new.birth_date,
        register=Register(new.register),
        obligation=Obligation(new.obligation),
        protection=Protection(new.protection),
        situation=Situation(new.situation),
        region=Region(municipality.region),
        nt2_target=Level.A2_ADAPTED if new.literacy == "low" else Level.A2,
    )
    result = eligibility(facts.register, facts.obligation, facts.protection)
    pillars = required_pillars(facts, today, rules_on(today))
    return Preview(
        eligibility=result,
        required=tuple((p, p in pillars) for p in PILLARS),
        region=municipality.region,
        adapted=new.literacy == "low",
    )


def register(
    db: Session, caller: Principal, new: NewPerson, today: date, *, not_a_duplicate: bool
) -> int:
    """Register the newcomer with the caller's agency, the caller as their counsellor; the new
    person's id."""
    agency_id = agency_of(caller)
    agency = db.get(m.Agency, agency_id) if agency_id is not None else None
    if agency is None:
        raise ServiceError("not_found")
    new = replace(new, agency_code=agency.code, counsellor_grant_id=caller.grant_id)
    person = register_person(db, caller.subject, new, today, not_a_duplicate=not_a_duplicate)
    assert person.id is not None
    return person.id
