"""Requests to the counsellor, for the person (/my/requests): the list with each status, a page
to choose the kind, one form per kind (every problem at once, what was typed kept, proof checked
like pillar-4 proof), a confirmation after sending, and the proof as a download. A question about
participation hours is one of the kinds: it goes to the municipality that decided them (no
proof), and its answer is shown on the request's page."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import labels
from portal.adapters.uploads import CheckedFile, UploadRejected
from portal.domain.model import PeriodKind
from portal.domain.requests import (
    ALL_FEES,
    RequestInput,
    RequestKind,
    SuspensionReason,
    needs_proof,
)
from portal.i18n import lazy_gettext
from portal.services import requests as svc
from portal.services import unit
from portal.services.participation import store_file
from portal.web.context import portal_of
from portal.web.downloads import attachment
from portal.web.forms import Form
from portal.web.multipart import BadMultipart, BodyTooLarge, ParsedForm, inspected, read_multipart
from portal.web.pages import render
from portal.web.participation.common import path_id
from portal.web.payments import describe
from portal.web.routing import Audience, principal_of, require_csrf, route
from portal.web.scoped import scoped

N_ = lazy_gettext

KINDS = tuple(k.value for k in RequestKind)

KIND_HINTS = {
    "suspension": N_(
        "You are ill, pregnant or have a personal problem, and cannot follow your programme "
        "for a while. You need a proof, for example a note from your doctor."
    ),
    "fee_waiver": N_(
        "Paying is hard for you. For example, you get help from the OCMW or CPAS. Add their "
        "letter if you have one."
    ),
    "period": N_("You started to work, to follow a training or to study."),
    "move": N_("You live at a new address."),
    "hours_question": N_(
        "Your municipality confirmed fewer hours, did not confirm them, or asked you something. "
        "Ask the municipality about its decision."
    ),
}

PERIOD_NAMES = {
    "work": N_("Work"),
    "training": N_("Training"),
    "study": N_("Study"),
}


def _kind(request: Request) -> RequestKind:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise HTTPException(status_code=404)
    return RequestKind(kind)


def my_requests(request: Request) -> Response:
    with scoped(portal_of(request)) as db:
        rows = svc.own_requests(db, principal_of(request))
    return render(request, "citizen/requests.html", {"requests": rows}, personal=True)


def choose_kind(request: Request) -> Response:
    options = [(k, labels.request_kind_name(k), KIND_HINTS[k]) for k in KINDS]
    return render(request, "citizen/request_new.html", {"options": options}, personal=True)


def request_form(request: Request) -> Response:
    form = Form()
    form.values["activity"] = request.query_params.get("activity", "")  # from the activity page
    return _form_page(request, _kind(request), form, [])


def _form_page(
    request: Request,
    kind: RequestKind,
    form: Form,
    file_errors: list[tuple[str, str]],
    status: int = 200,
) -> Response:
    portal = portal_of(request)
    with scoped(portal) as db:
        context = svc.ask_context(db, principal_of(request))
    fee_options = [(line.key, describe(line.charge)) for line in context.open_fees]
    if fee_options:
        fee_options.append((ALL_FEES, labels.gettext(N_("All fees I still have to pay"))))
    settings = portal.settings
    return render(
        request,
        "citizen/request_form.html",
        {
            "kind": kind.value,
            "title": labels.request_kind_name(kind.value),
            "form": form,
            "file_errors": file_errors,
            "proof_required": needs_proof(kind),
            "reason_options": [
                (r.value, labels.gettext(labels.SUSPENSION_REASON_NAMES[r.value]))
                for r in SuspensionReason
            ],
            "period_options": [
                (p.value, labels.gettext(PERIOD_NAMES[p.value])) for p in PeriodKind
            ],
            "fee_options": fee_options,
            "municipality_options": list(context.municipalities),
            "activity_options": [
                (
                    str(a.id),
                    f"{a.organisation} ({labels.activity_status_name(a.status)})",
                )
                for a in context.activities
            ],
            "max_files": settings.upload_max_files,
            "max_megabytes": max(1, settings.upload_max_bytes // (1024 * 1024)),
        },
        personal=True,
        status=status,
    )


async def send_request(request: Request) -> Response:
    """The form's POST (multipart, streamed, with limits; a form without a file is read too)."""
    settings = portal_of(request).settings
    kind = _kind(request)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > 64 * 1024:
            raise HTTPException(status_code=413)
        posted = await request.form(max_files=0, max_fields=50)
        parsed = ParsedForm(fields=[(k, str(v)) for k, v in posted.multi_items()], files=[])
    else:
        try:
            parsed = await read_multipart(
                request,
                max_body=settings.upload_max_files * settings.upload_max_bytes + 256 * 1024,
                max_file_bytes=settings.upload_max_bytes,
                max_files=settings.upload_max_files,
                max_fields=50,
            )
        except BodyTooLarge:
            raise HTTPException(status_code=413) from None
        except BadMultipart:
            raise HTTPException(status_code=400) from None
    require_csrf(request, parsed.get("csrf_token") or None)
    return await run_in_threadpool(_send, request, kind, parsed)


