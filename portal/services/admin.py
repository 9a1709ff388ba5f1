"""Reference data and access, managed by administrators (CLI: `portal admin ...`)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from portal.db import models as m
from portal.services.people import ServiceError, audit, end_sessions, grant_role

NIS = re.compile(r"^\d{5}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def add_agency(
    db: Session,
    actor: str,
    code: str,
    name: str,
    office: str = "",
    address: str = "",
    phone: str = "",
) -> m.Agency:
    if not CODE.match(code):
        raise ServiceError("invalid_code", "an agency code is 2-40 lowercase letters, digits or -")
    if not name.strip():
        raise ServiceError("name_required", "the agency needs a name")
    if db.exec(select(m.Agency).where(m.Agency.code == code)).first() is not None:
        raise ServiceError("exists", f"agency {code} exists already")
    agency = m.Agency(
        code=code,
        name=name.strip(),
        office=office.strip(),
        address=address.strip(),
        phone=phone.strip(),
    )
    db.add(agency)
    db.flush()
    db.add(
        m.Office(
            agency_id=agency.id,  # type: ignore[arg-type]
            name=office.strip() or name.strip(),
            address=address.strip(),
            phone=phone.strip(),
        )
    )
    audit(db, actor, "add_agency", "agency", agency.id, after={"code": code, "name": name})
    return agency


def add_municipality(
    db: Session,
    actor: str,
    nis: str,
    name_nl: str,
    region: str,
    name_fr: str = "",
    province: str = "",
) -> m.Municipality:
    if not NIS.match(nis):
        raise ServiceError("invalid_nis", "a NIS code has 5 digits")
    if region not in {"flanders", "brussels"}:
        raise ServiceError("invalid_region", "region must be flanders or brussels")
    if (region == "brussels") != ("21001" <= nis <= "21019"):
        raise ServiceError(
            "invalid_region", "the Brussels-Capital Region's municipalities are 21001 to 21019"
        )
    if not name_nl.strip():
        raise ServiceError("name_required", "the municipality needs a Dutch name")
    if db.exec(select(m.Municipality).where(m.Municipality.nis_code == nis)).first():
        raise ServiceError("exists", f"municipality {nis} exists already")
    row = m.Municipality(
        nis_code=nis,
        name_nl=name_nl.strip(),
        name_fr=name_fr.strip(),
        province=province.strip(),
        region=region,
    )
    db.add(row)
    db.flush()
    audit(db, actor, "add_municipality", "municipality", row.id, after={"nis": nis})
    return row


def add_interpreting_service(db: Session, actor: str, name: str) -> m.InterpretingService:
    if not name.strip():
        raise ServiceError("name_required", "the service needs a name")
    if db.exec(select(m.InterpretingService).where(m.InterpretingService.name == name)).first():
        raise ServiceError("exists", f"service {name!r} exists already")
    row = m.InterpretingService(name=name.strip())
    db.add(row)
    db.flush()
    audit(db, actor, "add_interpreting_service", "interpreting_service", row.id)
    return row


def grant(
    db: Session,
    actor: str,
    subject: str,
    role: str,
    name: str,
    *,
    agency: str | None = None,
    municipality: str | None = None,
    service: str | None = None,
) -> m.RoleGrant:
    if not subject.strip():
        raise ServiceError("subject_required", "give the subject (the sign-in id)")
    bound: dict[str, int | None] = {}
    if agency:
        row = db.exec(select(m.Agency).where(m.Agency.code == agency)).first()
        if row is None:
            raise ServiceError("unknown_agency", f"no agency {agency}")
        bound["agency_id"] = row.id
    if municipality:
        mun = db.exec(select(m.Municipality).where(m.Municipality.nis_code == municipality)).first()
        if mun is None:
            raise ServiceError("unknown_municipality", f"no municipality {municipality}")
        bound["municipality_id"] = mun.id
    if service:
        svc = db.exec(
            select(m.InterpretingService).where(m.InterpretingService.name == service)
        ).first()
        if svc is None:
            raise ServiceError("unknown_service", f"no interpreting service {service!r}")
        bound["interpreting_service_id"] = svc.id
    try:
        return grant_role(db, actor, subject, role, name, **bound)
    except ServiceError as error:
        raise ServiceError(
            error.code,
            f"{role} needs "
            + {
                "agency_required": "--agency",
                "municipality_required": "--municipality",
                "service_required": "--service",
                "invalid_role": "a role: counsellor, municipality, interpreting or admin",
            }.get(error.code, error.code),
        ) from None


def held_grant(db: Session, subject: str, role: str) -> m.RoleGrant | None:
    return db.exec(select(m.RoleGrant).where(m.RoleGrant.active_key == f"{subject}:{role}")).first()


def caseload_size(db: Session, grant_id: int) -> int:
    return len(db.exec(select(m.Person.id).where(m.Person.counsellor_grant_id == grant_id)).all())


def revoke(
    db: Session,
    actor: str,
    subject: str,
    role: str,
    *,
    now: datetime,
    reason: str = "",
    successor: str | None = None,
) -> m.RoleGrant:
    """Take a role back. The grant is never deleted: it gets an end (who, when, why), so the
    audit log and the grants keep who held which role when. A counsellor's caseload goes to
    `successor` (another counsellor of the same agency, by subject), required when there is
    one. The subject is signed out everywhere at once."""
    row = held_grant(db, subject, role)
    if row is None:
        raise ServiceError("unknown_grant", f"{subject} has no role {role}")
    handed_over = 0
    if row.role == "counsellor":
        caseload = db.exec(select(m.Person).where(m.Person.counsellor_grant_id == row.id)).all()
        if caseload:
            if not successor:
                raise ServiceError(
                    "successor_required",
                    f"{len(caseload)} persons have this counsellor: name a successor "
                    "(--successor SUBJECT)",
                )
            heir = held_grant(db, successor, "counsellor")
            if heir is None or heir.id == row.id or heir.agency_id != row.agency_id:
                raise ServiceError(
                    "invalid_successor", "the successor must be another counsellor of the agency"
                )
            for person in caseload:
                person.counsellor_grant_id = heir.id
                db.add(person)
            handed_over = len(caseload)
            audit(
                db,
                actor,
                "hand_over_caseload",
                "role_grant",
                row.id,
                subject=subject,
                to_subject=successor,
                to_grant=heir.id,
                persons=handed_over,
            )
    row.ended_at = now
    row.ended_by = actor
    row.end_reason = reason.strip()[:300]
    row.active_key = None
    db.add(row)
    db.flush()
    audit(
        db,
        actor,
        "revoke_role",
        "role_grant",
        row.id,
        subject=subject,
        role=role,
        reason=row.end_reason,
        caseload_handed_over=handed_over,
    )
    end_sessions(db, subject)
    return row
