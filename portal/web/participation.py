"""Pillar 4, participation and network: the newcomer's uniform form (drafts kept as they type,
proof uploaded safely), the host organisation's confirmation link, and the municipality's queue,
decisions, export and activity offer.

Uploads are read by `portal.web.multipart.read_multipart` (streaming, with limits: an oversized
file is refused before the rest of the body is read, the text fields before it are kept) and
checked by content in `portal.adapters.uploads`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from portal import i18n, labels
from portal.adapters.uploads import (
    ALLOWED,
    UploadRejected,
    display_name,
    harmless_name,
    inspect_upload,
)
from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.participation import (
    ActivityKind,
    HoursError,
    LogEntry,
    Problem,
    SubmissionStatus,
    editable,
    parse_hours,
)
from portal.services import participation as svc
from portal.services.errors import ServiceError, audit
from portal.settings import BRUSSELS
from portal.web.context import portal_of
from portal.web.exports import csv_safe
from portal.web.forms import Form, row_id
from portal.web.multipart import BadMultipart, BodyTooLarge, ParsedForm, read_multipart
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, require_csrf, route

KINDS = tuple(k.value for k in ActivityKind)
TEXT_FIELDS = ("organisation", "contact_name", "contact_email", "place", "description")
BLANK_ROWS = 3
MAX_ROWS = 200


def _int(value: Any) -> int:
    number = row_id(value)
    if number is None:
        raise HTTPException(status_code=404)
    return number


def _person_id(request: Request) -> int:
    person_id = principal_of(request).person_id
    if person_id is None:
        raise HTTPException(status_code=404)
    return person_id


# --- reading the form -------------------------------------------------------------------------


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


def _form_values(parsed: ParsedForm | Any) -> tuple[dict[str, str], list[str], list[str]]:
    names = ("kind", "offer", "start_on", "end_on", *TEXT_FIELDS)
    values = {name: str(parsed.get(name, "") or "") for name in names}
    return (
        values,
        [str(x) for x in parsed.getlist("log_on")],
        [str(x) for x in parsed.getlist("log_hours")],
    )


def _form_from_activity(activity: m.Activity, lines: list[m.LogbookLine]) -> ActivityForm:
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
        values, [x.on.isoformat() for x in lines], [str(x.hours) for x in lines]
    )


# --- pages for the newcomer --------------------------------------------------------------------


def overview(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    with session_scope(portal.engine) as db:
        person = db.get(m.Person, person_id)
        assert person is not None
        summary = svc.hours_summary(db, person_id, portal.clock.today())
        activities = svc.activities_of(db, person_id)
        offers = svc.offers_in(db, person.municipality_id)
        municipality = db.get(m.Municipality, person.municipality_id)
    return render(
        request,
        "citizen/participation.html",
        {
            "summary": summary,
            "activities": activities,
            "offers": offers,
            "municipality": municipality,
            "deleted": request.query_params.get("deleted") == "1",
        },
        personal=True,
    )


def new_activity(request: Request) -> Response:
    """Start a draft (empty, or from an activity the municipality offers) and open its form."""
    portal = portal_of(request)
    offer_text = str(request.state.form.get("offer", ""))
    offer_id = row_id(offer_text)
    if offer_text and offer_id is None:
        raise HTTPException(status_code=404)
    try:
        with session_scope(portal.engine) as db:
            activity = svc.start_draft(
                db,
                _person_id(request),
                offer_id,
                portal.clock.now(),
                actor=principal_of(request).subject,
            )
    except ServiceError:
        raise HTTPException(status_code=404) from None
    return RedirectResponse(f"/my/participation/activities/{activity.id}/edit", status_code=303)


def _edit_context(
    request: Request, activity: m.Activity, state: ActivityForm | None = None, **extra: Any
) -> dict[str, Any]:
    portal = portal_of(request)
    assert activity.id is not None
    with session_scope(portal.engine) as db:
        lines = svc.lines_of(db, activity.id)
        files = svc.files_of(db, activity.id)
        person = db.get(m.Person, activity.person_id)
        assert person is not None
        offers = svc.offers_in(db, person.municipality_id)
    state = state or _form_from_activity(activity, lines)
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
    settings = portal.settings
    return {
        "activity": activity,
        "form": state.form,
        "rows": rows,
        "files": files,
        "file_errors": state.file_errors,
        "summary": summary,
        "offers": offers,
        "kinds": KINDS,
        "kinds_options": [(k, labels.activity_kind_name(k)) for k in KINDS],
        "offer_options": [(str(o.id), f"{o.title} – {o.organisation}") for o in offers],
        "max_files": settings.upload_max_files,
        "max_megabytes": max(1, settings.upload_max_bytes // (1024 * 1024)),
        "saved": False,
        "draft_version": draft_version(activity),
        **extra,
    }


def draft_version(activity: m.Activity) -> str:
    """Which saved state of a draft a page shows (draft.js keeps the phone's copy against it)."""
    return activity.updated_at.astimezone(UTC).isoformat()


def edit_page(request: Request) -> Response:
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        activity = _own(db, request)
    if not editable(SubmissionStatus(activity.status)):
        return RedirectResponse(f"/my/participation/activities/{activity.id}", status_code=303)
    context = _edit_context(request, activity, saved=request.query_params.get("saved") == "1")
    return render(request, "citizen/activity_form.html", context, personal=True)


def _own(db: Any, request: Request) -> m.Activity:
    try:
        return svc.own_activity(db, _person_id(request), _int(request.path_params["activity_id"]))
    except ServiceError:
        raise HTTPException(status_code=404) from None


async def save(request: Request) -> Response:
    """The form's POST (multipart, streamed): keep the typed values, check and store the files,
    then go on as the button asked: stay (save), or check the answers (review)."""
    portal = portal_of(request)
    settings = portal.settings
    activity_id = _int(request.path_params["activity_id"])
    person_id = _person_id(request)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # a form without a file input (or a script): small, read by Starlette within limits
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > 1024 * 1024:
            return await run_in_threadpool(_too_large, request, activity_id, person_id)
        form = await request.form(max_files=0, max_fields=1000)
        plain = ParsedForm(fields=[(k, str(v)) for k, v in form.multi_items()], files=[])
        require_csrf(request, plain.get("csrf_token") or None)
        return await run_in_threadpool(_save, request, activity_id, person_id, plain)
    try:
        parsed = await read_multipart(
            request,
            max_body=settings.upload_max_files * settings.upload_max_bytes + 512 * 1024,
            max_file_bytes=settings.upload_max_bytes,
            max_files=settings.upload_max_files,
        )
    except BodyTooLarge:
        return await run_in_threadpool(_too_large, request, activity_id, person_id)
    except BadMultipart:
        raise HTTPException(status_code=400) from None
    require_csrf(request, parsed.get("csrf_token") or None)
    return await run_in_threadpool(_save, request, activity_id, person_id, parsed)


def _too_large(request: Request, activity_id: int, person_id: int) -> Response:
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        try:
            activity = svc.own_activity(db, person_id, activity_id)
        except ServiceError:
            raise HTTPException(status_code=404) from None
        lines = svc.lines_of(db, activity_id)
    state = _form_from_activity(activity, lines)
    state.general = "body_too_large"
    context = _edit_context(request, activity, state)
    return render(request, "citizen/activity_form.html", context, status=413, personal=True)


def save_what_is_valid(
    db: Any, person_id: int, activity_id: int, state: ActivityForm, now: Any, actor: str
) -> tuple[m.Activity, bool]:
    """Save the draft with every value that is right; a refused value is left out (and marked
    on the form). Returns the activity and whether anything typed was left out."""
    refused = bool(state.form.errors) or any(r.error for r in state.rows)
    try:
        return svc.save_draft(db, person_id, activity_id, state.data, now, actor=actor), refused
    except svc.ActivityProblems as problems:
        state.apply(problems.problems)
        for problem in problems.problems:
            if problem.field == "offer":
                state.data.offer_id = None
            elif problem.field in TEXT_FIELDS:
                setattr(state.data, problem.field, "")
        return svc.save_draft(db, person_id, activity_id, state.data, now, actor=actor), True


def _save(request: Request, activity_id: int, person_id: int, parsed: ParsedForm) -> Response:
    portal = portal_of(request)
    settings = portal.settings
    actor = principal_of(request).subject
    now = portal.clock.now()
    values, ons, hours = _form_values(parsed)
    state = read_activity_form(values, ons, hours)
    action = parsed.get("action", "save")
    with session_scope(portal.engine) as db:
        try:
            activity = svc.own_activity(db, person_id, activity_id)
        except ServiceError:
            raise HTTPException(status_code=404) from None
    if not editable(SubmissionStatus(activity.status)):
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    # Files are checked and stored before the transaction: decoding photos and talking to S3
    # take time, and no database lock is held meanwhile.
    stored: list[tuple[str, Any, str]] = []
    for incoming in parsed.files:
        name = harmless_name(incoming.filename)
        if incoming.too_large:
            state.file_errors.append((name, "file_too_large"))
            continue
        try:
            checked = inspect_upload(
                incoming.data,
                incoming.filename,
                incoming.content_type,
                max_bytes=settings.upload_max_bytes,
            )
        except UploadRejected as rejected:
            state.file_errors.append((name, rejected.code))
            continue
        stored.append((name, checked, svc.store_file(portal.files, checked)))
    if parsed.too_many_files:
        state.file_errors.append(("", "file_too_many"))
    kept: set[str] = set()
    committed = False
    try:
        with session_scope(portal.engine) as db:
            activity, _ = save_what_is_valid(db, person_id, activity_id, state, now, actor)
            for name, checked, key in stored:
                try:
                    svc.add_file(
                        db,
                        portal.files,
                        activity,
                        checked,
                        max_files=settings.upload_max_files,
                        actor=actor,
                        now=now,
                        key=key,
                    )
                    kept.add(key)
                except ServiceError as error:
                    state.file_errors.append((name, error.code))
        committed = True
    except ServiceError:  # sent or decided meanwhile (another tab)
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    finally:
        for _, _, key in stored:  # nothing stored that no row points to
            if not (committed and key in kept):
                portal.files.delete(key)
    if not state.ok:
        context = _edit_context(request, activity, state)
        return render(request, "citizen/activity_form.html", context, status=400, personal=True)
    if action == "review":
        return RedirectResponse(
            f"/my/participation/activities/{activity_id}/check", status_code=303
        )
    anchor = "#logbook" if action == "rows" else ""
    return RedirectResponse(
        f"/my/participation/activities/{activity_id}/edit?saved=1{anchor}", status_code=303
    )


def autosave(request: Request) -> Response:
    """htmx: the form's text as it is typed (no files); answers with a small status line."""
    portal = portal_of(request)
    person_id = _person_id(request)
    activity_id = _int(request.path_params["activity_id"])
    values, ons, hours = _form_values(request.state.form)
    state = read_activity_form(values, ons, hours)
    try:
        with session_scope(portal.engine) as db:
            saved, refused = save_what_is_valid(
                db, person_id, activity_id, state, portal.clock.now(), principal_of(request).subject
            )
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return PlainTextResponse(
            i18n.gettext("Not saved: this activity was sent meanwhile. Reload the page."),
            status_code=409,
        )
    if refused:
        # 422: the page (and draft.js's copy on the phone) keeps everything; the status says so
        return PlainTextResponse(
            i18n.gettext(
                'Not everything is saved yet: press "Save as draft" to see what to change.'
            ),
            status_code=422,
            headers={"Cache-Control": "no-store", "X-Draft-Version": draft_version(saved)},
        )
    # a status line for htmx to put in the form's live region (plain text: nothing to escape)
    time = i18n.format_time(portal.clock.now())
    return PlainTextResponse(
        i18n.gettext("Saved at %(time)s.", time=time),
        headers={"Cache-Control": "no-store", "X-Draft-Version": draft_version(saved)},
    )


def check_page(request: Request) -> Response:
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        activity = _own(db, request)
        if not editable(SubmissionStatus(activity.status)):
            return RedirectResponse(f"/my/participation/activities/{activity.id}", status_code=303)
        assert activity.id is not None
        problems = svc.problems_of(db, activity, portal.clock.today())
        context = _detail_context(db, activity)
    if problems:
        state = _form_from_activity(activity, context["lines"])
        state.apply(problems)
        edit = _edit_context(request, activity, state)
        return render(request, "citizen/activity_form.html", edit, status=400, personal=True)
    return render(request, "citizen/activity_check.html", context, personal=True)


def _detail_context(db: Any, activity: m.Activity) -> dict[str, Any]:
    assert activity.id is not None
    offer = db.get(m.ActivityOffer, activity.offer_id) if activity.offer_id else None
    return {
        "response": "",
        "response_error": None,
        "activity": activity,
        "lines": svc.lines_of(db, activity.id),
        "files": svc.files_of(db, activity.id),
        "events": svc.events_of(db, activity.id),
        "offer": offer,
    }


def submit(request: Request) -> Response:
    portal = portal_of(request)
    person_id = _person_id(request)
    activity_id = _int(request.path_params["activity_id"])
    # browsers send new lines as CRLF: count them as one character, as the page's maxlength does
    response_note = str(request.state.form.get("response", "")).replace("\r\n", "\n").strip()
    if len(response_note) > 2000:
        with session_scope(portal.engine) as db:
            context = _detail_context(db, _own(db, request))
        context.update(response=response_note, response_error="too_long")
        return render(request, "citizen/activity_check.html", context, status=400, personal=True)
    try:
        with session_scope(portal.engine) as db:
            svc.submit(
                db,
                person_id,
                activity_id,
                portal.clock.now(),
                portal.clock.today(),
                actor=principal_of(request).subject,
                response=response_note,
                base_url=portal.settings.base_url,
                link_days=portal.settings.confirmation_link_days,
            )
    except svc.ActivityProblems as problems:
        with session_scope(portal.engine) as db:
            activity = svc.own_activity(db, person_id, activity_id)
            lines = svc.lines_of(db, activity_id)
        state = _form_from_activity(activity, lines)
        state.apply(problems.problems)
        context = _edit_context(request, activity, state)
        return render(request, "citizen/activity_form.html", context, status=400, personal=True)
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    return RedirectResponse(f"/my/participation/activities/{activity_id}?sent=1", status_code=303)


def activity_page(request: Request) -> Response:
    portal = portal_of(request)
    with session_scope(portal.engine) as db:
        activity = _own(db, request)
        context = _detail_context(db, activity)
    context["sent"] = request.query_params.get("sent") == "1"
    context["withdrawn"] = request.query_params.get("withdrawn") == "1"
    return render(request, "citizen/activity.html", context, personal=True)


def withdraw(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = _int(request.path_params["activity_id"])
    try:
        with session_scope(portal.engine) as db:
            svc.withdraw(
                db,
                _person_id(request),
                activity_id,
                portal.clock.now(),
                actor=principal_of(request).subject,
            )
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    return RedirectResponse(
        f"/my/participation/activities/{activity_id}/edit?saved=1", status_code=303
    )


def copy(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = _int(request.path_params["activity_id"])
    try:
        with session_scope(portal.engine) as db:
            new = svc.copy_as_draft(
                db,
                portal.files,
                _person_id(request),
                activity_id,
                portal.clock.now(),
                actor=principal_of(request).subject,
            )
    except ServiceError:
        raise HTTPException(status_code=404) from None
    return RedirectResponse(f"/my/participation/activities/{new.id}/edit", status_code=303)


def delete_draft(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = _int(request.path_params["activity_id"])
    try:
        with session_scope(portal.engine) as db:
            svc.delete_draft(
                db,
                portal.files,
                _person_id(request),
                activity_id,
                actor=principal_of(request).subject,
            )
    except ServiceError as error:
        raise HTTPException(status_code=409 if error.code == "not_a_draft" else 404) from None
    return RedirectResponse("/my/participation?deleted=1", status_code=303)


def delete_file(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = _int(request.path_params["activity_id"])
    try:
        with session_scope(portal.engine) as db:
            svc.remove_file(
                db,
                portal.files,
                _person_id(request),
                activity_id,
                _int(request.path_params["file_id"]),
                actor=principal_of(request).subject,
            )
    except ServiceError:
        raise HTTPException(status_code=404) from None
    return RedirectResponse(
        f"/my/participation/activities/{activity_id}/edit?saved=1#proof", status_code=303
    )


# --- files, for the three audiences that may read them -----------------------------------------


def _download(request: Request) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    file_id = _int(request.path_params["file_id"])
    with session_scope(portal.engine) as db:
        row = svc.file_for(db, principal, file_id)
    if row is None:
        raise HTTPException(status_code=404)
    data = portal.files.get(row.storage_key)
    fallback = f"proof-{row.id}{ALLOWED[row.content_type]}"
    name = display_name(row.display_name) if row.display_name else fallback
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


# --- the host organisation's contact (no account) ---------------------------------------------

LINK_ERRORS = ("link_unknown", "link_used", "link_expired")


def confirm_page(request: Request) -> Response:
    portal = portal_of(request)
    token = request.path_params["token"]
    with session_scope(portal.engine) as db:
        try:
            view = svc.open_link(db, token, portal.clock.now())
        except ServiceError as error:
            return render(
                request,
                "public/confirm_hours.html",
                {"view": None, "problem": error.code, "form": Form(), "done": None},
                status=404 if error.code == "link_unknown" else 410,
            )
    context = {"view": view, "problem": None, "form": Form(), "done": None}
    response = render(request, "public/confirm_hours.html", context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def confirm(request: Request) -> Response:
    portal = portal_of(request)
    token = request.path_params["token"]
    form = Form(request.state.form)
    answer = form.choice("answer", ("agree", "disagree"))
    note = form.text("note", required=answer == "disagree", max_length=1000)
    with session_scope(portal.engine) as db:
        try:
            view = svc.open_link(db, token, portal.clock.now())
        except ServiceError as error:
            return render(
                request,
                "public/confirm_hours.html",
                {"view": None, "problem": error.code, "form": form, "done": None},
                status=404 if error.code == "link_unknown" else 410,
            )
        if form.ok:
            try:
                svc.answer_link(db, token, answer, note, portal.clock.now())
            except ServiceError as error:
                if error.code not in LINK_ERRORS:
                    raise
                problem = error.code  # e.g. a double click: the first answer counted
                return render(
                    request,
                    "public/confirm_hours.html",
                    {"view": None, "problem": problem, "form": form, "done": None},
                    status=410,
                )
    if not form.ok:
        failed: dict[str, Any] = {"view": view, "problem": None, "form": form, "done": None}
        return render(request, "public/confirm_hours.html", failed, status=400)
    context: dict[str, Any] = {"view": None, "problem": None, "form": form, "done": answer}
    response = render(request, "public/confirm_hours.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the municipality -------------------------------------------------------------------------


def _municipality_id(request: Request) -> int:
    municipality_id = principal_of(request).municipality_id
    if municipality_id is None:
        raise HTTPException(status_code=403)
    return municipality_id


def municipality_home(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = _municipality_id(request)
    with session_scope(portal.engine) as db:
        municipality = db.get(m.Municipality, municipality_id)
        waiting = svc.queue(db, municipality_id)
        decided = svc.decided_by(db, municipality_id, limit=20)
    return render(
        request,
        "staff/municipality_home.html",
        {
            "municipality": municipality,
            "waiting": waiting,
            "decided": decided,
            "done": request.query_params.get("done", ""),
        },
        personal=True,
    )


def _officer_context(db: Any, municipality_id: int, activity_id: int) -> dict[str, Any]:
    try:
        activity, person = svc.officer_activity(db, municipality_id, activity_id)
    except ServiceError:
        raise HTTPException(status_code=404) from None
    context = _detail_context(db, activity)
    context["person"] = person
    context["may_decide"] = (
        activity.status == SubmissionStatus.SUBMITTED and person.municipality_id == municipality_id
    )
    return context


def officer_activity_page(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = _municipality_id(request)
    with session_scope(portal.engine) as db:
        context = _officer_context(db, municipality_id, _int(request.path_params["activity_id"]))
        audit(
            db,
            principal_of(request).subject,
            "activity.open",
            "activity",
            context["activity"].id,
        )
    context["form"] = Form()
    context["stale"] = request.query_params.get("stale") == "1"
    return render(request, "staff/municipality_activity.html", context, personal=True)


DECISION_FIELDS = {
    "choose": "decision",
    "confirmed_range": "confirmed",
    "reason_missing": "reason",
    "reason_long": "reason",
}


def decide(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = _municipality_id(request)
    activity_id = _int(request.path_params["activity_id"])
    form = Form(request.state.form)
    decision = form.get("decision")
    confirmed_text = form.get("confirmed")
    confirmed: int | None = None
    if decision == "confirm_part":
        confirmed = form.integer("confirmed", minimum=1, maximum=100_000)
    error_code: str | None = None
    if form.ok:
        try:
            with session_scope(portal.engine) as db:
                svc.decide(
                    db,
                    municipality_id,
                    activity_id,
                    decision,
                    confirmed=confirmed,
                    reason=form.get("reason"),
                    actor=principal_of(request).subject,
                    now=portal.clock.now(),
                    today=portal.clock.today(),
                )
        except ServiceError as error:
            if error.code == "unknown_activity":
                raise HTTPException(status_code=404) from None
            if error.code == "not_waiting":  # another officer decided meanwhile
                return RedirectResponse(
                    f"/municipality/activities/{activity_id}?stale=1", status_code=303
                )
            error_code = error.code
    if form.ok and error_code is None:
        return RedirectResponse(f"/municipality?done={decision}", status_code=303)
    if error_code:
        form.error(DECISION_FIELDS.get(error_code, "decision"), error_code)
    form.values["confirmed"] = confirmed_text
    with session_scope(portal.engine) as db:
        context = _officer_context(db, municipality_id, activity_id)
    context["form"] = form
    context["stale"] = False
    return render(request, "staff/municipality_activity.html", context, status=400, personal=True)


def export_csv(request: Request) -> Response:
    portal = portal_of(request)
    municipality_id = _municipality_id(request)
    with session_scope(portal.engine) as db:
        rows = svc.confirmed_rows(db, municipality_id)
        audit(db, principal_of(request).subject, "activity.export", "municipality", municipality_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "family_name",
            "given_name",
            "birth_date",
            "activity",
            "organisation",
            "start",
            "end",
            "hours_claimed",
            "hours_confirmed",
            "decided_on",
            "decided_by",
        ]
    )
    for activity, person in rows:
        writer.writerow(
            [
                csv_safe(person.family_name),
                csv_safe(person.given_name),
                person.birth_date.isoformat(),
                activity.kind,
                csv_safe(activity.organisation),
                activity.start_on.isoformat() if activity.start_on else "",
                activity.end_on.isoformat() if activity.end_on else "",
                activity.hours_claimed,
                activity.hours_confirmed,
                activity.decided_at.astimezone(BRUSSELS).date().isoformat()
                if activity.decided_at
                else "",
                csv_safe(activity.decided_by),
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="confirmed-participation-hours.csv"',
            "Cache-Control": "no-store",
        },
    )


def offers_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    municipality_id = _municipality_id(request)
    with session_scope(portal.engine) as db:
        offers = svc.offers_in(db, municipality_id, only_active=False)
        municipality = db.get(m.Municipality, municipality_id)
    return render(
        request,
        "staff/municipality_offers.html",
        {
            "offers": offers,
            "municipality": municipality,
            "form": form or Form(),
            "kinds": KINDS,
            "kinds_options": [(k, labels.activity_kind_name(k)) for k in KINDS],
            "added": request.query_params.get("added") == "1",
        },
        status=status,
        personal=True,
    )


def add_offer(request: Request) -> Response:
    portal = portal_of(request)
    form = Form(request.state.form)
    try:
        with session_scope(portal.engine) as db:
            svc.create_offer(
                db,
                _municipality_id(request),
                principal_of(request).subject,
                kind=form.get("kind"),
                title=form.get("title"),
                organisation=form.get("organisation"),
                description=form.get("description"),
                place=form.get("place"),
                contact=form.get("contact"),
            )
    except svc.ActivityProblems as problems:
        for problem in problems.problems:
            form.error(problem.field, problem.code)
        return offers_page(request, form, status=400)
    return RedirectResponse("/municipality/offers?added=1", status_code=303)


def offer_active(request: Request) -> Response:
    portal = portal_of(request)
    active_now = request.state.form.get("active") == "1"
    try:
        with session_scope(portal.engine) as db:
            svc.set_offer_active(
                db,
                _municipality_id(request),
                _int(request.path_params["offer_id"]),
                active_now,
                principal_of(request).subject,
            )
    except ServiceError:
        raise HTTPException(status_code=404) from None
    return RedirectResponse("/municipality/offers", status_code=303)


def routes() -> list[Any]:
    activity = "/my/participation/activities/{activity_id:id}"
    return [
        route("/my/participation", overview, Audience.CITIZEN),
        route("/my/participation/activities", new_activity, Audience.CITIZEN, ("POST",)),
        route(activity, activity_page, Audience.CITIZEN),
        route(activity + "/edit", edit_page, Audience.CITIZEN),
        route(activity + "/edit", save, Audience.CITIZEN, ("POST",), name="save", stream=True),
        route(activity + "/autosave", autosave, Audience.CITIZEN, ("POST",)),
        route(activity + "/check", check_page, Audience.CITIZEN),
        route(activity + "/submit", submit, Audience.CITIZEN, ("POST",)),
        route(activity + "/withdraw", withdraw, Audience.CITIZEN, ("POST",)),
        route(activity + "/copy", copy, Audience.CITIZEN, ("POST",)),
        route(activity + "/delete", delete_draft, Audience.CITIZEN, ("POST",)),
        route(activity + "/files/{file_id:id}/delete", delete_file, Audience.CITIZEN, ("POST",)),
        route("/my/participation/files/{file_id:id}", _download, Audience.CITIZEN, name="own_file"),
        route(
            "/municipality/files/{file_id:id}",
            _download,
            Audience.MUNICIPALITY,
            name="resident_file",
        ),
        route(
            "/counsellor/files/{file_id:id}", _download, Audience.COUNSELLOR, name="caseload_file"
        ),
        route("/confirm-hours/{token}", confirm_page, Audience.PUBLIC),
        route("/confirm-hours/{token}", confirm, Audience.PUBLIC, ("POST",), name="confirm"),
        route("/municipality", municipality_home, Audience.MUNICIPALITY),
        route(
            "/municipality/activities/{activity_id:id}",
            officer_activity_page,
            Audience.MUNICIPALITY,
        ),
        route(
            "/municipality/activities/{activity_id:id}/decision",
            decide,
            Audience.MUNICIPALITY,
            ("POST",),
        ),
        route("/municipality/export.csv", export_csv, Audience.MUNICIPALITY),
        route("/municipality/offers", offers_page, Audience.MUNICIPALITY),
        route(
            "/municipality/offers", add_offer, Audience.MUNICIPALITY, ("POST",), name="add_offer"
        ),
        route(
            "/municipality/offers/{offer_id:id}/active",
            offer_active,
            Audience.MUNICIPALITY,
            ("POST",),
        ),
    ]
