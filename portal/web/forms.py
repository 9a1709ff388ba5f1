"""Reading forms: every value is kept as typed (to show it again), every problem is an error code
per field, translated when the page renders. Nothing is saved while any error remains."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from portal.i18n import gettext, lazy_gettext

N_ = lazy_gettext

# Error code → message (gettext ids). Services raise ServiceError with the same codes.
MESSAGES = {
    "required": N_("Fill in this field."),
    "choose": N_("Choose one of the options."),
    "date": N_("Enter a real date, for example 15 March 2026."),
    "number": N_("Enter a whole number."),
    "positive": N_("Enter a number greater than 0."),
    "too_long": N_("This is too long."),
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
    "unknown_municipality": N_("Choose a municipality from the list."),
    "unknown_agency": N_("Choose an agency from the list."),
    "contract_signed": N_("The contract is signed: change it with an amendment."),
    "not_signed": N_("The contract is not signed yet: change the draft instead."),
    "not_eligible": N_(
        "This person cannot follow the integration programme, so there is no contract."
    ),
    "reason_required": N_("Give the reason."),
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
    "attest_not_reached": N_("Not every required part is met yet."),
    "invalid_hours": N_("Enter a number of hours between 1 and 1000."),
    "level_required": N_("Choose the level."),
    "session_in_past": N_("A session cannot start in the past."),
    "place_or_link": N_("Give a place, or a link to join online."),
    "https_link": N_("The link must start with https://."),
    "not_your_agency": N_("This person is not in your agency."),
    "session_not_started": N_("You can record attendance once the session has started."),
    "result_required": N_("Choose the result."),
}


def message(code: str) -> str:
    return gettext(MESSAGES.get(code, MESSAGES["required"]))


class Form:
    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, str] = {}
        for key, value in (data or {}).items():
            if isinstance(value, str):
                self.values[key] = value.strip()
        self.errors: dict[str, str] = {}

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
        if not value.isdigit():
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

    def messages(self) -> list[tuple[str, str]]:
        """(field, translated message) for the error summary, in form order."""
        return [(name, message(code)) for name, code in self.errors.items()]
