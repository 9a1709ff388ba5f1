"""Reading forms: every value is kept as typed (to show it again), every problem is an error code
per field, translated when the page renders. Nothing is saved while any error remains.

`submit` is the shape of a form that saves: the handler reads the form, `submit` calls the
service, puts a refused code at its field and shows the page again (400) with what was typed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import format_date, gettext, lazy_gettext, lazy_ngettext, ngettext
from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import portal_of

log = logging.getLogger("portal.web.forms")

N_ = lazy_gettext
Nn_ = lazy_ngettext

# Error code → message (gettext ids). Services raise ServiceError with the same codes.
MESSAGES: dict[str, str | tuple[str, str]] = {
    "required": N_("Fill in this field."),
    "choose": N_("Choose one of the options."),
    "date": N_("Enter a real date, for example 15 March 2026."),
    "number": N_("Enter a whole number."),
    "positive": N_("Enter a number greater than 0."),
    "too_long": N_("This is too long."),
    "no_original": N_("There is no Dutch text to translate here."),
    "date_in_future": N_("This date cannot be in the future."),
    "deadline_in_past": N_("A deadline must be after today."),
    "end_before_start": N_("The end date must be on or after the start date."),
    "period_order": N_("The end date must be on or after the start date."),
    "after_nt2_deadline": N_("The module must end before the NT2 deadline."),
    "nt2_required": N_("Every plan needs Dutch (NT2): give its deadline or its modules."),
    "birth_date_future": N_("The date of birth cannot be in the future."),
    "nrn_format": N_("A national register number has 11 digits, for example 85.07.30-033.28."),
    "nrn_check_digits": N_(
        "This national register number is not correct: check the last 2 digits."
    ),
    "nrn_date": N_("This national register number does not contain a real date of birth."),
    "nrn_birth_date": N_("The national register number does not match the date of birth."),
    "nrn_taken": N_("There is already a person with this national register number."),
    "name_required": N_("Fill in the first name and the last name."),
    # administration: roles, offices, municipalities, services
    "exists": N_("This exists already."),
    "subject_required": N_("Give the sign-in id."),
    "successor_required": N_("Choose who takes over this counsellor's persons."),
    "invalid_successor": N_("Choose another counsellor of the same agency."),
    "unknown_service": N_("Choose an interpreting service from the list."),
    "invalid_nis": N_("A NIS code has 5 digits, for example 44021."),
    "invalid_code": N_("Use 2 to 40 small letters, digits or hyphens, for example in-gent."),
    "invalid_region": N_(
        "The municipalities of the Brussels-Capital Region have the NIS codes 21001 to 21019."
    ),
    "agency_required": N_("A counsellor needs an office: choose one."),
    "municipality_required": N_("A municipality officer needs a municipality: choose one."),
    "service_required": N_("An interpreting service role needs a service: choose one."),
    "invalid_role": N_("Choose one of the roles."),
    "phone": N_("Enter a telephone number, for example +32 9 123 45 67."),
    "possible_duplicate": N_(
        "A person with this name and date of birth is already registered. Search the caseload "
        "first. If this is another person, tick the box and save again."
    ),
    "unknown_municipality": N_("Choose a municipality from the list."),
    "unknown_agency": N_("Choose an agency from the list."),
    "contract_signed": N_("The contract is signed: change it with an amendment."),
    "not_signed": N_("The contract is not signed yet: change the draft instead."),
    "not_eligible": N_(
        "This person cannot follow the integration programme, so there is no contract."
    ),
    "reason_required": N_("Give the reason."),
    "due_required": N_("Give the date by which the person had to register."),
    "not_late": N_("This date is not after the date by which the person had to register."),
    "invalid_pillar": N_("Choose MO or Dutch (NT2)."),
    "invalid_test": N_("Choose the MO test or the Dutch (NT2) test."),
    "no_change": N_("Nothing was changed."),
    "already_signed": N_("The contract is already signed."),
    "no_contract": N_("There is no contract yet."),
    "confirmation_required": N_("Tick the box to confirm that you sign."),
    "signed_before_drawn_up": N_("The contract cannot be signed before it was made."),
    "suspension_overlaps": N_("This suspension overlaps with another suspension."),
    "same_municipality": N_("The person already lives in this municipality."),
    "move_before_last_move": N_("This date is before the last move."),
    "unknown_fact": N_("This fact does not exist."),
    "already_withdrawn": N_("This fact was already withdrawn."),
    "no_such_sanction_fact": N_("The rules do not find this fact (any more)."),
    "attest_exists": N_("The integration certificate was already issued."),
    "already_decided": N_("The committee's decision on this appeal was already recorded."),
    "attest_not_reached": N_("Not every required part is met yet."),
    "invalid_hours": N_("Enter a number of hours between 1 and 1000."),
    "level_required": N_("Choose the level."),
    "session_in_past": N_("A session cannot start in the past."),
    "place_or_link": N_("Give a place, or a link to join online."),
    "https_link": N_("The link must start with https://."),
    "not_your_agency": N_("This person is not in your agency."),
    "session_not_started": N_("You can record attendance once the session has started."),
    "result_required": N_("Choose the result."),
    # pillar 4: the uniform form and its proof
    "email": N_("Enter an e-mail address like name@example.be, or leave it empty."),
    "email_for_notices": N_(
        "Enter your e-mail address to get messages by e-mail, or choose to read them in the "
        "portal only."
    ),
    "date_before_contract": N_("This date is before you signed your integration contract."),
    "entry_outside_period": N_("This day is not between the start date and the end date."),
    "day_over_24": N_("A day has 24 hours: you wrote more hours on this day."),
    "duplicate_day": N_("This day is already in your logbook. Write it once, with all hours."),
    "already_claimed": N_(
        "You already sent hours for this day at this organisation. You cannot send them twice."
    ),
    "logbook_empty": N_("Write at least one day with the hours in your logbook."),
    "too_many_entries": N_("The logbook can have at most 200 days. Make a second activity."),
    "log_date_missing": N_("Write the day for these hours."),
    "hours_missing": N_("Write the number of hours."),
    "hours_not_number": N_("Write the hours as a number, for example 3."),
    "hours_not_whole": N_("Write whole hours, for example 2 or 3 (not 2.5)."),
    "hours_not_positive": N_("The hours must be 1 or more."),
    "hours_over_day": N_("A day has 24 hours: write 24 or less."),
    "file_required": N_("Add a photo or a PDF as proof."),
    "file_empty": N_("This file is empty. Choose the file again."),
    "file_too_large": N_(
        "This file is too large: at most %(mb)d MB. Take a new photo or make it smaller."
    ),
    "file_too_many": Nn_(
        "You can add at most %(num)d file. Delete a file first.",
        "You can add at most %(num)d files. Delete a file first.",
    ),
    "file_name_long": N_("The name of this file is too long. Give the file a shorter name."),
    "file_name_chars": N_(
        "The name of this file has characters we do not accept. Give the file a simple name."
    ),
    "file_name_path": N_("The name of this file is not correct. Give the file a simple name."),
    "file_name_extension": N_("Only photos (.jpg, .png) and PDF files (.pdf) are possible."),
    "file_type": N_(
        "This file is not a photo (JPEG, PNG) or a PDF. Only these files are possible."
    ),
    "file_corrupt": N_("We cannot open this file. It may be damaged. Choose another file."),
    "file_pdf_encrypted": N_("This PDF has a password. Send a PDF without a password."),
    "file_pdf_active": N_(
        "This PDF contains a program, a link, a form or an attachment. Print it to a new PDF, "
        "or take a photo of it, and send that."
    ),
    "file_pixels": N_("This picture is too big (too many pixels). Take a new photo."),
    "body_too_large": Nn_(
        "The files are too large together: at most %(num)d file of %(mb)d MB. Nothing was "
        "added. What you saved before is still here.",
        "The files are too large together: at most %(num)d files of %(mb)d MB. Nothing was "
        "added. What you saved before is still here.",
    ),
    "confirmed_range": N_("Confirm at least 1 hour and fewer hours than were asked."),
    "reason_missing": N_("Give the reason: the person will read it."),
    "reason_long": N_("The reason is too long: at most 2000 characters."),
    "not_waiting": N_("This activity is not waiting for a decision any more."),
    # requests to the counsellor
    "suspension_before_signing": N_(
        "A stop must start after the day you signed your integration contract."
    ),
    "no_open_fee": N_("You have no fee to pay now."),
    "already_living_there": N_("You already live in this municipality."),
    "file_again": N_(
        "Choose your file again. We did not keep it, because something else was not right."
    ),
    "request_decided": N_("This request was already decided."),
    "already_waived": N_("This fee is already waived."),
    "already_paid": N_("This fee is already paid."),
    # questions about hours, to the municipality
    "no_activity": N_("You have no activity with a decision to ask about."),
    "question_answered": N_("This question was already answered."),
    # a code a service raised that no page expects: said plainly, never a crash
    "not_saved": N_("This request cannot be handled"),
}


# The same codes, for a problem that says which days it compared with (the participation rules'
# `Problem.earliest` and `latest`): "date" is that day, "start" and "end" the two ends of a period.
DATED_MESSAGES = {
    "date_in_future": N_("This date cannot be in the future. Today is %(date)s."),
    "date_before_contract": N_(
        "This date is before you signed your integration contract. You signed on %(date)s."
    ),
    "end_before_start": N_("The end date is before the start date (%(date)s)."),
    "entry_outside_period": N_(
        "This day is not between the start date (%(start)s) and the end date (%(end)s)."
    ),
}


MAX_ID = 2**31 - 1


def row_id(text: object) -> int | None:
    """A database id typed or posted by anyone: ASCII digits only ("²" and "٣" are digits to
    Python, not to us), within what every database stores; otherwise None."""
    if isinstance(text, int) and not isinstance(text, bool):
        number = text  # from a `{name:id}` path parameter
    elif isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 10:
        number = int(text)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def row_choices(form: Form, prefix: str, allowed: Collection[str]) -> dict[int, str]:
    """The choice made on each row of a sheet (fields named `<prefix><row id>`, as the
    attendance and results sheets post them): rows with a valid id and an allowed value only;
    anything else posted is ignored, as a row left blank is."""
    chosen: dict[int, str] = {}
    for name, value in form.values.items():
        if not name.startswith(prefix) or value not in allowed:
            continue
        row = row_id(name.removeprefix(prefix))
        if row is not None:
            chosen[row] = str(value)
    return chosen


def message(code: str, **variables: object) -> str:
    """The translated message of an error code; a message about a limit names the limit
    (`mb`, `num`) that the page passes in, since the limits are settings. A message with a
    count (`num`) takes the language's plural form for it."""
    found = MESSAGES.get(code, MESSAGES["required"])
    if isinstance(found, tuple):
        singular, plural = found
        count = variables.pop("num", None)
        return ngettext(singular, plural, count if isinstance(count, int) else 2, **variables)
    text = gettext(found)
    return text % variables if variables and "%(" in text else text


