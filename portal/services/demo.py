"""Demo data: personas anyone trying the portal can sign in as.

Created through the services (never raw inserts that bypass the rules), with dates anchored to
the day the demo data was first loaded (kept in app_meta), so the personas keep their meaning.
Loading again changes nothing (idempotent, per subject).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from portal.adapters.storage import FileStore
from portal.db import models as m
from portal.domain.dates import add_months
from portal.domain.nrn import make_nrn
from portal.services import notify, trajectory
from portal.services.contract_texts import contract_texts
from portal.services.dossier import load_dossier
from portal.services.people import NewPerson, grant_role, record_fact, register_person

ACTOR = "demo-data"
ANCHOR_KEY = "demo_anchor"

MUNICIPALITIES = (
    # NIS code, Dutch name, French name, province, region
    ("44021", "Gent", "Gand", "Oost-Vlaanderen", "flanders"),
    ("11002", "Antwerpen", "Anvers", "Antwerpen", "flanders"),
    ("24062", "Leuven", "Louvain", "Vlaams-Brabant", "flanders"),
    ("21001", "Anderlecht", "Anderlecht", "", "brussels"),
    ("21004", "Brussel", "Bruxelles", "", "brussels"),
)

AGENCIES = (
    ("gent", "In-Gent", "Kantoor Gent", "Kongostraat 42, 9000 Gent", "09 265 78 40"),
    (
        "antwerpen",
        "Atlas Antwerpen",
        "Kantoor Antwerpen",
        "Carnotstraat 110, 2060 Antwerpen",
        "03 338 70 11",
    ),
    (
        "aii-brussel",
        "Agentschap Integratie en Inburgering",
        "Kantoor Brussel",
        "Brederodestraat 10, 1000 Brussel",
        "02 205 00 55",
    ),
)

INTERPRETING_SERVICE = "Sociaal Tolken Vlaanderen (demo)"

# Contact data of the demo offices (invented numbers and addresses: .example e-mail domains)
OFFICE_CONTACT = {
    "gent": (
        "onthaal@in-gent.example",
        "Maandag tot vrijdag 9.00–12.00 uur, dinsdag en donderdag ook 13.30–16.30 uur",
        "Bel of mail om een afspraak te maken. Zonder afspraak kan op maandagvoormiddag.",
    ),
    "antwerpen": (
        "inburgering@atlas.example",
        "Maandag tot vrijdag 9.00–16.00 uur",
        "Maak een afspraak via telefoon of e-mail.",
    ),
    "aii-brussel": (
        "brussel@integratie-inburgering.example",
        "Maandag tot donderdag 9.00–12.30 uur en 13.30–16.00 uur",
        "Afspraken via telefoon; vrije inloop op woensdagvoormiddag.",
    ),
}


@dataclass(frozen=True)
class Persona:
    subject: str
    name: str
    description: str


PERSONAS: tuple[Persona, ...] = (
    Persona("demo-gent-new", "Amina Haddad", "obliged, Ghent, not working, contract just signed"),
    Persona("demo-brussels", "Yusuf Demir", "voluntary, Brussels (no fees)"),
    Persona("demo-worker", "Olena Kovalenko", "Ghent, works: VDAB and participation not required"),
    Persona("demo-lowlit", "Abdi Warsame", "Ghent, low-literate learner (adapted NT2 level)"),
    Persona(
        "demo-asylum", "Tesfay Gebremariam", "Ghent, application for protection pending: NT2 only"
    ),
    Persona("demo-complete", "Maria Santos", "Ghent, completed everything: attest reached"),
    Persona("demo-vdab-soon", "Karim Benali", "Ghent, VDAB registration deadline in 5 days"),
    Persona("demo-antwerp", "Nadia Rahimi", "obliged, Antwerp"),
    Persona("demo-intake", "Samir Haidari", "Ghent, registered at intake, no contract yet"),
    Persona(
        "demo-mo-done", "Fatima Zahra", "Ghent, MO course followed and paid: may book the MO test"
    ),
    Persona("demo-booked", "Jonas Mekonnen", "Ghent, holds a confirmed MO-test booking next month"),
    Persona(
        "demo-mo-failed",
        "Leila Karimi",
        "Ghent, failed the MO test once, repeat course followed: may book a paid retake",
    ),
    Persona("demo-counsellor", "Sofie Claes", "counsellor at In-Gent (the Ghent personas)"),
    Persona("demo-counsellor-brussels", "Luc Dubois", "counsellor at the agency's Brussels office"),
    Persona("demo-gent-officer", "Pieter De Smet", "officer of the municipality of Ghent"),
    Persona("demo-antwerp-officer", "Els Peeters", "officer of the municipality of Antwerp"),
    Persona("demo-interpreter", "Hanna Vermeulen", "interpreting service"),
    Persona("demo-admin", "Admin Demo", "administrator"),
)


PERSONAS_BY_SUBJECT: dict[str, Persona] = {}


def anchor_day(db: Session, today: date) -> date:
    row = db.get(m.AppMeta, ANCHOR_KEY)
    if row is None:
        row = m.AppMeta(key=ANCHOR_KEY, value=today.isoformat())
        db.add(row)
        db.flush()
    return date.fromisoformat(row.value)


def _reference_data(db: Session) -> None:
    for nis, name_nl, name_fr, province, region in MUNICIPALITIES:
        if db.exec(select(m.Municipality).where(m.Municipality.nis_code == nis)).first() is None:
            db.add(
                m.Municipality(
                    nis_code=nis, name_nl=name_nl, name_fr=name_fr, province=province, region=region
                )
            )
    for code, name, office, address, phone in AGENCIES:
        if db.exec(select(m.Agency).where(m.Agency.code == code)).first() is None:
            agency = m.Agency(code=code, name=name, office=office, address=address, phone=phone)
            db.add(agency)
            db.flush()
            email, hours, appointment = OFFICE_CONTACT[code]
            db.add(
                m.Office(
                    agency_id=agency.id,  # type: ignore[arg-type]
                    name=office,
                    address=address,
                    phone=phone,
                    email=email,
                    opening_hours=hours,
                    appointment=appointment,
                )
            )
    if (
        db.exec(
            select(m.InterpretingService).where(m.InterpretingService.name == INTERPRETING_SERVICE)
        ).first()
        is None
    ):
        db.add(m.InterpretingService(name=INTERPRETING_SERVICE))
    db.flush()


def _by(db: Session, model: type, **where: object) -> Any:
    statement: Any = select(model)
    for key, value in where.items():
        statement = statement.where(getattr(model, key) == value)
    found = db.exec(statement).first()
    assert found is not None, f"missing {model.__name__} {where}"
    return found


def _deadline_reachable(target: date) -> date:
    """A signing day whose VDAB deadline (signed + 2 months) falls as close to `target` as the
    calendar allows (some month ends, such as 30 April, cannot be reached from February)."""
    for offset in (0, -1, 1, -2, 2):
        wanted = target + timedelta(days=offset)
        for back in range(55, 70):
            signed = wanted - timedelta(days=back)
            if add_months(signed, 2) == wanted:
                return signed
    raise AssertionError("no signing day found")  # pragma: no cover


LOCATIONS = (
    (
        "Examencentrum Gent",
        "Kongostraat 42, 9000 Gent",
        "Oost-Vlaanderen",
        "flanders",
        "Step-free entrance, lift, adapted toilet.",
    ),
    (
        "Examencentrum Antwerpen",
        "Carnotstraat 110, 2060 Antwerpen",
        "Antwerpen",
        "flanders",
        "Entrance with 3 steps; a ramp on request.",
    ),
    (
        "Examencentrum Brussel",
        "Brederodestraat 10, 1000 Brussel",
        "",
        "brussels",
        "Step-free entrance, lift.",
    ),
)


def _test_sessions(db: Session, a: date) -> None:
    """Upcoming test sessions at central locations (one of them almost full)."""
    from datetime import datetime, time

    from portal.settings import BRUSSELS

    if db.exec(select(m.TestLocation)).first() is not None:
        return
    locations = []
    for name, address, province, region, access in LOCATIONS:
        location = m.TestLocation(
            name=name, address=address, province=province, region=region, accessibility=access
        )
        db.add(location)
        locations.append(location)
    db.flush()
    gent, antwerpen, brussel = locations
    plan = (
        (gent, "mo", None, 10, 12),
        (gent, "mo", None, 24, 2),  # almost full: demo-booked holds one of its two seats
        (antwerpen, "mo", None, 17, 12),
        (brussel, "mo", None, 15, 10),
        (gent, "nt2", "A2", 30, 15),
        (gent, "nt2", "A2_adapted", 31, 8),
        (antwerpen, "mo_exemption", None, 12, 6),
    )
    for location, test, level, offset, capacity in plan:
        start = datetime.combine(a + timedelta(days=offset), time(9, 30), BRUSSELS)
        db.add(
            m.TestSession(
                location_id=location.id,  # type: ignore[arg-type]
                test=test,
                level=level,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=capacity,
                created_by=ACTOR,
            )
        )
    db.flush()


def load_demo_data(
    db: Session, today: date, bookable: int = 0, files: FileStore | None = None
) -> list[str]:
    """Create what is missing; returns the subjects created now. With `files` (where uploads
    are kept), also the participation demo (offers, submissions with a photo)."""
    _reference_data(db)
    a = anchor_day(db, today)
    created: list[str] = []
    gent = "44021"
    agency_gent = _by(db, m.Agency, code="gent")
    agency_brussels = _by(db, m.Agency, code="aii-brussel")

    def have_grant(subject: str) -> bool:
        return (
            db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).first() is not None
        )

    def staff(subject: str, role: str, **bound: int | None) -> m.RoleGrant | None:
        name = next(p.name for p in PERSONAS if p.subject == subject)
        if have_grant(subject):
            return db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == subject)).first()
        created.append(subject)
        return grant_role(db, ACTOR, subject, role, name, **bound)

    counsellor = staff(
        "demo-counsellor",
        "counsellor",
        agency_id=agency_gent.id,
        office_id=_by(db, m.Office, agency_id=agency_gent.id).id,
    )
    counsellor_bxl = staff(
        "demo-counsellor-brussels",
        "counsellor",
        agency_id=agency_brussels.id,
        office_id=_by(db, m.Office, agency_id=agency_brussels.id).id,
    )
    staff(
        "demo-gent-officer",
        "municipality",
        municipality_id=_by(db, m.Municipality, nis_code=gent).id,
    )
    staff(
        "demo-antwerp-officer",
        "municipality",
        municipality_id=_by(db, m.Municipality, nis_code="11002").id,
    )
    staff(
        "demo-interpreter",
        "interpreting",
        interpreting_service_id=_by(db, m.InterpretingService, name=INTERPRETING_SERVICE).id,
    )
    staff("demo-admin", "admin")

    def person(
        subject: str,
        birth: date,
        *,
        nis: str = gent,
        agency: str = "gent",
        register: str = "foreigners",
        obligation: str = "obliged",
        protection: str = "not_applicable",
        situation: str = "none",
        literacy: str = "standard",
        language: str = "nl",
        grant: m.RoleGrant | None = counsellor,
        nrn: bool = False,
    ) -> m.Person | None:
        if db.exec(select(m.Person).where(m.Person.subject == subject)).first() is not None:
            return None
        given, family = next(
            p.name for p in (*PERSONAS, *PERSONAS_BY_SUBJECT.values()) if p.subject == subject
        ).split(" ", 1)
        created.append(subject)
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
                national_number=make_nrn(birth, 101 + 2 * len(created)) if nrn else None,
                email=f"{subject}@example.invalid",
                counsellor_grant_id=grant.id if grant else None,
            ),
            today=a,
        )
        notify.notify(db, new, "welcome", name=given, agency=_by(db, m.Agency, code=agency).name)
        return new

    def contract(
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
        trajectory.save_contract_draft(db, ACTOR, p, plan, signed, tell_person=False)
        dossier = load_dossier(db, p.id)  # type: ignore[arg-type]
        assert dossier is not None
        trajectory.record_paper_signature(
            db, ACTOR, p, signed, max(a, signed), contract_texts(dossier, "nl")
        )

    # An obliged newcomer in Ghent who doesn't work, contract just signed.
    p = person("demo-gent-new", date(1994, 5, 12), language="nl")
    if p:
        contract(
            p,
            a,
            add_months(a, 12),
            add_months(a, 18),
            add_months(a, 12),
            mo_schedule="Tuesday and Thursday 9:00-12:00",
            nt2_schedule="Monday and Wednesday 18:30-21:30",
        )

    # A voluntary newcomer in Brussels (fees exempt later).
    p = person(
        "demo-brussels",
        date(1990, 9, 3),
        nis="21004",
        agency="aii-brussel",
        obligation="voluntary",
        language="fr",
        grant=counsellor_bxl,
    )
    if p:
        signed = a - timedelta(days=30)
        contract(
            p,
            signed,
            add_months(signed, 12),
            add_months(signed, 18),
            add_months(signed, 12),
            mo_provider="Agentschap Integratie en Inburgering, Brussel",
            mo_variant="online",
            nt2_provider="CVO Lethas Brussel",
            nt2_variant="online",
        )

    # A newcomer in Ghent who works.
    p = person("demo-worker", date(1988, 2, 29), situation="works", language="en")
    if p:
        signed = a - timedelta(days=60)
        contract(
            p, signed, add_months(signed, 12), add_months(signed, 18), None, nt2_variant="weekend"
        )

    # A low-literate learner in Ghent (adapted NT2 level).
    p = person("demo-lowlit", date(1985, 11, 20), literacy="low", language="ar")
    if p:
        signed = a - timedelta(days=90)
        contract(
            p,
            signed,
            add_months(signed, 12),
            add_months(signed, 24),
            add_months(signed, 12),
            nt2_provider="CBE Open School Gent",
            nt2_type="CBE",
            nt2_variant="classroom",
        )
        record_fact(
            db,
            ACTOR,
            p,
            "nt2_module_followed",
            signed + timedelta(days=60),
            a,
            source="CBE Open School Gent",
            tell_person=False,
        )

    # An applicant for international protection in Ghent (NT2 only).
    person(
        "demo-asylum",
        date(1999, 7, 1),
        register="waiting",
        protection="pending",
        obligation="voluntary",
        language="en",
    )

    # Someone in Ghent who completed everything.
    p = person("demo-complete", date(1992, 3, 15), language="nl")
    if p:
        signed = add_months(a, -22)
        contract(p, signed, add_months(signed, 12), add_months(signed, 24), add_months(signed, 12))
        record_fact(
            db,
            ACTOR,
            p,
            "vdab_registered",
            signed + timedelta(days=20),
            a,
            source="VDAB",
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "mo_course_followed",
            signed + timedelta(days=120),
            a,
            source="In-Gent",
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "test_result",
            signed + timedelta(days=150),
            a,
            test="mo",
            passed=True,
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "pillar4_hours",
            signed + timedelta(days=200),
            a,
            hours=40,
            source="Buddyproject Gent",
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "nt2_module_followed",
            signed + timedelta(days=300),
            a,
            source="CVO Gent",
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "test_result",
            signed + timedelta(days=400),
            a,
            test="nt2",
            passed=True,
            level="A2",
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "period",
            signed + timedelta(days=420),
            a,
            period_kind="work",
            source="VDAB",
            tell_person=False,
        )

    # A person in Ghent whose VDAB deadline is in 5 days.
    p = person("demo-vdab-soon", date(1997, 12, 31), language="nl")
    if p:
        signed = _deadline_reachable(a + timedelta(days=5))
        contract(p, signed, add_months(signed, 12), add_months(signed, 18), add_months(signed, 12))

    # A person registered at intake in Ghent; the counsellor has not drawn up a contract yet.
    person("demo-intake", date(1991, 6, 14), language="ar", nrn=True)

    # An obliged newcomer in Antwerp.
    p = person(
        "demo-antwerp",
        date(2000, 1, 31),
        nis="11002",
        agency="antwerpen",
        grant=None,
        language="nl",
    )
    if p:
        signed = a - timedelta(days=10)
        contract(
            p,
            signed,
            add_months(signed, 12),
            add_months(signed, 18),
            add_months(signed, 12),
            mo_provider="Atlas Antwerpen",
            nt2_provider="CVO Antwerpen",
        )
    # MO course followed and paid: may book the MO test.
    p = person("demo-mo-done", date(1989, 10, 2), language="nl")
    if p:
        signed = a - timedelta(days=120)
        contract(p, signed, add_months(signed, 12), add_months(signed, 18), add_months(signed, 12))
        record_fact(
            db,
            ACTOR,
            p,
            "mo_course_followed",
            a - timedelta(days=3),
            a,
            source="In-Gent",
            tell_person=False,
        )
        from datetime import datetime as _dt
        from datetime import time as _time

        from portal.services import payments as _payments
        from portal.settings import BRUSSELS as _BXL

        dossier = load_dossier(db, p.id)  # type: ignore[arg-type]
        assert dossier is not None
        _payments.record_external_payment(
            db,
            ACTOR,
            dossier,
            "mo_course:1",
            "counter",
            "DEMO-0001",
            signed,
            "MO course",
            _dt.combine(a, _time(9, 0), _BXL),
        )

    _test_sessions(db, a)

    def course_done_and_paid(subject: str, birth: date, **facts_kw: Any) -> m.Person | None:
        """A Ghent newcomer whose MO course is followed and paid (at the counter)."""
        p = person(subject, birth, language="nl")
        if p is None:
            return None
        signed = a - timedelta(days=150)
        contract(p, signed, add_months(signed, 12), add_months(signed, 18), add_months(signed, 12))
        record_fact(
            db,
            ACTOR,
            p,
            "mo_course_followed",
            facts_kw.get("course_on", a - timedelta(days=3)),
            a,
            source="In-Gent",
            tell_person=False,
        )
        from datetime import datetime as _dt
        from datetime import time as _time

        from portal.services import payments as _payments
        from portal.settings import BRUSSELS as _BXL

        dossier = load_dossier(db, p.id)  # type: ignore[arg-type]
        assert dossier is not None
        _payments.record_external_payment(
            db,
            ACTOR,
            dossier,
            "mo_course:1",
            "counter",
            f"DEMO-{p.id:04d}",
            signed,
            "MO course",
            _dt.combine(a, _time(9, 0), _BXL),
        )
        return p

    # Holds a confirmed MO-test booking next month (the almost full session in Ghent).
    p = course_done_and_paid("demo-booked", date(1993, 4, 8))
    if p:
        from datetime import datetime as _dt
        from datetime import time as _time

        from portal.services import payments as _payments
        from portal.services.booking import hold_seat_in
        from portal.settings import BRUSSELS as _BXL

        now = _dt.combine(a, _time(9, 0), _BXL)
        almost_full = db.exec(
            select(m.TestSession).where(m.TestSession.test == "mo", m.TestSession.capacity == 2)
        ).one()
        held = hold_seat_in(db, p.id, almost_full.id, now)  # type: ignore[arg-type]
        dossier = load_dossier(db, p.id)  # type: ignore[arg-type]
        assert dossier is not None
        _payments.record_external_payment(
            db,
            ACTOR,
            dossier,
            f"test:{held.id}",
            "counter",
            f"DEMO-T{held.id:04d}",
            a,
            "MO test",
            now,
        )

    # Failed the MO test once, followed the repeat course: may book a paid retake.
    p = course_done_and_paid("demo-mo-failed", date(1987, 8, 19), course_on=a - timedelta(days=90))
    if p:
        record_fact(
            db,
            ACTOR,
            p,
            "test_result",
            a - timedelta(days=40),
            a,
            test="mo",
            passed=False,
            tell_person=False,
        )
        record_fact(
            db,
            ACTOR,
            p,
            "mo_course_followed",
            a - timedelta(days=5),
            a,
            source="In-Gent (repeat course)",
            tell_person=False,
        )

    # Extra persons ready to book the MO test, for load and contention tests.
    for index in range(1, bookable + 1):
        subject = f"demo-bookable-{index}"
        if db.exec(select(m.Person).where(m.Person.subject == subject)).first() is None:
            PERSONAS_BY_SUBJECT[subject] = Persona(subject, f"Bookable {index}", "ready to book")
            course_done_and_paid(subject, date(1990, 1, 1) + timedelta(days=index))

    # Two classroom sessions of the blended MO course in Ghent, after the anchor day.
    from portal.services.classroom import create_session, sessions_of_agency

    if not sessions_of_agency(db, agency_gent.id):
        from datetime import datetime, time

        from portal.settings import BRUSSELS

        for offset, module_id, title in (
            (14, "01-separation-of-powers", "Democracy and the rule of law"),
            (28, "03-equality-of-men-and-women", "Equal rights in everyday life"),
        ):
            day = a + timedelta(days=offset)
            create_session(
                db,
                ACTOR,
                agency_gent.id,
                title,
                datetime.combine(day, time(9, 0), BRUSSELS),
                datetime.combine(day, time(12, 0), BRUSSELS),
                "In-Gent, Kongostraat 42, 9000 Gent",
                "",
                module_id,
                datetime.combine(a, time(0, 0), BRUSSELS),
            )
    if files is not None:
        from portal.services.demo_participation import load_participation_demo

        db.flush()
        load_participation_demo(db, files, a, today)
    return created
