"""The small verbs the demo stories are told with: a staff member, a person, a contract signed on
paper, a fact, a payment at the counter. Each goes through the services, never around the rules,
and each creates only what is missing (loading again changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from portal.db import models as m
from portal.domain.dates import add_months
from portal.domain.nrn import make_nrn
from portal.services import conversations, notify, payments, trajectory
from portal.services.caller import Principal
from portal.services.contract_texts import contract_texts
from portal.services.demo.personas import PERSONAS, PERSONAS_BY_SUBJECT
from portal.services.demo.reference import ACTOR, by
from portal.services.dossier import Dossier, load_dossier
from portal.services.people import NewPerson, grant_role, record_fact, register_person
from portal.settings import BRUSSELS

GENT = "44021"


@dataclass
class Builder:
    """Tells the demo on one anchor day `a`; `created` lists the subjects created now."""

    db: Session
    a: date
    created: list[str] = field(default_factory=list)
    counsellor: m.RoleGrant | None = None  # the Ghent counsellor: the default for new persons

    @property
    def at_nine(self) -> datetime:
        return datetime.combine(self.a, time(9, 0), BRUSSELS)

    def staff(self, subject: str, role: str, **bound: int | None) -> m.RoleGrant | None:
        held = self.db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).first()
        if held is not None:
            return held
        name = next(p.name for p in PERSONAS if p.subject == subject)
        self.created.append(subject)
        return grant_role(self.db, ACTOR, subject, role, name, **bound)

    def person(
        self,
        subject: str,
        birth: date,
        *,
        nis: str = GENT,
        agency: str = "gent",
        register: str = "foreigners",
        obligation: str = "obliged",
        protection: str = "not_applicable",
        situation: str = "none",
        literacy: str = "standard",
        language: str = "nl",
        grant: m.RoleGrant | str | None = "default",
        nrn: bool = False,
    ) -> m.Person | None:
        """A newly registered person, or None when they exist already (their story is told)."""
        db = self.db
        if db.exec(select(m.Person).where(m.Person.subject == subject)).first() is not None:
            return None
        counsellor = self.counsellor if grant == "default" else grant
        assert not isinstance(counsellor, str)
        given, family = next(
            p.name for p in (*PERSONAS, *PERSONAS_BY_SUBJECT.values()) if p.subject == subject
        ).split(" ", 1)
        self.created.append(subject)
        new = register_person(
            db,
            ACTOR,
            NewPerson(
                given_name=given,
                family_name=family,
                birth_date=birth,
                municipality_nis=nis,
                agency_code=agency,
                register=register,
                obligation=obligation,
                protection=protection,
                situation=situation,
                literacy=literacy,
                language=language,
                subject=subject,
                national_number=make_nrn(birth, 101 + 2 * len(self.created)) if nrn else None,
                email=f"{subject}@example.invalid",
                counsellor_grant_id=counsellor.id if counsellor else None,
            ),
            today=self.a,
        )
        notify.notify(db, new, "welcome", name=given, agency=by(db, m.Agency, code=agency).name)
        return new

    def dossier(self, person: m.Person) -> Dossier:
        assert person.id is not None
        dossier = load_dossier(self.db, person.id)
        assert dossier is not None
        return dossier

    def contract(
        self,
        p: m.Person,
        signed: date,
        mo: date,
        nt2: date,
        participation: date | None,
        **kw: Any,
    ) -> None:
        """Drawn up by the counsellor on the day it was signed, then signed on paper."""
        modules = []
        start = signed + timedelta(days=14)
        for name in kw.get("modules", ("1.1", "1.2", "2.1")):
            end = min(start + timedelta(days=90), nt2)
            modules.append(trajectory.ModuleInput(name, 80, start, end))
            start = end + timedelta(days=14)
            if start >= nt2:
                break
        plan = trajectory.PlanInput(
            mo_variant=kw.get("mo_variant", "blended"),
            mo_provider=kw.get("mo_provider", "In-Gent"),
            mo_schedule=kw.get("mo_schedule", ""),
            mo_deadline=mo,
            nt2_provider_type=kw.get("nt2_type", "CVO"),
            nt2_provider=kw.get("nt2_provider", "CVO Gent"),
            nt2_schedule=kw.get("nt2_schedule", ""),
            nt2_deadline=nt2,
            modules=tuple(modules),
            participation_deadline=participation,
            nt2_variant=kw.get("nt2_variant", "evening"),
            classroom_sessions=kw.get(
                "classroom", 2 if kw.get("mo_variant", "blended") != "online" else 0
            ),
        )
        trajectory.save_contract_draft(self.db, ACTOR, p, plan, signed, tell_person=False)
        trajectory.record_paper_signature(
            self.db, ACTOR, p, signed, max(self.a, signed), contract_texts(self.dossier(p), "nl")
        )

    def standard_contract(self, p: m.Person, signed: date, **kw: Any) -> None:
        """MO and participation in 12 months, NT2 in 18."""
        self.contract(
            p, signed, add_months(signed, 12), add_months(signed, 18), add_months(signed, 12), **kw
        )

    def fact(self, p: m.Person, kind: str, on: date, **data: Any) -> None:
        """A fact recorded by the counsellor on the anchor day, without telling the person."""
        record_fact(self.db, ACTOR, p, kind, on, self.a, tell_person=False, **data)

    def paid_at_counter(
        self, p: m.Person, fee: str, reference: str, paid_on: date, what: str
    ) -> None:
        payments.record_external_payment(
            self.db, ACTOR, self.dossier(p), fee, "counter", reference, paid_on, what, self.at_nine
        )

    def paid_every_fee(self, p: m.Person, paid_on: date) -> None:
        """Every fee still open, paid at the counter on `paid_on`."""
        open_lines = [
            line for line in payments.statement(self.db, self.dossier(p)).lines if line.payable
        ]
        for number, line in enumerate(open_lines, start=1):
            reference = f"DEMO-{p.id:04d}-{number}"
            self.paid_at_counter(p, line.key, reference, paid_on, line.key)

    def staff_writes(self, p: m.Person, counsellor: str, subject: str, body: str) -> None:
        """The counsellor starts a conversation with the person (on the anchor day)."""
        grant = self.db.exec(
            select(m.RoleGrant).where(
                m.RoleGrant.subject == counsellor, m.RoleGrant.role == "counsellor"
            )
        ).one()
        caller = Principal(
            subject=counsellor,
            role="counsellor",
            name=grant.display_name,
            grant_id=grant.id,
            agency_id=grant.agency_id,
        )
        assert p.id is not None
        conversations.start_by_staff(self.db, caller, p.id, subject, body, self.at_nine)

    def course_done_and_paid(
        self, subject: str, birth: date, course_on: date | None = None
    ) -> m.Person | None:
        """A Ghent newcomer whose MO course is followed and paid (at the counter)."""
        p = self.person(subject, birth, language="nl")
        if p is None:
            return None
        signed = self.a - timedelta(days=150)
        self.standard_contract(p, signed)
        self.fact(
            p,
            "mo_course_followed",
            course_on or self.a - timedelta(days=3),
            source="In-Gent",
        )
        self.paid_at_counter(p, "mo_course:1", f"DEMO-{p.id:04d}", signed, "MO course")
        return p
