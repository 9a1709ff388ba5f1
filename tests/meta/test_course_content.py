"""The course content: every module in every shipped language (or reported), no empty lesson,
alternative text for every image, exactly one correct answer per question, the seven values and
life in Flanders covered, images small and safe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portal.domain.course import ATTITUDES, attitudes_missing
from portal.services.course import CONTENT, check_module, read_version

ROOT = Path(__file__).resolve().parents[2]
VERSION, MODULES = read_version(CONTENT)
VALUES = {
    "separation_of_powers",
    "neutrality_of_government",
    "equality_of_men_and_women",
    "separation_of_church_and_state",
    "non_discrimination",
    "freedom_of_expression",
    "respect_for_sexual_diversity",
}


@pytest.mark.parametrize("module", MODULES, ids=lambda mod: mod["id"])
def test_module_is_complete_in_every_language(module):
    errors, fallbacks = check_module(module)
    assert not errors
    assert not fallbacks, f"{module['id']} falls back to Dutch for {fallbacks}"


@pytest.mark.parametrize("module", MODULES, ids=lambda mod: mod["id"])
def test_exactly_one_correct_answer_per_question(module):
    assert len(module["questions"]) >= 2
    for q in module["questions"]:
        assert len(q["choices"]) >= 2 and len(set(q["choices"])) == len(q["choices"])
        assert [c for c in q["choices"] if c == q["correct"]] == [q["correct"]]


@pytest.mark.parametrize("module", MODULES, ids=lambda mod: mod["id"])
def test_images_exist_have_alt_text_and_are_small_and_safe(module):
    for lesson in module["lessons"]:
        image = lesson.get("image")
        if not image:
            continue
        path = ROOT / "static" / image["src"]
        assert path.exists(), image["src"]
        data = path.read_bytes()
        assert len(data) <= 6 * 1024
        text = data.decode("utf-8").lower()
        assert "<script" not in text and 'href="http' not in text and 'xlink:href="http' not in text
        for language, body in module["text"].items():
            assert body["lessons"][lesson["id"]].get("image_alt", "").strip(), (
                language,
                lesson["id"],
            )


def test_every_value_has_a_module_and_life_in_flanders_is_covered():
    assert {mod["value"] for mod in MODULES if mod.get("value")} == VALUES
    living = [mod["id"] for mod in MODULES if mod["theme"] == "living"]
    topics = ("work", "education", "health", "housing", "getting-around", "public-services")
    for topic in (*topics, "history-and-citizenship"):
        assert any(topic in module_id for module_id in living), topic
    assert [mod["id"] for mod in MODULES if mod.get("free")] == ["00-introduction"]


def test_arabic_text_is_in_arabic_script():
    for module in MODULES:
        title = module["text"]["ar"]["title"]
        assert any("\u0600" <= ch <= "\u06ff" for ch in title), module["id"]


def test_a_missing_translation_falls_back_to_dutch_and_is_reported(tmp_path):
    module = json.loads(json.dumps(MODULES[1]))
    del module["text"]["fr"]
    errors, fallbacks = check_module(module)
    assert not errors and fallbacks == ["fr"]
    module["text"]["nl"]["lessons"][module["lessons"][0]["id"]]["paragraphs"] = [" "]
    errors, _ = check_module(module)
    assert errors  # an empty Dutch lesson is an error, never shown blank


def test_every_attitude_of_art_24_is_practised_and_named_on_its_modules():
    assert all(module["attitudes"] for module in MODULES)
    assert attitudes_missing(module["attitudes"] for module in MODULES) == []
    assert {a for module in MODULES for a in module["attitudes"]} == set(ATTITUDES)


def test_solidarity_is_taught_where_it_is_named():
    """Attitude 3 includes solidarity: the modules that name it say what it is, in every
    language (in Dutch: "solidariteit"), and the history and citizenship module teaches it."""
    words = {"nl": "solidari", "en": "solidarity", "fr": "solidarit", "ar": "التضامن"}
    teaching = []
    for module in MODULES:
        if "respect_and_solidarity" not in module["attitudes"]:
            continue
        for language, word in words.items():
            text = json.dumps(module["text"][language], ensure_ascii=False).lower()
            if word in text:
                teaching.append((module["id"], language))
    assert {language for module_id, language in teaching} == set(words)
    assert ("14-history-and-citizenship", "nl") in teaching


def test_voting_rights_and_becoming_belgian_are_taught():
    module = next(m for m in MODULES if m["id"] == "14-history-and-citizenship")
    dutch = json.dumps(module["text"]["nl"], ensure_ascii=False).lower()
    assert "gemeenteraadsverkiezingen" in dutch or "gemeentelijke verkiezingen" in dutch
    assert "belg worden" in dutch or "belgische nationaliteit" in dutch
    assert "1830" in dutch


@pytest.mark.parametrize(
    "phrase", ["je geloof zegt", "your religion says", "votre religion dit", "دينك يقول"]
)
def test_no_question_presumes_the_learners_beliefs(phrase):
    for module in MODULES:
        for language, text in module["text"].items():
            for question in text["questions"].values():
                assert phrase not in question["text"].lower(), (module["id"], language)


@pytest.mark.parametrize(
    ("module_id", "word", "explained_by"),
    [
        ("03-equality-of-men-and-women", "moederschapsrust", "verlof rond de geboorte"),
        ("10-health", "verhoogde tegemoetkoming", "betaalt een groter deel"),
        ("11-housing", "plaatsbeschrijving", "document over de woning"),
    ],
)
def test_long_words_are_explained_where_they_are_used(module_id, word, explained_by):
    module = next(m for m in MODULES if m["id"] == module_id)
    for lesson in module["text"]["nl"]["lessons"].values():
        for paragraph in lesson["paragraphs"]:
            if word in paragraph:
                assert explained_by in paragraph, paragraph


def test_the_introduction_fits_online_only_and_classroom_variants():
    intro = json.dumps(MODULES[0]["text"]["nl"], ensure_ascii=False)
    assert "helemaal online" in intro and "in een klas" in intro


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_cyrillic_course_text_is_in_cyrillic_script(language):
    for module in MODULES:
        for text in strings(module["text"][language]["lessons"]):
            letters = [ch for ch in text if ch.isalpha()]
            cyrillic = [ch for ch in letters if "\u0400" <= ch <= "\u04ff"]
            # names (VDAB, Unia, www.…) and Dutch words in brackets stay Latin
            assert len(cyrillic) >= len(letters) / 2, (module["id"], language, text[:80])


def test_ukrainian_course_text_is_not_russian():
    for module in MODULES:
        uk = " ".join(strings(module["text"]["uk"]))
        ru = " ".join(strings(module["text"]["ru"]))
        assert not set("ыэъё") & set(uk.lower()), module["id"]  # letters Ukrainian lacks
        assert set("іїє") & set(uk.lower()), module["id"]
        assert not set("іїєґ") & set(ru.lower()), module["id"]
        assert uk != ru


def test_turkish_course_text_addresses_the_reader_formally():
    """Turkish uses "siz" for a public service: no informal "sen" imperative in the lessons."""
    for module in MODULES:
        text = " ".join(strings(module["text"]["tr"])).lower()
        assert any(ch in text for ch in "ğışç"), module["id"]  # Turkish letters, not English
        assert " sen " not in f" {text} " and " senin " not in f" {text} ", module["id"]


def test_the_introduction_does_not_list_a_fixed_set_of_languages():
    """Adding a language is adding its text: the introduction says "several languages" and
    where to choose, instead of naming four languages that are no longer all of them."""
    from babel import Locale

    introduction = next(m for m in MODULES if m["id"] == "00-introduction")
    for language, text in introduction["text"].items():
        body = " ".join(strings(text)).lower()
        for other in ("ar", "fr", "en"):  # e.g. "Arabisch", "арабською", "Arapça"
            name = Locale.parse(language).languages[other].lower()
            assert name[:5] not in body, (language, name)


SPRITE = ROOT / "static" / "img" / "pictograms.svg"


def sprite_symbols() -> dict[str, str]:
    """id → the symbol's markup, read from the sprite file itself (not through the loader)."""
    text = SPRITE.read_text(encoding="utf-8")
    return dict(re.findall(r'<symbol id="([^"]+)"(.*?)</symbol>', text, re.S))


