"""The newcomer's activity form: reading what was typed (an error code per field, per logbook
row and per file), filling it from a saved draft, and the context of the form's page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request

from portal.domain.participation import HoursError, LogEntry, Problem, parse_hours
from portal.services import participation as svc
from portal.web.context import portal_of
from portal.web.forms import Form, row_id
from portal.web.multipart import ParsedForm
from portal.web.participation.common import KINDS, kind_options

TEXT_FIELDS = ("organisation", "contact_name", "contact_email", "place", "description")
BLANK_ROWS = 3
MAX_ROWS = 200


@dataclass
class Row:
    on: str
    hours: str
    error: str | None = None


@dataclass
class ActivityForm:
    """What the person typed, with an error code per field, per logbook row and per file."""

    form: Form
    rows: list[Row]
    data: svc.ActivityInput
    file_errors: list[tuple[str, str]] = field(default_factory=list)  # (shown name, code)
    general: str | None = None  # an error about the whole request (e.g. too large)

    @property
    def ok(self) -> bool:
        return (
            self.form.ok
            and not any(r.error for r in self.rows)
            and not self.file_errors
            and not self.general
        )

    @property
    def refused(self) -> bool:
        """Whether anything typed could not be read (and is left out of what is saved)."""
        return bool(self.form.errors) or any(r.error for r in self.rows)

    def apply(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem.field == "logbook" and problem.index is not None:
                rows = [r for r in self.rows if r.on or r.hours]
                if problem.index < len(rows) and rows[problem.index].error is None:
                    rows[problem.index].error = problem.code
            elif problem.field == "proof":
                self.file_errors.append(("", problem.code))
            else:
                self.form.error(problem.field, problem.code)


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
    for on_text, hours_text in list(zip(ons, hours, strict=False))[:MAX_ROWS]:
        row = Row(on_text.strip()[:20], hours_text.strip()[:20])
        rows.append(row)
        if not row.on and not row.hours:
            continue
        day: date | None = None
        try:
            day = date.fromisoformat(row.on) if row.on else None
        except ValueError:
            row.error = "date"
        if row.on == "" and row.error is None:
            row.error = "log_date_missing"
        try:
            amount = parse_hours(row.hours)
        except HoursError as error:
            row.error = row.error or error.code
            continue
        if day is not None and row.error is None:
            entries.append(LogEntry(day, amount))
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
    return ActivityForm(form, rows, data)


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


def edit_context(
    request: Request, view: svc.DraftView, state: ActivityForm | None = None, **extra: Any
) -> dict[str, Any]:
    settings = portal_of(request).settings
    state = state or form_of(view)
    rows = [r for r in state.rows if r.on or r.hours or r.error]  # blank lines: added below
    rows += [Row("", "") for _ in range(BLANK_ROWS)]
    summary: list[tuple[str, str]] = [(name, code) for name, code in state.form.errors.items()]
    for index, row in enumerate(rows):
        if row.error:
            summary.append((f"log_on-{index}", row.error))
    for _, code in state.file_errors:
        summary.append(("proof", code))
    if state.general:
        summary.insert(0, ("proof", state.general))
    return {
        "activity": view.activity,
        "form": state.form,
        "rows": rows,
        "files": view.files,
        "file_errors": state.file_errors,
        "summary": summary,
        "offers": view.offers,
        "kinds": KINDS,
        "kinds_options": kind_options(),
        "offer_options": [(str(o.id), f"{o.title} – {o.organisation}") for o in view.offers],
        "max_files": settings.upload_max_files,
        "max_megabytes": max(1, settings.upload_max_bytes // (1024 * 1024)),
        "saved": False,
        "draft_version": draft_version(view.activity.updated_at),
        **extra,
    }
