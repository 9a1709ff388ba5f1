"""Every shipped language is complete: no empty or fuzzy entry (plural forms included), no
translation identical to its English id unless it is a name or code, Arabic in Arabic script,
placeholders kept, and the catalogs are not stale."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.settings import SHIPPED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
# Ids that are names or codes and may stay as they are in every language; and a pattern of
# punctuation only, which some languages write their own way (French: "champ : message").
SAME_EVERYWHERE = {"MO", "NT2", "VDAB", "Actiris", "A2", "B1", "%(field)s: %(message)s"}
# words that are the same in English and in that language (checked by hand)
# words that are the same in English and the language (checked by hand)
SAME_IN = {"fr": {"Province", "Menu", "Pages"}, "nl": {"Menu"}}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
ARABIC = re.compile(r"[\u0600-\u06FF]")


def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def entries(language: str):
    return [message for message in catalog(language) if message.id]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_no_empty_or_fuzzy_entries(language):
    problems = []
    raw = (LOCALES / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in raw.split('msgid "', 2)[-1], f"{language}: a fuzzy entry"
    for message in entries(language):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id)
    assert not problems, f"{language}: {len(problems)} untranslated, e.g. {problems[:5]}"


@pytest.mark.parametrize("language", [x for x in SHIPPED_LANGUAGES if x != "en"])
def test_translations_are_not_the_english_ids(language):
    same = []
    for message in entries(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if ids[0] in SAME_EVERYWHERE or ids[0] in SAME_IN.get(language, set()):
            continue
        if any(s == ids[0] or s == ids[-1] for s in strings):
            same.append(ids[0])
    assert not same, f"{language}: copied English: {same[:5]}"


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_placeholders_are_kept(language):
    wrong = []
    for message in entries(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((ids[0], text))
    assert not wrong, f"{language}: {wrong[:3]}"


def test_arabic_entries_are_in_arabic_script():
    latin_only = [
        m.id
        for m in entries("ar")
        if m.id not in SAME_EVERYWHERE
        and not all(
            ARABIC.search(s) for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        )
    ]
    assert not latin_only, latin_only[:5]


def test_plural_entries_have_every_form_of_the_language():
    for language in SHIPPED_LANGUAGES:
        cat = catalog(language)
        for message in entries(language):
            if isinstance(message.id, tuple):
                assert len(message.string) == cat.num_plurals, (language, message.id)


def test_catalogs_are_not_stale(tmp_path):
    """A fresh extraction finds exactly the ids the committed template and catalogs hold."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "-q",
            "extract",
            "-F",
            "locales/babel.cfg",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-k",
            "Nn_:1,2",
            "-k",
            "lazy_ngettext:1,2",
            "--no-wrap",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        fresh = {m.id for m in read_po(handle) if m.id}
    with (LOCALES / "messages.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert fresh == committed, (
        f"run `make extract`: new {sorted(map(str, fresh - committed))[:5]}, "
        f"gone {sorted(map(str, committed - fresh))[:5]}"
    )
    for language in SHIPPED_LANGUAGES:
        assert {m.id for m in entries(language)} == fresh, language


# Messages whose number is not a count of something (a position, an attempt's ordinal, a size
# in MB): their noun does not follow the number, so they need no plural forms.
NOT_A_COUNT = {
    "Day %(num)d",
    "Hours on day %(num)d",
    "%(name)s, attempt %(num)d",
    "Attempt %(num)d.",
    "Choose an answer for question %(num)d.",
    "Lesson %(num)d of %(total)d",
    "Module %(num)d",
}
NUMBER = re.compile(r"%\(([a-z_]+)\)d")


def test_a_message_with_a_count_is_a_plural_message():
    """A number that counts something ("3 files", "2 of 6 seats") takes the language's plural
    forms (Arabic has six); only positions, ordinals and sizes in MB may stay singular."""
    counted = [
        m.id
        for m in entries("en")
        if isinstance(m.id, str)
        and m.id not in NOT_A_COUNT
        and any(name != "mb" for name in NUMBER.findall(m.id))
    ]
    assert not counted, f"use ngettext for: {counted}"


def test_arabic_has_its_dual():
    """In Arabic the form for 2 is the dual ("ساعتان"), never the singular ("2 ساعة")."""
    singular_for_two = [
        m.id[0] for m in entries("ar") if isinstance(m.id, tuple) and m.string[2] == m.string[1]
    ]
    assert not singular_for_two, singular_for_two[:5]


CYRILLIC = re.compile(r"[\u0400-\u04FF]")


@pytest.mark.parametrize("language", [x for x in ("uk", "ru") if x in SHIPPED_LANGUAGES])
def test_cyrillic_entries_are_in_cyrillic_script(language):
    latin_only = [
        m.id
        for m in entries(language)
        if m.id not in SAME_EVERYWHERE
        and not all(
            CYRILLIC.search(s) for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        )
    ]
    assert not latin_only, latin_only[:5]


def test_ukrainian_is_not_russian():
    """Ukrainian writes і, ї, є and ґ; Russian writes ы, э and ъ, which Ukrainian does not."""
    if "uk" not in SHIPPED_LANGUAGES:
        pytest.skip("Ukrainian is not shipped")
    text = " ".join(
        s for m in entries("uk") for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    )
    assert sum(text.count(c) for c in "іїє") > 1000
    assert not re.search(r"[ыэъ]", text)
