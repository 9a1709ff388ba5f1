"""The national register number (rijksregisternummer) and BIS number, as the register defines them.

The literal numbers below were worked out by hand from the rule (check = 97 − N mod 97, with a
"2" in front of the nine digits for people born in 2000 or later); `_with_check` is that rule
written out independently of the module, for the properties.
"""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.nrn import Nrn, NrnError, Sex, make_nrn, nrn_matches_birth_date, parse_nrn

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
SEQUENCES = st.integers(min_value=1, max_value=998)
BIS_OFFSETS = st.sampled_from([0, 20, 40])


def _with_check(first_nine: str, *, born_2000s: bool) -> str:
    number = int(("2" if born_2000s else "") + first_nine)
    return f"{first_nine}{97 - number % 97:02d}"


# ------------------------------------------------------------------------------ valid numbers


@pytest.mark.parametrize(
    ("value", "birth_date", "birth_year", "bis", "sex"),
    [
        pytest.param("85073003328", date(1985, 7, 30), 1985, False, "m", id="born 1985, odd → man"),
        pytest.param("85073003427", date(1985, 7, 30), 1985, False, "f", id="even → woman"),
        pytest.param(
            "17073003384", date(2017, 7, 30), 2017, False, "m", id="born 2017: '2' + 9 digits"
        ),
        pytest.param(
            "00022900244", date(2000, 2, 29), 2000, False, "f", id="29 February 2000 exists"
        ),
        pytest.param(
            "85073003357", date(2085, 7, 30), 2085, False, "m", id="2085: no clock, read as written"
        ),
        pytest.param("85070003454", None, 1985, False, "f", id="day 00 → date unknown, year kept"),
        pytest.param("85004500146", None, 1985, False, "m", id="month 00 → day digits ignored"),
        pytest.param(
            "85273003371", date(1985, 7, 30), 1985, True, None, id="BIS + 20 → sex unknown"
        ),
        pytest.param("98472899765", date(1998, 7, 28), 1998, True, "m", id="BIS + 40 → sex known"),
        pytest.param("01490700185", date(2001, 9, 7), 2001, True, "m", id="BIS + 40, born 2001"),
        pytest.param("85200003349", None, 1985, True, None, id="BIS month 20 → month unknown"),
        pytest.param("85470003443", None, 1985, True, "f", id="BIS month 47, day 00 → day unknown"),
    ],
)
def test_valid_numbers(
    value: str, birth_date: date | None, birth_year: int, bis: bool, sex: Sex | None
) -> None:
    nrn = parse_nrn(value)
    assert nrn == Nrn(digits=value, birth_date=birth_date, birth_year=birth_year, bis=bis, sex=sex)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("85.07.30-033.28", id="written form"),
        pytest.param("85 07 30 033 28", id="spaces"),
        pytest.param("  85073003328 ", id="surrounding spaces"),
        pytest.param("85-07-30-033-28", id="dashes"),
        pytest.param("850730.033.28", id="some dots"),
    ],
)
def test_spaces_dots_and_dashes_are_ignored(value: str) -> None:
    assert parse_nrn(value).digits == "85073003328"


def test_formatted_is_the_written_form() -> None:
    assert parse_nrn("85073003328").formatted() == "85.07.30-033.28"


def test_parts_of_the_number() -> None:
    nrn = parse_nrn("85.47.00-034.43")
    assert (nrn.birth_year, nrn.birth_month, nrn.birth_day, nrn.sequence) == (1985, 7, None, 34)
    unknown_month = parse_nrn("85.00.45-001.46")
    assert (unknown_month.birth_month, unknown_month.birth_day) == (None, None)


def test_fictitious_date_means_the_year_is_unknown_too() -> None:
    """00.00.01: nothing of the birth date was known; the year is not a real year either."""
    for value in ("00000100166", "00400100283"):
        nrn = parse_nrn(value)
        assert nrn.birth_date is None
        assert not nrn.birth_year_known
        assert nrn_matches_birth_date(nrn, date(1985, 7, 30))
    assert parse_nrn("85073003328").birth_year_known


