"""Template filters for text the portal stores rather than translates: words staff typed in
Dutch (an activity offer, a session title, a test centre's accessibility note, a schedule),
and what a payment was for (stored with it, described in the reader's language).
Shown in the reader's language when translated, otherwise marked as Dutch, so that a screen
reader and "Listen" read it in Dutch."""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe

from portal import i18n
from portal.labels import fee_description
from portal.services.translations import ORIGINAL, shown


def _marked(text: str, language: str) -> object:
    if not text or language == i18n.current_language():
        return text
    return markupsafe.Markup('<span lang="%s" dir="%s">%s</span>') % (
        language,
        i18n.text_direction(language),
        text,
    )


def dutch(value: object) -> object:
    """Text staff typed in Dutch that has no translations (a schedule in a plan)."""
    return _marked(str(value), ORIGINAL) if value else value


def translated(record: object, field: str) -> object:
    """A text staff typed in Dutch, in the reader's language when it was translated, else the
    Dutch original marked as Dutch (see `services.translations`)."""
    words = shown(record, field, i18n.current_language())
    return _marked(words.text, words.language)


def paid_for(payment: Any) -> str:
    """What a payment was for, in the reader's language (from the fee kept with it); the text
    stored with an older payment (in the language of that moment) when it has none."""
    fee = getattr(payment, "fee", None)
    return fee_description(fee) if fee else str(payment.description)


def language_name(code: str) -> str:
    """A language's name in that language (as the language menu shows it)."""
    return i18n.LANGUAGE_NAMES.get(code, code)


def install(env: jinja2.Environment) -> None:
    env.filters["dutch"] = dutch
    env.filters["translated"] = translated
    env.filters["language_name"] = language_name
    env.filters["paid_for"] = paid_for
