"""The newcomer's activity form: reading what was typed, filling it from a saved draft, every
problem at once (per field, per logbook row and per file, each with the days it compared with)
and the context of the form's page: the error summary in form order, each line naming its
field and linking to it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request

from portal import i18n
from portal.domain.participation import HoursError, LogEntry, Problem, parse_hours
from portal.i18n import lazy_gettext as N_
from portal.services import participation as svc
from portal.web.context import portal_of
from portal.web.forms import Form, dated_message, message, row_id
from portal.web.multipart import ParsedForm
from portal.web.participation.common import KINDS, kind_options

TEXT_FIELDS = ("organisation", "contact_name", "contact_email", "place", "description")
BLANK_ROWS = 3
MAX_ROWS = 200

#: The form's fields in the order the page shows them, with the name the error summary gives
#: each ("End date: ..."); a logbook line is "Day 2", the proof comes last.
FIELD_NAMES = {
    "offer": N_("Activity of your municipality"),
    "kind": N_("Kind of activity"),
    "organisation": N_("Organisation"),
    "contact_name": N_("Contact person"),
    "contact_email": N_("E-mail address of the contact person"),
    "place": N_("Where (street and town)"),
    "start_on": N_("Start date"),
    "end_on": N_("End date"),
    "description": N_("What you did"),
    "logbook": N_("Logbook"),
}
#: A logbook line's problems about its hours; the summary links those to the hours, the others
#: to the day.
HOURS_CODES = frozenset(
    {
        "hours_missing",
        "hours_not_number",
        "hours_not_whole",
        "hours_not_positive",
        "hours_over_day",
        "day_over_24",
    }
)


@dataclass
class Row:
    """One logbook line as typed, with everything wrong with it (`Problem.index` is the row)."""

    on: str
    hours: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """The first problem's code, or None for a line that is fine."""
        return self.problems[0].code if self.problems else None


@dataclass
class ActivityForm:
    """What the person typed, with every problem per field (`problems`, the first code of each
    also in `form.errors`), per logbook row and per file."""

    form: Form
    rows: list[Row]
    data: svc.ActivityInput
    problems: list[Problem] = field(default_factory=list)  # the fields' problems, not the rows'
    entry_rows: list[int] = field(default_factory=list)  # the row of each of data.entries
    file_errors: list[tuple[str, str]] = field(default_factory=list)  # (shown name, code)
    general: str | None = None  # an error about the whole request (e.g. too large)

    @property
    def ok(self) -> bool:
        return (
            self.form.ok
            and not any(r.problems for r in self.rows)
            and not self.file_errors
            and not self.general
        )

    @property
    def refused(self) -> bool:
        """Whether anything typed could not be read (and is left out of what is saved)."""
        return bool(self.form.errors) or any(r.problems for r in self.rows)

    def apply(self, problems: list[Problem]) -> None:
        """Add a check's problems (the service's, on what was saved) to what the reading found.

        A logbook line's problem goes to the row it was read from (its index is into
        `data.entries`). A field whose value was refused keeps only the reading's problem: the
        saved value is empty because of it, so "fill in this field" would say nothing new.
        For the same reason "logbook_empty" is left out when lines were typed but refused, and
        "file_required" when a file was refused: each says why.
        """
        refused = set(self.form.errors)
        lines_refused = any(r.problems for r in self.rows)
        for problem in problems:
            if problem.field == "logbook" and problem.index is not None:
                if problem.index < len(self.entry_rows):
                    row = self.entry_rows[problem.index]
                    self.rows[row].problems.append(replace(problem, index=row))
            elif problem.field == "proof":
                if not (problem.code == "file_required" and self.file_errors):
                    self.file_errors.append(("", problem.code))  # a refused file says why
            elif problem.field in refused:
                continue
            elif problem.code == "logbook_empty" and lines_refused:
                continue
            elif problem not in self.problems:
                self.form.error(problem.field, problem.code)
                self.problems.append(problem)


def read_activity_form(values: dict[str, str], ons: list[str], hours: list[str]) -> ActivityForm:
    form = Form(values)
    kind = form.choice("kind", KINDS, required=False)
    offer_text = form.get("offer")
    offer_id = row_id(offer_text)
    texts = {}
    for name in TEXT_FIELDS:
        limit = 2000 if name == "description" else 200
        texts[name] = form.text(name, required=False, max_length=limit)
    start_on = form.date("start_on", required=False)
    end_on = form.date("end_on", required=False)
    rows: list[Row] = []
    entries: list[LogEntry] = []
    entry_rows: list[int] = []
    for on_text, hours_text in list(zip(ons, hours, strict=False))[:MAX_ROWS]:
        index = len(rows)
        row = Row(on_text.strip()[:20], hours_text.strip()[:20])
        rows.append(row)
        if not row.on and not row.hours:
            continue
        day: date | None = None
        try:
            day = date.fromisoformat(row.on) if row.on else None
        except ValueError:
            row.problems.append(Problem("logbook", "date", index))
        if row.on == "":
            row.problems.append(Problem("logbook", "log_date_missing", index))
        try:
            amount = parse_hours(row.hours)
        except HoursError as error:
            row.problems.append(Problem("logbook", error.code, index))
            continue
        if day is not None and not row.problems:
            entries.append(LogEntry(day, amount))
            entry_rows.append(index)
    data = svc.ActivityInput(
        kind=kind,
        offer_id=offer_id,
        organisation=texts["organisation"],
        contact_name=texts["contact_name"],
        contact_email=texts["contact_email"],
        place=texts["place"],
        start_on=start_on,
        end_on=end_on,
        description=texts["description"],
        entries=entries,
    )
    problems = [Problem(name, code) for name, code in form.errors.items()]
    return ActivityForm(form, rows, data, problems, entry_rows)