# ---------------------------------------------------------------------------- invalid numbers


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("85073003329", "check_digits", id="wrong check digit"),
        pytest.param("85073003300", "check_digits", id="check 00 never occurs"),
        pytest.param("00000000000", "check_digits", id="all zeros"),
        pytest.param("85023100192", "date", id="31 February"),
        pytest.param("00022900215", "date", id="29 February 1900 (not a leap year)"),
        pytest.param("85073200197", "date", id="32 July"),
        pytest.param("85130100102", "date", id="month 13"),
        pytest.param("85190100144", "date", id="month 19, between the ranges"),
        pytest.param("85330100145", "date", id="BIS month 33 (13 + 20)"),
        pytest.param("85530100188", "date", id="BIS month 53 (13 + 40)"),
        pytest.param("8507300332A", "format", id="letter"),
        pytest.param("85O73003328", "format", id="letter O for zero"),
        pytest.param("8507300332", "format", id="10 digits"),
        pytest.param("850730033280", "format", id="12 digits"),
        pytest.param("", "format", id="empty"),
        pytest.param("85/07/30-033.28", "format", id="slashes"),
        pytest.param("85_073003328", "format", id="underscore"),
        pytest.param("85073003328\n", "format", id="newline"),
        pytest.param("\uff18\uff15073003328", "format", id="full-width digits"),
        pytest.param("\u0668\u0665073003328", "format", id="Arabic-Indic digits"),
        pytest.param("+85073003328", "format", id="sign"),
    ],
)
def test_invalid_numbers(value: str, code: str) -> None:
    with pytest.raises(NrnError) as raised:
        parse_nrn(value)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_error_messages_do_not_repeat_the_number() -> None:
    """The number is personal data; messages end up in logs."""
    for value in ("85073003329", "85023100192", "8507300332A"):
        with pytest.raises(NrnError) as raised:
            parse_nrn(value)
        assert value not in str(raised.value)
        assert "8507300" not in str(raised.value)


def test_both_check_variants_never_match_at_once() -> None:
    """The two values of N differ by 2·10⁹, which is not a multiple of 97 (97 is prime)."""
    assert 2_000_000_000 % 97 == 68


def test_a_typo_in_the_last_year_digit_can_flip_the_century() -> None:
    """6·10⁷ ≡ 68 ≡ 2·10⁹ (mod 97): the one single-digit change the check digits miss.

    Born 30 July 2013; typing 9 for the 3 gives a valid number for 30 July 1919. Comparing with
    the birth date on file catches it.
    """
    assert make_nrn(date(2013, 7, 30), 33) == "13073003397"
    typo = parse_nrn("19073003397")
    assert typo.birth_date == date(1919, 7, 30)
    assert not nrn_matches_birth_date(typo, date(2013, 7, 30))


# -------------------------------------------------------------------------- birth date matches


@pytest.mark.parametrize(
    ("value", "birth_date", "matches"),
    [
        pytest.param("85073003328", date(1985, 7, 30), True, id="same date"),
        pytest.param("85073003328", date(1985, 7, 31), False, id="other day"),
        pytest.param("85073003328", date(1985, 8, 30), False, id="other month"),
        pytest.param("85073003328", date(2085, 7, 30), False, id="other century"),
        pytest.param("85070003454", date(1985, 7, 1), True, id="day unknown: 1 July"),
        pytest.param("85070003454", date(1985, 7, 31), True, id="day unknown: 31 July"),
        pytest.param("85070003454", date(1985, 8, 1), False, id="day unknown: not August"),
        pytest.param("85004500146", date(1985, 1, 1), True, id="month unknown: any day of 1985"),
        pytest.param("85004500146", date(1985, 12, 31), True, id="month unknown: 31 December"),
        pytest.param("85004500146", date(1986, 1, 1), False, id="month unknown: not 1986"),
        pytest.param("85273003371", date(1985, 7, 30), True, id="BIS: real month, not 27"),
        pytest.param("98472899765", date(1998, 7, 28), True, id="BIS + 40"),
        pytest.param("85200003349", date(1985, 3, 3), True, id="BIS month 20: any day of 1985"),
    ],
)
def test_matches_birth_date(value: str, birth_date: date, matches: bool) -> None:
    assert nrn_matches_birth_date(parse_nrn(value), birth_date) is matches


