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


def public_offices(db: Session) -> list[PublicOffice]:
    """Every active office with its agency's name, sorted by office name."""
    rows = db.exec(
        select(m.Office, m.Agency)
        .join(m.Agency, col(m.Agency.id) == col(m.Office.agency_id))
        .where(col(m.Office.active).is_(True))
        .order_by(col(m.Office.name), col(m.Office.id))
    ).all()
    return [
        PublicOffice(
            name=office.name,
            agency=agency.name,
            address=office.address,
            phone=office.phone,
            email=office.email,
            opening_hours=office.opening_hours,
            appointment=office.appointment,
        )
        for office, agency in rows
    ]