def _read(kind: RequestKind, form: Form) -> RequestInput:
    """The kind's fields as typed; the form keeps the format errors, the rules the rest."""
    return RequestInput(
        kind=kind,
        start_on=form.date("start_on", required=False),
        end_on=form.date("end_on", required=False),
        reason=form.get("reason"),
        period_kind=form.get("period_kind"),
        fee=form.get("fee"),
        municipality=form.get("municipality"),
        address=form.get("address"),
        details=form.get("details"),
        activity=form.get("activity"),
    )


def _send(request: Request, kind: RequestKind, parsed: ParsedForm) -> Response:
    portal = portal_of(request)
    settings = portal.settings
    form = Form(dict(parsed.fields))
    data = _read(kind, form)
    file_errors: list[tuple[str, str]] = []
    stored: list[tuple[CheckedFile, str]] = []
    for incoming in parsed.files:
        if kind is RequestKind.HOURS_QUESTION:
            break  # a question carries no proof (its form has no file field)
        if not incoming.filename and not incoming.data:
            continue  # the file input left empty
        try:
            checked = inspected(incoming, settings.upload_max_bytes)
        except UploadRejected as rejected:
            file_errors.append((incoming.filename, rejected.code))
            continue
        stored.append((checked, store_file(portal.files, checked)))
    if parsed.too_many_files:
        file_errors.append(("", "file_too_many"))
    saved = None
    try:
        if form.ok and not file_errors:
            with unit.work(portal.engine) as db:
                row = svc.ask(
                    db,
                    principal_of(request),
                    data,
                    stored,
                    portal.clock.today(),
                    portal.clock.now(),
                )
                saved = row.id
        else:  # every problem at once: the rules' too, without saving
            with unit.work(portal.engine) as db:
                svc.check(db, principal_of(request), data, portal.clock.today(), bool(stored))
    except svc.RequestProblems as refused:
        for field, code in refused.problems.items():
            if field == "proof" and file_errors:
                continue  # the file's own error says more
            form.error(field, code)
    finally:
        if saved is None:  # nothing kept: no file stays without a request
            for _, key in stored:
                portal.files.delete(key)
    if saved is not None:
        return RedirectResponse(f"/my/requests/{saved}/sent", status_code=303)
    if stored and "proof" not in form.errors and not file_errors:
        form.error("proof", "file_again")
    for _, code in file_errors:
        form.error("proof", code)
    return _form_page(request, kind, form, file_errors, status=400)


def request_page(request: Request) -> Response:
    return _request(request, "citizen/request.html")


def request_sent(request: Request) -> Response:
    return _request(request, "citizen/request_sent.html")


def _request(request: Request, template: str) -> Response:
    with scoped(portal_of(request)) as db:
        view = svc.own_request(db, principal_of(request), path_id(request, "request_id"))
    return render(request, template, view_context(view), personal=True)


def view_context(view: svc.RequestView) -> dict[str, Any]:
    row = view.request
    return {
        "view": view,
        "row": row,
        "kind_name": labels.request_kind_name(row.kind),
        "status_name": labels.request_status_name(row.status, row.kind),
        "reason_name": labels.gettext(labels.SUSPENSION_REASON_NAMES[row.reason])
        if row.reason in labels.SUSPENSION_REASON_NAMES
        else "",
        "period_name": labels.gettext(PERIOD_NAMES[row.period_kind])
        if row.period_kind in PERIOD_NAMES
        else "",
        "fee_name": describe(view.fee.charge)
        if view.fee is not None
        else (labels.gettext(N_("All fees I still have to pay")) if row.fee == ALL_FEES else ""),
    }


def download(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        row = svc.file_for(db, principal_of(request), path_id(request, "file_id"))
    if row is None:  # the refusal is in the audit log
        raise HTTPException(status_code=404)
    return attachment(
        portal.files.get(row.storage_key), row.content_type, row.display_name, f"proof-{row.id}"
    )


def routes() -> list[Any]:
    return [
        route("/my/requests", my_requests, Audience.CITIZEN),
        route("/my/requests/new", choose_kind, Audience.CITIZEN),
        route("/my/requests/new/{kind}", request_form, Audience.CITIZEN),
        route(
            "/my/requests/new/{kind}/send",
            send_request,
            Audience.CITIZEN,
            methods=("POST",),
            stream=True,
        ),
        route("/my/requests/{request_id:id}", request_page, Audience.CITIZEN),
        route("/my/requests/{request_id:id}/sent", request_sent, Audience.CITIZEN),
        route(
            "/my/requests/files/{file_id:id}", download, Audience.CITIZEN, name="own_request_file"
        ),
        route(
            "/staff/requests/files/{file_id:id}",
            download,
            Audience.COUNSELLOR,
            name="caseload_request_file",
        ),
    ]
