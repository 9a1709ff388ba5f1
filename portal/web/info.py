"""Pages every public service has: help, contact, privacy, accessibility, cookies, the favicon."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from portal.services import unit
from portal.services.offices import public_offices
from portal.settings import STATIC_DIR
from portal.web.context import portal_of
from portal.web.locale import ONE_YEAR as LANGUAGE_COOKIE_SECONDS
from portal.web.pages import render
from portal.web.places import map_link, tel_href
from portal.web.routing import Audience, route

# How long the portal keeps what (its defaults; the privacy page states them from here).
# Sign-in sessions end at sign-out or after `settings.session_absolute_hours` at most.
RETENTION_YEARS = {
    "file": 5,  # the file, after the trajectory ends
    "proof": 2,  # uploaded proof, after the decision on it
    "audit": 5,  # the audit log
}

# The accessibility statement's date (shown through Babel in the page's language).
STATEMENT_DATE = date(2026, 12, 4)
ACCESSIBILITY_EMAIL = "toegankelijkheid@inburgering.example"

# Fees from the rule set's defaults (DOMAIN.md §2C), in cents, for the help page.
FEES = {
    "mo_course": 9000,
    "mo_test": 9000,
    "nt2_lesson": 150,
    "nt2_cap": 18000,
    "nt2_utc": 18000,
    "nt2_retest": 9000,
    "b1_test": 9000,
}

ONE_DAY = 24 * 3600


def help_page(request: Request) -> Response:
    return render(
        request,
        "info/help.html",
        {"fees": FEES, "vdab_example": (date(2026, 3, 15), date(2026, 5, 15))},
    )


def contact(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        offices = public_offices(db)
    listed: list[dict[str, Any]] = [
        {
            "office": office,
            "map_url": map_link(office.address),
            "tel": tel_href(office.phone) if office.phone else "",
        }
        for office in offices
    ]
    return render(request, "info/contact.html", {"offices": listed})


def privacy(request: Request) -> Response:
    return render(request, "info/privacy.html", {"retention": RETENTION_YEARS})


def accessibility(request: Request) -> Response:
    return render(
        request,
        "info/accessibility.html",
        {"statement_date": STATEMENT_DATE, "feedback_email": ACCESSIBILITY_EMAIL},
    )


def cookies(request: Request) -> Response:
    return render(
        request, "info/cookies.html", {"language_cookie_days": LANGUAGE_COOKIE_SECONDS // ONE_DAY}
    )


def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on their own: answer with the SVG icon."""
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": f"public, max-age={ONE_DAY}"},
    )


def routes() -> list[Any]:
    return [
        route("/help", help_page, Audience.PUBLIC),
        route("/contact", contact, Audience.PUBLIC),
        route("/privacy", privacy, Audience.PUBLIC),
        route("/accessibility", accessibility, Audience.PUBLIC),
        route("/cookies", cookies, Audience.PUBLIC),
        route("/favicon.ico", favicon, Audience.PUBLIC),
    ]
