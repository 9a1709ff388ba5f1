"""What every page of the counsellor's workspace shares: the submitted form, the person's id from
the path, the way back to the person's page, and the unit of work in which a person outside the
counsellor's agency is a 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from portal.web.forms import Form
from portal.web.scoped import scoped

__all__ = ["back", "form_of", "person_id_of", "scoped"]


def form_of(request: Request) -> Form:
    return Form(getattr(request.state, "form", None) or {})


def person_id_of(request: Request) -> int:
    return int(request.path_params["person_id"])


def back(person_id: int, note: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/persons/{person_id}?done={note}", status_code=303)