def read_posted(parsed: ParsedForm | Any) -> ActivityForm:
    """The form as posted (a streamed multipart body, or Starlette's form data)."""
    names = ("kind", "offer", "start_on", "end_on", *TEXT_FIELDS)
    values = {name: str(parsed.get(name, "") or "") for name in names}
    return read_activity_form(
        values,
        [str(x) for x in parsed.getlist("log_on")],
        [str(x) for x in parsed.getlist("log_hours")],
    )


def form_of(view: svc.DraftView | svc.ActivityView) -> ActivityForm:
    """The form filled in from a saved activity."""
    activity = view.activity
    values = {
        "kind": activity.kind,
        "offer": str(activity.offer_id or ""),
        "organisation": activity.organisation,
        "contact_name": activity.contact_name,
        "contact_email": activity.contact_email,
        "place": activity.place,
        "start_on": activity.start_on.isoformat() if activity.start_on else "",
        "end_on": activity.end_on.isoformat() if activity.end_on else "",
        "description": activity.description,
    }
    return read_activity_form(
        values, [x.on.isoformat() for x in view.lines], [str(x.hours) for x in view.lines]
    )


def draft_version(updated_at: datetime) -> str:
    """Which saved state of a draft a page shows (draft.js keeps the phone's copy against it)."""
    return updated_at.astimezone(UTC).isoformat()


def problem_text(problem: Problem) -> str:
    """A problem's message in the page's language, naming the days it compared with."""
    return dated_message(problem.code, earliest=problem.earliest, latest=problem.latest)


@dataclass(frozen=True)
class SummaryLine:
    """One line of the error summary: the id it links to, the field's name and the message."""

    anchor: str
    name: str
    text: str


def _order(problem: Problem) -> int:
    names = list(FIELD_NAMES)
    return names.index(problem.field) if problem.field in names else len(names) - 1


def errors_of(
    state: ActivityForm, rows: list[Row], *, mb: int, num: int
) -> tuple[list[SummaryLine], dict[str, str], dict[int, str]]:
    """Every problem at once, in form order: the error summary's lines, and the words next to
    each field and each logbook line (all of its problems, one after the other)."""
    summary: list[SummaryLine] = []
    fields: dict[str, list[str]] = {}
    for problem in sorted(state.problems, key=_order):  # sorted() keeps a field's own order
        text = problem_text(problem)
        name = FIELD_NAMES.get(problem.field)
        summary.append(SummaryLine(problem.field, i18n.gettext(name) if name else "", text))
        fields.setdefault(problem.field, []).append(text)
    lines: dict[int, list[str]] = {}
    for index, row in enumerate(rows):
        for problem in row.problems:
            text = problem_text(problem)
            anchor = f"log_hours-{index}" if problem.code in HOURS_CODES else f"log_on-{index}"
            summary.append(SummaryLine(anchor, i18n.gettext("Day %(num)d", num=index + 1), text))
            lines.setdefault(index, []).append(text)
    proof = i18n.gettext("Proof")
    if state.general:
        summary.append(SummaryLine("proof", proof, message(state.general, mb=mb, num=num)))
    for shown, code in state.file_errors:
        text = message(code, mb=mb, num=num)
        summary.append(SummaryLine("proof", proof, f"{shown}: {text}" if shown else text))
    return (
        summary,
        {name: " ".join(texts) for name, texts in fields.items()},
        {index: " ".join(texts) for index, texts in lines.items()},
    )


def edit_context(
    request: Request, view: svc.DraftView, state: ActivityForm | None = None, **extra: Any
) -> dict[str, Any]:
    settings = portal_of(request).settings
    state = state or form_of(view)
    rows = [r for r in state.rows if r.on or r.hours or r.problems]  # blank lines: added below
    rows += [Row("", "") for _ in range(BLANK_ROWS)]
    max_megabytes = max(1, settings.upload_max_bytes // (1024 * 1024))
    summary, field_errors, row_errors = errors_of(
        state, rows, mb=max_megabytes, num=settings.upload_max_files
    )
    return {
        "activity": view.activity,
        "form": state.form,
        "rows": rows,
        "files": view.files,
        "file_errors": state.file_errors,
        "summary": summary,
        "field_errors": field_errors,
        "row_errors": row_errors,
        "offers": view.offers,
        "kinds": KINDS,
        "kinds_options": kind_options(),
        "offer_options": [(str(o.id), f"{o.title} – {o.organisation}") for o in view.offers],
        "max_files": settings.upload_max_files,
        "max_megabytes": max_megabytes,
        "saved": False,
        "filled": False,
        "withdrawn": False,
        "draft_version": draft_version(view.activity.updated_at),
        **extra,
    }
