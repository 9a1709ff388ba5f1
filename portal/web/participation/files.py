"""Proof files, for the three audiences that may read them: the newcomer, the municipality
handling the activity and the person's counsellor (the service decides; anything else is 404)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.services import participation as svc
from portal.services import unit
from portal.web.context import portal_of
from portal.web.downloads import attachment
from portal.web.participation.common import path_id
from portal.web.routing import Audience, principal_of, route


def _download(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        row = svc.file_for(db, principal_of(request), path_id(request, "file_id"))
    if row is None:  # the refusal is in the audit log
        raise HTTPException(status_code=404)
    return attachment(
        portal.files.get(row.storage_key), row.content_type, row.display_name, f"proof-{row.id}"
    )


def routes() -> list[Any]:
    return [
        route("/my/participation/files/{file_id:id}", _download, Audience.CITIZEN, name="own_file"),
        route(
            "/municipality/files/{file_id:id}",
            _download,
            Audience.MUNICIPALITY,
            name="resident_file",
        ),
        route(
            "/counsellor/files/{file_id:id}", _download, Audience.COUNSELLOR, name="caseload_file"
        ),
    ]
