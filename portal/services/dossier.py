"""Read side: everything about one person in a fixed number of queries, and its domain view;
`dossier_for` decides whose dossier a caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.evaluate import Evaluation, evaluate
from portal.domain.model import (
    ComponentDeadline,
    Exemption,
    Fact,
    FactKind,
    Level,
    Obligation,
    PeriodKind,
    PersonFacts,
    Pillar,
    Protection,
    Region,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.services.caller import Principal


@dataclass(frozen=True)
class Dossier:
    person: m.Person
    municipality: m.Municipality
    agency: m.Agency
    contract: m.Contract | None
    components: tuple[m.PlanComponent, ...]
    suspensions: tuple[m.Suspension, ...]
    exemptions: tuple[m.Exemption, ...]
    facts: tuple[m.Fact, ...]  # withdrawn ones included (shown struck through); rules skip them
    modules: tuple[m.Nt2Module, ...] = ()
    amendments: tuple[m.Amendment, ...] = ()
    attest: m.Attest | None = None

    @property
    def person_id(self) -> int:
        person_id = self.person.id
        assert person_id is not None  # a stored person
        return person_id

    @property
    def active_facts(self) -> tuple[m.Fact, ...]:
        return tuple(f for f in self.facts if f.withdrawn_at is None)

    def person_facts(self, as_if_signed_on: date | None = None) -> PersonFacts:
        """What the rules need; with `as_if_signed_on`, as if the contract drawn up were signed
        that day (what the person will hold once they sign)."""
        p = self.person
        signed = self.contract.signed_on if self.contract else None
        if as_if_signed_on is not None and self.contract is not None and signed is None:
            signed = as_if_signed_on
        return PersonFacts(
            birth_date=p.birth_date,
            register=Register(p.civil_register),
            obligation=Obligation(p.obligation),
            protection=Protection(p.protection),
            situation=Situation(p.situation),
            region=Region(self.municipality.region),
            nt2_target=Level(p.nt2_target),
            contract_signed_on=signed,
            component_deadlines=tuple(
                ComponentDeadline(Pillar(c.pillar), c.deadline)
                for c in self.components
                if c.deadline is not None and signed is not None
            ),
            suspensions=tuple(Suspension(s.start_on, s.end_on) for s in self.suspensions),
            exemptions=tuple(Exemption(Pillar(e.pillar), e.on, e.reason) for e in self.exemptions),
            facts=tuple(
                Fact(
                    kind=FactKind(f.kind),
                    on=f.on,
                    test=TestKind(f.test) if f.test else None,
                    passed=f.passed,
                    level=Level(f.level) if f.level else None,
                    hours=f.hours,
                    pillar=Pillar(f.pillar) if f.pillar else None,
                    period_kind=PeriodKind(f.period_kind) if f.period_kind else None,
                    until=f.until,
                    due=f.due_on,
                    note=f.note,
                )
                for f in self.active_facts
            ),
        )

    def evaluate(self, today: date) -> Evaluation:
        return evaluate(self.person_facts(), today)

    def preview(self, today: date) -> Evaluation | None:
        """For a contract drawn up and not signed yet: the evaluation as if it were signed
        today (the deadlines and validity it will hold). None otherwise."""
        if self.contract is None or self.contract.signed_on is not None:
            return None
        return evaluate(self.person_facts(as_if_signed_on=today), today)


def load_dossier(
    db: Session, person_id: int, agency_id: int | None = None, *, amendments: bool = True
) -> Dossier | None:
    """One person's records; with `agency_id`, only if the person belongs to that agency.
    `amendments=False` leaves the contract's amendments out (a page that does not show them)."""
    # the person with the records there is at most one of (one query, not four)
    query = (
        sa.select(m.Person, m.Municipality, m.Agency, m.Contract, m.Attest)
        .join(m.Municipality, col(m.Municipality.id) == col(m.Person.municipality_id))
        .join(m.Agency, col(m.Agency.id) == col(m.Person.agency_id))
        .outerjoin(m.Contract, col(m.Contract.person_id) == col(m.Person.id))
        .outerjoin(m.Attest, col(m.Attest.person_id) == col(m.Person.id))
        .where(col(m.Person.id) == person_id)
    )
    if agency_id is not None:
        query = query.where(col(m.Person.agency_id) == agency_id)
    row = db.execute(query).first()
    if row is None:
        return None
    person, municipality, agency, contract, attest = row
    components: tuple[m.PlanComponent, ...] = ()
    if contract is not None:
        components = tuple(
            db.exec(
                select(m.PlanComponent)
                .where(m.PlanComponent.contract_id == contract.id)
                .order_by(col(m.PlanComponent.position))
            ).all()
        )
    suspensions = tuple(
        db.exec(
            select(m.Suspension)
            .where(m.Suspension.person_id == person_id)
            .order_by(col(m.Suspension.start_on))
        ).all()
    )
    exemptions = tuple(db.exec(select(m.Exemption).where(m.Exemption.person_id == person_id)).all())
    facts = tuple(
        db.exec(
            select(m.Fact)
            .where(m.Fact.person_id == person_id)
            .order_by(col(m.Fact.on), col(m.Fact.id))
        ).all()
    )
    modules: tuple[m.Nt2Module, ...] = ()
    changes: tuple[m.Amendment, ...] = ()
    if contract is not None:
        modules = tuple(
            db.exec(
                select(m.Nt2Module)
                .join(m.PlanComponent, col(m.PlanComponent.id) == col(m.Nt2Module.component_id))
                .where(m.PlanComponent.contract_id == contract.id)
                .order_by(col(m.Nt2Module.position))
            ).all()
        )
        if amendments:
            changes = tuple(
                db.exec(
                    select(m.Amendment)
                    .where(m.Amendment.contract_id == contract.id)
                    .order_by(col(m.Amendment.at))
                ).all()
            )
    return Dossier(
        person,
        municipality,
        agency,
        contract,
        components,
        suspensions,
        exemptions,
        facts,
        modules,
        changes,
        attest,
    )


