"""Notifications: one function every service calls. A message goes to the person's inbox (rendered
in the reader's language when read) and, when an e-mail address is known, by e-mail in the
person's own language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal import i18n
from portal.db import models as m
from portal.db.engine import session_scope
from portal.labels import (
    charge_kind_name,
    fee_description,
    pillar_name,
    request_kind_name,
    test_name,
)
from portal.services.errors import ServiceError, audit

log = logging.getLogger("portal.notify")
N_ = i18n.lazy_gettext


@dataclass(frozen=True)
class MessageKind:
    subject: str
    body: str
    # the e-mail's body when it must not carry the message itself (it only says there is news
    # and links to the portal); None: the e-mail is the message
    email: str | None = None


# Every kind of message the portal sends; subjects and bodies are gettext ids with %(name)s
# parameters. Later issues add their own kinds here.
KINDS: dict[str, MessageKind] = {
    "welcome": MessageKind(
        N_("Welcome to your integration portal"),
        N_(
            "Hello %(name)s. Here you can see your integration plan, your deadlines and your "
            "messages. Your counsellor at %(agency)s will help you."
        ),
    ),
    "contract_signed": MessageKind(
        N_("Your integration contract is signed"),
        N_(
            "You signed your integration contract on %(date)s. You can see your plan and your "
            'deadlines on the page "My plan".'
        ),
    ),
    "contract_ready": MessageKind(
        N_("Your integration contract is ready"),
        N_(
            "Your counsellor has made your integration contract and your plan. Read them on the "
            'page "My contract" and sign them there, or sign them at the office.'
        ),
    ),
    "contract_amended": MessageKind(
        N_("Your integration plan has changed"),
        N_(
            "Your counsellor has changed your integration plan. Reason: %(reason)s. You can see "
            'what changed on the page "My plan".'
        ),
    ),
    "fact_recorded": MessageKind(
        N_("Your file has been updated"),
        N_(
            'Your counsellor has added something to your file for "%(pillar)s". See what it '
            'means for you on the page "My integration".'
        ),
    ),
    "suspension_added": MessageKind(
        N_("Your programme is suspended"),
        N_(
            "Your programme is suspended from %(start)s to %(end)s. Your later deadlines move by "
            "the same number of days."
        ),
    ),
    "exemption_added": MessageKind(
        N_("You are exempt from a part of your programme"),
        N_('You do not have to do "%(pillar)s" any more. Your counsellor recorded an exemption.'),
    ),
    "contract_ended": MessageKind(
        N_("Your integration contract has ended"),
        N_(
            "The agency ended your integration contract on %(date)s. From that day on, free "
            "interpreting no longer applies. Questions? Contact your counsellor."
        ),
    ),
    "payment_received": MessageKind(
        N_("Payment received"),
        N_(
            'We received your payment of %(amount)s for "%(description)s". Thank you. '
            'Your receipt is on the page "Payments".'
        ),
    ),
    "payment_failed": MessageKind(
        N_("Your payment did not go through"),
        N_(
            'Your payment for "%(description)s" did not go through. Nothing was charged. '
            'You can try again on the page "Payments".'
        ),
    ),
    "payment_refunded": MessageKind(
        N_("Money is paid back to you"),
        N_(
            "We are paying %(amount)s back to you. It can take a few days before you see it "
            "on your account."
        ),
    ),
    "payment_surplus": MessageKind(
        N_("We pay back money you did not owe"),
        N_(
            'We received a payment for "%(description)s" that was not needed: it was already '
            "paid, or it costs less now. We pay %(amount)s back to you. You do not have to do "
            "anything."
        ),
    ),
    "payment_refund_by_counsellor": MessageKind(
        N_("We owe you money"),
        N_(
            'You paid %(amount)s too much for "%(description)s". We could not pay it back '
            "automatically. Your counsellor will contact you to pay it back."
        ),
    ),
    "payment_charged_back": MessageKind(
        N_("Your payment was taken back by your bank"),
        N_(
            'Your bank took back your payment of %(amount)s for "%(description)s". So this is '
            'not paid any more. Please pay again on the page "Payments", or ask your '
            "counsellor for help."
        ),
    ),
    "appeal_decided": MessageKind(
        N_("The appeals committee has decided"),
        N_(
            "The appeals committee has decided on your appeal against your MO test result. "
            'See the decision on the page "Tests".'
        ),
    ),
    "booking_confirmed": MessageKind(
        N_("Your test booking is confirmed"),
        N_(
            "Your test on %(date)s is confirmed. Bring your identity card or residence card. "
            'You find the address and a calendar file on the page "Tests".'
        ),
    ),
    "booking_changed": MessageKind(
        N_("Your test booking has a new date"),
        N_('Your test is now on %(date)s. See the details on the page "Tests".'),
    ),
    "test_session_cancelled": MessageKind(
        N_("Your test session is cancelled"),
        N_(
            "The test session of %(date)s is cancelled. If you paid, you get the money back. "
            'Choose a new date on the page "Tests".'
        ),
    ),
    "attest_issued": MessageKind(
        N_("Your integration certificate is ready"),
        N_(
            "Congratulations! Your integration certificate was issued on %(date)s. You can see and "
            'print it on the page "My integration".'
        ),
    ),
    "participation_submitted": MessageKind(
        N_("Your activity is sent to your municipality"),
        N_(
            "You sent your activity at %(organisation)s to your municipality. Hours: "
            "%(hours)s. You get a message when they decide."
        ),
    ),
    "participation_confirmed": MessageKind(
        N_("Your participation hours are confirmed"),
        N_(
            "Your municipality confirmed your activity at %(organisation)s. Hours confirmed: "
            '%(hours)s. You can see all your hours on the page "Participation".'
        ),
    ),
    "participation_partly_confirmed": MessageKind(
        N_("Some of your participation hours are confirmed"),
        N_(
            "Your municipality confirmed part of your activity at %(organisation)s. Hours "
            "confirmed: %(hours)s of %(claimed)s. Reason: %(reason)s. Do you have a question? "
            "Ask your municipality or your counsellor."
        ),
    ),
    "participation_rejected": MessageKind(
        N_("Your participation hours are not confirmed"),
        N_(
            "Your municipality did not confirm your activity at %(organisation)s. Reason: "
            '%(reason)s. You can change the activity and send it again on the page "Participation".'
        ),
    ),
    "participation_info_requested": MessageKind(
        N_("Your municipality has a question about your activity"),
        N_(
            "Your municipality asks for more information about your activity at "
            '%(organisation)s: %(reason)s. Open the activity on the page "Participation", add '
            "what they ask and send it again."
        ),
    ),
    "deadline_reminder": MessageKind(
        N_("A deadline is coming"),
        N_('Your deadline for "%(pillar)s" is on %(date)s. Do you need help? Ask your counsellor.'),
    ),
    "deadline_reminder_obliged": MessageKind(
        N_("A deadline is coming"),
        N_(
            'Your deadline for "%(pillar)s" is on %(date)s. You are obliged to follow the '
            "programme. If you miss this deadline, the agency may report it. Then the agency "
            "ABB decides if you get an administrative fine. Do you need help or more time? Ask "
            "your counsellor."
        ),
    ),
    "test_reminder": MessageKind(
        N_("Your test is coming"),
        N_(
            'Your test "%(test)s" is on %(moment)s, at %(place)s. Bring your identity card or '
            'residence card. Come 15 minutes early. See the details on the page "Tests".'
        ),
    ),
    "conversation_new_message": MessageKind(
        N_("You have a new message from your integration office"),
        N_(
            "You have a new message from your integration office. Read it and answer it in the "
            'portal, on the page "Messages". For your privacy, this e-mail does not contain the '
            "message."
        ),
    ),
    "request_approved": MessageKind(
        N_("Your request is approved"),
        N_(
            'Your counsellor approved your request "%(request)s". Your plan and your payments '
            'are changed. See your request on the page "My requests".'
        ),
        email=N_("There is news about your request. Read it in the portal: %(link)s"),
    ),
    "request_refused": MessageKind(
        N_("Your request is refused"),
        N_(
            'Your counsellor refused your request "%(request)s". Reason: %(reason)s. Do you '
            "have a question? Ask your counsellor."
        ),
        email=N_("There is news about your request. Read it in the portal: %(link)s"),
    ),
    "request_answered": MessageKind(
        N_("Your municipality answered your question"),
        N_(
            "Your municipality answered your question about your activity at %(organisation)s: "
            '%(answer)s. See your question on the page "My requests".'
        ),
        email=N_("There is news about your request. Read it in the portal: %(link)s"),
    ),
    "fee_reminder": MessageKind(
        N_("A payment is still open"),
        N_(
            'You still have to pay %(amount)s for "%(fee)s". You can pay on the page "Payments". '
            "Is paying hard for you? Talk to your counsellor."
        ),
    ),
}


def render_message(
    kind: str, params: dict[str, Any], language: str, *, email: bool = False
) -> tuple[str, str]:
    """Subject and body of a message in `language` (dates given as ISO strings are formatted);
    with `email`, the body of its e-mail."""
    spec = KINDS[kind]
    previous = i18n.current_language()
    i18n.set_language(language)
    try:
        values: dict[str, Any] = {}
        for key, value in params.items():
            if key in {"date", "start", "end"} and isinstance(value, str):
                values[key] = i18n.format_date(date.fromisoformat(value))
            elif key == "amount_cents" and isinstance(value, int):
                values["amount"] = i18n.format_money(value)
            elif key == "pillar" and isinstance(value, str):
                values[key] = pillar_name(value)
            elif key == "moment" and isinstance(value, str):
                values[key] = i18n.format_datetime(datetime.fromisoformat(value))
            elif key == "test" and isinstance(value, str):
                values[key] = test_name(value)
            elif key == "fee" and isinstance(value, str):
                values[key] = charge_kind_name(value)
            elif key == "request" and isinstance(value, str):
                values[key] = request_kind_name(value)
            elif key == "paid_for":
                continue
            else:
                values[key] = value
        if isinstance(params.get("paid_for"), dict) and params["paid_for"]:
            # what the payment was for, in this reader's language (older messages keep the
            # description stored in the language of the moment they were sent)
            values["description"] = fee_description(params["paid_for"])
        body = spec.email if email and spec.email is not None else spec.body
        return i18n.gettext(spec.subject) % values, i18n.gettext(body) % values
    finally:
        i18n.set_language(previous)


def mark_read(db: Session, message: m.Message, now: datetime) -> None:
    """The person opened the message: it is read from now on (once)."""
    if message.read_at is None:
        message.read_at = now
        db.add(message)
        audit(
            db,
            f"person:{message.person_id}",
            "read_message",
            "message",
            message.id,
            person_id=message.person_id,
        )


def notify(db: Session, person: m.Person, kind: str, **params: Any) -> m.Message:
    """Put a message in the person's inbox and queue the e-mail (sent by `deliver_outbox`)."""
    if kind not in KINDS:
        raise ServiceError("unknown_message_kind")
    assert person.id is not None  # a stored person
    message = m.Message(person_id=person.id, kind=kind, params=params)
    db.add(message)
    db.flush()
    if person.email and person.notify_email:
        subject, body = render_message(kind, params, person.language, email=True)
        db.add(
            m.OutboxEmail(
                message_id=message.id, to_address=person.email, subject=subject, body=body
            )
        )
    return message