# ------------------------------------------------------------------------------ making numbers


@pytest.mark.parametrize(
    ("birth_date", "sequence", "bis", "expected"),
    [
        pytest.param(date(1985, 7, 30), 33, 0, "85073003328", id="1985"),
        pytest.param(date(2017, 7, 30), 33, 0, "17073003384", id="2017"),
        pytest.param(date(1985, 7, 30), 33, 20, "85273003371", id="BIS + 20"),
        pytest.param(date(1998, 7, 28), 997, 40, "98472899765", id="BIS + 40"),
    ],
)
def test_make_nrn(birth_date: date, sequence: int, bis: int, expected: str) -> None:
    assert make_nrn(birth_date, sequence, bis=bis) == expected


@pytest.mark.parametrize(
    ("birth_date", "sequence", "bis"),
    [
        pytest.param(date(1985, 7, 30), 0, 0, id="sequence 0"),
        pytest.param(date(1985, 7, 30), 999, 0, id="sequence 999"),
        pytest.param(date(1985, 7, 30), 33, 10, id="bis 10"),
        pytest.param(date(1899, 12, 31), 33, 0, id="before 1900"),
        pytest.param(date(2100, 1, 1), 33, 0, id="after 2099"),
    ],
)
def test_make_nrn_refuses(birth_date: date, sequence: int, bis: int) -> None:
    with pytest.raises(ValueError, match=r"must be"):
        make_nrn(birth_date, sequence, bis=bis)


# ---------------------------------------------------------------------------------- properties


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """Any number the rules allow, unknown month/day and fictitious dates included."""
    born_2000s = draw(st.booleans())
    year = (2000 if born_2000s else 1900) + draw(st.integers(0, 99))
    month = draw(st.integers(0, 12))
    if month == 0:
        day = draw(st.integers(0, 99))  # not a day: unknown, or the register's counter overflow
    else:
        day = draw(st.integers(0, calendar.monthrange(year, month)[1]))
    offset = draw(BIS_OFFSETS)
    sequence = draw(st.integers(0, 999))
    first_nine = f"{year % 100:02d}{month + offset:02d}{day:02d}{sequence:03d}"
    return _with_check(first_nine, born_2000s=born_2000s)


@given(DATES, SEQUENCES, BIS_OFFSETS)
def test_make_then_parse_gives_back_the_date_year_and_sex(
    birth_date: date, sequence: int, bis: int
) -> None:
    nrn = parse_nrn(make_nrn(birth_date, sequence, bis=bis))
    assert nrn.birth_date == birth_date
    assert nrn.birth_year == birth_date.year
    assert nrn.sequence == sequence
    assert nrn.bis is (bis != 0)
    assert nrn.sex == (None if bis == 20 else ("m" if sequence % 2 else "f"))
    assert nrn_matches_birth_date(nrn, birth_date)


@given(valid_numbers())
def test_formatted_round_trips(value: str) -> None:
    nrn = parse_nrn(value)
    assert nrn.digits == value
    assert parse_nrn(nrn.formatted()) == nrn


@given(st.integers(0, 999_999_999))
def test_at_most_one_century_matches(first_nine: int) -> None:
    digits = f"{first_nine:09d}"
    assert _with_check(digits, born_2000s=False) != _with_check(digits, born_2000s=True)


@given(valid_numbers(), st.integers(0, 10), st.integers(1, 9))
def test_a_single_digit_change_is_caught(value: str, position: int, shift: int) -> None:
    """Any one digit changed makes the number invalid — except a change of ±6 in the last year
    digit, which can land on a valid number of the other century (see the typo test). Never is
    the changed number accepted under the same century."""
    original = parse_nrn(value)
    digit = int(value[position])
    changed = value[:position] + str((digit + shift) % 10) + value[position + 1 :]
    try:
        nrn = parse_nrn(changed)
    except NrnError:
        return
    assert position == 1
    assert abs((digit + shift) % 10 - digit) == 6
    assert nrn.birth_year // 100 != original.birth_year // 100
    assert nrn.digits == changed
