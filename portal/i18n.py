"""Languages: the active locale (a context variable), gettext, and Babel formatting.

The locale is set per request by a pure ASGI middleware; the context variable reaches `def`
handlers run in the thread pool too. Message ids are English.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, localedata
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from portal.settings import BRUSSELS, RTL_LANGUAGES, SHIPPED_LANGUAGES
from portal.settings import LOCALES_DIR as SETTINGS_LOCALES_DIR

LOCALES_DIR = SETTINGS_LOCALES_DIR
DOMAIN = "messages"


def _format_locale(language: str) -> str:
    """The Babel locale for dates, numbers and money: the Belgian one where CLDR has it
    (nl_BE, fr_BE, en_BE, de_BE), else the language's own (ar, tr, uk, ru)."""
    belgian = f"{language}_BE"
    return belgian if localedata.exists(belgian) else language


def _language_name(language: str) -> str:
    """A language's name in that language, as a menu item starts ("Français", "Українська")."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


# Babel locale used for formatting per interface language (Belgian conventions).
FORMAT_LOCALES = {code: _format_locale(code) for code in SHIPPED_LANGUAGES}
# Each language's name in that language, for the language switcher.
LANGUAGE_NAMES = {code: _language_name(code) for code in SHIPPED_LANGUAGES}

_current: ContextVar[str] = ContextVar("portal_locale", default="nl")


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    _current.set(language)


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [language], DOMAIN)


def gettext(message: str, **variables: object) -> str:
    text = translations(current_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    text = translations(current_language()).ngettext(singular, plural, num)
    variables.setdefault("num", num)
    return text % variables


def lazy_gettext(message: str) -> str:
    """Marks a string for extraction; translate it later with `gettext`."""
    return message


def lazy_ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction; translate it later with `ngettext`."""
    return singular, plural


_ = gettext


def negotiate(
    accept_language: str, languages: tuple[str, ...] = SHIPPED_LANGUAGES, default: str = "nl"
) -> str:
    """The best shipped language for an `Accept-Language` header (quality order)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag or len(tag) > 35:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        weighted.append((-quality, position, tag))
    for _q, _pos, tag in sorted(weighted):
        primary = tag.split("-")[0].split("_")[0]
        if primary in languages:
            return primary
    return default


def _babel_locale(language: str | None = None) -> Locale:
    return _parsed_locale(FORMAT_LOCALES.get(language or current_language(), "nl_BE"))


@functools.lru_cache(maxsize=32)
def _parsed_locale(identifier: str) -> Locale:
    """Babel's locale, parsed once per process (a page formats a dozen dates and sums)."""
    return Locale.parse(identifier)


def format_date(day: date, form: str = "long", language: str | None = None) -> str:
    return _formatted_date(day, form, language or current_language())


@functools.lru_cache(maxsize=4096)
def _formatted_date(day: date, form: str, language: str) -> str:
    """Babel's words for a day, kept (a page shows a dozen dates, mostly the same ones)."""
    return babel_format_date(day, format=form, locale=_babel_locale(language))


# The time of day as people write it: "9.30 uur", "9 h 30", "09:30"; Arabic keeps CLDR's.
TIME_PATTERNS = {"nl": "H.mm 'uur'", "fr": "H 'h' mm", "en": "HH:mm"}
# A short date with the whole year ("14/12/2026"), for tables.
SHORT_DATE_PATTERNS = {"nl": "d/MM/y", "fr": "d/MM/y", "en": "d/MM/y"}


def format_datetime(moment: datetime, form: str = "long", language: str | None = None) -> str:
    """A moment in Europe/Brussels the same way everywhere: the date with its weekday and the
    time ("maandag 14 december 2026 om 9.30 uur"), or for tables (`form="short"`) the short
    date and the time ("14/12/2026 om 9.30 uur"). Never seconds, never a time-zone name."""
    language = language or current_language()
    local = moment.astimezone(BRUSSELS)
    if form == "short":
        day = babel_format_date(
            local.date(),
            format=SHORT_DATE_PATTERNS.get(language, "short"),
            locale=_babel_locale(language),
        )
    else:
        day = format_date(local.date(), "full", language)
    return translations(language).gettext("%(date)s at %(time)s") % {
        "date": day,
        "time": format_time(local, language=language),
    }


def format_time(moment: datetime, form: str = "short", language: str | None = None) -> str:
    """The time of day in Europe/Brussels, as people of the reader's language write it."""
    language = language or current_language()
    pattern = TIME_PATTERNS.get(language, form) if form == "short" else form
    return babel_format_time(
        moment, format=pattern, tzinfo=BRUSSELS, locale=_babel_locale(language)
    )


def format_money(cents: int, language: str | None = None) -> str:
    """Integer cents as euro in the reader's locale, without passing through a float."""
    return _formatted_money(cents, language or current_language())


@functools.lru_cache(maxsize=4096)
def _formatted_money(cents: int, language: str) -> str:
    from decimal import Decimal

    return format_currency(Decimal(cents) / 100, "EUR", locale=_babel_locale(language))


def format_duration(minutes: int) -> str:
    """'2 hours 30 minutes', '45 minutes', '3 hours' in the current language."""
    hours, rest = divmod(max(minutes, 0), 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if rest or not hours:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", rest))
    return " ".join(parts)


def relative_days(days: int) -> str:
    """'today', 'tomorrow', 'in 12 days', '3 days ago' in the current language."""
    if days == 0:
        return gettext("today")
    if days == 1:
        return gettext("tomorrow")
    if days == -1:
        return gettext("yesterday")
    if days > 0:
        return ngettext("in %(num)d day", "in %(num)d days", days)
    return ngettext("%(num)d day ago", "%(num)d days ago", -days)


def compile_catalogs(directory: Path = LOCALES_DIR) -> list[Path]:
    """Compile every `.po` into its `.mo` (the `.mo` files are build output, not committed)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    translations.cache_clear()
    return written
