"""Saving the newcomer's draft: the form's POST with its proof files, and the autosave as it is
typed. Nothing typed is lost: every value that is right is kept, a refused one is marked.

Uploads are read by `portal.web.multipart.read_multipart` (streaming, with limits: an oversized
file is refused before the rest of the body is read, the text fields before it are kept) and
checked by content in `portal.adapters.uploads`.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from portal import i18n
from portal.adapters.uploads import CheckedFile, UploadRejected, harmless_name
from portal.domain.participation import SubmissionStatus, editable
from portal.services import participation as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.multipart import BadMultipart, BodyTooLarge, ParsedForm, inspected, read_multipart
from portal.web.pages import render
from portal.web.participation.common import path_id, person_id_of
from portal.web.participation.forms import draft_version, edit_context, form_of, read_posted
from portal.web.routing import principal_of, require_csrf
from portal.web.scoped import EVERY_REFUSAL, scoped


async def save(request: Request) -> Response:
    """The form's POST (multipart, streamed): keep the typed values, check and store the files,
    then go on as the button asked: stay (save, rows), fill in from the activity of the
    municipality that was picked (offer; any save does), or check the answers (review: every
    problem at once, or the check page)."""
    settings = portal_of(request).settings
    activity_id = path_id(request, "activity_id")
    person_id = person_id_of(request)
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


def _draft(request: Request, person_id: int, activity_id: int) -> svc.DraftView:
    with scoped(portal_of(request), not_found=EVERY_REFUSAL) as db:
        return svc.draft_view(db, person_id, activity_id)


def _too_large(request: Request, activity_id: int, person_id: int) -> Response:
    view = _draft(request, person_id, activity_id)
    state = form_of(view)
    state.general = "body_too_large"
    context = edit_context(request, view, state)
    return render(request, "citizen/activity_form.html", context, status=413, personal=True)


def _save(request: Request, activity_id: int, person_id: int, parsed: ParsedForm) -> Response:
    portal = portal_of(request)
    settings = portal.settings
    actor = principal_of(request).subject
    now = portal.clock.now()
    state = read_posted(parsed)
    action = parsed.get("action", "save")
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        status = svc.own_activity(db, person_id, activity_id).status
    if not editable(SubmissionStatus(status)):
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    # Files are checked and stored before the transaction: decoding photos and talking to S3
    # take time, and no database lock is held meanwhile.
    stored: list[tuple[str, CheckedFile, str]] = []
    for incoming in parsed.files:
        name = harmless_name(incoming.filename)
        try:
            checked = inspected(incoming, settings.upload_max_bytes)
        except UploadRejected as rejected:
            state.file_errors.append((name, rejected.code))
            continue
        stored.append((name, checked, svc.store_file(portal.files, checked)))
    if parsed.too_many_files:
        state.file_errors.append(("", "file_too_many"))
    kept: set[str] = set()
    try:
        with unit.work(portal.engine) as db:
            saved = svc.save_with_files(
                db,
                portal.files,
                person_id,
                activity_id,
                state.data,
                stored,
                max_files=settings.upload_max_files,
                now=now,
                actor=actor,
            )
        kept = saved.kept  # committed: these keys have a row now
    except ServiceError:  # sent or decided meanwhile (another tab)
        return RedirectResponse(f"/my/participation/activities/{activity_id}", status_code=303)
    finally:
        for _, _, key in stored:  # nothing stored that no row points to
            if key not in kept:
                portal.files.delete(key)
    state.apply(saved.problems)
    state.file_errors.extend(saved.file_errors)
    if action == "review":
        # everything that keeps it from being sent, with what could not be read, at once
        with scoped(portal, not_found=EVERY_REFUSAL) as db:
            _, problems = svc.check(
                db, person_id, activity_id, portal.clock.today(), state.data.entries
            )
        state.apply(problems)
    if not state.ok:
        context = edit_context(request, _draft(request, person_id, activity_id), state)
        return render(request, "citizen/activity_form.html", context, status=400, personal=True)
    if action == "review":
        return RedirectResponse(
            f"/my/participation/activities/{activity_id}/check", status_code=303
        )
    page = f"/my/participation/activities/{activity_id}/edit"
    if saved.filled:
        return RedirectResponse(f"{page}?filled=1", status_code=303)
    anchor = "#logbook" if action == "rows" else ""
    return RedirectResponse(f"{page}?saved=1{anchor}", status_code=303)


def autosave(request: Request) -> Response:
    """htmx: the form's text as it is typed (no files); answers with a small status line."""
    portal = portal_of(request)
    person_id = person_id_of(request)
    activity_id = path_id(request, "activity_id")
    state = read_posted(request.state.form)
    try:
        with unit.work(portal.engine) as db:
            saved = svc.save_valid(
                db,
                person_id,
                activity_id,
                state.data,
                portal.clock.now(),
                actor=principal_of(request).subject,
                pick_offer=False,  # this page would not show what the offer fills in
            )
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return PlainTextResponse(
            i18n.gettext("Not saved: this activity was sent meanwhile. Reload the page."),
            status_code=409,
        )
    version = draft_version(saved.activity.updated_at)
    if state.refused or saved.problems:
        # 422: the page (and draft.js's copy on the phone) keeps everything; the status says so
        return PlainTextResponse(
            i18n.gettext(
                'Not everything is saved yet: press "Save as draft" to see what to change.'
            ),
            status_code=422,
            headers={"Cache-Control": "no-store", "X-Draft-Version": version},
        )
    # a status line for htmx to put in the form's live region (plain text: nothing to escape)
    time = i18n.format_time(portal.clock.now())
    status = i18n.gettext("Saved at %(time)s.", time=time)
    if saved.offer_waiting:
        status += " " + i18n.gettext(
            'Press "Use this activity" to fill in the form from the activity you chose.'
        )
    return PlainTextResponse(
        status, headers={"Cache-Control": "no-store", "X-Draft-Version": version}
    )
