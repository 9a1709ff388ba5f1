"""Conversations with the integration office: the person writes, answers and sends a file; staff
of the person's agency answer from a shared inbox and close what is done."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.adapters.uploads import CheckedFile, UploadRejected, harmless_name
from portal.i18n import current_language
from portal.services import conversations as service
from portal.services import notify
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.downloads import attachment
from portal.web.forms import Form, row_id
from portal.web.multipart import BadMultipart, BodyTooLarge, ParsedForm, inspected, read_multipart
from portal.web.pages import render
from portal.web.routing import Audience, principal_of, require_csrf, route
from portal.web.scoped import scoped


def _id(request: Request, name: str = "conversation_id") -> int:
    number = row_id(request.path_params[name])
    if number is None:
        raise HTTPException(status_code=404)
    return number


async def _read(request: Request) -> tuple[ParsedForm, bool]:
    """The posted form (a small urlencoded one, or multipart with at most one file within the
    upload limit), after the CSRF check; and whether the body was too large."""
    settings = portal_of(request).settings
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > 64 * 1024:
            raise HTTPException(status_code=413)
        form = await request.form(max_files=0, max_fields=20)
        parsed = ParsedForm(fields=[(k, str(v)) for k, v in form.multi_items()], files=[])
    else:
        try:
            parsed = await read_multipart(
                request,
                max_body=settings.upload_max_bytes + 128 * 1024,
                max_file_bytes=settings.upload_max_bytes,
                max_files=1,
            )
        except BodyTooLarge:
            # the token cannot be read from a body we did not read: the session's own page
            # asks again with the error, nothing is saved
            return ParsedForm(fields=[], files=[]), True
        except BadMultipart:
            raise HTTPException(status_code=400) from None
    require_csrf(request, parsed.get("csrf_token") or None)
    return parsed, False


def _upload(request: Request, parsed: ParsedForm, form: Form) -> CheckedFile | None:
    settings = portal_of(request).settings
    incoming = next((f for f in parsed.files if f.filename), None)
    if parsed.too_many_files:
        form.error("file", "file_too_many")
    if incoming is None:
        return None
    try:
        return inspected(incoming, settings.upload_max_bytes)
    except UploadRejected as rejected:
        form.error("file", rejected.code)
        form.values["file_name"] = harmless_name(incoming.filename)
        return None


def _limits(request: Request) -> dict[str, Any]:
    settings = portal_of(request).settings
    return {"max_megabytes": max(1, settings.upload_max_bytes // (1024 * 1024))}


# ---------------------------------------------------------------- the person


def new_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    about = row_id(request.query_params.get("about", ""))
    form = form or Form()
    if about is not None and not form.values.get("subject"):
        with scoped(portal) as db:
            principal = principal_of(request)
            assert principal.person_id is not None
            view = notify.open_message(
                db, principal.person_id, about, current_language(), portal.clock.now()
            )
        if view is None:
            raise HTTPException(status_code=404)
        form.values["subject"] = view.subject
        form.values["about"] = str(about)
    return render(
        request,
        "citizen/conversation_new.html",
        {"form": form, **_limits(request)},
        personal=True,
        status=status,
    )


async def start(request: Request) -> Response:
    parsed, too_large = await _read(request)
    return await run_in_threadpool(_start, request, parsed, too_large)


def _start(request: Request, parsed: ParsedForm, too_large: bool) -> Response:
    portal = portal_of(request)
    form = Form(dict(parsed.fields))
    if too_large:
        form.error("file", "file_too_large")
        return new_page(request, form, 413)
    subject = form.text("subject", max_length=service.SUBJECT_MAX)
    body = form.text("body", max_length=service.BODY_MAX)
    upload = _upload(request, parsed, form)
    about = row_id(form.get("about"))
    if form.ok:
        try:
            with scoped(portal) as db:
                conversation = service.start_by_person(
                    db,
                    principal_of(request),
                    subject,
                    body,
                    portal.clock.now(),
                    files=portal.files,
                    upload=upload,
                    about_message_id=about,
                )
        except ServiceError as error:
            form.error(error.detail or "body", error.code)
        else:
            return RedirectResponse(f"/my/conversations/{conversation.id}?sent=1", status_code=303)
    return new_page(request, form, 400)


def thread_page(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with scoped(portal) as db:
        view = service.thread(db, principal_of(request), _id(request), portal.clock.now())
    return render(
        request,
        "citizen/conversation.html",
        {
            "thread": view,
            "form": form or Form(),
            "sent": request.query_params.get("sent") == "1",
            **_limits(request),
        },
        personal=True,
        status=status,
    )


async def person_reply(request: Request) -> Response:
    parsed, too_large = await _read(request)
    return await run_in_threadpool(_person_reply, request, parsed, too_large)


def _person_reply(request: Request, parsed: ParsedForm, too_large: bool) -> Response:
    portal = portal_of(request)
    conversation_id = _id(request)
    form = Form(dict(parsed.fields))
    if too_large:
        form.error("file", "file_too_large")
        return thread_page(request, form, 413)
    body = form.text("body", max_length=service.BODY_MAX)
    upload = _upload(request, parsed, form)
    if form.ok:
        try:
            with scoped(portal) as db:
                service.reply(
                    db,
                    principal_of(request),
                    conversation_id,
                    body,
                    portal.clock.now(),
                    files=portal.files,
                    upload=upload,
                )
        except ServiceError as error:
            form.error("body", error.code)
        else:
            return RedirectResponse(f"/my/conversations/{conversation_id}?sent=1", status_code=303)
    return thread_page(request, form, 400)


def download(request: Request) -> Response:
    """A file of a conversation the caller may see: as a download, never shown inline."""
    portal = portal_of(request)
    with scoped(portal) as db:
        row = service.file_for(db, principal_of(request), _id(request, "file_id"))
    return attachment(
        portal.files.get(row.storage_key), row.content_type, row.filename, f"file-{row.id}"
    )


# ---------------------------------------------------------------- staff


def inbox_page(request: Request) -> Response:
    portal = portal_of(request)
    view = request.query_params.get("view", "mine")
    if view not in service.INBOX_VIEWS:
        view = "mine"
    with scoped(portal) as db:
        rows = service.agency_inbox(db, principal_of(request), view)
        unread = service.unread_in_inbox(db, principal_of(request))
    return render(
        request,
        "staff/conversations.html",
        {"rows": rows, "view": view, "unread_open": unread},
        personal=True,
    )


def staff_thread(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    with scoped(portal) as db:
        view = service.thread(db, principal_of(request), _id(request), portal.clock.now())
    return render(
        request,
        "staff/conversation.html",
        {
            "thread": view,
            "form": form or Form(),
            "done": request.query_params.get("done", ""),
        },
        personal=True,
        status=status,
    )


def staff_reply(request: Request) -> Response:
    portal = portal_of(request)
    conversation_id = _id(request)
    form = Form(getattr(request.state, "form", None) or {})
    body = form.text("body", max_length=service.BODY_MAX)
    if form.ok:
        with scoped(portal) as db:
            service.reply(db, principal_of(request), conversation_id, body, portal.clock.now())
        return RedirectResponse(
            f"/staff/conversations/{conversation_id}?done=sent", status_code=303
        )
    return staff_thread(request, form, 400)


def staff_close(request: Request) -> Response:
    portal = portal_of(request)
    conversation_id = _id(request)
    with scoped(portal) as db:
        service.close(db, principal_of(request), conversation_id, portal.clock.now())
    return RedirectResponse(f"/staff/conversations/{conversation_id}?done=closed", status_code=303)


def staff_new(request: Request, form: Form | None = None, status: int = 200) -> Response:
    portal = portal_of(request)
    person_id = _id(request, "person_id")
    form = form or Form(getattr(request.state, "form", None) or {})
    if request.method == "POST" and status == 200:
        subject = form.text("subject", max_length=service.SUBJECT_MAX)
        body = form.text("body", max_length=service.BODY_MAX)
        if form.ok:
            with scoped(portal) as db:
                conversation = service.start_by_staff(
                    db, principal_of(request), person_id, subject, body, portal.clock.now()
                )
            return RedirectResponse(
                f"/staff/conversations/{conversation.id}?done=sent", status_code=303
            )
        status = 400
    with scoped(portal) as db:
        person = service.person_for_staff(db, principal_of(request), person_id)
    return render(
        request,
        "staff/conversation_new.html",
        {"person": person, "form": form},
        personal=True,
        status=status,
    )


def routes() -> list[Any]:
    mine = "/my/conversations"
    staff = "/staff/conversations"
    return [
        route(f"{mine}/new", new_page, Audience.CITIZEN),
        route(mine, start, Audience.CITIZEN, ("POST",), name="conversation_start", stream=True),
        route(mine + "/{conversation_id:id}", thread_page, Audience.CITIZEN),
        route(
            mine + "/{conversation_id:id}/reply",
            person_reply,
            Audience.CITIZEN,
            ("POST",),
            name="conversation_person_reply",
            stream=True,
        ),
        route(mine + "/files/{file_id:id}", download, Audience.CITIZEN, name="conversation_file"),
        route(staff, inbox_page, Audience.COUNSELLOR),
        route(staff + "/{conversation_id:id}", staff_thread, Audience.COUNSELLOR),
        route(staff + "/{conversation_id:id}/reply", staff_reply, Audience.COUNSELLOR, ("POST",)),
        route(staff + "/{conversation_id:id}/close", staff_close, Audience.COUNSELLOR, ("POST",)),
        route(staff + "/files/{file_id:id}", download, Audience.COUNSELLOR, name="staff_conv_file"),
        route(
            "/staff/persons/{person_id:id}/conversations/new",
            staff_new,
            Audience.COUNSELLOR,
            ("GET", "POST"),
        ),
    ]
