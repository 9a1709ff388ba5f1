"""The Belgian national register number (rijksregisternummer, NRN) and BIS number (pure).

Eleven digits, usually written ``YY.MM.DD-SSS.CC``:

* ``YYMMDD`` — the birth date. Month and/or day are ``00`` when that part was not known when the
  number was attributed. A BIS number (Kruispuntbank register, e.g. for people not in the
  population register) adds 20 to the month when the sex was not known at attribution and 40
  when it was; month 20 or 40 is then an unknown month.
* ``SSS`` — a sequence number among people born on the same day: odd for men, even for women.
* ``CC`` — check digits: 97 − (N mod 97), where N is the first nine digits as an integer for
  people born before 2000, and the integer of "2" followed by those nine digits for people born
  in 2000 or later. Which of the two matches is how the century is told apart.

Decisions (the register's own instructions, as python-stdnum also reads them):

* Both variants never match at once: the two values of N differ by 2·10⁹ ≡ 68 (mod 97), so their
  check digits always differ. No tie-break is needed; the code checks 2000 and then 1900 only to
  be deterministic. (The only ambiguity left is the one the register made itself — see the next
  points — not the checksum's.)
* Month ``00`` means the month *and* the day are unreliable: it is also what the register uses
  when the sequence numbers for one birth date run out, after which the day digits become a
  counter ("00.00.01", "00.00.02", …). So with month 00 the day digits are not interpreted (or
  validated) and `nrn_matches_birth_date` ignores them.
* ``00.00.01`` (and its BIS forms ``00.20.01``/``00.40.01``) is the fictitious date for a wholly
  unknown birth date, year included. `Nrn.birth_year` still reports 1900 or 2000 as encoded;
  `Nrn.birth_year_known` is False and `nrn_matches_birth_date` matches any date.
* No clock: a number whose check digits say 2000s is read as 20YY even when that year is in the
  future. Callers who care compare `birth_year` with their own `today`.
* Only ASCII digits, spaces, dots and hyphen-minus are accepted (so no Unicode digits such as
  "٣" or "３", no tabs or newlines, no slashes). Error messages never include the number itself:
  it is personal data and errors end up in logs.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

NrnErrorCode = Literal["format", "check_digits", "date"]
Sex = Literal["m", "f"]

_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(" .-")
_LENGTH = 11
# 2·10⁹: the "2" put in front of the nine digits for people born in 2000 or later.
_POST_2000_PREFIX = 2_000_000_000
# Month offsets: 0 for the national register, 20/40 for BIS numbers (sex unknown/known).
_BIS_UNKNOWN_SEX = 20
_BIS_KNOWN_SEX = 40
_BIS_OFFSETS = (0, _BIS_UNKNOWN_SEX, _BIS_KNOWN_SEX)
# YYMMDD of the fictitious date used when no part of the birth date was known.
_UNKNOWN_DATE = frozenset({"000001", "002001", "004001"})


class NrnError(ValueError):
    """A value that is not a national register (or BIS) number.

    `code` is a stable key for messages and tests: "format" (not 11 digits once spaces, dots and
    dashes are removed), "check_digits" (neither century's check matches) or "date" (a month or
    day that cannot exist, e.g. 31 February or month 13).
    """

    code: NrnErrorCode

    def __init__(self, code: NrnErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Nrn:
    """A parsed number; build it with `parse_nrn`."""

    digits: str
    """The 11 digits, without separators."""
    birth_date: date | None
    """None when the month or the day is unknown (00, or 20/40 for a BIS month)."""
    birth_year: int
    """From the century the check digits tell (1900 + YY or 2000 + YY)."""
    bis: bool
    """A BIS number (month + 20 or + 40)."""
    sex: Sex | None
    """From the sequence parity, odd "m" and even "f"; None for a BIS number + 20."""

    @property
    def sequence(self) -> int:
        """The sequence number among people born on the same day (digits 7–9)."""
        return int(self.digits[6:9])

    @property
    def birth_month(self) -> int | None:
        """1–12, or None when the month is unknown (the BIS offset removed)."""
        month = int(self.digits[2:4]) % 20
        return month or None

    @property
    def birth_day(self) -> int | None:
        """1–31, or None when the day is unknown; also None when the month is unknown (the day
        digits are then not a day, see the module notes)."""
        if self.birth_month is None:
            return None
        return int(self.digits[4:6]) or None

    @property
    def birth_year_known(self) -> bool:
        """False for the fictitious date (00.00.01) used when nothing of the date was known."""
        return self.digits[:6] not in _UNKNOWN_DATE

    def formatted(self) -> str:
        """The usual written form, "YY.MM.DD-SSS.CC"."""
        d = self.digits
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"


def _check_digits(first_nine: int, *, born_2000s: bool) -> int:
    """97 − (N mod 97); 1–97 (never 0, so "00" is never valid)."""
    number = _POST_2000_PREFIX + first_nine if born_2000s else first_nine
    return 97 - number % 97


def _century(digits: str) -> int:
    first_nine, check = int(digits[:9]), int(digits[9:])
    # At most one of the two can match (see the module notes); the order is only for determinism.
    if _check_digits(first_nine, born_2000s=True) == check:
        return 2000
    if _check_digits(first_nine, born_2000s=False) == check:
        return 1900
    raise NrnError("check_digits", "the check digits do not match the first nine digits")


def parse_nrn(value: str) -> Nrn:
    """Read a national register or BIS number; spaces, dots and dashes are ignored.

    Raises `NrnError` with code "format", "check_digits" or "date", checked in that order (the
    century, which the check digits tell, decides whether 29 February exists).
    """
    digits = "".join(ch for ch in value if ch not in _SEPARATORS)
    if len(digits) != _LENGTH or not _DIGITS.issuperset(digits):
        raise NrnError("format", "a national register number has 11 digits")
    year = _century(digits) + int(digits[0:2])
    coded_month, day = int(digits[2:4]), int(digits[4:6])

    offset = next((o for o in _BIS_OFFSETS if o <= coded_month <= o + 12), None)
    if offset is None:
        raise NrnError("date", "the month does not exist")
    month = coded_month - offset

    birth_date: date | None = None
    if month != 0 and day != 0:
        if day > calendar.monthrange(year, month)[1]:
            raise NrnError("date", "the day does not exist in that month")
        birth_date = date(year, month, day)

    sex: Sex | None = None
    if offset != _BIS_UNKNOWN_SEX:
        sex = "m" if int(digits[6:9]) % 2 else "f"
    return Nrn(digits=digits, birth_date=birth_date, birth_year=year, bis=offset != 0, sex=sex)


def nrn_matches_birth_date(nrn: Nrn, birth_date: date) -> bool:
    """Do the known parts of the number's birth date agree with `birth_date`?

    Unknown parts match anything: an unknown day matches every day of that month, an unknown
    month every day of that year, and the fictitious 00.00.01 every date.
    """
    if not nrn.birth_year_known:
        return True
    if nrn.birth_year != birth_date.year:
        return False
    if nrn.birth_month is not None and nrn.birth_month != birth_date.month:
        return False
    return nrn.birth_day is None or nrn.birth_day == birth_date.day


def make_nrn(birth_date: date, sequence: int, *, bis: int = 0) -> str:
    """A valid 11-digit number for `birth_date` (demo data and tests).

    `sequence` 1–998 (odd for a man, even for a woman); `bis` 0 for a national register number,
    20 for a BIS number with unknown sex, 40 for one with known sex. The birth year must be
    1900–2099, the years the two check-digit variants can tell apart.
    """
    if not 1900 <= birth_date.year <= 2099:
        raise ValueError("the birth year must be between 1900 and 2099")
    if not 1 <= sequence <= 998:
        raise ValueError("the sequence number must be between 1 and 998")
    if bis not in _BIS_OFFSETS:
        raise ValueError("bis must be 0, 20 or 40")
    first_nine = (
        f"{birth_date.year % 100:02d}{birth_date.month + bis:02d}{birth_date.day:02d}{sequence:03d}"
    )
    check = _check_digits(int(first_nine), born_2000s=birth_date.year >= 2000)
    return f"{first_nine}{check:02d}"
