"""Text staff type in Dutch (an activity offer, a classroom session, a test centre's
accessibility note) with optional translations into the other shipped languages.

The Dutch original stays in its own column; translations live beside it as
`{language: {field: text}}` (a JSON column, read with the row: showing a translation costs no
query). A reader sees the translation in their language when there is one, and otherwise the
Dutch original, marked as Dutch (`Shown.language`) so that a screen reader and "Listen" read it
in Dutch. Who may translate what follows who may change the original: a municipality its own
offers, a counsellor the sessions of their agency, an administrator the test centres."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from portal.db import models as m
from portal.services.caller import Principal
from portal.services.errors import ServiceError, audit
from portal.settings import SHIPPED_LANGUAGES

ORIGINAL = "nl"
LANGUAGES: tuple[str, ...] = tuple(code for code in SHIPPED_LANGUAGES if code != ORIGINAL)
"""The languages a text can be translated into (every shipped language but the original)."""


@dataclass(frozen=True)
class TextField:
    name: str
    limit: int  # characters, as the original column


TRANSLATABLE: dict[str, tuple[TextField, ...]] = {
    "activity_offer": (TextField("title", 200), TextField("description", 2000)),
    "classroom_session": (TextField("title", 200), TextField("place", 300)),
    "test_location": (TextField("accessibility", 500),),
}
"""Per kind of record, the fields staff type in Dutch that can be translated."""


@dataclass(frozen=True)
class Shown:
    """A stored text as a reader sees it: the words and the language they are in."""

    text: str
    language: str


def shown(record: Any, field: str, language: str) -> Shown:
    """The field of `record` in `language` when translated, else the Dutch original."""
    original = getattr(record, field) or ""
    if language != ORIGINAL and original:
        translated = (getattr(record, "translations", None) or {}).get(language, {}).get(field)
        if isinstance(translated, str) and translated:
            return Shown(translated, language)
    return Shown(original, ORIGINAL)


def form_key(field: str, language: str) -> str:
    """The name of a translation's form field: `title.fr`."""
    return f"{field}.{language}"


def form_values(record: Any) -> dict[str, str]:
    """The record's translations keyed as the form names them (to fill the form)."""
    values: dict[str, str] = {}
    for language, fields in (record.translations or {}).items():
        for field, text in fields.items():
            values[form_key(field, language)] = text
    return values


class TranslationProblems(ServiceError):
    """Every translation that cannot be saved: (form key, code) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1] if problems else "invalid")
        self.problems = problems


def _kind_of(record: Any) -> str:
    kind = getattr(type(record), "__tablename__", "")
    if kind not in TRANSLATABLE:
        raise ServiceError("not_translatable")
    return str(kind)


def save_translations(db: Session, actor: str, record: Any, values: Mapping[str, str]) -> Any:
    """Replace the record's translations by `values` (form keys → text; an empty text removes
    that translation). Nothing changes when one of them is refused: too long, or a translation
    of a field whose Dutch original is empty. Returns the record."""
    kind = _kind_of(record)
    problems: list[tuple[str, str]] = []
    translations: dict[str, dict[str, str]] = {}
    for field in TRANSLATABLE[kind]:
        original = (getattr(record, field.name) or "").strip()
        for language in LANGUAGES:
            key = form_key(field.name, language)
            text = (values.get(key) or "").strip()
            if not text:
                continue
            if len(text) > field.limit:
                problems.append((key, "too_long"))
            elif not original:
                problems.append((key, "no_original"))
            else:
                translations.setdefault(language, {})[field.name] = text
    if problems:
        raise TranslationProblems(problems)
    before = record.translations or {}
    if translations != before:
        record.translations = translations  # a new dict: the JSON column sees the change
        db.add(record)
        audit(
            db,
            actor,
            "text.translate",
            kind,
            record.id,
            languages=sorted(translations),
        )
    return record


# Who may translate which record: the same reach as for the original.


def offer_of_municipality(db: Session, caller: Principal, offer_id: int) -> m.ActivityOffer:
    offer = db.get(m.ActivityOffer, offer_id)
    if offer is None or caller.municipality_id is None:
        raise ServiceError("not_found")
    if offer.municipality_id != caller.municipality_id:
        raise ServiceError("not_found")
    return offer


def session_of_agency(db: Session, caller: Principal, session_id: int) -> m.ClassroomSession:
    session = db.exec(
        select(m.ClassroomSession).where(
            m.ClassroomSession.id == session_id,
            m.ClassroomSession.agency_id == caller.agency_id,
        )
    ).first()
    if session is None or caller.agency_id is None:
        raise ServiceError("not_found")
    return session


def centre(db: Session, location_id: int) -> m.TestLocation:
    """A test centre (central: administrators keep them)."""
    location = db.get(m.TestLocation, location_id)
    if location is None:
        raise ServiceError("not_found")
    return location


def centres(db: Session) -> list[m.TestLocation]:
    """Every test centre, by name."""
    return list(db.exec(select(m.TestLocation).order_by(m.TestLocation.name)).all())
