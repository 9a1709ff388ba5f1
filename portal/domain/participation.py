"""Pillar 4, participation and network: recording activities and the municipality's decision (pure).

The newcomer records an activity (a buddy project, an introductory internship, volunteering or a
language internship) on one form with a logbook of days and whole hours; the municipality where
the person lives confirms all hours, confirms fewer hours with a reason, rejects with a reason or
asks for more information. Only confirmed hours count towards `RuleSet.participation_hours` (40).
The pillar is optional for people who work, study or follow the trajectory voluntarily; they may
still record activities.

No clock reads and no I/O: `today` is a parameter, dates are Europe/Brussels calendar days.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

#: Most hours one person can spend on one calendar day.
MAX_DAY_HOURS = 24
#: Most logbook lines on one activity (40 hours rarely need more than a few dozen days).
MAX_ENTRIES = 200
#: Longest reason the municipality can give with a decision.
MAX_REASON_CHARS = 2000


class ActivityKind(StrEnum):
    BUDDY = "buddy"  # buddy project
    INTERNSHIP = "internship"  # introductory internship: company, association, organisation, LG
    VOLUNTEERING = "volunteering"
    LANGUAGE_INTERNSHIP = "language_internship"


class SubmissionStatus(StrEnum):
    DRAFT = "draft"  # the newcomer is still editing; the municipality does not see it yet
    SUBMITTED = "submitted"  # waiting for the municipality
    INFO_REQUESTED = "info_requested"  # the municipality asked for more; the newcomer edits again
    CONFIRMED = "confirmed"  # all claimed hours confirmed
    PARTLY_CONFIRMED = "partly_confirmed"  # fewer hours confirmed, with a reason
    REJECTED = "rejected"  # no hours, with a reason


class Decision(StrEnum):
    """What the municipality decides on a submitted activity."""

    CONFIRM_ALL = "confirm_all"
    CONFIRM_PART = "confirm_part"
    REJECT = "reject"
    ASK_INFO = "ask_info"


#: The newcomer's own events; the municipality's events are the four `Decision`s.
Event = Literal["submit", "withdraw"] | Decision


@dataclass(frozen=True)
class LogEntry:
    """One logbook line: whole hours spent on one day."""

    on: date
    hours: int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recorded activity.

    `field` is "start_on", "end_on" or "logbook"; `index` points into the logbook for a problem
    with one line, and is None for a problem with a date field or with the logbook as a whole.
    A problem with a date says which days it compared with, so a page can name them: `earliest`,
    the first day that is allowed (the contract's signing day, the start date), `latest`, the
    last (today, the end date); both None for a problem that compares no dates.
    """

    field: str
    code: str
    index: int | None = None
    earliest: date | None = None
    latest: date | None = None


# ---------------------------------------------------------------- hours as typed


HoursErrorCode = Literal[
    "hours_missing", "hours_not_number", "hours_not_whole", "hours_not_positive", "hours_over_day"
]


class HoursError(ValueError):
    """Typed hours that are not a whole number from 1 to 24.

    `code` is a stable key for messages and tests: "hours_missing" (empty or blank),
    "hours_not_number" ("abc", "1e3", "½", "1 0", "+2", mixed digit scripts), "hours_not_whole"
    ("1.5", "1,5", also "2.0": a decimal separator is never guessed at, "2.000" is two thousand
    in Belgium), "hours_not_positive" ("0", "-2") or "hours_over_day" (more than 24).
    """

    code: HoursErrorCode

    def __init__(self, code: HoursErrorCode) -> None:
        super().__init__(code)
        self.code = code


