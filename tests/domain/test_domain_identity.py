"""Intake without a national register number: who may already be registered (pure)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.identity import Identity, may_be_same_person, name_key

DAY = date(1993, 4, 21)


@pytest.mark.parametrize(
    ("new", "existing", "same"),
    [
        (Identity("Leyla", "Yilmaz", DAY), Identity("Leyla", "Yilmaz", DAY), True),
        (Identity("LEYLA", "yilmaz ", DAY), Identity("Leyla", "Yilmaz", DAY), True),
        (Identity("Yilmaz", "Leyla", DAY), Identity("Leyla", "Yilmaz", DAY), True),  # order
        (Identity("Leyla", "Yılmaz", DAY), Identity("Leyla", "Yilmaz", DAY), True),  # dotless ı
        (Identity("Zoë", "Van den Broeck", DAY), Identity("Zoe", "van-den-broeck", DAY), True),
        (Identity("Mohammed", "Al'Amin", DAY), Identity("mohammed", "Al Amin", DAY), True),
        (Identity("Leyla", "Yilmaz", DAY), Identity("Leyla", "Yilmaz", date(1993, 4, 22)), False),
        (Identity("Leyla", "Yilmaz", DAY), Identity("Layla", "Yilmaz", DAY), False),
        (Identity("Leyla", "Yilmaz", DAY), Identity("Leyla", "Yilmaz Demir", DAY), False),
        # both register numbers known: the numbers decide
        (
            Identity("Leyla", "Yilmaz", DAY, "93042100113"),
            Identity("Leyla", "Yilmaz", DAY, "93042100214"),
            False,
        ),
        # one number known: it cannot tell them apart
        (Identity("Leyla", "Yilmaz", DAY, "93042100113"), Identity("Leyla", "Yilmaz", DAY), True),
        (Identity("  ", "-", DAY), Identity("", "", DAY), False),  # no name: nothing to compare
    ],
)
def test_may_be_same_person(new, existing, same):
    assert may_be_same_person(new, existing) is same


names = st.text(st.characters(categories=("L", "Zs", "Pd")), max_size=20)


@given(names, names)
def test_the_key_ignores_case_and_order(given_name, family_name):
    assert name_key(given_name, family_name) == name_key(family_name.upper(), given_name.lower())


@given(names, names, st.dates())
def test_a_record_may_be_itself_when_it_has_a_name(given_name, family_name, day):
    me = Identity(given_name, family_name, day)
    assert may_be_same_person(me, me) is bool(name_key(given_name, family_name))
