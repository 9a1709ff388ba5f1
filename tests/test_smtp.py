"""The SMTP mailer delivers to a real (local) SMTP server."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from portal.adapters.mail import SmtpMailer, make_mailer
from portal.settings import Settings


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_mailer_delivers_utf8_mail():
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SmtpMailer(f"smtp://127.0.0.1:{port}", "portal@example.invalid").send(
            "amina@example.invalid", "موعد نهائي قريب", "Bonjour, votre échéance approche."
        )
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["amina@example.invalid"]
    assert b"Subject:" in envelope.content


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_bad_smtp_url_is_refused(url):
    with pytest.raises(ValueError):
        make_mailer(Settings(smtp_url=url))