#: Digit sets typed hours may use, each "0" to "9": ASCII, Arabic-Indic (Arabic), Extended
#: Arabic-Indic (Persian, Dari, Pashto) and full-width (East Asian input methods). All digits of
#: one number come from one set. Other scripts' digits and superscripts are refused: int() would
#: take many of them, which is exactly why it is not used on the raw text.
_DIGIT_SETS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９")
_DIGITS: dict[str, tuple[int, int]] = {
    char: (value, which)
    for which, chars in enumerate(_DIGIT_SETS)
    for value, char in enumerate(chars)
}
#: Hyphen-minus, minus sign, full-width hyphen-minus.
_MINUS = frozenset("-−－")
#: Full stop, comma, Arabic decimal separator, full-width full stop and comma.
_DECIMAL_SEPARATORS = frozenset(".,٫．，")


def parse_hours(text: str) -> int:
    """Whole hours from 1 to 24, from what the newcomer typed; raises `HoursError`.

    Surrounding whitespace is ignored; leading zeros are fine ("08" is 8). Checks, in order:
    missing, not a number, not whole, not positive, over a day ("-1.5" is "hours_not_whole").
    """
    stripped = text.strip()
    if not stripped:
        raise HoursError("hours_missing")
    negative = stripped[0] in _MINUS
    body = stripped[1:] if negative else stripped
    values: list[int] = []
    digit_sets: set[int] = set()
    separators = 0
    for char in body:
        if char in _DECIMAL_SEPARATORS:
            separators += 1
            continue
        digit = _DIGITS.get(char)
        if digit is None:
            raise HoursError("hours_not_number")
        values.append(digit[0])
        digit_sets.add(digit[1])
    if not values or separators > 1 or len(digit_sets) > 1:
        raise HoursError("hours_not_number")
    if separators:
        raise HoursError("hours_not_whole")
    if negative or not any(values):
        raise HoursError("hours_not_positive")
    while values[0] == 0:
        del values[0]
    if len(values) > 2:  # 100 or more: no need to build a huge number
        raise HoursError("hours_over_day")
    hours = 0
    for value in values:
        hours = hours * 10 + value
    if hours > MAX_DAY_HOURS:
        raise HoursError("hours_over_day")
    return hours


# ---------------------------------------------------------------- the recorded activity


_NOTHING_TAKEN: Mapping[date, int] = MappingProxyType({})


def claimed_hours(entries: Iterable[LogEntry]) -> int:
    """The hours a logbook claims: the sum of its lines."""
    return sum(entry.hours for entry in entries)


