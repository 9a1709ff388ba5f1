"""The demo's reference data: municipalities, agencies with their offices, the interpreting
service, and test locations with upcoming sessions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from portal.db import models as m
from portal.services import demo_texts as texts
from portal.settings import BRUSSELS

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


def anchor_day(db: Session, today: date) -> date:
    row = db.get(m.AppMeta, ANCHOR_KEY)
    if row is None:
        row = m.AppMeta(key=ANCHOR_KEY, value=today.isoformat())
        db.add(row)
        db.flush()
    return date.fromisoformat(row.value)


def reference_data(db: Session) -> None:
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
            assert agency.id is not None  # flushed
            email, hours, appointment = OFFICE_CONTACT[code]
            db.add(
                m.Office(
                    agency_id=agency.id,
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


def by(db: Session, model: type, **where: object) -> Any:
    statement: Any = select(model)
    for key, value in where.items():
        statement = statement.where(getattr(model, key) == value)
    found = db.exec(statement).first()
    assert found is not None, f"missing {model.__name__} {where}"
    return found


LOCATIONS = (
    (
        "Examencentrum Gent",
        "Kongostraat 42, 9000 Gent",
        "Oost-Vlaanderen",
        "flanders",
        "Ingang zonder trappen, lift, aangepast toilet.",
    ),
    (
        "Examencentrum Antwerpen",
        "Carnotstraat 110, 2060 Antwerpen",
        "Antwerpen",
        "flanders",
        "Ingang met 3 treden; een helling op vraag.",
    ),
    (
        "Examencentrum Brussel",
        "Brederodestraat 10, 1000 Brussel",
        "",
        "brussels",
        "Ingang zonder trappen, lift.",
    ),
)


def test_sessions(db: Session, a: date) -> None:
    """Upcoming test sessions at central locations (one of them almost full)."""
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
    for location in locations:
        texts.translate(db, location)
    gent, antwerpen, brussel = locations
    plan = (
        (gent, "mo", None, 10, 12),
        (gent, "mo", None, 24, 2),  # almost full: demo-booked holds one of its two seats
        (antwerpen, "mo", None, 17, 12),
        (brussel, "mo", None, 15, 10),
        (gent, "nt2", "A2", 30, 15),
        (gent, "nt2", "A2_adapted", 31, 8),
        (antwerpen, "mo_exemption", None, 12, 6),
        (gent, "b1_oral", None, 45, 10),  # the spoken B1 test (demo-b1 may book it)
    )
    for location, test, level, offset, capacity in plan:
        assert location.id is not None  # flushed
        start = datetime.combine(a + timedelta(days=offset), time(9, 30), BRUSSELS)
        db.add(
            m.TestSession(
                location_id=location.id,
                test=test,
                level=level,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=capacity,
                created_by=ACTOR,
            )
        )
    db.flush()
