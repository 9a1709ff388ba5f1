"""Landing pages for administrators: the administration home and the e-mails the portal sent."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal.services import notify, unit
from portal.web.context import portal_of
from portal.web.pages import render
from portal.web.routing import Audience, route


def admin_home(request: Request) -> Response:
    return render(request, "staff/admin_home.html", {}, personal=True)


def admin_mailbox(request: Request) -> Response:
    """What the portal sent by e-mail (the development mailbox, and a log in production)."""
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        emails = notify.sent_emails(db, limit=100)
    return render(
        request,
        "staff/mailbox.html",
        {"emails": emails, "mailer": portal.mailer.kind},
        personal=True,
    )


def routes() -> list[Any]:
    return [
        route("/admin", admin_home, Audience.ADMIN),
        route("/admin/mailbox", admin_mailbox, Audience.ADMIN),
    ]
