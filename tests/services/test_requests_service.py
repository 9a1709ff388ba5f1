"""The requests service: the person asks, a counsellor of their agency decides, the service
behind the request changes the dossier; a refusal of that service changes nothing; scope."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from portal.adapters.uploads import inspect_upload
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.requests import RequestInput, RequestKind
from portal.services import requests as svc
from portal.services.caller import Principal
from portal.services.demo_participation import attendance_sheet_photo
from portal.services.errors import ServiceError
from portal.services.participation import store_file
from portal.settings import BRUSSELS

BASE = "http://portal.test"


@pytest.fixture
def world(make):
    agency = make.agency()
    counsellor = make.counsellor(agency)
    person = make.person(agency=agency, counsellor=counsellor)
    with make.db() as db:
        grant = db.exec(select(m.RoleGrant).where(m.RoleGrant.subject == counsellor)).one()
    staff = Principal(counsellor, "counsellor", agency_id=agency.id, grant_id=grant.id)
    citizen = Principal(person.subject, "citizen", person_id=person.id)
    return make, staff, citizen, person


def proof(make):
    checked = inspect_upload(
        attendance_sheet_photo("note", 1), "note.jpg", "image/jpeg", max_bytes=10 << 20
    )
    return [(checked, store_file(make.files, checked))]


def now(make):
    return datetime.combine(make.today, time(10), BRUSSELS)


def send(make, citizen, data, files=()):
    with session_scope(make.engine) as db:
        return svc.ask(db, citizen, data, list(files), make.today, now(make)).id


def test_the_demo_newcomer_has_a_suspension_request_waiting(app):
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        rows = db.exec(select(m.PersonRequest).where(m.PersonRequest.person_id == person.id)).all()
        assert [(r.kind, r.status, r.reason) for r in rows] == [
            ("suspension", "waiting", "medical")
        ]
        assert (rows[0].end_on - rows[0].start_on).days == 20
        file = db.exec(select(m.RequestFile).where(m.RequestFile.request_id == rows[0].id)).one()
        assert app.state.portal.files.exists(file.storage_key)


def test_every_problem_at_once_and_nothing_saved(world):
    make, _, citizen, person = world
    with pytest.raises(svc.RequestProblems) as refused:
        send(make, citizen, RequestInput(RequestKind.SUSPENSION))
    assert set(refused.value.problems) == {"reason", "start_on", "end_on", "proof"}
    with make.db() as db:
        assert (
            db.exec(select(m.PersonRequest).where(m.PersonRequest.person_id == person.id)).all()
            == []
        )


def test_each_kind_approved_feeds_its_service(world):
    make, staff, citizen, person = world
    start = make.today + timedelta(days=10)
    other = make.municipality()
    with make.db() as db:
        residence = db.exec(select(m.Residence).where(m.Residence.person_id == person.id)).one()
        residence.since = make.today - timedelta(days=90)
        db.add(residence)
    ids = [
        send(
            make,
            citizen,
            RequestInput(RequestKind.SUSPENSION, start, start + timedelta(days=6), "personal"),
            proof(make),
        ),
        send(
            make, citizen, RequestInput(RequestKind.FEE_WAIVER, fee="mo_course:1", details="OCMW")
        ),
        send(
            make,
            citizen,
            RequestInput(
                RequestKind.PERIOD, make.today - timedelta(days=1), period_kind="training"
            ),
        ),
        send(
            make,
            citizen,
            RequestInput(
                RequestKind.MOVE, make.today, municipality=other.nis, address="Dorp 1, 8000 X"
            ),
        ),
    ]
    with make.db() as db:
        assert [p.request.id for p in svc.pending(db, staff)] == ids  # oldest first
    for request_id in ids:
        with session_scope(make.engine) as db:
            svc.approve(db, staff, request_id, make.today, now(make), BASE)
    with make.db() as db:
        assert db.exec(select(m.Suspension).where(m.Suspension.person_id == person.id)).one()
        waiver = db.exec(select(m.Waiver).where(m.Waiver.person_id == person.id)).one()
        assert (waiver.charge_key, waiver.category) == ("mo_course:1", "payment_difficulties")
        fact = db.exec(
            select(m.Fact).where(m.Fact.person_id == person.id, m.Fact.kind == "period")
        ).one()
        assert fact.period_kind == "training"
        assert db.get(m.Person, person.id).municipality_id == other.id
        kinds = [x.kind for x in db.exec(select(m.Message).where(m.Message.person_id == person.id))]
        assert kinds.count("request_approved") == 4
        actions = {
            x.action
            for x in db.exec(select(m.AuditLog).where(m.AuditLog.actor == staff.subject)).all()
        }
        assert {"request.approve", "add_suspension", "record_waiver", "move_person"} <= actions
        assert svc.pending(db, staff) == []


def test_a_refusal_of_the_service_behind_rolls_the_decision_back(world):
    make, staff, citizen, _ = world
    start = make.today + timedelta(days=10)
    data = RequestInput(RequestKind.SUSPENSION, start, start, "medical")
    first, second = send(make, citizen, data, proof(make)), send(make, citizen, data, proof(make))
    with session_scope(make.engine) as db:
        svc.approve(db, staff, first, make.today, now(make), BASE)
    with pytest.raises(ServiceError) as refused, session_scope(make.engine) as db:
        svc.approve(db, staff, second, make.today, now(make), BASE)
    assert refused.value.code == "suspension_overlaps"
    with make.db() as db:
        assert db.get(m.PersonRequest, second).status == "waiting"
        assert db.get(m.PersonRequest, second).decided_by == ""


def test_scope_another_agency_and_another_person(world):
    make, staff, citizen, person = world
    start = make.today + timedelta(days=10)
    request_id = send(
        make, citizen, RequestInput(RequestKind.SUSPENSION, start, start, "medical"), proof(make)
    )
    other_agency = make.agency()
    stranger = Principal(make.counsellor(other_agency), "counsellor", agency_id=other_agency.id)
    neighbour = make.person(agency=person.agency)
    someone = Principal(neighbour.subject, "citizen", person_id=neighbour.id)
    with make.db() as db:
        file_id = db.exec(
            select(m.RequestFile.id).where(m.RequestFile.request_id == request_id)
        ).one()
        for caller in [stranger]:
            with pytest.raises(ServiceError, match="not_found"):
                svc.request_in_scope(db, caller, request_id)
            with pytest.raises(ServiceError, match="not_found"):
                svc.approve(db, caller, request_id, make.today, now(make), BASE)
            with pytest.raises(ServiceError, match="not_found"):
                svc.refuse(db, caller, request_id, "no", now(make), BASE)
            assert svc.pending(db, caller) == []
        with pytest.raises(ServiceError, match="not_found"):
            svc.own_request(db, someone, request_id)
        assert svc.file_for(db, stranger, file_id) is None
        assert svc.file_for(db, someone, file_id) is None
        assert svc.file_for(db, citizen, file_id) is not None
        assert svc.file_for(db, staff, file_id) is not None
        assert db.get(m.PersonRequest, request_id).status == "waiting"
