"""What every page of the counsellor's workspace shares: the submitted form, the person's id from
the path, the way back to the person's page, and the unit of work in which a person outside the
counsellor's agency is a 404."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import Portal
from portal.web.forms import Form


def form_of(request: Request) -> Form:
    return Form(getattr(request.state, "form", None) or {})


def person_id_of(request: Request) -> int:
    return int(request.path_params["person_id"])


def back(person_id: int, note: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/persons/{person_id}?done={note}", status_code=303)


@contextmanager
def scoped(portal: Portal) -> Iterator[unit.Db]:
    """A unit of work (rolled back on any error) in which a record outside the counsellor's
    reach, as the services decide, is a 404; other ServiceErrors are the handler's to show."""
    try:
        with unit.work(portal.engine) as db:
            yield db
    except ServiceError as error:
        if error.code == "not_found":
            raise HTTPException(status_code=404) from None
        raise
