"""Contact details as people type them (pure): an e-mail address and a phone number, checked
the same way wherever they are typed (the profile, an office, a participation contact).

The checks are deliberately plain: they catch typing mistakes ("name@", "0470 12 34" missing
digits, a stray letter) without refusing real addresses and numbers from any country."""

from __future__ import annotations

import re

EMAIL_MAX = 200
PHONE_MAX = 40

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ./()-]+$")


def email_problem(text: str) -> str | None:
    """None for an empty or plausible address; otherwise the error code: "email" (the shape of
    name@domain.tld), "too_long"."""
    if not text:
        return None
    if len(text) > EMAIL_MAX:
        return "too_long"
    if not EMAIL.match(text) or ".." in text.split("@")[-1]:
        return "email"
    return None


def phone_digits(text: str) -> str:
    """The digits of a phone number, with its leading + ("+32 470 12 34 56" → "+32470123456")."""
    digits = re.sub(r"\D", "", text)
    return f"+{digits}" if text.strip().startswith("+") else digits


def phone_problem(text: str) -> str | None:
    """None for an empty or plausible number; otherwise "phone" (only digits, spaces, + at the
    start and . / ( ) -; 8 to 15 digits, as in the international numbering plan) or "too_long"."""
    if not text:
        return None
    if len(text) > PHONE_MAX:
        return "too_long"
    if not PHONE_CHARS.match(text):
        return "phone"
    digits = len(re.sub(r"\D", "", text))
    if not 8 <= digits <= 15:
        return "phone"
    return None
