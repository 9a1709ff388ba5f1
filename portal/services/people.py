"""The write side for people, contracts, plans and facts: the only way these records change.

Each function validates its input, writes, and leaves an audit record. Callers pass the
database session (one unit of work) and the actor's subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.domain.contract import suspension_problem
from portal.domain.identity import Identity, may_be_same_person
from portal.domain.model import (
    FactKind,
    Level,
    Obligation,
    PeriodKind,
    Pillar,
    Protection,
    Register,
    Situation,
    Suspension,
    TestKind,
)
from portal.domain.nrn import NrnError, nrn_matches_birth_date, parse_nrn
from portal.services import notify
from portal.services.errors import ServiceError, audit


def _enum(enum_type: type, value: object, code: str) -> str:
    try:
        return str(enum_type(value))
    except ValueError:
        raise ServiceError(code, f"{value!r} is not a valid {enum_type.__name__}") from None


@dataclass(frozen=True)
class NewPerson:
    given_name: str
    family_name: str
    birth_date: date
    municipality_nis: str
    agency_code: str
    register: str
    obligation: str
    protection: str = Protection.NOT_APPLICABLE.value
    situation: str = Situation.NONE.value
    literacy: str = "standard"
    language: str = "nl"
    subject: str | None = None
    national_number: str | None = None
    email: str = ""
    phone: str = ""
    counsellor_grant_id: int | None = None


def possible_duplicates(db: Session, new: NewPerson) -> list[m.Person]:
    """People already registered who may be the person of this intake (same date of birth and
    the same name as people write it, where a national register number does not decide)."""
    candidate = Identity(new.given_name, new.family_name, new.birth_date, new.national_number)
    return [
        person
        for person in db.exec(select(m.Person).where(m.Person.birth_date == new.birth_date)).all()
        if may_be_same_person(
            candidate,
            Identity(
                person.given_name, person.family_name, person.birth_date, person.national_number
            ),
        )
    ]


def _id(row: m.Person | m.Municipality | m.Agency) -> int:
    """The id of a row that is in the database (flushed)."""
    assert row.id is not None
    return row.id


def register_person(
    db: Session, actor: str, new: NewPerson, today: date, *, not_a_duplicate: bool = False
) -> m.Person:
    """Register a person at intake. Someone with the same date of birth and name is already
    known (and a national register number does not tell them apart): refused with
    "possible_duplicate" until the counsellor confirms that this is another person
    (`not_a_duplicate`, kept in the audit log)."""
    if not new.given_name.strip() or not new.family_name.strip():
        raise ServiceError("name_required")
    if new.birth_date > today:
        raise ServiceError("birth_date_future")
    municipality = db.exec(
        select(m.Municipality).where(m.Municipality.nis_code == new.municipality_nis)
    ).first()
    if municipality is None:
        raise ServiceError("unknown_municipality")
    agency = db.exec(select(m.Agency).where(m.Agency.code == new.agency_code)).first()
    if agency is None:
        raise ServiceError("unknown_agency")
    if new.literacy not in {"standard", "low"}:
        raise ServiceError("invalid_literacy")
    national_number = None
    if new.national_number:
        try:
            parsed = parse_nrn(new.national_number)
        except NrnError as error:
            raise ServiceError(f"nrn_{error.code}") from None
        if not nrn_matches_birth_date(parsed, new.birth_date):
            raise ServiceError("nrn_birth_date")
        national_number = parsed.digits
        taken = db.exec(select(m.Person).where(m.Person.national_number == national_number)).first()
        if taken is not None:
            raise ServiceError("nrn_taken")
    duplicates = possible_duplicates(
        db, NewPerson(**{**new.__dict__, "national_number": national_number})
    )
    if duplicates and not not_a_duplicate:
        raise ServiceError("possible_duplicate")
    person = m.Person(
        subject=new.subject,
        national_number=national_number,
        given_name=new.given_name.strip(),
        family_name=new.family_name.strip(),
        birth_date=new.birth_date,
        email=new.email,
        phone=new.phone,
        language=new.language,
        civil_register=_enum(Register, new.register, "invalid_register"),
        obligation=_enum(Obligation, new.obligation, "invalid_obligation"),
        protection=_enum(Protection, new.protection, "invalid_protection"),
        situation=_enum(Situation, new.situation, "invalid_situation"),
        literacy=new.literacy,
        nt2_target=(Level.A2_ADAPTED if new.literacy == "low" else Level.A2).value,
        municipality_id=_id(municipality),
        agency_id=_id(agency),
        counsellor_grant_id=new.counsellor_grant_id,
    )
    db.add(person)
    db.flush()
    db.add(
        m.Residence(
            person_id=_id(person),
            municipality_id=_id(municipality),
            since=today,
        )
    )
    audit(
        db,
        actor,
        "register_person",
        "person",
        person.id,
        after={
            "register": person.civil_register,
            "obligation": person.obligation,
            "protection": person.protection,
            "municipality": municipality.nis_code,
            "agency": agency.code,
        },
        confirmed_not_the_same_as=[p.id for p in duplicates],
    )
    return person


def record_fact(
    db: Session,
    actor: str,
    person: m.Person,
    kind: str,
    on: date,
    today: date,
    *,
    test: str | None = None,
    passed: bool | None = None,
    level: str | None = None,
    hours: int = 0,
    pillar: str | None = None,
    period_kind: str | None = None,
    until: date | None = None,
    due: date | None = None,
    source: str = "",
    note: str = "",
    tell_person: bool = True,
) -> m.Fact:
    fact_kind = FactKind(_enum(FactKind, kind, "invalid_fact_kind"))
    if on > today:
        raise ServiceError("date_in_future")
    if fact_kind in SANCTION_FACT_KINDS:
        _check_sanction_fact(fact_kind, on, due, test, pillar, note)
    else:
        due = None
    if fact_kind is FactKind.TEST_RESULT:
        test = _enum(TestKind, test, "invalid_test")
        if passed is None:
            raise ServiceError("result_required")
        if test == TestKind.NT2 and level is None:
            raise ServiceError("level_required")
    if level is not None:
        level = _enum(Level, level, "invalid_level")
    if fact_kind is FactKind.PILLAR4_HOURS and not 0 < hours <= 1000:
        raise ServiceError("invalid_hours")
    if fact_kind is FactKind.UITGELEERD:
        pillar = _enum(Pillar, pillar, "invalid_pillar")
        if pillar not in {Pillar.MO, Pillar.NT2}:
            raise ServiceError("invalid_pillar")
    if fact_kind is FactKind.PERIOD:
        period_kind = _enum(PeriodKind, period_kind, "invalid_period")
        if until is not None and until < on:
            raise ServiceError("period_order")
    fact = m.Fact(
        person_id=_id(person),
        kind=fact_kind.value,
        on=on,
        test=test,
        passed=passed,
        level=level,
        hours=hours,
        pillar=pillar,
        period_kind=period_kind,
        until=until,
        due_on=due,
        source=source,
        note=note.strip() if fact_kind in SANCTION_FACT_KINDS else note,
        recorded_by=actor,
    )
    db.add(fact)
    db.flush()
    audit(
        db,
        actor,
        "record_fact",
        "fact",
        fact.id,
        person_id=person.id,
        kind=fact_kind.value,
        after={
            "on": on.isoformat(),
            "test": test,
            "passed": passed,
            "level": level,
            "hours": hours,
            "pillar": pillar,
            "period_kind": period_kind,
            "until": until.isoformat() if until else None,
            "due": due.isoformat() if due else None,
            "source": source,
        },
    )
    if fact_kind is FactKind.TEST_RESULT:
        # a result closes the person's confirmed booking of that test (a retake can be booked)
        db.execute(
            sa_update(m.Booking)
            .where(
                col(m.Booking.person_id) == person.id,
                col(m.Booking.test) == test,
                col(m.Booking.status) == "confirmed",
            )
            .values(status="attended", active_key=None)
        )
    concerned = FACT_PILLAR.get(fact_kind) or (Pillar(pillar) if pillar else None)
    if fact_kind in SANCTION_FACT_KINDS:
        concerned = None  # a sanction fact is for the counsellor's review, not a step done
    if fact_kind is FactKind.TEST_RESULT:
        concerned = Pillar.NT2 if test == TestKind.NT2 else Pillar.MO
    if tell_person and concerned is not None:
        notify.notify(db, person, "fact_recorded", pillar=concerned.value)
    elif tell_person and fact_kind is FactKind.CONTRACT_ENDED:
        notify.notify(db, person, "contract_ended", date=on.isoformat())
    return fact


# The note's triggers a counsellor records (domain.sanctions); each needs a reason (`note`).
SANCTION_FACT_KINDS = frozenset(
    {
        FactKind.LATE_REGISTRATION,
        FactKind.INTAKE_REFUSED,
        FactKind.CONTRACT_REFUSED,
        FactKind.IRREGULAR_PARTICIPATION,
        FactKind.TEST_REFUSED,
    }
)


def _check_sanction_fact(
    kind: FactKind, on: date, due: date | None, test: str | None, pillar: str | None, note: str
) -> None:
    """A late first registration has its term, before the day they registered; irregular
    participation is about MO or NT2; a refused test is the MO or NT2 test; the others need a
    reason (what happened)."""
    if kind is FactKind.LATE_REGISTRATION:
        if due is None:
            raise ServiceError("due_required")
        if on <= due:
            raise ServiceError("not_late")
        return
    if kind is FactKind.IRREGULAR_PARTICIPATION and pillar not in {Pillar.MO, Pillar.NT2}:
        raise ServiceError("invalid_pillar")
    if kind is FactKind.TEST_REFUSED and test not in {TestKind.MO, TestKind.NT2}:
        raise ServiceError("invalid_test")
    if not note.strip():
        raise ServiceError("reason_required")


FACT_PILLAR = {
    FactKind.VDAB_REGISTERED: Pillar.VDAB,
    FactKind.MO_COURSE_FOLLOWED: Pillar.MO,
    FactKind.NT2_MODULE_FOLLOWED: Pillar.NT2,
    FactKind.PILLAR4_HOURS: Pillar.PARTICIPATION,
}


def add_suspension(
    db: Session,
    actor: str,
    person: m.Person,
    start: date,
    end: date,
    reason: str,
    *,
    tell_person: bool = True,
) -> m.Suspension:
    """A suspension of the person's signed contract: the rule (after the signing day, never
    overlapping another one) is the domain's `suspension_problem`."""
    if end < start:
        raise ServiceError("period_order")
    if not reason.strip():
        raise ServiceError("reason_required")
    contract = db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).first()
    signed_on = contract.signed_on if contract is not None else None
    existing = db.exec(select(m.Suspension).where(m.Suspension.person_id == person.id)).all()
    problem = suspension_problem(
        Suspension(start, end), signed_on, (Suspension(s.start_on, s.end_on) for s in existing)
    )
    if problem is not None:
        raise ServiceError(problem.value)
    suspension = m.Suspension(
        person_id=_id(person),
        start_on=start,
        end_on=end,
        reason=reason.strip()[:300],
        recorded_by=actor,
    )
    db.add(suspension)
    db.flush()
    audit(
        db,
        actor,
        "add_suspension",
        "suspension",
        suspension.id,
        person_id=person.id,
        after={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
    )
    if tell_person:
        notify.notify(db, person, "suspension_added", start=start.isoformat(), end=end.isoformat())
    return suspension


def add_exemption(
    db: Session,
    actor: str,
    person: m.Person,
    pillar: str,
    on: date,
    reason: str,
    today: date | None = None,
) -> m.Exemption:
    value = _enum(Pillar, pillar, "invalid_pillar")
    if not reason.strip():
        raise ServiceError("reason_required")
    if today is not None and on > today:
        raise ServiceError("date_in_future")
    exemption = m.Exemption(
        person_id=_id(person),
        pillar=value,
        on=on,
        reason=reason.strip()[:300],
        recorded_by=actor,
    )
    db.add(exemption)
    db.flush()
    audit(
        db,
        actor,
        "add_exemption",
        "exemption",
        exemption.id,
        person_id=person.id,
        after={"pillar": value, "on": on.isoformat(), "reason": reason},
    )
    notify.notify(db, person, "exemption_added", pillar=value)
    return exemption


def grant_role(
    db: Session,
    actor: str,
    subject: str,
    role: str,
    display_name: str,
    *,
    agency_id: int | None = None,
    municipality_id: int | None = None,
    interpreting_service_id: int | None = None,
    office_id: int | None = None,
) -> m.RoleGrant:
    if role not in {"counsellor", "municipality", "interpreting", "admin"}:
        raise ServiceError("invalid_role")
    if role == "counsellor" and agency_id is None:
        raise ServiceError("agency_required")
    if role == "municipality" and municipality_id is None:
        raise ServiceError("municipality_required")
    if role == "interpreting" and interpreting_service_id is None:
        raise ServiceError("service_required")
    if role != "counsellor" and office_id is not None:
        raise ServiceError("invalid_role")
    key = f"{subject}:{role}"
    if db.exec(select(m.RoleGrant.id).where(m.RoleGrant.active_key == key)).first() is not None:
        raise ServiceError("exists", f"{subject} already has the role {role}")
    grant = m.RoleGrant(
        subject=subject,
        role=role,
        display_name=display_name,
        agency_id=agency_id,
        office_id=office_id,
        municipality_id=municipality_id,
        interpreting_service_id=interpreting_service_id,
        granted_by=actor,
        active_key=key,  # unique: a second held grant of the same role cannot be written
    )
    db.add(grant)
    db.flush()
    audit(
        db,
        actor,
        "grant_role",
        "role_grant",
        grant.id,
        subject=subject,
        role=role,
        agency_id=agency_id,
        office_id=office_id,
        municipality_id=municipality_id,
        interpreting_service_id=interpreting_service_id,
    )
    end_sessions(db, subject)  # the new role counts from the next sign-in, at once
    return grant


def end_sessions(db: Session, subject: str) -> int:
    """Sign the subject out everywhere: their access changed, so what their sessions hold is
    out of date (a revoked role must stop at the next request, not at session expiry)."""
    return db.exec(sa_delete(m.WebSession).where(col(m.WebSession.subject) == subject)).rowcount