def dated_message(code: str, *, earliest: date | None = None, latest: date | None = None) -> str:
    """The translated message of a code that compares a date with other days, naming them in
    the page's language: "date" is `earliest` or else `latest`, "start" `earliest`, "end"
    `latest`. Without those days (or words for them), `message(code)`."""
    text = DATED_MESSAGES.get(code)
    if text is None or (earliest is None and latest is None):
        return message(code)
    days = {"start": earliest, "end": latest, "date": earliest or latest}
    values = {name: format_date(day) for name, day in days.items() if day is not None}
    try:
        return gettext(text) % values
    except (KeyError, TypeError, ValueError):  # a day the words need is not known
        return message(code)


class Form:
    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, str] = {}
        for key, value in (data or {}).items():
            if isinstance(value, str):
                self.values[key] = value.strip()
        self.errors: dict[str, str] = {}
        # the visible label of each field, as the page's field macros give it (see `label`)
        self.labels: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, code: str) -> None:
        self.errors.setdefault(name, code)

    def text(self, name: str, *, required: bool = True, max_length: int = 200) -> str:
        value = self.values.get(name, "")
        if required and not value:
            self.error(name, "required")
        elif len(value) > max_length:
            self.error(name, "too_long")
        return value

    def choice(
        self, name: str, choices: tuple[str, ...] | list[str], *, required: bool = True
    ) -> str:
        value = self.values.get(name, "")
        if value not in choices:
            if value or required:
                self.error(name, "choose")
            return ""
        return value

    def date(self, name: str, *, required: bool = True) -> date | None:
        value = self.values.get(name, "")
        if not value:
            if required:
                self.error(name, "required")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(name, "date")
            return None

    def integer(
        self, name: str, *, required: bool = True, minimum: int = 1, maximum: int = 10_000
    ) -> int | None:
        value = self.values.get(name, "")
        if not value:
            if required:
                self.error(name, "required")
            return None
        if not (value.isascii() and value.isdigit()) or len(value) > 12:
            self.error(name, "number")
            return None
        number = int(value)
        if number < minimum:
            self.error(name, "positive")
            return None
        if number > maximum:
            self.error(name, "too_long")
            return None
        return number

    def flag(self, name: str) -> bool:
        return self.values.get(name) in {"on", "yes", "true", "1"}

    def label(self, name: str, text: str) -> str:
        """Remember the label the page shows for `name` (the field macros call this while they
        render); returns nothing to show. The error summary names each field with it."""
        self.labels.setdefault(name, str(text).strip().rstrip(":").strip())
        return ""

    def messages(self) -> list[tuple[str, str]]:
        """(field, translated message) for the error summary, in form order. Each line names its
        field ("Organisation: fill in this field"), so that six problems are six different
        links; a field the page shows without a field macro keeps the message alone."""
        lines = []
        for name, code in self.errors.items():
            text = message(code)
            label = self.labels.get(name)
            if label:
                text = gettext("%(field)s: %(message)s") % {"field": label, "message": text}
            lines.append((name, text))
        return lines


