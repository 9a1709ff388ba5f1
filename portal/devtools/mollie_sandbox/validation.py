"""Mollie's rules for what a request may hold: each function reads one parameter from a JSON
body and returns it, or raises the SandboxError that Mollie would answer with."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from portal.devtools.mollie_sandbox.models import DOC_CREATE_PAYMENT, METHODS, SandboxError

MAX_DESCRIPTION = 255
MAX_METADATA = 1024

AMOUNT_VALUE = re.compile(r"[0-9]+\.[0-9]{2}")
CURRENCY = re.compile(r"[A-Z]{3}")

LOCALES = frozenset(
    {
        "en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "de_DE", "de_AT", "de_CH", "es_ES",
        "ca_ES", "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL",
        "lv_LV", "lt_LT",
    }
)  # fmt: skip


def json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}

    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise SandboxError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SandboxError(400, "The request body must be a JSON object.")
    return data


def amount(data: dict[str, Any], documentation: str) -> tuple[Decimal, str]:
    value = data.get("amount")
    if value is None:
        raise SandboxError(422, "The amount is required.", "amount", documentation)
    if not isinstance(value, dict):
        raise SandboxError(
            422,
            'The amount must be an object with a currency and a value, such as {"currency": '
            '"EUR", "value": "10.00"}.',
            "amount",
            documentation,
        )
    currency = value.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        raise SandboxError(422, "The currency is invalid.", "amount.currency", documentation)
    if currency != "EUR":
        raise SandboxError(
            422,
            f"The currency {currency} is not supported; the sandbox accepts EUR only.",
            "amount.currency",
            documentation,
        )
    figure = value.get("value")
    if not isinstance(figure, str) or not AMOUNT_VALUE.fullmatch(figure):
        raise SandboxError(
            422,
            'The amount value must be a string with exactly two decimals, such as "10.00".',
            "amount.value",
            documentation,
        )
    number = Decimal(figure)
    if number <= 0:
        raise SandboxError(422, "The amount is lower than the minimum.", "amount", documentation)
    return number, currency


def text(data: dict[str, Any], name: str, documentation: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or (required and isinstance(value, str) and not value.strip()):
        if required:
            raise SandboxError(422, f"The {name} is required.", name, documentation)
        return None
    if not isinstance(value, str):
        raise SandboxError(422, f"The {name} must be a string.", name, documentation)
    if len(value) > MAX_DESCRIPTION:
        raise SandboxError(
            422,
            f"The {name} is too long; the maximum is {MAX_DESCRIPTION} characters.",
            name,
            documentation,
        )
    return value


def url(data: dict[str, Any], name: str, documentation: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise SandboxError(422, f"The {name} is required.", name, documentation)
        return None
    invalid = SandboxError(
        422, f"The {name} is invalid; it must be an http or https URL.", name, documentation
    )
    if not isinstance(value, str) or len(value) > 2048:
        raise invalid
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise invalid
    try:
        parsed = urlparse(value)
        host = parsed.hostname
        parsed.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError:
        raise invalid from None
    if parsed.scheme not in {"http", "https"} or not host:
        raise invalid
    return value


def locale(data: dict[str, Any]) -> str | None:
    value = data.get("locale")
    if value is None:
        return None
    if not isinstance(value, str) or value not in LOCALES:
        raise SandboxError(
            422,
            "The locale is invalid; use one of " + ", ".join(sorted(LOCALES)) + ".",
            "locale",
            DOC_CREATE_PAYMENT,
        )
    return value


def methods(data: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """The requested methods and the payment's initial `method` (set when exactly one is named
    as a string, like Mollie; null when a list or nothing is given)."""
    value = data.get("method")
    if value is None:
        return (), None
    invalid = SandboxError(
        422,
        "The payment method is invalid; the sandbox offers " + ", ".join(METHODS) + ".",
        "method",
        DOC_CREATE_PAYMENT,
    )
    if isinstance(value, str):
        if value not in METHODS:
            raise invalid
        return (value,), value
    if isinstance(value, list) and value:
        if not all(isinstance(item, str) and item in METHODS for item in value):
            raise invalid
        return tuple(dict.fromkeys(value)), None
    raise invalid


def metadata(data: dict[str, Any], documentation: str) -> Any:
    value = data.get("metadata")
    if value is None:
        return None
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA:
        raise SandboxError(
            422,
            f"The metadata is too large ({size} bytes); the maximum is {MAX_METADATA} bytes.",
            "metadata",
            documentation,
        )
    return value
