"""Intake: the counsellor registers a newcomer, after a preview of what the rules make of it."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.domain.model import Obligation, Protection, Register, Situation
from portal.i18n import LANGUAGE_NAMES
from portal.services import intake as intake_service
from portal.services.errors import ServiceError
from portal.services.people import NewPerson
from portal.settings import SHIPPED_LANGUAGES
from portal.web.context import portal_of
from portal.web.counsellor.common import form_of, scoped
from portal.web.forms import Form
from portal.web.pages import render
from portal.web.routing import principal_of

LANGUAGES = SHIPPED_LANGUAGES

INTAKE_CHOICES = {
    "register": tuple(r.value for r in Register),
    "obligation": tuple(o.value for o in Obligation),
    "protection": tuple(p.value for p in Protection),
    "situation": tuple(s.value for s in Situation),
    "literacy": ("standard", "low"),
    "language": LANGUAGES,
}


def _read_intake(form: Form, today: date, nis_codes: list[str]) -> NewPerson | None:
    given = form.text("given_name", max_length=100)
    family = form.text("family_name", max_length=100)
    birth = form.date("birth_date")
    if birth is not None and birth > today:
        form.error("birth_date", "birth_date_future")
    nrn = form.text("national_number", required=False, max_length=20)
    email = form.text("email", required=False, max_length=200)
    if email and "@" not in email:
        form.error("email", "required")
    phone = form.text("phone", required=False, max_length=40)
    values = {name: form.choice(name, choices) for name, choices in INTAKE_CHOICES.items()}
    nis = form.choice("municipality", nis_codes)
    if not form.ok or birth is None:
        return None
    return NewPerson(
        given_name=given,
        family_name=family,
        birth_date=birth,
        municipality_nis=nis,
        agency_code="",  # the counsellor's own agency (the intake service sets it)
        register=values["register"],
        obligation=values["obligation"],
        protection=values["protection"],
        situation=values["situation"],
        literacy=values["literacy"],
        language=values["language"],
        national_number=nrn or None,
        email=email,
        phone=phone,
    )


def _preview(found: intake_service.Preview) -> dict[str, Any]:
    return {
        "eligibility": found.eligibility.value,
        "eligibility_name": labels.gettext(labels.ELIGIBILITY_NAMES[found.eligibility.value]),
        "pillars": [
            {"name": labels.pillar_name(pillar.value, found.region), "required": required}
            for pillar, required in found.required
        ],
        "brussels": found.region == "brussels",
        "adapted": found.adapted,
        "in_trajectory": found.in_trajectory,
    }


def _field_of(code: str) -> str:
    """The form field a refusal of the intake service is about."""
    if code.startswith("nrn"):
        return "national_number"
    if code == "birth_date_future":
        return "birth_date"
    if code == "possible_duplicate":
        return "not_a_duplicate"
    return "given_name"


def intake(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    today = portal.clock.today()
    form = form_of(request) if request.method == "POST" else Form({"language": "nl"})
    preview = None
    with scoped(portal) as db:
        municipalities = intake_service.municipality_choices(db)
    new = None
    if request.method == "POST":
        new = _read_intake(form, today, [code for code, _ in municipalities])
    if new is not None and form.get("action") == "save":
        try:
            with scoped(portal) as db:
                person_id = intake_service.register(
                    db, principal, new, today, not_a_duplicate=form.flag("not_a_duplicate")
                )
        except ServiceError as error:
            form.error(_field_of(error.code), error.code)
            if error.code == "possible_duplicate":
                with scoped(portal) as db:
                    preview = _preview(intake_service.preview(db, new, today))
        else:
            return RedirectResponse(f"/staff/persons/{person_id}?done=registered", status_code=303)
    elif new is not None:
        # the national register number is checked before the preview, too
        problem = intake_service.national_number_problem(new.national_number, new.birth_date)
        if problem is not None:
            form.error("national_number", problem)
        if form.ok:
            with scoped(portal) as db:
                preview = _preview(intake_service.preview(db, new, today))
    return render(
        request,
        "staff/intake.html",
        {"form": form, "preview": preview, "municipalities": municipalities, **_intake_labels()},
        personal=True,
        status=400 if request.method == "POST" and not form.ok else 200,
    )


def _intake_labels() -> dict[str, Any]:
    g = labels.gettext
    return {
        "register_options": [
            ("population", g(labels.N_("Population register"))),
            ("foreigners", g(labels.N_("Foreigners' register"))),
            ("waiting", g(labels.N_("Waiting register (applicant for international protection)"))),
            ("none", g(labels.N_("Not registered in a municipality"))),
        ],
        "obligation_options": [
            ("obliged", g(labels.N_("Obliged"))),
            ("voluntary", g(labels.N_("Voluntary"))),
        ],
        "protection_options": [
            ("not_applicable", g(labels.N_("Not applicable"))),
            ("pending", g(labels.N_("Application pending"))),
            ("refugee", g(labels.N_("Recognised refugee"))),
            ("subsidiary", g(labels.N_("Subsidiary protection"))),
            ("refused", g(labels.N_("Application refused"))),
        ],
        "situation_options": [
            ("none", g(labels.N_("Does not work or study"))),
            ("works", g(labels.N_("Works"))),
            ("studies", g(labels.N_("Studies"))),
        ],
        "literacy_options": [
            ("standard", g(labels.N_("Can read and write"))),
            ("low", g(labels.N_("Low-literate (adapted NT2 level)"))),
        ],
        "language_options": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    }
