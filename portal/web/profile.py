"""The person's profile (/my/profile): contact details, language, how to be told, and the
download of everything the portal holds about them."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.services import profile as service
from portal.services.caller import Principal
from portal.web.context import portal_of
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import scoped


def _page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with scoped(portal) as db:
        person = service.own_person(db, principal_of(request))
        if form is None:
            form = Form(
                {
                    "email": person.email,
                    "phone": person.phone,
                    "notify": "email" if person.notify_email else "portal",
                }
            )
        context = {
            "person": person,
            "form": form,
            "saved": request.query_params.get("saved") == "1",
            "languages": [(code, i18n.LANGUAGE_NAMES[code]) for code in portal.settings.languages],
        }
    return render(request, "citizen/profile.html", context, personal=True, status=status)


def profile_page(request: Request) -> Response:
    return _page(request)


def save(request: Request) -> Response:
    form = Form(getattr(request.state, "form", None) or {})
    contact = service.Contact(
        email=form.text("email", required=False, max_length=service.EMAIL_MAX),
        phone=form.text("phone", required=False, max_length=service.PHONE_MAX),
        notify_email=form.choice("notify", ("email", "portal")) == "email",
    )
    for field, code in service.contact_problems(contact).items():
        if field not in form.errors:
            form.error(field, code)
    if not form.ok:
        return _page(request, form, status=400)
    principal: Principal = principal_of(request)
    with scoped(portal_of(request)) as db:
        service.update_contact(db, principal, contact)
    return RedirectResponse("/my/profile?saved=1", status_code=303)


def download(request: Request) -> Response:
    """Everything about me, as a JSON file (the download is audited)."""
    portal = portal_of(request)
    now = portal.clock.now()
    with scoped(portal) as db:
        data: dict[str, Any] = service.my_data(db, principal_of(request), now)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    filename = f"my-data-{now.date().isoformat()}.json"
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def routes() -> list[Any]:
    return [
        route("/my/profile", profile_page, Audience.CITIZEN),
        route("/my/profile", save, Audience.CITIZEN, methods=("POST",)),
        route("/my/profile/data", download, Audience.CITIZEN),
    ]