T = TypeVar("T")


def submit(
    request: Request,
    form: Form,
    save: Callable[[unit.Db], T],
    *,
    again: Callable[[Form, int], Response],
    done: str | Callable[[T], Response],
    field: str | Callable[[ServiceError], str],
    fields: Mapping[str, str] | None = None,
    not_found: Collection[str] = ("not_found",),
) -> Response:
    """Save a form that was read (and checked) by the handler, in one unit of work.

    - the form has errors: nothing is saved, `again(form, 400)` shows the page with them;
    - `save(db)` refuses (ServiceError): its code goes to its field (`fields[code]`, else
      `field`, or what `field(error)` says) and the page is shown again with 400 and what was
      typed; a code in `not_found` is a 404; a code no message knows is shown as "not_saved"
      (and logged);
    - it saves: a redirect (303) to `done`, or the response `done(result)` makes.
    """
    if form.ok:
        try:
            with unit.work(portal_of(request).engine) as db:
                result = save(db)
        except ServiceError as error:
            if error.code in not_found:
                raise HTTPException(status_code=404) from None
            code = error.code
            if code not in MESSAGES:
                log.warning("no message for the service's code %r (%s)", code, error.detail)
                code = "not_saved"
            where = (fields or {}).get(error.code) or (
                field if isinstance(field, str) else field(error)
            )
            form.error(where, code)
        else:
            if isinstance(done, str):
                return RedirectResponse(done, status_code=303)
            return done(result)
    return again(form, 400)
