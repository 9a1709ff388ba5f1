"""The activities a municipality offers its newcomers (a newcomer can start a draft from one);
a municipality sees and changes only its own offer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.participation import ActivityKind, Problem
from portal.services.errors import ServiceError, audit
from portal.services.participation.records import ActivityProblems


def offers_in(
    db: Session, municipality_id: int, *, only_active: bool = True
) -> list[m.ActivityOffer]:
    query = select(m.ActivityOffer).where(m.ActivityOffer.municipality_id == municipality_id)
    if only_active:
        query = query.where(m.ActivityOffer.active == True)  # noqa: E712
    return list(db.exec(query.order_by(col(m.ActivityOffer.title))).all())


@dataclass(frozen=True)
class OffersPage:
    municipality: m.Municipality | None
    offers: list[m.ActivityOffer]


def offers_page(db: Session, municipality_id: int) -> OffersPage:
    """The municipality's whole offer, withdrawn activities included."""
    return OffersPage(
        municipality=db.get(m.Municipality, municipality_id),
        offers=offers_in(db, municipality_id, only_active=False),
    )


def create_offer(
    db: Session,
    municipality_id: int,
    actor: str,
    *,
    kind: str,
    title: str,
    organisation: str,
    description: str,
    place: str,
    contact: str,
) -> m.ActivityOffer:
    problems: list[Problem] = []
    if kind not in {k.value for k in ActivityKind}:
        problems.append(Problem("kind", "choose"))
    for name, value, limit in (
        ("title", title, 200),
        ("organisation", organisation, 200),
        ("description", description, 2000),
        ("place", place, 200),
        ("contact", contact, 200),
    ):
        if not value.strip() and name in {"title", "organisation"}:
            problems.append(Problem(name, "required"))
        elif len(value) > limit:
            problems.append(Problem(name, "too_long"))
    if problems:
        raise ActivityProblems(problems)
    offer = m.ActivityOffer(
        municipality_id=municipality_id,
        kind=kind,
        title=title.strip(),
        organisation=organisation.strip(),
        description=description.strip(),
        place=place.strip(),
        contact=contact.strip(),
        created_by=actor,
    )
    db.add(offer)
    db.flush()
    audit(db, actor, "offer.create", "activity_offer", offer.id, municipality_id=municipality_id)
    return offer


def set_offer_active(
    db: Session, municipality_id: int, offer_id: int, active_now: bool, actor: str
) -> m.ActivityOffer:
    offer = db.get(m.ActivityOffer, offer_id)
    if offer is None or offer.municipality_id != municipality_id:
        raise ServiceError("unknown_offer")
    offer.active = active_now
    db.add(offer)
    audit(db, actor, "offer.active" if active_now else "offer.withdraw", "activity_offer", offer.id)
    return offer
