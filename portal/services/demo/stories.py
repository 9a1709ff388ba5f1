"""The demo personas' stories, in the order they are told (the order fixes ids and national
numbers, so keep it). Each story is skipped when its person exists already."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import select

from portal.adapters.storage import FileStore
from portal.adapters.uploads import inspect_upload
from portal.db import models as m
from portal.domain.dates import add_months
from portal.domain.requests import RequestInput, RequestKind
from portal.services import demo_texts as texts
from portal.services.booking import hold_seat_in
from portal.services.caller import Principal
from portal.services.classroom import create_session, sessions_of_agency
from portal.services.demo.builder import Builder
from portal.services.demo.personas import PERSONAS_BY_SUBJECT, Persona
from portal.services.demo.reference import ACTOR, INTERPRETING_SERVICE, by
from portal.services.demo_participation import attendance_sheet_photo
from portal.services.participation import store_file
from portal.services.requests import ask
from portal.settings import BRUSSELS


def staff(b: Builder) -> None:
    db = b.db
    agency_gent = by(db, m.Agency, code="gent")
    agency_brussels = by(db, m.Agency, code="aii-brussel")
    b.counsellor = b.staff(
        "demo-counsellor",
        "counsellor",
        agency_id=agency_gent.id,
        office_id=by(db, m.Office, agency_id=agency_gent.id).id,
    )
    b.staff(
        "demo-counsellor-brussels",
        "counsellor",
        agency_id=agency_brussels.id,
        office_id=by(db, m.Office, agency_id=agency_brussels.id).id,
    )
    b.staff(
        "demo-gent-officer",
        "municipality",
        municipality_id=by(db, m.Municipality, nis_code="44021").id,
    )
    b.staff(
        "demo-antwerp-officer",
        "municipality",
        municipality_id=by(db, m.Municipality, nis_code="11002").id,
    )
    b.staff(
        "demo-interpreter",
        "interpreting",
        interpreting_service_id=by(db, m.InterpretingService, name=INTERPRETING_SERVICE).id,
    )
    b.staff("demo-admin", "admin")


def newcomers(b: Builder) -> None:
    """People at different points of their trajectory, in Ghent, Brussels and Antwerp."""
    a = b.a
    # An obliged newcomer in Ghent who doesn't work, contract just signed.
    p = b.person("demo-gent-new", date(1994, 5, 12), language="nl")
    if p:
        b.standard_contract(
            p,
            a,
            mo_schedule="dinsdag en donderdag 9.00-12.00",
            nt2_schedule="maandag en woensdag 18.30-21.30",
        )
        # the counsellor asked a question that is not answered yet (staff write in Dutch)
        b.staff_writes(
            p,
            "demo-counsellor",
            "Je inschrijving bij VDAB",
            "Dag Amina, heb je je al ingeschreven bij VDAB? Laat het me weten. Heb je hulp "
            "nodig? Dan maken we samen een afspraak. Groeten, Sofie",
        )

    # A voluntary newcomer in Brussels (fees exempt later).
    counsellor_bxl = b.db.exec(
        select(m.RoleGrant).where(m.RoleGrant.subject == "demo-counsellor-brussels")
    ).first()
    p = b.person(
        "demo-brussels",
        date(1990, 9, 3),
        nis="21004",
        agency="aii-brussel",
        obligation="voluntary",
        language="fr",
        grant=counsellor_bxl,
    )
    if p:
        b.standard_contract(
            p,
            a - timedelta(days=30),
            mo_provider="Agentschap Integratie en Inburgering, Brussel",
            mo_variant="online",
            nt2_provider="CVO Lethas Brussel",
            nt2_variant="online",
        )

    # A newcomer in Ghent who works.
    p = b.person("demo-worker", date(1988, 2, 29), situation="works", language="en")
    if p:
        signed = a - timedelta(days=60)
        b.contract(
            p, signed, add_months(signed, 12), add_months(signed, 18), None, nt2_variant="weekend"
        )

    # A low-literate learner in Ghent (adapted NT2 level).
    p = b.person("demo-lowlit", date(1985, 11, 20), literacy="low", language="ar")
    if p:
        signed = a - timedelta(days=90)
        b.contract(
            p,
            signed,
            add_months(signed, 12),
            add_months(signed, 24),
            add_months(signed, 12),
            nt2_provider="CBE Open School Gent",
            nt2_type="CBE",
            nt2_variant="classroom",
        )
        b.fact(p, "nt2_module_followed", signed + timedelta(days=60), source="CBE Open School Gent")

    # An applicant for international protection in Ghent (NT2 only).
    b.person(
        "demo-asylum",
        date(1999, 7, 1),
        register="waiting",
        protection="pending",
        obligation="voluntary",
        language="en",
    )

    # Someone in Ghent who completed everything.
    p = b.person("demo-complete", date(1992, 3, 15), language="nl")
    if p:
        signed = add_months(a, -22)
        b.contract(
            p, signed, add_months(signed, 12), add_months(signed, 24), add_months(signed, 12)
        )
        b.fact(p, "vdab_registered", signed + timedelta(days=20), source="VDAB")
        b.fact(p, "mo_course_followed", signed + timedelta(days=120), source="In-Gent")
        b.fact(p, "test_result", signed + timedelta(days=150), test="mo", passed=True)
        b.fact(
            p, "pillar4_hours", signed + timedelta(days=200), hours=40, source="Buddyproject Gent"
        )
        b.fact(p, "nt2_module_followed", signed + timedelta(days=300), source="CVO Gent")
        b.fact(p, "test_result", signed + timedelta(days=400), test="nt2", passed=True, level="A2")
        b.fact(p, "period", signed + timedelta(days=420), period_kind="work", source="VDAB")
        b.paid_every_fee(p, signed + timedelta(days=7))

    # A person in Ghent whose VDAB deadline is in 5 days.
    p = b.person("demo-vdab-soon", date(1997, 12, 31), language="nl")
    if p:
        b.standard_contract(p, deadline_reachable(a + timedelta(days=5)))

    # A person registered at intake in Ghent; the counsellor has not drawn up a contract yet.
    b.person("demo-intake", date(1991, 6, 14), language="ar", nrn=True)

    # An obliged newcomer in Antwerp.
    p = b.person("demo-antwerp", date(2000, 1, 31), nis="11002", agency="antwerpen", grant=None)
    if p:
        b.standard_contract(
            p,
            a - timedelta(days=10),
            mo_provider="Atlas Antwerpen",
            nt2_provider="CVO Antwerpen",
        )

    # MO course followed and paid: may book the MO test.
    p = b.person("demo-mo-done", date(1989, 10, 2), language="nl")
    if p:
        signed = a - timedelta(days=120)
        b.standard_contract(p, signed)
        b.fact(p, "mo_course_followed", a - timedelta(days=3), source="In-Gent")
        b.paid_at_counter(p, "mo_course:1", "DEMO-0001", signed, "MO course")


def testing(b: Builder, bookable: int) -> None:
    """People ready for, booked on, or retaking the MO test (the sessions exist by now)."""
    a = b.a
    # Holds a confirmed MO-test booking next month (the almost full session in Ghent).
    p = b.course_done_and_paid("demo-booked", date(1993, 4, 8))
    if p:
        assert p.id is not None
        almost_full = b.db.exec(
            select(m.TestSession).where(m.TestSession.test == "mo", m.TestSession.capacity == 2)
        ).one()
        assert almost_full.id is not None
        held = hold_seat_in(b.db, p.id, almost_full.id, b.at_nine)
        b.paid_at_counter(p, f"test:{held.id}", f"DEMO-T{held.id:04d}", a, "MO test")

    # Failed the MO test once, followed the repeat course: may book a paid retake.
    p = b.course_done_and_paid(
        "demo-mo-failed", date(1987, 8, 19), course_on=a - timedelta(days=90)
    )
    if p:
        b.fact(p, "test_result", a - timedelta(days=40), test="mo", passed=False)
        b.fact(p, "mo_course_followed", a - timedelta(days=5), source="In-Gent (repeat course)")

    # Extra persons ready to book the MO test, for load and contention tests.
    for index in range(1, bookable + 1):
        subject = f"demo-bookable-{index}"
        if b.db.exec(select(m.Person).where(m.Person.subject == subject)).first() is None:
            PERSONAS_BY_SUBJECT[subject] = Persona(subject, f"Bookable {index}", "ready to book")
            b.course_done_and_paid(subject, date(1990, 1, 1) + timedelta(days=index))


def follow_ups(b: Builder) -> None:
    """After the attest and after a failed NT2 test (told last: the earlier ids stay as they
    were)."""
    a = b.a
    # Reached the attest 10 months ago; no work, training or study recorded: B1 is due.
    p = b.person("demo-b1", date(1991, 9, 3), language="en")
    if p:
        attest = add_months(a, -10)
        signed = add_months(attest, -14)
        b.contract(
            p, signed, add_months(signed, 12), add_months(signed, 18), add_months(signed, 12)
        )
        b.fact(p, "vdab_registered", signed + timedelta(days=20), source="VDAB")
        b.fact(p, "mo_course_followed", signed + timedelta(days=90), source="In-Gent")
        b.fact(p, "test_result", signed + timedelta(days=120), test="mo", passed=True)
        b.fact(p, "pillar4_hours", signed + timedelta(days=200), hours=40, source="Buurthuis")
        b.fact(p, "nt2_module_followed", attest - timedelta(days=60), source="CVO Gent")
        b.fact(p, "test_result", attest, test="nt2", passed=True, level="A2")
        b.paid_every_fee(p, signed + timedelta(days=7))

    # Failed the NT2 test three weeks ago and has not followed a module since.
    p = b.person("demo-nt2-failed", date(1995, 2, 14), language="nl")
    if p:
        signed = a - timedelta(days=300)
        b.standard_contract(p, signed)
        b.fact(p, "nt2_module_followed", a - timedelta(days=60), source="CVO Gent")
        b.fact(p, "test_result", a - timedelta(days=21), test="nt2", passed=False, level="A2")


def classroom(b: Builder) -> None:
    """Two classroom sessions of the blended MO course in Ghent, after the anchor day."""
    agency_id = by(b.db, m.Agency, code="gent").id
    if sessions_of_agency(b.db, agency_id):
        return
    for offset, module_id, title in (
        (14, "01-separation-of-powers", "Democratie en rechtsstaat"),
        (28, "03-equality-of-men-and-women", "Gelijke rechten in het dagelijks leven"),
    ):
        day = b.a + timedelta(days=offset)
        session = create_session(
            b.db,
            ACTOR,
            agency_id,
            title,
            datetime.combine(day, time(9, 0), BRUSSELS),
            datetime.combine(day, time(12, 0), BRUSSELS),
            "In-Gent, Kongostraat 42, 9000 Gent",
            "",
            module_id,
            datetime.combine(b.a, time(0, 0), BRUSSELS),
        )
        texts.translate(b.db, session)


def deadline_reachable(target: date) -> date:
    """A signing day whose VDAB deadline (signed + 2 months) falls as close to `target` as the
    calendar allows (some month ends, such as 30 April, cannot be reached from February)."""
    for offset in (0, -1, 1, -2, 2):
        wanted = target + timedelta(days=offset)
        for back in range(55, 70):
            signed = wanted - timedelta(days=back)
            if add_months(signed, 2) == wanted:
                return signed
    raise AssertionError("no signing day found")  # pragma: no cover


def requests(b: Builder, files: FileStore) -> None:
    """demo-gent-new asks to stop for a medical reason: from next week, for 3 weeks, with a
    doctor's note (a small photo); waiting for the Ghent counsellor. Once."""
    person = b.db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).first()
    if person is None or person.id is None:
        return
    if b.db.exec(select(m.PersonRequest).where(m.PersonRequest.person_id == person.id)).first():
        return
    note = inspect_upload(
        attendance_sheet_photo("Doktersattest / medical certificate", 1),
        "doktersattest.jpg",
        "image/jpeg",
        max_bytes=10 * 1024 * 1024,
    )
    start = b.a + timedelta(days=7)
    caller = Principal(subject="demo-gent-new", role="citizen", person_id=person.id)
    ask(
        b.db,
        caller,
        RequestInput(
            RequestKind.SUSPENSION,
            start_on=start,
            end_on=start + timedelta(days=20),
            reason="medical",
            details="Ik moet geopereerd worden en daarna 3 weken rusten.",
        ),
        [(note, store_file(files, note))],
        b.a,
        b.at_nine,
    )
