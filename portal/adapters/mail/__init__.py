"""E-mail behind one small Protocol: SMTP for real, a development mailbox (a table the admin
mailbox page lists) locally."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlparse

from portal.settings import Settings


class Mailer(Protocol):
    kind: str

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one plain-text message; raise on failure."""


class DevMailbox:
    """Delivers nothing: the outbox table is the mailbox (see /admin/mailbox)."""

    kind = "dev"

    def send(self, to: str, subject: str, body: str) -> None:
        return None


class SmtpMailer:
    kind = "smtp"

    def __init__(self, url: str, sender: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in {"smtp", "smtps"} or not parsed.hostname:
            raise ValueError("PORTAL_SMTP_URL must look like smtp://user:pass@host:587")
        self.url = parsed
        self.sender = sender

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        port = self.url.port or (465 if self.url.scheme == "smtps" else 587)
        context = ssl.create_default_context()
        host = self.url.hostname or ""
        if self.url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, context=context, timeout=20)
        else:
            client = smtplib.SMTP(host, port, timeout=20)
        with client:
            if self.url.scheme == "smtp" and host not in {"127.0.0.1", "localhost"}:
                client.starttls(context=context)
            if self.url.username:
                client.login(unquote(self.url.username), unquote(self.url.password or ""))
            client.send_message(message)


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return DevMailbox()
