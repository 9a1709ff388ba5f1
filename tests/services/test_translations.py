"""What a reader sees of a text staff typed in Dutch, and which translations can be saved."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.db import models as m
from portal.services import translations as svc


def offer(title="Taalstage", description="", translations=None):
    return m.ActivityOffer(
        id=7,
        municipality_id=1,
        kind="volunteering",
        title=title,
        organisation="Bib",
        description=description,
        translations=translations or {},
    )


@pytest.mark.parametrize(
    ("translations", "language", "expected"),
    [
        ({}, "fr", ("Taalstage", "nl")),
        ({"fr": {"title": "Stage"}}, "fr", ("Stage", "fr")),
        ({"fr": {"title": "Stage"}}, "ar", ("Taalstage", "nl")),
        ({"fr": {"title": "Stage"}}, "nl", ("Taalstage", "nl")),
        ({"fr": {"title": ""}}, "fr", ("Taalstage", "nl")),
        ({"fr": {"description": "Aidez"}}, "fr", ("Taalstage", "nl")),
    ],
)
def test_a_reader_sees_the_translation_in_their_language_else_the_dutch(
    translations, language, expected
):
    shown = svc.shown(offer(translations=translations), "title", language)
    assert (shown.text, shown.language) == expected


texts = st.text(min_size=0, max_size=8)


@given(
    original=texts,
    translations=st.dictionaries(
        st.sampled_from(svc.LANGUAGES), st.dictionaries(st.just("title"), texts)
    ),
    language=st.sampled_from(("nl", *svc.LANGUAGES)),
)
def test_what_is_shown_is_the_translation_or_the_original_never_anything_else(
    original, translations, language
):
    shown = svc.shown(offer(title=original, translations=translations), "title", language)
    wanted = translations.get(language, {}).get("title", "")
    if language != "nl" and original and wanted:
        assert (shown.text, shown.language) == (wanted, language)
    else:
        assert (shown.text, shown.language) == (original, "nl")


class Recorder(SimpleNamespace):
    def add(self, item):
        self.added.append(item)


def test_saving_keeps_only_filled_translations_and_writes_the_audit_log():
    db = Recorder(added=[])
    record = offer(description="Help mee")
    svc.save_translations(
        db,
        "officer",
        record,
        {"title.fr": " Stage ", "description.fr": "", "title.xx": "?", "csrf_token": "t"},
    )
    assert record.translations == {"fr": {"title": "Stage"}}
    [audit] = [a for a in db.added if isinstance(a, m.AuditLog)]
    assert (audit.action, audit.entity, audit.details) == (
        "text.translate",
        "activity_offer",
        {"languages": ["fr"]},
    )


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"title.fr": "x" * 201}, ("title.fr", "too_long")),
        ({"description.ar": "ساعد"}, ("description.ar", "no_original")),  # nothing to translate
    ],
)
def test_a_refused_translation_changes_nothing(values, problem):
    db = Recorder(added=[])
    record = offer(translations={"uk": {"title": "Стажування"}})
    with pytest.raises(svc.TranslationProblems) as refused:
        svc.save_translations(db, "officer", record, {"title.uk": "Інше", **values})
    assert refused.value.problems == [problem]
    assert record.translations == {"uk": {"title": "Стажування"}}
    assert db.added == []


def test_nothing_is_written_when_nothing_changed():
    db = Recorder(added=[])
    record = offer(translations={"fr": {"title": "Stage"}})
    svc.save_translations(db, "officer", record, {"title.fr": "Stage"})
    assert db.added == []
