"""What a counsellor reaches: the people of their own agency, and nobody else. The one place that
decides it; every counsellor service fetches people through here. A person outside the caller's
reach is not found (ServiceError "not_found"), never "forbidden": their existence is not told."""

from __future__ import annotations

from typing import cast

from sqlalchemy import false
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from portal.db import models as m
from portal.services.caller import Principal
from portal.services.dossier import Dossier, load_dossier, load_dossiers
from portal.services.errors import ServiceError


def agency_of(caller: Principal) -> int | None:
    """The agency whose people the caller reaches (None: nobody)."""
    if caller.role != "counsellor":
        return None
    return caller.agency_id


def people_in_scope(caller: Principal) -> SelectOfScalar[int]:
    """`select(Person.id)` limited to the caller's reach; services refine it (search, order)."""
    agency_id = agency_of(caller)
    # the id of a stored row is never None (the model types it int | None for new rows)
    statement = cast("SelectOfScalar[int]", select(m.Person.id))
    if agency_id is None:
        return statement.where(false())
    return statement.where(m.Person.agency_id == agency_id)


def person_in_scope(db: Session, caller: Principal, person_id: int) -> m.Person:
    """The person, when the caller reaches them; otherwise ServiceError("not_found")."""
    agency_id = agency_of(caller)
    person = db.get(m.Person, person_id)
    if person is None or agency_id is None or person.agency_id != agency_id:
        raise ServiceError("not_found")
    return person


def dossier_in_scope(db: Session, caller: Principal, person_id: int) -> Dossier:
    """The person's whole file, when the caller reaches them; otherwise "not_found"."""
    person_in_scope(db, caller, person_id)
    dossier = load_dossier(db, person_id)
    assert dossier is not None
    return dossier


def dossiers_in_scope(db: Session, caller: Principal, person_ids: list[int]) -> list[Dossier]:
    """The files of those of `person_ids` (selected with `people_in_scope`) the caller reaches,
    in that order."""
    agency_id = agency_of(caller)
    if agency_id is None:
        return []
    return load_dossiers(db, person_ids, agency_id)
