"""What the pillar-4 pages of every audience share: ids from the path and the session, the
activity kinds, and the context of an activity's detail page."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from portal import labels
from portal.domain.participation import ActivityKind
from portal.services import participation as svc
from portal.web.forms import row_id
from portal.web.routing import principal_of

KINDS = tuple(k.value for k in ActivityKind)


def kind_options() -> list[tuple[str, str]]:
    """The kinds with their names in the page's language."""
    return [(k, labels.activity_kind_name(k)) for k in KINDS]


def path_id(request: Request, name: str) -> int:
    number = row_id(request.path_params[name])
    if number is None:
        raise HTTPException(status_code=404)
    return number


def person_id_of(request: Request) -> int:
    person_id = principal_of(request).person_id
    if person_id is None:
        raise HTTPException(status_code=404)
    return person_id


def municipality_id_of(request: Request) -> int:
    municipality_id = principal_of(request).municipality_id
    if municipality_id is None:
        raise HTTPException(status_code=403)
    return municipality_id


def detail_context(view: svc.ActivityView) -> dict[str, Any]:
    return {
        "response": "",
        "response_error": None,
        "activity": view.activity,
        "lines": view.lines,
        "files": view.files,
        "events": view.events,
        "offer": view.offer,
    }
