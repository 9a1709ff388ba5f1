"""Reference data and access, managed by administrators (CLI: `portal admin ...`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal.db import models as m
from portal.services.errors import ServiceError, audit
from portal.services.people import end_sessions, grant_role

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
    assert agency.id is not None  # flushed
    db.add(
        m.Office(
            agency_id=agency.id,
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
    office_id: int | None = None,
) -> m.RoleGrant:
    if not subject.strip():
        raise ServiceError("subject_required", "give the subject (the sign-in id)")
    bound: dict[str, int | None] = {}
    if office_id is not None and not agency:  # an office names its agency
        office = db.get(m.Office, office_id)
        owner = db.get(m.Agency, office.agency_id) if office is not None else None
        if office is None or owner is None or not office.active:
            raise ServiceError("unknown_agency", "no such office")
        agency = owner.code
    if agency:
        row = db.exec(select(m.Agency).where(m.Agency.code == agency)).first()
        if row is None:
            raise ServiceError("unknown_agency", f"no agency {agency}")
        bound["agency_id"] = row.id
        if office_id is not None:
            office = db.get(m.Office, office_id)
            if office is None or office.agency_id != row.id:
                raise ServiceError("unknown_agency", "the office is not one of the agency's")
            bound["office_id"] = office_id
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


def held_grant_by_id(db: Session, grant_id: int) -> m.RoleGrant | None:
    """A grant that is still held (None for an unknown or ended one)."""
    row = db.get(m.RoleGrant, grant_id)
    return row if row is not None and row.active_key is not None else None


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


# ------------------------------------------------------------------ reads for the admin pages


@dataclass(frozen=True)
class GrantRow:
    grant: m.RoleGrant
    bound_to: str  # the agency (and office), municipality or service it is bound to
    caseload: int  # counsellors: persons assigned


def grants_overview(db: Session) -> tuple[list[GrantRow], list[GrantRow]]:
    """Held grants (by subject) and ended ones (newest end first, at most 200)."""
    agencies = {a.id: a.name for a in db.exec(select(m.Agency)).all()}
    offices = {o.id: o.name for o in db.exec(select(m.Office)).all()}
    municipalities = {x.id: x.name_nl for x in db.exec(select(m.Municipality)).all()}
    services = {x.id: x.name for x in db.exec(select(m.InterpretingService)).all()}
    loads: dict[int, int] = {}
    for grant_id in db.exec(
        select(m.Person.counsellor_grant_id).where(col(m.Person.counsellor_grant_id).is_not(None))
    ).all():
        if grant_id is not None:
            loads[grant_id] = loads.get(grant_id, 0) + 1

    def row(grant: m.RoleGrant) -> GrantRow:
        if grant.agency_id is not None:
            bound = agencies.get(grant.agency_id, "")
            if grant.office_id is not None and offices.get(grant.office_id):
                bound += f", {offices[grant.office_id]}"
        elif grant.municipality_id is not None:
            bound = municipalities.get(grant.municipality_id, "")
        elif grant.interpreting_service_id is not None:
            bound = services.get(grant.interpreting_service_id, "")
        else:
            bound = ""
        return GrantRow(grant, bound, loads.get(grant.id or 0, 0))

    held = db.exec(
        select(m.RoleGrant)
        .where(col(m.RoleGrant.active_key).is_not(None))
        .order_by(col(m.RoleGrant.subject), col(m.RoleGrant.role))
    ).all()
    ended = db.exec(
        select(m.RoleGrant)
        .where(col(m.RoleGrant.active_key).is_(None))
        .order_by(col(m.RoleGrant.ended_at).desc())
        .limit(200)
    ).all()
    return [row(g) for g in held], [row(g) for g in ended]


def successors_for(db: Session, grant: m.RoleGrant) -> list[m.RoleGrant]:
    """The counsellors of the same agency who can take over `grant`'s caseload."""
    return list(
        db.exec(
            select(m.RoleGrant)
            .where(
                m.RoleGrant.role == "counsellor",
                m.RoleGrant.agency_id == grant.agency_id,
                col(m.RoleGrant.active_key).is_not(None),
                m.RoleGrant.id != grant.id,
            )
            .order_by(m.RoleGrant.display_name)
        ).all()
    )


@dataclass(frozen=True)
class Organisations:
    agencies: list[tuple[m.Agency, list[m.Office]]]
    municipalities: list[m.Municipality]
    services: list[m.InterpretingService]


def organisations(db: Session) -> Organisations:
    offices = db.exec(select(m.Office).order_by(m.Office.name)).all()
    agencies = db.exec(select(m.Agency).order_by(m.Agency.name)).all()
    return Organisations(
        [(a, [o for o in offices if o.agency_id == a.id]) for a in agencies],
        list(db.exec(select(m.Municipality).order_by(m.Municipality.name_nl)).all()),
        list(db.exec(select(m.InterpretingService).order_by(m.InterpretingService.name)).all()),
    )


OFFICE_FIELDS = ("name", "address", "phone", "email", "opening_hours", "appointment")
OFFICE_LIMITS = {"name": 200, "address": 300, "phone": 40, "email": 200}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ./()-]{6,40}$")


def _office_values(values: dict[str, str]) -> dict[str, str]:
    clean = {name: values.get(name, "").strip() for name in OFFICE_FIELDS}
    if not clean["name"]:
        raise ServiceError("required", "name")
    if clean["email"] and not EMAIL.match(clean["email"]):
        raise ServiceError("email", "email")
    if clean["phone"] and not PHONE.match(clean["phone"]):
        raise ServiceError("phone", "phone")
    for name, value in clean.items():
        if len(value) > OFFICE_LIMITS.get(name, 500):
            raise ServiceError("too_long", name)
    return clean


def add_office(db: Session, actor: str, agency_id: int, values: dict[str, str]) -> m.Office:
    """An office of an agency, with what newcomers need to reach it. ServiceError's detail
    names the field."""
    if db.get(m.Agency, agency_id) is None:
        raise ServiceError("unknown_agency", "agency")
    office = m.Office.model_validate({"agency_id": agency_id, **_office_values(values)})
    db.add(office)
    db.flush()
    audit(db, actor, "add_office", "office", office.id, after=office.model_dump(mode="json"))
    return office


def change_office(db: Session, actor: str, office_id: int, values: dict[str, str]) -> m.Office:
    office = db.get(m.Office, office_id)
    if office is None:
        raise ServiceError("unknown_office", "office")
    before = office.model_dump(mode="json")
    for name, value in _office_values(values).items():
        setattr(office, name, value)
    db.add(office)
    db.flush()
    after = office.model_dump(mode="json")
    if after != before:
        audit(db, actor, "change_office", "office", office.id, before=before, after=after)
    return office
