"""Demo data for pillar 4 (participation): activity offers in Ghent and Antwerp, a waiting
submission for demo-gent-new and demo-antwerp, 16 confirmed hours for demo-vdab-soon.

Everything goes through the same services the pages use (the form, the upload checks, the
submission, the municipality's decision), so the demo shows real records."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlmodel import Session, select

from portal.adapters.storage import FileStore
from portal.adapters.uploads import inspect_upload
from portal.db import models as m
from portal.domain.participation import LogEntry
from portal.services import demo_texts as texts
from portal.services import participation as svc
from portal.settings import BRUSSELS

ACTOR = "demo-data"
OFFERS = {
    "44021": [
        (
            "volunteering",
            "Vrijwilliger in het buurtcentrum",
            "Buurtcentrum De Brug vzw",
            "Help bij de koffie-ochtend en de huiswerkklas. Je spreekt Nederlands met de buren.",
            "Sint-Amandsberg, Gent",
            "09 123 45 67 of debrug@example.invalid",
        ),
        (
            "buddy",
            "Buddy: samen Gent ontdekken",
            "Gent Samen vzw",
            "Je krijgt een buddy uit Gent. Jullie spreken af, één keer per week.",
            "Gent",
            "buddy@example.invalid",
        ),
        (
            "internship",
            "Kennismakingsstage bij de stad",
            "Stad Gent",
            "Een week meelopen in een dienst van de stad: de bibliotheek, de groendienst of het "
            "onthaal.",
            "Stadhuis, Botermarkt 1, Gent",
            "Vraag het aan je trajectbegeleider.",
        ),
    ],
    "11002": [
        (
            "language_internship",
            "Taalstage in de bibliotheek",
            "Bibliotheek Permeke",
            "Oefen Nederlands in de bibliotheek: boeken terugzetten, bezoekers helpen.",
            "De Coninckplein 25, Antwerpen",
            "permeke@example.invalid",
        ),
        (
            "volunteering",
            "Vrijwilliger bij de voedselbank",
            "Voedselbank Antwerpen vzw",
            "Pakketten maken en uitdelen, samen met andere vrijwilligers.",
            "Antwerpen",
            "03 987 65 43",
        ),
    ],
}


def attendance_sheet_photo(title: str, rows: int) -> bytes:
    """A made-up photo of a signed attendance sheet (a JPEG, as a phone would send)."""
    image = Image.new("RGB", (900, 1200), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.text((60, 50), title, fill=(20, 20, 20))
    draw.text((60, 90), "Aanwezigheidslijst / attendance list", fill=(20, 20, 20))
    for i in range(rows + 1):
        y = 160 + i * 70
        draw.line((60, y, 840, y), fill=(40, 40, 40), width=2)
        if i < rows:
            draw.text((70, y + 25), f"dag {i + 1}", fill=(30, 30, 30))
            draw.line((500, y + 50, 700, y + 20), fill=(20, 40, 140), width=3)  # a signature
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _person(db: Session, subject: str) -> m.Person | None:
    return db.exec(select(m.Person).where(m.Person.subject == subject)).first()


def _record(
    db: Session,
    files: FileStore,
    person: m.Person,
    *,
    kind: str,
    organisation: str,
    contact: tuple[str, str],
    place: str,
    description: str,
    days: list[tuple[date, int]],
    at: datetime,
    today: date,
    offer: m.ActivityOffer | None,
) -> m.Activity:
    assert person.id is not None
    data = svc.ActivityInput(
        kind=kind,
        offer_id=offer.id if offer else None,
        organisation=organisation,
        contact_name=contact[0],
        contact_email=contact[1],
        place=place,
        start_on=days[0][0],
        end_on=days[-1][0],
        description=description,
        entries=[LogEntry(day, hours) for day, hours in days],
    )
    activity = svc.save_draft(db, person.id, None, data, at, actor=person.subject or ACTOR)
    photo = inspect_upload(
        attendance_sheet_photo(organisation, len(days)),
        "aanwezigheidslijst.jpg",
        "image/jpeg",
        max_bytes=10 * 1024 * 1024,
    )
    svc.add_file(db, files, activity, photo, max_files=5, actor=person.subject or ACTOR, now=at)
    assert activity.id is not None
    return svc.submit(
        db,
        person.id,
        activity.id,
        at,
        today,
        actor=person.subject or ACTOR,
        base_url="http://127.0.0.1:8000",
        link_days=14,
    )


def load_participation_demo(db: Session, files: FileStore, a: date, today: date) -> bool:
    """Create the pillar-4 demo once (anchored to day `a`); False when it is there already."""
    if db.exec(select(m.ActivityOffer)).first() is not None:
        return False
    offers: dict[str, list[m.ActivityOffer]] = {}
    for nis, items in OFFERS.items():
        municipality = db.exec(select(m.Municipality).where(m.Municipality.nis_code == nis)).one()
        assert municipality.id is not None
        offers[nis] = [
            svc.create_offer(
                db,
                municipality.id,
                ACTOR,
                kind=kind,
                title=title,
                organisation=organisation,
                description=description,
                place=place,
                contact=contact,
            )
            for kind, title, organisation, description, place, contact in items
        ]
        for offer in offers[nis]:
            texts.translate(db, offer)
    noon = datetime.combine(a, time(12, 0), BRUSSELS)

    newcomer = _person(db, "demo-gent-new")
    if newcomer is not None:  # contract signed today: 8 hours of volunteering, today
        _record(
            db,
            files,
            newcomer,
            kind="volunteering",
            organisation="Buurtcentrum De Brug vzw",
            contact=("Ann Verhoeven", "ann.verhoeven@example.invalid"),
            place="Sint-Amandsberg, Gent",
            description="Ik hielp bij de koffie-ochtend en ik zette de tafels klaar.",
            days=[(a, 8)],
            at=noon,
            today=today,
            offer=offers["44021"][0],
        )

    waiting = _person(db, "demo-antwerp")
    if waiting is not None:
        _record(
            db,
            files,
            waiting,
            kind="language_internship",
            organisation="Bibliotheek Permeke",
            contact=("Tom Janssens", ""),
            place="De Coninckplein 25, Antwerpen",
            description="Ik zette boeken terug en ik hielp bezoekers aan de balie.",
            days=[(a - timedelta(days=5), 3), (a - timedelta(days=3), 3)],
            at=noon,
            today=today,
            offer=offers["11002"][0],
        )

    confirmed = _person(db, "demo-vdab-soon")
    contract = (
        db.exec(select(m.Contract).where(m.Contract.person_id == confirmed.id)).first()
        if confirmed
        else None
    )
    if confirmed is not None and contract is not None and contract.signed_on is not None:
        start = contract.signed_on + timedelta(days=7)
        days = [(start + timedelta(days=7 * i), 4) for i in range(4)]  # 4 × 4 = 16 hours
        activity = _record(
            db,
            files,
            confirmed,
            kind="buddy",
            organisation="Gent Samen vzw",
            contact=("Hilde Maes", ""),
            place="Gent",
            description="Ik sprak elke week af met mijn buddy. We gingen naar de markt en de bib.",
            days=days,
            at=datetime.combine(days[-1][0] + timedelta(days=1), time(10, 0), BRUSSELS),
            today=today,
            offer=offers["44021"][1],
        )
        assert activity.id is not None
        svc.decide(
            db,
            confirmed.municipality_id,
            activity.id,
            "confirm_all",
            confirmed=None,
            reason="",
            actor="demo-gent-officer",
            now=datetime.combine(days[-1][0] + timedelta(days=3), time(11, 0), BRUSSELS),
            today=days[-1][0] + timedelta(days=3),
        )
    return True