def announce(db: Session, person: m.Person, kind: str) -> None:
    """Only an e-mail, saying there is something new in the portal (never what it is): for
    what the portal shows in its own place (a conversation), not as an inbox message. Nothing
    when the person has no address or does not want e-mail."""
    if kind not in KINDS:
        raise ServiceError("unknown_message_kind")
    if person.email and person.notify_email:
        subject, body = render_message(kind, {}, person.language)
        db.add(m.OutboxEmail(to_address=person.email, subject=subject, body=body))


RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=6)
SENDING_LEASE = timedelta(minutes=5)


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4, 8 … minutes, at most 6
    hours (a mail server that is down is not asked again every minute all day)."""
    if attempts < 1:
        return timedelta(0)
    return min(RETRY_FIRST * (1 << min(attempts - 1, 20)), RETRY_LONGEST)


def deliver_outbox(engine: Engine, mailer: Any, now: datetime, limit: int = 100) -> int:
    """Send queued e-mails that are due; returns how many were sent.

    No transaction is open while the mail server is asked: the e-mails are first claimed for
    a few minutes in a short transaction (SKIP LOCKED on PostgreSQL, so that several processes
    and servers never claim the same one), then sent, then each result is written in its own
    short transaction. A failure keeps the e-mail queued with its reason and backs off
    (`retry_after`); a process that dies while sending leaves a claim that runs out."""
    with session_scope(engine) as db:
        due = db.exec(
            select(m.OutboxEmail)
            .where(
                col(m.OutboxEmail.sent_at).is_(None),
                or_(
                    col(m.OutboxEmail.next_attempt_at).is_(None),
                    col(m.OutboxEmail.next_attempt_at) <= now,
                ),
                or_(
                    col(m.OutboxEmail.claimed_until).is_(None),
                    col(m.OutboxEmail.claimed_until) < now,
                ),
            )
            .order_by(col(m.OutboxEmail.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for email in due:
            email.claimed_until = now + SENDING_LEASE
            db.add(email)
        claimed = [(e.id, e.message_id, e.to_address, e.subject, e.body) for e in due]
    sent = 0
    for email_id, message_id, to, subject, body in claimed:
        try:
            mailer.send(to, subject, body)
        except Exception as error:  # kept for a later try, with the reason
            log.warning("mail to message %s failed: %s", message_id, error)
            _record_try(engine, email_id, now, str(error)[:500] or type(error).__name__)
        else:
            _record_try(engine, email_id, now, None)
            sent += 1
    return sent


def _record_try(engine: Engine, email_id: int | None, now: datetime, error: str | None) -> None:
    with session_scope(engine) as db:
        email = db.get(m.OutboxEmail, email_id)
        if email is None:
            return
        email.claimed_until = None
        if error is None:
            email.sent_at = now
            email.error = ""
        else:
            email.attempts += 1
            email.error = error
            email.next_attempt_at = now + retry_after(email.attempts)
        db.add(email)


def unread_count(db: Session, person_id: int) -> int:
    """How many of the person's messages are still unread (the inbox link's badge)."""
    return int(
        db.exec(
            select(func.count())
            .select_from(m.Message)
            .where(m.Message.person_id == person_id, col(m.Message.read_at).is_(None))
        ).one()
    )


def sent_emails(db: Session, limit: int = 100) -> list[m.OutboxEmail]:
    """The latest e-mails the portal queued or sent, newest first (the administrators' mailbox)."""
    return list(
        db.exec(select(m.OutboxEmail).order_by(col(m.OutboxEmail.id).desc()).limit(limit)).all()
    )


@dataclass(frozen=True)
class MessageView:
    """One message as its reader sees it: rendered in the reader's language."""

    message: m.Message
    subject: str
    body: str


def _view(message: m.Message, language: str) -> MessageView:
    subject, body = render_message(message.kind, message.params, language)
    return MessageView(message, subject, body)


def inbox(db: Session, person_id: int, language: str, limit: int = 50) -> list[MessageView]:
    """The person's latest messages, newest first."""
    messages = db.exec(
        select(m.Message)
        .where(m.Message.person_id == person_id)
        .order_by(col(m.Message.created_at).desc(), col(m.Message.id).desc())
        .limit(limit)
    ).all()
    return [_view(message, language) for message in messages]


def open_message(
    db: Session, person_id: int, message_id: int, language: str, now: datetime
) -> MessageView | None:
    """One of the person's own messages, marked read (None: not theirs, or no such message)."""
    message = db.exec(
        select(m.Message).where(m.Message.id == message_id, m.Message.person_id == person_id)
    ).first()
    if message is None:
        return None
    mark_read(db, message, now)
    return _view(message, language)
