"""My counsellor (/my/counsellor): who helps me, and how to reach their office."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal.services import offices, profile
from portal.web.context import portal_of
from portal.web.pages import render
from portal.web.places import map_link, tel_href
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import scoped


def page(request: Request) -> Response:
    with scoped(portal_of(request)) as db:
        person = profile.own_person(db, principal_of(request))
        mine = offices.my_counsellor(db, person)
    office = mine.office
    return render(
        request,
        "citizen/counsellor.html",
        {
            "name": mine.name,
            "item": (
                {
                    "office": office,
                    "map_url": map_link(office.address),
                    "tel": tel_href(office.phone) if office.phone else "",
                }
                if office
                else None
            ),
        },
        personal=True,
    )


def routes() -> list[Any]:
    return [route("/my/counsellor", page, Audience.CITIZEN)]
