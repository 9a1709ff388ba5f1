"""Telling people apart at intake without a national register number (pure).

Two records may be the same person when their dates of birth are equal and their names are the
same as people write them: case, accents, hyphens, apostrophes, extra spaces and the order of the
name parts do not count ("Leyla Yılmaz" = "YILMAZ, leyla"). When both records carry a national
register number, the number decides and names are not compared."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# Letters that NFKD does not take apart into a base letter and an accent.
_FOLD = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def name_key(given_name: str, family_name: str) -> tuple[str, ...]:
    """The name parts, folded and sorted: the same key for the same name however it is typed."""
    text = unicodedata.normalize("NFKD", f"{given_name} {family_name}".casefold().translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return tuple(sorted(re.sub(r"[\W_]+", " ", text).split()))


@dataclass(frozen=True)
class Identity:
    given_name: str
    family_name: str
    birth_date: date
    national_number: str | None = None


def may_be_same_person(new: Identity, existing: Identity) -> bool:
    """Whether `existing` may be the person being registered as `new` (a warning, not a
    verdict: the counsellor confirms)."""
    if new.birth_date != existing.birth_date:
        return False
    if new.national_number and existing.national_number:
        return False  # the register numbers decide (equal numbers are refused elsewhere)
    key = name_key(new.given_name, new.family_name)
    return bool(key) and key == name_key(existing.given_name, existing.family_name)
