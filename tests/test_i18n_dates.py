"""Dates and times are written the same way everywhere, as people of each language write them:
the weekday, the date and the time in Brussels, never seconds or a time-zone name."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import i18n
from portal.settings import BRUSSELS

MOMENT = datetime(2026, 12, 14, 9, 30, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("language", "form", "expected"),
    [
        ("nl", "long", "maandag 14 december 2026 om 9.30 uur"),
        ("fr", "long", "lundi 14 décembre 2026 à 9 h 30"),
        ("en", "long", "Monday, 14 December 2026 at 09:30"),
        ("ar", "long", "الاثنين، 14 ديسمبر 2026 الساعة 9:30 ص"),
        ("nl", "medium", "maandag 14 december 2026 om 9.30 uur"),
        ("nl", "short", "14/12/2026 om 9.30 uur"),
        ("fr", "short", "14/12/2026 à 9 h 30"),
    ],
)
def test_a_moment_in_each_language(language, form, expected):
    assert i18n.format_datetime(MOMENT, form, language) == expected


def test_a_moment_stored_in_utc_is_shown_in_brussels_time_across_summer_time():
    summer = datetime(2026, 7, 1, 7, 5, tzinfo=UTC)  # 9.05 in Brussels (UTC+2)
    winter = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # 0.30 the next day (UTC+1)
    assert i18n.format_datetime(summer, language="nl") == "woensdag 1 juli 2026 om 9.05 uur"
    assert i18n.format_datetime(winter, language="nl") == "dinsdag 6 januari 2026 om 0.30 uur"


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["nl", "fr", "en", "ar"]),
    st.sampled_from(["long", "medium", "short"]),
)
def test_never_seconds_nor_a_zone_name(moment, language, form):
    text = i18n.format_datetime(moment, form, language)
    assert not re.search(r"\d[:.]\d\d[:.]\d\d", text)  # no seconds
    assert not re.search(r"CET|CEST|UTC|GMT|Brussel|Europe|[+−-]\d\d:?\d\d$", text)
