"""The host organisation's confirmation link: sent to the contact person when an activity is
sent, opened without an account, answered once. The answer is evidence the municipality sees,
not a decision."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import i18n
from portal.db import models as m
from portal.domain.participation import SubmissionStatus
from portal.services.errors import ServiceError, audit
from portal.services.participation.records import add_event, lines_of

N_ = i18n.lazy_gettext
CONTACT_SUBJECT = N_("Please confirm the hours of %(name)s")
CONTACT_BODY = N_(
    "Hello %(contact)s,\n\n%(name)s recorded participation hours at %(organisation)s for "
    "their integration programme (total: %(hours)s). Can you confirm these hours? "
    "Open this link (it works once, until %(until)s):\n\n%(link)s\n\n"
    "Your answer helps the municipality decide. Thank you."
)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def send_confirmation_link(
    db: Session,
    activity: m.Activity,
    person: m.Person,
    now: datetime,
    base_url: str,
    days: int,
) -> str:
    assert activity.id is not None
    for old in db.exec(
        select(m.ConfirmationLink).where(
            m.ConfirmationLink.activity_id == activity.id,
            col(m.ConfirmationLink.used_at).is_(None),
        )
    ).all():
        old.expires_at = now  # one live link per submission
        db.add(old)
    token = secrets.token_urlsafe(32)
    db.add(
        m.ConfirmationLink(
            activity_id=activity.id,
            token_hash=_token_digest(token),
            sent_to=activity.contact_email,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    # The contact has no account and no known language: the e-mail is in Dutch.
    dutch = i18n.translations("nl")
    subject = dutch.gettext(CONTACT_SUBJECT) % {"name": person.given_name}
    body = dutch.gettext(CONTACT_BODY) % {
        "contact": activity.contact_name,
        "name": f"{person.given_name} {person.family_name}",
        "hours": activity.hours_claimed,
        "organisation": activity.organisation,
        "until": i18n.format_date(now.date() + timedelta(days=days), language="nl"),
        "link": f"{base_url}/confirm-hours/{token}",
    }
    db.add(m.OutboxEmail(to_address=activity.contact_email, subject=subject, body=body))
    return token


@dataclass(frozen=True)
class LinkView:
    link: m.ConfirmationLink
    activity: m.Activity
    person: m.Person
    lines: list[m.LogbookLine]


def open_link(db: Session, token: str, now: datetime) -> LinkView:
    """The submission behind a link; ServiceError link_unknown / link_used / link_expired."""
    if not token or len(token) > 100:
        raise ServiceError("link_unknown")
    link = db.exec(
        select(m.ConfirmationLink).where(m.ConfirmationLink.token_hash == _token_digest(token))
    ).first()
    if link is None:
        raise ServiceError("link_unknown")
    if link.used_at is not None:
        raise ServiceError("link_used")
    if now >= link.expires_at:
        raise ServiceError("link_expired")
    activity = db.get(m.Activity, link.activity_id)
    assert activity is not None
    if activity.status not in {SubmissionStatus.SUBMITTED, SubmissionStatus.INFO_REQUESTED}:
        raise ServiceError("link_expired")
    person = db.get(m.Person, activity.person_id)
    assert person is not None and activity.id is not None
    return LinkView(link, activity, person, lines_of(db, activity.id))


def answer_link(db: Session, token: str, answer: str, note: str, now: datetime) -> m.Activity:
    """The contact's answer: evidence the municipality sees, not a decision. Works once."""
    if answer not in {"agree", "disagree"}:
        raise ServiceError("choose")
    if len(note) > 1000:
        raise ServiceError("too_long")
    view = open_link(db, token, now)
    used = db.execute(
        update(m.ConfirmationLink)
        .where(
            col(m.ConfirmationLink.id) == view.link.id, col(m.ConfirmationLink.used_at).is_(None)
        )
        .values(used_at=now)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise ServiceError("link_used")
    activity = view.activity
    activity.contact_answer = answer
    activity.contact_note = note.strip()
    activity.contact_answered_at = now
    db.add(activity)
    add_event(db, activity, f"contact:{view.link.sent_to}", f"contact_{answer}", note.strip(), now)
    audit(db, f"contact:{view.link.sent_to}", "activity.contact_answer", "activity", activity.id)
    return activity