def test_every_picture_of_a_self_check_choice_is_in_the_sprite():
    symbols = sprite_symbols()
    used = set()
    for module in MODULES:
        for question in module["questions"]:
            pictures = question.get("pictures")
            if not pictures:
                continue
            assert set(pictures) == set(question["choices"]), (module["id"], question["id"])
            for choice, picture in pictures.items():
                assert picture in symbols, (module["id"], question["id"], choice, picture)
                used.add(picture)
            # the words stay in every language: the picture is beside them, never instead
            for language, text in module["text"].items():
                body = text["questions"][question["id"]]
                assert "pictures" not in body, (module["id"], language)
                assert all(isinstance(c, str) and c.strip() for c in body["choices"].values())
    assert len(used) >= 4  # pictures are used where they help (concrete things)


def test_the_pictogram_sprite_is_small_and_monochrome():
    """One small file every page with a pictogram loads (once): line drawings in the text's
    colour, nothing that fetches or runs."""
    data = SPRITE.read_bytes()
    assert len(data) <= 6 * 1024
    text = data.decode("utf-8")
    assert "<script" not in text and "href=" not in text and "<text" not in text
    symbols = sprite_symbols()
    assert {"mo", "nt2", "vdab", "participation", "pay", "book", "upload"} <= set(symbols)
    for name, markup in symbols.items():
        assert 'viewBox="0 0 24 24"' in markup, name
        colours = set(re.findall(r'(?:stroke|fill)="([^"]+)"', markup)) - {"none"}
        assert colours == {"currentColor"}, (name, colours)