def dossier_for(
    db: Session, caller: Principal, person_id: int | None = None, *, amendments: bool = True
) -> Dossier | None:
    """The dossier `caller` may see, or None: a citizen sees only their own (another
    `person_id` is not found), a counsellor a person of their own agency; nobody else."""
    if caller.role == "citizen" and caller.person_id is not None:
        if person_id is not None and person_id != caller.person_id:
            return None
        return load_dossier(db, caller.person_id, amendments=amendments)
    if caller.role == "counsellor" and caller.agency_id is not None and person_id is not None:
        return load_dossier(db, person_id, agency_id=caller.agency_id, amendments=amendments)
    return None


@dataclass(frozen=True)
class AttestCheck:
    """What a printed certificate's verification code shows anyone: a name and dates."""

    name: str
    birth_date: date
    issued_on: date


def verify_attest(db: Session, code: str) -> AttestCheck | None:
    """The certificate with this verification code, or None."""
    row = db.exec(
        select(m.Attest, m.Person)
        .join(m.Person, col(m.Person.id) == col(m.Attest.person_id))
        .where(m.Attest.verification_code == code)
    ).first()
    if row is None:
        return None
    attest, person = row
    return AttestCheck(
        f"{person.given_name} {person.family_name}", person.birth_date, attest.issued_on
    )


class _OfPerson(Protocol):
    @property
    def person_id(self) -> int: ...


_Row = TypeVar("_Row", bound=_OfPerson)


def load_dossiers(
    db: Session, person_ids: list[int], agency_id: int | None, *, modules: bool = False
) -> list[Dossier]:
    """Many persons' records in a fixed number of queries (for the caseload and the sanction
    list: only those of `agency_id`; None: anyone's, for the periodic jobs), in the order of
    `person_ids`. `modules`: with the NT2 modules of their plans (what fees arise from)."""
    if not person_ids:
        return []
    query = (
        select(m.Person, m.Municipality, m.Agency)
        .join(m.Municipality, col(m.Municipality.id) == col(m.Person.municipality_id))
        .join(m.Agency, col(m.Agency.id) == col(m.Person.agency_id))
        .where(col(m.Person.id).in_(person_ids))
    )
    if agency_id is not None:
        query = query.where(m.Person.agency_id == agency_id)
    rows = db.exec(query).all()
    ids = [person.id for person, _, _ in rows]
    contracts = {
        c.person_id: c
        for c in db.exec(select(m.Contract).where(col(m.Contract.person_id).in_(ids))).all()
    }
    components: dict[int | None, list[m.PlanComponent]] = {}
    for component in db.exec(
        select(m.PlanComponent)
        .where(col(m.PlanComponent.contract_id).in_([c.id for c in contracts.values()]))
        .order_by(col(m.PlanComponent.position))
    ).all():
        components.setdefault(component.contract_id, []).append(component)

    def of_people(
        model: type[_Row], person: Mapped[int], order: Mapped[Any]
    ) -> dict[int, list[_Row]]:
        """The persons' rows of `model` by person, each list in `order`."""
        out: dict[int, list[_Row]] = {}
        for row in db.exec(select(model).where(person.in_(ids)).order_by(order)).all():
            out.setdefault(row.person_id, []).append(row)
        return out

    suspensions = of_people(m.Suspension, col(m.Suspension.person_id), col(m.Suspension.start_on))
    exemptions = of_people(m.Exemption, col(m.Exemption.person_id), col(m.Exemption.id))
    facts = of_people(m.Fact, col(m.Fact.person_id), col(m.Fact.on))
    attests = {
        a.person_id: a
        for a in db.exec(select(m.Attest).where(col(m.Attest.person_id).in_(ids))).all()
    }
    nt2_modules: dict[int | None, list[m.Nt2Module]] = {}
    if modules:
        contract_of = {c.id: c.contract_id for found in components.values() for c in found}
        for module in db.exec(
            select(m.Nt2Module)
            .join(m.PlanComponent, col(m.PlanComponent.id) == col(m.Nt2Module.component_id))
            .where(col(m.PlanComponent.contract_id).in_([c.id for c in contracts.values()]))
            .order_by(col(m.Nt2Module.position))
        ).all():
            nt2_modules.setdefault(contract_of[module.component_id], []).append(module)
    by_id: dict[int, Dossier] = {}
    for person, municipality, agency in rows:
        person_id = person.id
        assert person_id is not None  # a stored person
        contract = contracts.get(person_id)
        by_id[person_id] = Dossier(
            person,
            municipality,
            agency,
            contract,
            tuple(components.get(contract.id, [])) if contract else (),
            tuple(suspensions.get(person_id, [])),
            tuple(exemptions.get(person_id, [])),
            tuple(facts.get(person_id, [])),
            tuple(nt2_modules.get(contract.id, [])) if contract else (),
            (),
            attests.get(person_id),
        )
    return [by_id[pid] for pid in person_ids if pid in by_id]
