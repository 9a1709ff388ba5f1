"""The integration offices as the public sees them: where a newcomer finds their counsellor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal.db import models as m


@dataclass(frozen=True)
class PublicOffice:
    """An office's contact data, as staff typed it (in Dutch)."""

    name: str
    agency: str
    address: str
    phone: str
    email: str
    opening_hours: str
    appointment: str


def _public(office: m.Office, agency: m.Agency) -> PublicOffice:
    return PublicOffice(
        name=office.name,
        agency=agency.name,
        address=office.address,
        phone=office.phone,
        email=office.email,
        opening_hours=office.opening_hours,
        appointment=office.appointment,
    )


def public_offices(db: Session) -> list[PublicOffice]:
    """Every active office with its agency's name, sorted by office name."""
    rows = db.exec(
        select(m.Office, m.Agency)
        .join(m.Agency, col(m.Agency.id) == col(m.Office.agency_id))
        .where(col(m.Office.active).is_(True))
        .order_by(col(m.Office.name), col(m.Office.id))
    ).all()
    return [_public(office, agency) for office, agency in rows]


@dataclass(frozen=True)
class MyCounsellor:
    """Who helps the person and where: their counsellor's name (None when no counsellor is
    assigned, or theirs left) and the office to go to, call or write."""

    name: str | None
    office: PublicOffice | None


def my_counsellor(db: Session, person: m.Person) -> MyCounsellor:
    """The person's counsellor and office: the counsellor's own office while they hold the
    role, else the first active office of the person's agency."""
    grant = db.get(m.RoleGrant, person.counsellor_grant_id) if person.counsellor_grant_id else None
    current = grant is not None and grant.ended_at is None and grant.role == "counsellor"
    name = (grant.display_name or None) if current and grant is not None else None
    agency = db.get(m.Agency, person.agency_id)
    if agency is None:
        return MyCounsellor(name, None)
    office = None
    if current and grant is not None and grant.office_id is not None:
        office = db.get(m.Office, grant.office_id)
    if office is None or not office.active or office.agency_id != agency.id:
        office = db.exec(
            select(m.Office)
            .where(m.Office.agency_id == agency.id, col(m.Office.active).is_(True))
            .order_by(col(m.Office.id))
        ).first()
    return MyCounsellor(name, _public(office, agency) if office is not None else None)
