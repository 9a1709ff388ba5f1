"""E-mail addresses and phone numbers as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.contact import email_problem, phone_digits, phone_problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", None),
        ("amina@example.be", None),
        ("a.b-c+tag@mail.example.co.uk", None),
        ("amina", "email"),
        ("amina@", "email"),
        ("amina@example", "email"),
        ("amina@example.b", "email"),
        ("amina@@example.be", "email"),
        ("amina @example.be", "email"),
        ("amina@example..be", "email"),
        ("<amina@example.be>", "email"),
        ("a@b.be, c@d.be", "email"),
        ("x" * 190 + "@example.be", "too_long"),
    ],
)
def test_email(text, problem):
    assert email_problem(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", None),
        ("0470 12 34 56", None),
        ("+32 470 12 34 56", None),
        ("09/123.45.67", None),
        ("+32 (0)9 123 45 67", None),
        ("0470 12 3", "phone"),  # 7 digits: 8 is the least
        ("0470 12 34 5", None),
        ("0470-12-34-56 ext 2", "phone"),
        ("32+470123456", "phone"),
        ("+1234567890123456", "phone"),  # 16 digits
        ("٠٤٧٠١٢٣٤٥٦", "phone"),  # Arabic-Indic digits: ask for 0-9
        ("1" * 41, "too_long"),
    ],
)
def test_phone(text, problem):
    assert phone_problem(text) == problem


def test_phone_digits_keep_the_leading_plus():
    assert phone_digits("+32 470 12 34 56") == "+32470123456"
    assert phone_digits("0470/12.34.56") == "0470123456"


@given(st.text(max_size=60))
def test_an_accepted_phone_has_8_to_15_ascii_digits(text):
    if phone_problem(text) is None and text:
        digits = phone_digits(text).lstrip("+")
        assert digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15


@given(st.text(max_size=80))
def test_an_accepted_email_has_one_at_and_a_dotted_domain(text):
    if email_problem(text) is None and text:
        local, domain = text.split("@")
        assert local and "." in domain and not any(c.isspace() for c in text)
