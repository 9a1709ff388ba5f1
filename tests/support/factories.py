"""Small factories per area for tests: organisations, staff, people and their trajectory.

Everything is made through the services (the same verbs the demo data uses), so a factory never
builds a record the rules would refuse. Each call is its own unit of work and returns plain ids
and subjects, not live rows. Names are unique per factory, so a test can make as many as it
needs next to the demo data of the template database.

    def test_something(make, client):
        other = make.agency()
        person = make.person(agency=other, contract=True)
        sign_in(client, make.counsellor(other))
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal.adapters.storage import FileStore
from portal.adapters.uploads import inspect_upload
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.participation import LogEntry
from portal.services import admin, classroom, participation, test_sessions
from portal.services import booking as booking_service
from portal.services.caller import Principal
from portal.services.demo.builder import Builder
from portal.services.demo.personas import PERSONAS_BY_SUBJECT, Persona
from portal.services.demo.stories import deadline_reachable
from portal.services.demo_participation import attendance_sheet_photo
from portal.services.people import grant_role, record_fact
from portal.settings import BRUSSELS

ACTOR = "test-factory"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Agency:
    id: int
    code: str
    office_id: int


@dataclass(frozen=True)
class Municipality:
    id: int
    nis: str


@dataclass(frozen=True)
class Person:
    id: int
    subject: str
    agency: str  # code
    nis: str


class Factory:
    def __init__(self, engine: Engine, today: date, files: FileStore | None = None) -> None:
        self.engine = engine
        self.today = today
        self.files = files

    @contextmanager
    def db(self) -> Iterator[Session]:
        with session_scope(self.engine) as db:
            yield db

    # ------------------------------------------------------------ organisations

    def agency(self, name: str | None = None) -> Agency:
        n = next(_serial)
        code = f"agency-{n}"
        with self.db() as db:
            row = admin.add_agency(
                db,
                ACTOR,
                code,
                name or f"Agency {n}",
                f"Office {n}",
                f"Street {n}, 9000 Gent",
                "09 000 00 00",
            )
            assert row.id is not None
            office = db.exec(select(m.Office).where(m.Office.agency_id == row.id)).one()
            assert office.id is not None
            return Agency(row.id, code, office.id)

    def municipality(self, region: str = "flanders") -> Municipality:
        """A new Flemish municipality (Brussels has only 19, all in the demo or free)."""
        with self.db() as db:
            taken = {x.nis_code for x in db.exec(select(m.Municipality)).all()}
            if region == "brussels":
                nis = next(f"{n}" for n in range(21001, 21020) if f"{n}" not in taken)
            else:
                nis = next(f"{n}" for n in itertools.count(46001) if f"{n}" not in taken)
            row = admin.add_municipality(db, ACTOR, nis, f"Gemeente {nis}", region)
            assert row.id is not None
            return Municipality(row.id, nis)

    # ------------------------------------------------------------ staff

    def counsellor(self, agency: Agency | str = "gent") -> str:
        """The subject of a new counsellor of the agency (its first office)."""
        with self.db() as db:
            row = self._agency_row(db, agency)
            office = db.exec(select(m.Office).where(m.Office.agency_id == row.id)).first()
            subject = f"counsellor-{next(_serial)}"
            grant_role(
                db,
                ACTOR,
                subject,
                "counsellor",
                f"Counsellor {subject}",
                agency_id=row.id,
                office_id=office.id if office else None,
            )
            return subject

    def officer(self, municipality: Municipality | str = "44021") -> str:
        nis = municipality.nis if isinstance(municipality, Municipality) else municipality
        with self.db() as db:
            row = db.exec(select(m.Municipality).where(m.Municipality.nis_code == nis)).one()
            subject = f"officer-{next(_serial)}"
            grant_role(
                db, ACTOR, subject, "municipality", f"Officer {subject}", municipality_id=row.id
            )
            return subject

    # ------------------------------------------------------------ people

    def vdab_deadline_in(self, days: int) -> date:
        """The day to sign a contract on (`person(signed=...)`) so that the VDAB deadline (two
        months later) falls `days` from today (negative: passed), as near as the calendar
        allows."""
        return deadline_reachable(self.today + timedelta(days=days))

    def person(
        self,
        *,
        agency: Agency | str = "gent",
        municipality: Municipality | str = "44021",
        counsellor: str | None = None,
        contract: bool = True,
        signed: date | None = None,
        birth: date = date(1990, 6, 1),
        name: str | None = None,
        plan: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Person:
        """A registered person, with a contract signed on paper (MO and participation in 12
        months, NT2 in 18) unless `contract=False`. `name` is "Given Family" (unique by
        default). `plan` changes the plan of the contract (the demo builder's keywords:
        mo_variant, modules, nt2_type, ...). Extra keywords go to the intake (obligation,
        situation, language, literacy, ...)."""
        code = agency.code if isinstance(agency, Agency) else agency
        nis = municipality.nis if isinstance(municipality, Municipality) else municipality
        n = next(_serial)
        subject = f"person-{n}"
        with self.db() as db:
            grant = None
            if counsellor:
                grant = db.exec(
                    select(m.RoleGrant).where(
                        m.RoleGrant.subject == counsellor, m.RoleGrant.role == "counsellor"
                    )
                ).one()
            builder = self._builder(db)
            PERSONAS_BY_SUBJECT[subject] = Persona(subject, name or f"Test{n} Person{n}", "test")
            row = builder.person(subject, birth, nis=nis, agency=code, grant=grant, **kw)
            assert row is not None and row.id is not None
            if contract:
                builder.standard_contract(
                    row, signed or self.today - timedelta(days=30), **(plan or {})
                )
            return Person(row.id, subject, code, nis)

    def fact(self, person: Person, kind: str, on: date | None = None, **data: Any) -> int:
        """A fact recorded by the counsellor (without telling the person); its id."""
        with self.db() as db:
            row = record_fact(
                db,
                ACTOR,
                self._person_row(db, person),
                kind,
                on or self.today,
                self.today,
                tell_person=False,
                **data,
            )
            assert row.id is not None
            return row.id

    def every_pillar_met(self, person: Person) -> None:
        """The facts that meet all four pillars (VDAB, MO, NT2 at A2, 40 hours): the
        certificate may be issued."""
        self.fact(person, "vdab_registered", source="VDAB")
        self.fact(person, "mo_course_followed", source="In-Gent")
        self.fact(person, "test_result", test="mo", passed=True)
        self.fact(person, "test_result", test="nt2", passed=True, level="A2")
        self.fact(person, "pillar4_hours", hours=40, source="Buurthuis")

    def paid_at_counter(self, person: Person, fee: str = "mo_course:1") -> None:
        with self.db() as db:
            self._builder(db).paid_at_counter(
                self._person_row(db, person), fee, f"TEST-{next(_serial)}", self.today, fee
            )

    # ------------------------------------------------------------ tests (exams)

    def mo_course_done(self, person: Person) -> None:
        """The MO course followed (three days ago) and paid at the counter: the person may book
        the MO test."""
        self.fact(person, "mo_course_followed", self.today - timedelta(days=3), source="In-Gent")
        self.paid_at_counter(person)

    def test_session(
        self,
        test: str = "mo",
        *,
        capacity: int = 12,
        in_days: int = 20,
        level: str | None = None,
        location: str = "Examencentrum Gent",
    ) -> int:
        """A test session planned at a central location, `in_days` from today at 9:30; its
        id."""
        starts = datetime.combine(self.today + timedelta(days=in_days), time(9, 30), BRUSSELS)
        with self.db() as db:
            place = db.exec(select(m.TestLocation).where(m.TestLocation.name == location)).one()
            assert place.id is not None
            row = test_sessions.create_session(
                db,
                Principal(subject=ACTOR, role="counsellor"),
                place.id,
                test,
                level,
                starts,
                starts + timedelta(hours=2),
                capacity,
                self._now,
            )
            assert row.id is not None
            return row.id

    def booking(self, person: Person, session: int) -> int:
        """A seat held in the session and its fee paid at the counter: a confirmed booking; its
        id."""
        with self.db() as db:
            held = booking_service.hold_seat_in(db, person.id, session, self._now)
            assert held.id is not None
            self._builder(db).paid_at_counter(
                self._person_row(db, person),
                f"test:{held.id}",
                f"TEST-T{next(_serial)}",
                self.today,
                "test",
            )
            return held.id

    def held_seat(self, person: Person, session: int, at: datetime | None = None) -> int:
        """A seat held in the session at `at` (9:00 today unless given) and not paid: the
        booking waits for its fee until the hold runs out (20 minutes); its id."""
        with self.db() as db:
            held = booking_service.hold_seat_in(db, person.id, session, at or self._now)
            assert held.id is not None
            return held.id

    # ------------------------------------------------------------ the MO course

    def classroom_session(
        self, agency: Agency | str = "gent", *, in_days: int = 14, title: str = "Classroom"
    ) -> int:
        """A classroom session of the blended MO course the agency holds, `in_days` from today
        from 9:00 to 12:00; its id."""
        starts = datetime.combine(self.today + timedelta(days=in_days), time(9, 0), BRUSSELS)
        with self.db() as db:
            owner = self._agency_row(db, agency)
            assert owner.id is not None
            row = classroom.create_session(
                db,
                ACTOR,
                owner.id,
                title,
                starts,
                starts + timedelta(hours=3),
                f"{owner.name}, classroom 1",
                "",
                None,
                self._now,
            )
            assert row.id is not None
            return row.id

    # ------------------------------------------------------------ participation

    def sent_activity(
        self,
        person: Person,
        hours: int = 8,
        organisation: str = "Buurthuis",
        on: date | None = None,
    ) -> int:
        """A participation activity (one day, a week ago unless `on`, with an attendance photo)
        the person sent to their municipality; its id."""
        assert self.files is not None, "Factory(files=...) is needed for participation"
        day = on or self.today - timedelta(days=7)
        now = datetime.combine(self.today, time(10, 0), BRUSSELS)
        with self.db() as db:
            row = self._person_row(db, person)
            data = participation.ActivityInput(
                kind="volunteering",
                organisation=organisation,
                contact_name="Ann Verhoeven",
                contact_email="ann@example.invalid",
                place="Gent",
                start_on=day,
                end_on=day,
                description="Helping in the neighbourhood centre.",
                entries=[LogEntry(day, hours)],
            )
            activity = participation.save_draft(
                db, person.id, None, data, now, actor=row.subject or ACTOR
            )
            photo = inspect_upload(
                attendance_sheet_photo(organisation, 1),
                "list.jpg",
                "image/jpeg",
                max_bytes=10 * 1024 * 1024,
            )
            participation.add_file(
                db, self.files, activity, photo, max_files=5, actor=ACTOR, now=now
            )
            assert activity.id is not None
            participation.submit(
                db,
                person.id,
                activity.id,
                now,
                self.today,
                actor=row.subject or ACTOR,
                base_url="http://testserver",
                link_days=14,
            )
            return activity.id

    def decide(self, activity: int, decision: str = "confirm_all", **kw: Any) -> None:
        """The decision of the municipality the person lives in on a sent activity (as an
        officer would take it); `confirmed` and `reason` as the officer's form has them."""
        now = datetime.combine(self.today, time(11, 0), BRUSSELS)
        with self.db() as db:
            row = db.get(m.Activity, activity)
            assert row is not None
            owner = db.get(m.Person, row.person_id)
            assert owner is not None and owner.municipality_id is not None
            participation.decide(
                db,
                owner.municipality_id,
                activity,
                decision,
                confirmed=kw.get("confirmed"),
                reason=kw.get("reason", ""),
                actor=ACTOR,
                now=now,
                today=self.today,
            )

    # ------------------------------------------------------------ helpers

    @property
    def _now(self) -> datetime:
        return datetime.combine(self.today, time(9, 0), BRUSSELS)

    def _builder(self, db: Session) -> Builder:
        return Builder(db, self.today)

    @staticmethod
    def _agency_row(db: Session, agency: Agency | str) -> m.Agency:
        code = agency.code if isinstance(agency, Agency) else agency
        return db.exec(select(m.Agency).where(m.Agency.code == code)).one()

    @staticmethod
    def _person_row(db: Session, person: Person) -> m.Person:
        row = db.get(m.Person, person.id)
        assert row is not None
        return row
