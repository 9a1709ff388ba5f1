"""Requests a person sends to their counsellor ("a person to ask"): a suspension, a fee waiver, a
period of work, training or study, a move; and a question about participation hours, which goes
to the municipality that decided them and is answered there. Pure rules: what a request must
hold to be sent (every problem at once, by field), whether it needs proof, and whether it can
still be decided.

The counsellor's decision feeds the services that already hold the rules of the dossier
(suspensions, waivers, facts, moves); what is checked here is what the person can be told while
typing, so that nothing is sent that the counsellor could only refuse."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.domain.model import PeriodKind
from portal.domain.participation import SubmissionStatus


class RequestKind(StrEnum):
    SUSPENSION = "suspension"
    FEE_WAIVER = "fee_waiver"
    PERIOD = "period"  # work, training or study
    MOVE = "move"
    HOURS_QUESTION = "hours_question"  # to the municipality that decided the hours


COUNSELLOR_KINDS = frozenset(
    {RequestKind.SUSPENSION, RequestKind.FEE_WAIVER, RequestKind.PERIOD, RequestKind.MOVE}
)
"""The kinds a counsellor decides; a question about hours is answered by a municipality."""


class RequestStatus(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"
    ANSWERED = "answered"  # a question about hours, answered by the municipality


class SuspensionReason(StrEnum):
    MEDICAL = "medical"
    PERSONAL = "personal"


ALL_FEES = "all"
"""The fee choice of a waiver request that asks for every open fee."""

DETAILS_MAX = 2000
ADDRESS_MAX = 300


@dataclass(frozen=True)
class RequestInput:
    """What the person typed; only the fields of the kind count."""

    kind: RequestKind
    start_on: date | None = None  # suspension: from; period: from; move: lives there since
    end_on: date | None = None  # suspension: until (required); period: until (optional)
    reason: str = ""  # suspension: medical | personal
    period_kind: str = ""  # period: work | training | study
    fee: str = ""  # waiver: a charge key, or ALL_FEES
    municipality: str = ""  # move: the NIS code
    address: str = ""  # move: street, number, postcode
    activity: str = ""  # hours question: the id of the activity, as chosen
    details: str = ""  # in the person's own words


def needs_proof(kind: RequestKind) -> bool:
    """A suspension needs a proof (a doctor's note, …); for the others it is optional."""
    return kind is RequestKind.SUSPENSION


def problems(
    data: RequestInput,
    *,
    today: date,
    signed_on: date | None,
    open_fees: Collection[str] = (),
    municipalities: Collection[str] = (),
    current_municipality: str = "",
    lives_here_since: date | None = None,
    has_proof: bool = False,
    activities: Collection[str] = (),
) -> dict[str, str]:
    """Every problem of the request, as {field: error code}; empty when it can be sent.

    - suspension: a reason (medical or personal), from and until (until on or after from), from
      after the signing day (a suspension lies after it; "suspension_before_signing"), a proof;
      without a signed contract there is nothing to suspend ("no_contract");
    - fee_waiver: an open fee (or all), and why paying is hard (details);
    - period: work, training or study, from (not in the future), until (optional, on or after
      from);
    - move: a known municipality other than the current one, the address, since when (not in
      the future, after the day the person came to live where they live now);
    - hours_question: one of the person's activities a municipality can be asked about
      (`activities`; none: "no_activity"), and the question (details).
    """
    found: dict[str, str] = {}

    def add(field: str, code: str) -> None:
        found.setdefault(field, code)

    if len(data.details) > DETAILS_MAX:
        add("details", "too_long")
    kind = data.kind
    if kind is RequestKind.SUSPENSION:
        if signed_on is None:
            add("start_on", "no_contract")
        if data.reason not in {r.value for r in SuspensionReason}:
            add("reason", "choose")
        _period(data, add, end_required=True)
        if signed_on is not None and data.start_on is not None and data.start_on <= signed_on:
            add("start_on", "suspension_before_signing")
    elif kind is RequestKind.FEE_WAIVER:
        if not open_fees:
            add("fee", "no_open_fee")
        elif data.fee != ALL_FEES and data.fee not in open_fees:
            add("fee", "choose")
        if not data.details:
            add("details", "required")
    elif kind is RequestKind.PERIOD:
        if data.period_kind not in {p.value for p in PeriodKind}:
            add("period_kind", "choose")
        _period(data, add, end_required=False)
        if data.start_on is not None and data.start_on > today:
            add("start_on", "date_in_future")
    elif kind is RequestKind.MOVE:
        if data.municipality not in municipalities:
            add("municipality", "choose")
        elif data.municipality == current_municipality:
            add("municipality", "same_municipality")
        if not data.address:
            add("address", "required")
        elif len(data.address) > ADDRESS_MAX:
            add("address", "too_long")
        if data.start_on is None:
            add("start_on", "required")
        elif data.start_on > today:
            add("start_on", "date_in_future")
        elif lives_here_since is not None and data.start_on <= lives_here_since:
            add("start_on", "move_before_last_move")
    elif kind is RequestKind.HOURS_QUESTION:
        if not activities:
            add("activity", "no_activity")
        elif data.activity not in activities:
            add("activity", "choose")
        if not data.details:
            add("details", "required")
    if needs_proof(kind) and not has_proof:
        add("proof", "file_required")
    return found


def _period(data: RequestInput, add: Callable[[str, str], None], *, end_required: bool) -> None:
    if data.start_on is None:
        add("start_on", "required")
    if data.end_on is None:
        if end_required:
            add("end_on", "required")
    elif data.start_on is not None and data.end_on < data.start_on:
        add("end_on", "period_order")


def can_decide(status: str) -> bool:
    """Only a waiting request is decided, and only once."""
    return status == RequestStatus.WAITING


QUESTION_ACTIVITY_STATUSES = frozenset(
    {
        SubmissionStatus.PARTLY_CONFIRMED,
        SubmissionStatus.REJECTED,
        SubmissionStatus.INFO_REQUESTED,
    }
)
"""The statuses of an activity the person can ask the municipality about: fewer hours, none, or
a question of theirs."""


def can_ask_about(activity_status: str) -> bool:
    return activity_status in QUESTION_ACTIVITY_STATUSES


ANSWER_MAX = 2000


def answer_problem(text: str) -> str | None:
    """What is wrong with a municipality's answer (plain text, required), or None."""
    if not text.strip():
        return "required"
    if len(text.strip()) > ANSWER_MAX:
        return "too_long"
    return None