def _date_problems(
    field: str, day: date, today: date, contract_signed_on: date | None, index: int | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    if day > today:
        problems.append(Problem(field, "date_in_future", index, latest=today))
    if contract_signed_on is not None and day < contract_signed_on:
        problems.append(Problem(field, "date_before_contract", index, earliest=contract_signed_on))
    return problems


def _hours_code(hours: int) -> str | None:
    if hours < 1:
        return "hours_not_positive"
    if hours > MAX_DAY_HOURS:
        return "hours_over_day"
    return None


def validate_activity(
    *,
    kind: ActivityKind,
    start_on: date,
    end_on: date,
    entries: Sequence[LogEntry],
    today: date,
    contract_signed_on: date | None,
    taken: Mapping[date, int] = _NOTHING_TAKEN,
    claimed_elsewhere: Collection[date] = (),
) -> list[Problem]:
    """Everything wrong with a recorded activity; an empty list when it can be submitted.

    All kinds follow the same rules today (`kind` is taken for when they differ).
    - "start_on"/"end_on": "date_in_future" (after `today`; today itself is fine),
      "date_before_contract" (before `contract_signed_on`; the signing day itself is fine; no
      check when there is no contract), "end_before_start" (on "end_on"; end == start is fine).
    - "logbook" as a whole (index None): "logbook_empty", "too_many_entries" (more than 200).
    - each logbook line (index = its position), in this order: "date_in_future",
      "date_before_contract", "entry_outside_period" (not within start..end; not reported when
      the period itself is reversed), "duplicate_day" (on the second and later lines with the
      same day), "already_claimed" (the day is in `claimed_elsewhere`: recorded for the same
      organisation in another active submission), "hours_not_positive"/"hours_over_day" (a line
      outside 1..24), "day_over_24" (on the first line of a day, when the day's lines plus
      `taken[day]`, the hours claimed on that day in other active submissions, exceed 24; lines
      with their own hours problem do not count towards it).
    Problems come in this order: start_on, end_on, the logbook as a whole, then line by line.
    The days compared with: "date_in_future" has `latest` today, "date_before_contract"
    `earliest` the signing day, "end_before_start" `earliest` the start date and
    "entry_outside_period" both ends of the period.
    """
    del kind  # the same rules for every kind
    problems: list[Problem] = []
    problems.extend(_date_problems("start_on", start_on, today, contract_signed_on))
    problems.extend(_date_problems("end_on", end_on, today, contract_signed_on))
    period_ok = end_on >= start_on
    if not period_ok:
        problems.append(Problem("end_on", "end_before_start", earliest=start_on))
    if not entries:
        problems.append(Problem("logbook", "logbook_empty"))
    if len(entries) > MAX_ENTRIES:
        problems.append(Problem("logbook", "too_many_entries"))

    first_of_day: dict[date, int] = {}
    day_hours: dict[date, int] = {}
    for index, entry in enumerate(entries):
        first_of_day.setdefault(entry.on, index)
        if _hours_code(entry.hours) is None:
            day_hours[entry.on] = day_hours.get(entry.on, 0) + entry.hours
    over_day = {
        first_of_day[day]
        for day, hours in day_hours.items()
        if hours + taken.get(day, 0) > MAX_DAY_HOURS
    }
    for index, entry in enumerate(entries):
        problems.extend(_date_problems("logbook", entry.on, today, contract_signed_on, index))
        if period_ok and not start_on <= entry.on <= end_on:
            problems.append(
                Problem("logbook", "entry_outside_period", index, earliest=start_on, latest=end_on)
            )
        codes: list[str] = []
        if first_of_day[entry.on] != index:
            codes.append("duplicate_day")
        if entry.on in claimed_elsewhere:
            codes.append("already_claimed")
        hours_code = _hours_code(entry.hours)
        if hours_code is not None:
            codes.append(hours_code)
        if index in over_day:
            codes.append("day_over_24")
        problems.extend(Problem("logbook", code, index) for code in codes)
    return problems


# ---------------------------------------------------------------- hours so far


@dataclass(frozen=True)
class HoursSummary:
    confirmed: int  # hours the municipality confirmed (they count)
    waiting: int  # hours claimed in submissions the municipality has not decided on yet
    needed: int  # hours still to be confirmed to reach the target (0 once done)
    target: int  # RuleSet.participation_hours
    required: bool  # False for those who work, study or follow the trajectory voluntarily
    done: bool  # confirmed >= target (also when not required)


def summarize(
    *, confirmed: Iterable[int], waiting: Iterable[int], target: int, required: bool
) -> HoursSummary:
    """Confirmed and waiting hours against the target; raises ValueError for negative numbers."""
    confirmed_list = list(confirmed)
    waiting_list = list(waiting)
    if target < 0 or any(h < 0 for h in confirmed_list) or any(h < 0 for h in waiting_list):
        raise ValueError("hours and target cannot be negative")
    total = sum(confirmed_list)
    return HoursSummary(
        confirmed=total,
        waiting=sum(waiting_list),
        needed=max(0, target - total),
        target=target,
        required=required,
        done=total >= target,
    )


# ---------------------------------------------------------------- the municipality's decision


def validate_decision(
    decision: Decision, *, claimed: int, confirmed: int | None, reason: str
) -> list[str]:
    """What is missing for `decision` on a submission claiming `claimed` hours.

    CONFIRM_ALL needs nothing (a reason is optional); CONFIRM_PART needs 1 <= confirmed < claimed
    ("confirmed_range") and a reason; REJECT and ASK_INFO need a reason ("reason_missing": empty
    or only whitespace). Any reason longer than 2000 characters, surrounding whitespace not
    counted: "reason_long". Codes in that order.
    """
    codes: list[str] = []
    text = reason.strip()
    if decision is Decision.CONFIRM_PART and (confirmed is None or not 1 <= confirmed < claimed):
        codes.append("confirmed_range")
    if decision is not Decision.CONFIRM_ALL and not text:
        codes.append("reason_missing")
    if len(text) > MAX_REASON_CHARS:
        codes.append("reason_long")
    return codes


def hours_confirmed(decision: Decision, claimed: int, confirmed: int | None) -> int:
    """The hours a decision makes count: all claimed, the confirmed part, or none.

    Raises ValueError for CONFIRM_PART without `confirmed` (check `validate_decision` first).
    """
    if decision is Decision.CONFIRM_ALL:
        return claimed
    if decision is Decision.CONFIRM_PART:
        if confirmed is None:
            raise ValueError("confirm_part needs the confirmed hours")
        return confirmed
    return 0


# ---------------------------------------------------------------- the status machine


class TransitionError(ValueError):
    """`event` is not allowed in `status` (e.g. a decision on a draft, an edit after a decision)."""

    def __init__(self, status: SubmissionStatus, event: str) -> None:
        super().__init__(f"{event!s} is not allowed from {status!s}")
        self.status = status
        self.event = event


_S = SubmissionStatus
_TRANSITIONS: dict[tuple[SubmissionStatus, str], SubmissionStatus] = {
    (_S.DRAFT, "submit"): _S.SUBMITTED,
    (_S.INFO_REQUESTED, "submit"): _S.SUBMITTED,
    (_S.SUBMITTED, "withdraw"): _S.DRAFT,
    (_S.INFO_REQUESTED, "withdraw"): _S.DRAFT,
    (_S.SUBMITTED, Decision.CONFIRM_ALL): _S.CONFIRMED,
    (_S.SUBMITTED, Decision.CONFIRM_PART): _S.PARTLY_CONFIRMED,
    (_S.SUBMITTED, Decision.REJECT): _S.REJECTED,
    (_S.SUBMITTED, Decision.ASK_INFO): _S.INFO_REQUESTED,
}
_EDITABLE = frozenset({_S.DRAFT, _S.INFO_REQUESTED})
_FINAL = frozenset({_S.CONFIRMED, _S.PARTLY_CONFIRMED, _S.REJECTED})
_WAITING = frozenset({_S.SUBMITTED, _S.INFO_REQUESTED})


def next_status(status: SubmissionStatus, event: Event) -> SubmissionStatus:
    """The status after `event`; raises `TransitionError` when it is not allowed.

    "submit": DRAFT or INFO_REQUESTED → SUBMITTED; "withdraw": SUBMITTED or INFO_REQUESTED →
    DRAFT; a decision only from SUBMITTED: CONFIRM_ALL → CONFIRMED, CONFIRM_PART →
    PARTLY_CONFIRMED, REJECT → REJECTED, ASK_INFO → INFO_REQUESTED. Final statuses take no event.
    An unknown event is not allowed either.
    """
    try:
        return _TRANSITIONS[(status, event)]
    except (KeyError, TypeError):
        raise TransitionError(status, str(event)) from None


def editable(status: SubmissionStatus) -> bool:
    """The newcomer may change the activity (DRAFT, INFO_REQUESTED)."""
    return status in _EDITABLE


def final(status: SubmissionStatus) -> bool:
    """Decided for good (CONFIRMED, PARTLY_CONFIRMED, REJECTED)."""
    return status in _FINAL


def counts_as_waiting(status: SubmissionStatus) -> bool:
    """Its hours show as waiting for the municipality (SUBMITTED, INFO_REQUESTED)."""
    return status in _WAITING


def active(status: SubmissionStatus) -> bool:
    """Counts for duplicate checks and `taken` hours: everything but REJECTED."""
    return status is not _S.REJECTED


# ---------------------------------------------------------------- organisations


#: Belgian legal-form words dropped at either end of a name: vzw/v.z.w., ivzw, asbl, aisbl.
_LEGAL_FORMS = frozenset({"vzw", "ivzw", "asbl", "aisbl"})


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _strip_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and (_is_punctuation(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_punctuation(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def _legal_form(word: str) -> bool:
    return "".join(c for c in word if not _is_punctuation(c)) in _LEGAL_FORMS


def normalise_organisation(name: str) -> str:
    """A key for "the same organisation": NFKC, casefolded, whitespace collapsed, punctuation
    around the name removed and a legal form ("vzw", "v.z.w.", "ivzw", "asbl", "aisbl") at
    either end dropped. "Rode Kruis Vlaanderen VZW" and "  rode kruis  vlaanderen, v.z.w." give
    the same key. A name that is only a legal form keeps it; a blank name gives "".
    """
    whole = _strip_punctuation(" ".join(unicodedata.normalize("NFKC", name).casefold().split()))
    words = whole.split()
    if words and _legal_form(words[-1]):
        words = words[:-1]
    if words and _legal_form(words[0]):
        words = words[1:]
    return _strip_punctuation(" ".join(words)) or whole


EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def missing_answers(
    *,
    kind: str,
    organisation: str,
    contact_name: str,
    contact_email: str,
    place: str,
    start_on: date | None,
    end_on: date | None,
    description: str,
) -> list[Problem]:
    """What the uniform form still needs before it can be sent, in form order (the logbook and
    the proof are checked by `validate_activity` and by the caller)."""
    problems: list[Problem] = []
    if not kind:
        problems.append(Problem("kind", "choose"))
    for name, value in (
        ("organisation", organisation),
        ("contact_name", contact_name),
        ("place", place),
    ):
        if not value.strip():
            problems.append(Problem(name, "required"))
    if contact_email and not EMAIL.match(contact_email):
        problems.append(Problem("contact_email", "email"))
    if start_on is None:
        problems.append(Problem("start_on", "required"))
    if end_on is None:
        problems.append(Problem("end_on", "required"))
    if not description.strip():
        problems.append(Problem("description", "required"))
    return problems


# ---------------------------------------------------------------- starting from an offer


#: The answers an activity the municipality offers fills in, in form order.
OFFER_ANSWERS = ("kind", "organisation", "place", "contact_email")
#: What may stand around an e-mail address in a sentence: "(buddy@gent.be)", "x@y.be, or".
_AROUND_ADDRESS = "()[]<>{},;:.!?\"'“”‘’«»"


def offer_email(contact: str) -> str:
    """The e-mail address in an offer's "how to take part" text when it holds exactly one
    ("09 123 45 67 of debrug@example.be" gives "debrug@example.be"); "" when it holds none or
    several different ones (which one would confirm the hours is then a guess)."""
    found: dict[str, str] = {}
    for word in contact.split():
        candidate = word.strip(_AROUND_ADDRESS)
        if EMAIL.match(candidate):
            found.setdefault(candidate.casefold(), candidate)
    return next(iter(found.values())) if len(found) == 1 else ""


def offer_answers(*, kind: str, organisation: str, place: str, contact: str) -> dict[str, str]:
    """What an offered activity answers on the form: its kind, organisation and place, and the
    e-mail address of its "how to take part" text (see `offer_email`)."""
    return {
        "kind": kind,
        "organisation": organisation,
        "place": place,
        "contact_email": offer_email(contact),
    }


def fill_from_offer(
    answers: Mapping[str, str],
    offer: Mapping[str, str],
    before: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The answers once the person picks an activity their municipality offers.

    Each of `OFFER_ANSWERS` takes the offer's value (`offer_answers`) when the person left it
    empty (or only blanks), or when it still holds what the activity picked before (`before`,
    its `offer_answers`) filled in. Whatever else the person wrote is kept: picking an offer
    never overwrites their own words. Other answers are returned unchanged.
    """
    filled = dict(answers)
    for name in OFFER_ANSWERS:
        current = answers.get(name, "").strip()
        from_before = before is not None and current == before.get(name, "").strip()
        if not current or from_before:
            filled[name] = offer.get(name, "")
    return filled
