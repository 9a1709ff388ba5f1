"""The newcomer's pillar-4 pages: the overview with the hours, a new draft (empty or from an
offer), the form (saved by `drafts`), checking the answers, sending, taking back, copying
after a rejection, deleting a draft or a file."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.domain.participation import SubmissionStatus, counts_as_waiting, editable
from portal.domain.requests import can_ask_about
from portal.services import participation as svc
from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import portal_of
from portal.web.forms import row_id
from portal.web.pages import render
from portal.web.participation.common import detail_context, path_id, person_id_of
from portal.web.participation.drafts import autosave, save
from portal.web.participation.forms import edit_context, form_of
from portal.web.routing import Audience, principal_of, route
from portal.web.scoped import EVERY_REFUSAL, scoped


def _page(activity_id: int, suffix: str = "") -> RedirectResponse:
    return RedirectResponse(f"/my/participation/activities/{activity_id}{suffix}", status_code=303)


def overview(request: Request) -> Response:
    portal = portal_of(request)
    with unit.work(portal.engine) as db:
        view = svc.overview(db, person_id_of(request), portal.clock.today())
    return render(
        request,
        "citizen/participation.html",
        {
            "summary": view.summary,
            "activities": view.activities,
            "offers": view.offers,
            "municipality": view.municipality,
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
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        activity = svc.start_draft(
            db,
            person_id_of(request),
            offer_id,
            portal.clock.now(),
            actor=principal_of(request).subject,
        )
    assert activity.id is not None
    return _page(activity.id, "/edit?filled=1" if offer_id is not None else "/edit")


def edit_page(request: Request) -> Response:
    activity_id = path_id(request, "activity_id")
    with scoped(portal_of(request), not_found=EVERY_REFUSAL) as db:
        view = svc.draft_view(db, person_id_of(request), activity_id)
    if not editable(SubmissionStatus(view.activity.status)):
        return _page(activity_id)
    told = request.query_params
    context = edit_context(
        request,
        view,
        saved=told.get("saved") == "1",
        filled=told.get("filled") == "1",  # from the activity of the municipality picked
        withdrawn=told.get("withdrawn") == "1",
    )
    return render(request, "citizen/activity_form.html", context, personal=True)


def check_page(request: Request) -> Response:
    portal = portal_of(request)
    person_id = person_id_of(request)
    activity_id = path_id(request, "activity_id")
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        view, problems = svc.check(db, person_id, activity_id, portal.clock.today())
        draft = svc.draft_view(db, person_id, activity_id) if problems else None
    if not editable(SubmissionStatus(view.activity.status)):
        return _page(activity_id)
    if draft is not None:
        state = form_of(view)
        state.apply(problems)
        edit = edit_context(request, draft, state)
        return render(request, "citizen/activity_form.html", edit, status=400, personal=True)
    return render(request, "citizen/activity_check.html", detail_context(view), personal=True)


def submit(request: Request) -> Response:
    portal = portal_of(request)
    person_id = person_id_of(request)
    activity_id = path_id(request, "activity_id")
    # browsers send new lines as CRLF: count them as one character, as the page's maxlength does
    response_note = str(request.state.form.get("response", "")).replace("\r\n", "\n").strip()
    if len(response_note) > 2000:
        with scoped(portal, not_found=EVERY_REFUSAL) as db:
            context = detail_context(svc.activity_view(db, person_id, activity_id))
        context.update(response=response_note, response_error="too_long")
        return render(request, "citizen/activity_check.html", context, status=400, personal=True)
    try:
        with unit.work(portal.engine) as db:
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
        with unit.work(portal.engine) as db:
            draft = svc.draft_view(db, person_id, activity_id)
        state = form_of(draft)
        state.apply(problems.problems)
        context = edit_context(request, draft, state)
        return render(request, "citizen/activity_form.html", context, status=400, personal=True)
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return _page(activity_id)
    return _page(activity_id, "?sent=1")


def activity_page(request: Request) -> Response:
    """The activity; just after sending (`?sent=1`, while it waits), the confirmation: it is
    sent, what happens next, the way on, and taking it back as the smaller way."""
    with scoped(portal_of(request), not_found=EVERY_REFUSAL) as db:
        view = svc.activity_view(db, person_id_of(request), path_id(request, "activity_id"))
    context = detail_context(view)
    if (
        request.query_params.get("sent") == "1"
        and view.activity.status == SubmissionStatus.SUBMITTED
    ):
        return render(request, "citizen/activity_sent.html", context, personal=True)
    context["may_ask"] = can_ask_about(view.activity.status)  # a question to the municipality
    return render(request, "citizen/activity.html", context, personal=True)


def withdraw_page(request: Request) -> Response:
    """Are you sure? Taking a sent activity back, before the municipality decides."""
    activity_id = path_id(request, "activity_id")
    with scoped(portal_of(request), not_found=EVERY_REFUSAL) as db:
        view = svc.activity_view(db, person_id_of(request), activity_id)
    if not counts_as_waiting(SubmissionStatus(view.activity.status)):
        return _page(activity_id)
    return render(request, "citizen/activity_withdraw.html", detail_context(view), personal=True)


def withdraw(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = path_id(request, "activity_id")
    try:
        with unit.work(portal.engine) as db:
            svc.withdraw(
                db,
                person_id_of(request),
                activity_id,
                portal.clock.now(),
                actor=principal_of(request).subject,
            )
    except ServiceError as error:
        if error.code == "unknown_activity":
            raise HTTPException(status_code=404) from None
        return _page(activity_id)
    return _page(activity_id, "/edit?withdrawn=1")


def copy(request: Request) -> Response:
    portal = portal_of(request)
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        new = svc.copy_as_draft(
            db,
            portal.files,
            person_id_of(request),
            path_id(request, "activity_id"),
            portal.clock.now(),
            actor=principal_of(request).subject,
        )
    assert new.id is not None
    return _page(new.id, "/edit")


def delete_draft(request: Request) -> Response:
    portal = portal_of(request)
    try:
        with unit.work(portal.engine) as db:
            svc.delete_draft(
                db,
                portal.files,
                person_id_of(request),
                path_id(request, "activity_id"),
                actor=principal_of(request).subject,
            )
    except ServiceError as error:
        raise HTTPException(status_code=409 if error.code == "not_a_draft" else 404) from None
    return RedirectResponse("/my/participation?deleted=1", status_code=303)


def delete_file(request: Request) -> Response:
    portal = portal_of(request)
    activity_id = path_id(request, "activity_id")
    with scoped(portal, not_found=EVERY_REFUSAL) as db:
        svc.remove_file(
            db,
            portal.files,
            person_id_of(request),
            activity_id,
            path_id(request, "file_id"),
            actor=principal_of(request).subject,
        )
    return _page(activity_id, "/edit?saved=1#proof")


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
        route(activity + "/withdraw", withdraw_page, Audience.CITIZEN),
        route(activity + "/withdraw", withdraw, Audience.CITIZEN, ("POST",)),
        route(activity + "/copy", copy, Audience.CITIZEN, ("POST",)),
        route(activity + "/delete", delete_draft, Audience.CITIZEN, ("POST",)),
        route(activity + "/files/{file_id:id}/delete", delete_file, Audience.CITIZEN, ("POST",)),
    ]
