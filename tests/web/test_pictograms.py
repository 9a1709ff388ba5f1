"""Pictures for people who read little (issue 18): a pictogram beside the words of the main
actions (pay, book a test, upload proof of hours) and beside self-check choices that are concrete
things. The picture is hidden from screen readers and never changes what a link, a button or a
label says; the words stay."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from portal.db.engine import session_scope
from portal.services import course as service
from portal.services.course import CONTENT, ContentError, load_course
from tests.support.web import check_page, csrf_token, sign_in

SPRITE_USE = re.compile(r'/static/[^"#]+/img/pictograms\.svg#([a-z0-9-]+)')


class Controls(HTMLParser):
    """Each link, button and label: its accessible text (aria-hidden parts left out), and the
    pictograms inside it with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, object]] = []
        self._open: list[dict[str, object]] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self._svg: dict[str, str | None] | None = None

    def hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"input", "br", "img", "meta", "link"}:
            if tag == "input":
                for control in self._open:
                    control.setdefault("inputs", []).append(values)  # type: ignore[union-attr]
            return
        if tag in {"a", "button", "label"}:
            control: dict[str, object] = {"tag": tag, "attrs": values, "text": "", "pictures": []}
            self.controls.append(control)
            self._open.append(control)
        if tag == "svg":
            self._svg = values
        if tag == "use" and self._svg is not None:
            for control in self._open:
                control["pictures"].append({**self._svg, "href": values.get("href")})  # type: ignore[union-attr]
        if tag == "use":
            return  # closed by its own end tag
        self._stack.append((tag, values.get("aria-hidden") == "true"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "use":
            return
        if tag == "svg":
            self._svg = None
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag in {"a", "button", "label"} and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self.hidden():
            return
        for control in self._open:
            control["text"] = str(control["text"]) + data


def controls(html: str) -> list[dict[str, object]]:
    parser = Controls()
    parser.feed(html)
    for control in parser.controls:
        control["text"] = re.sub(r"[ \t\r\n]+", " ", str(control["text"])).strip()
    return parser.controls


def with_picture(html: str, name: str) -> list[dict[str, object]]:
    return [
        c
        for c in controls(html)
        if any(SPRITE_USE.search(str(p["href"])).group(1) == name for p in c["pictures"])  # type: ignore[union-attr]
    ]


def assert_beside_the_words(client, control: dict[str, object]) -> None:
    """The picture is hidden from screen readers, not focusable, from the sprite, and the
    control still says its words."""
    assert control["text"], control  # never a picture instead of words
    for picture in control["pictures"]:  # type: ignore[union-attr]
        assert picture["aria-hidden"] == "true" and picture["focusable"] == "false", picture
        href = str(picture["href"])
        sprite = client.get(href.split("#")[0]).text
        assert f'<symbol id="{href.split("#")[1]}"' in sprite, href


# ------------------------------------------------------------------ the main actions


def test_the_newcomer_who_must_pay_sees_the_pay_pictogram_beside_the_words(client):
    sign_in(client, "demo-gent-new")  # the MO course fee is open
    page = client.get("/my?lang=en").text
    check_page(page)
    paying = with_picture(page, "pay")
    texts = [c["text"] for c in paying]
    assert "Pay 90,00\xa0€: MO course" in texts  # the task list's step
    assert "See what to pay" in texts
    for control in paying:
        assert control["tag"] == "a" and control["attrs"]["href"] == "/my/payments"  # type: ignore[index]
        assert_beside_the_words(client, control)
    # the words come first for a screen reader: the link's text is exactly the step's words
    step = re.search(r'<p class="task-step"><a href="/my/payments">(.*?)</a>', page, re.S)
    assert step and step.group(1).startswith('<svg class="pictogram"')
    assert re.sub(r"<svg .*?</svg>", "", step.group(1)) == "Pay 90,00\xa0€: MO course"
    # and on the payments page, the pay button
    payments = client.get("/my/payments?lang=ar").text
    check_page(payments)
    buttons = [c for c in with_picture(payments, "pay") if c["tag"] == "button"]
    assert buttons
    for button in buttons:
        assert_beside_the_words(client, button)


def test_a_person_who_may_book_sees_the_book_pictogram(client):
    sign_in(client, "demo-mo-done")  # the MO course followed and paid: may book the MO test
    page = client.get("/my?lang=en").text
    booking = with_picture(page, "book")
    assert "Book your MO test" in [c["text"] for c in booking]
    for control in booking:
        assert control["attrs"]["href"] == "/my/tests"  # type: ignore[index]
        assert_beside_the_words(client, control)
    tests = client.get("/my/tests?lang=en").text
    check_page(tests)
    choose = with_picture(tests, "book")
    assert [c["text"] for c in choose] and all(c["text"] == "Choose a date" for c in choose)
    for control in choose:
        assert_beside_the_words(client, control)


def test_the_proof_of_hours_has_the_upload_pictogram_on_its_label(client):
    sign_in(client, "demo-gent-new")
    participation = client.get("/my/participation")
    draft = client.post(
        "/my/participation/activities", data={"csrf_token": csrf_token(participation.text)}
    )
    assert draft.status_code == 303
    page = client.get(draft.headers["location"] + "?lang=en").text
    check_page(page)
    labels = [c for c in with_picture(page, "upload") if c["tag"] == "label"]
    assert [c["attrs"]["for"] for c in labels] == ["proof"]  # type: ignore[index]
    assert labels[0]["text"] == "Proof: a photo or a PDF"
    assert_beside_the_words(client, labels[0])


def test_steps_without_an_action_picture_have_none(client):
    sign_in(client, "demo-gent-new")
    page = client.get("/my?lang=en").text
    vdab = [c for c in controls(page) if c["tag"] == "a" and c["text"] == "Register at VDAB"]
    assert vdab and all(not c["pictures"] for c in vdab)


# ------------------------------------------------------------------ self-check choices


def active_modules(app):
    with session_scope(app.state.portal.engine) as db:
        return service.active_modules(db)


def pictured_question(app):
    for row in active_modules(app):
        for q in row.content["questions"]:
            if q.get("pictures"):
                return row, q
    raise AssertionError("no self-check question with pictures")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_self_check_choice_shows_its_picture_beside_its_words(client, app, language):
    sign_in(client, "demo-brussels")  # Brussels: no fee, every module open
    row, question = pictured_question(app)
    page = client.get(f"/my/course/{row.module_id}/check?lang={language}").text
    check_page(page)
    words = row.content["text"][language]["questions"][question["id"]]["choices"]
    labels = {
        c["attrs"]["for"]: c  # type: ignore[index]
        for c in controls(page)
        if c["tag"] == "label" and str(c["attrs"].get("for", "")).startswith(f"{question['id']}-")  # type: ignore[union-attr]
    }
    assert len(labels) == len(question["choices"])
    for choice in question["choices"]:
        label = labels[f"{question['id']}-{choice}"]
        # still a real radio button, labelled by its words; the picture beside them
        assert re.search(
            rf'<input type="radio" id="{question["id"]}-{choice}" name="{question["id"]}" '
            rf'value="{choice}"',
            page,
        )
        assert label["text"] == words[choice]
        [picture] = label["pictures"]  # type: ignore[misc]
        assert SPRITE_USE.search(str(picture["href"])).group(1) == question["pictures"][choice]
        assert_beside_the_words(client, label)
    # the answers' feedback shows the picture with the chosen and the correct answer
    wrong = next(c for c in question["choices"] if c != question["correct"])
    answers = {
        q["id"]: (wrong if q["id"] == question["id"] else q["correct"])
        for q in row.content["questions"]
    }
    result = client.post(
        f"/my/course/{row.module_id}/check?lang={language}",
        data={"csrf_token": csrf_token(page), **answers},
    ).text
    check_page(result)
    shown = SPRITE_USE.findall(result)
    assert (
        question["pictures"][wrong] in shown and question["pictures"][question["correct"]] in shown
    )


def test_a_module_without_pictures_keeps_plain_labels(client, app):
    sign_in(client, "demo-brussels")
    row = next(
        r for r in active_modules(app) if not any(q.get("pictures") for q in r.content["questions"])
    )
    page = client.get(f"/my/course/{row.module_id}/check?lang=en").text
    assert 'type="radio"' in page and "pictograms.svg#" not in page.split("<form", 1)[1]


# ------------------------------------------------------------------ the loader


def version_with(tmp_path, name, change):
    new = tmp_path / name
    shutil.copytree(CONTENT, new)
    index = json.loads((new / "course.json").read_text())
    for module_id in index["modules"]:
        path = new / index["version"] / f"{module_id}.json"
        module = json.loads(path.read_text(encoding="utf-8"))
        change(module)
        path.write_text(json.dumps(module, ensure_ascii=False), encoding="utf-8")
    return new


def test_the_loader_refuses_a_picture_the_sprite_does_not_have(app, tmp_path):
    def unknown(module):
        if module["id"] == "10-health":
            question = next(q for q in module["questions"] if q.get("pictures"))
            question["pictures"][question["choices"][0]] = "unicorn"

    with session_scope(app.state.portal.engine) as db:
        before = service.active_version(db).version
        with pytest.raises(ContentError, match=r"10-health/q\d: unknown pictogram 'unicorn'"):
            load_course(db, "test", version_with(tmp_path, "unknown", unknown))
        assert service.active_version(db).version == before


def test_the_loader_refuses_a_picture_that_differs_between_languages(app, tmp_path):
    """A picture is the question's, the same in every language: a language's text that carries
    its own picture is refused (it could show another thing than the other languages)."""

    def in_one_language(module):
        if module["id"] == "10-health":
            question = next(q for q in module["questions"] if q.get("pictures"))
            body = module["text"]["tr"]["questions"][question["id"]]
            body["pictures"] = {c: "school" for c in question["choices"]}

    def as_a_choice_object(module):
        if module["id"] == "09-education":
            body = module["text"]["uk"]["questions"]["q1"]
            body["choices"]["a"] = {"text": body["choices"]["a"], "picture": "school"}

    def on_some_choices(module):
        if module["id"] == "12-getting-around":
            module["questions"][0]["pictures"] = {module["questions"][0]["choices"][0]: "bus"}

    with session_scope(app.state.portal.engine) as db:
        with pytest.raises(ContentError, match=r"10-health/q\d \[tr\]: a picture belongs"):
            load_course(db, "test", version_with(tmp_path, "tr", in_one_language))
        with pytest.raises(ContentError, match=r"09-education/q1 \[uk\]: a picture belongs"):
            load_course(db, "test", version_with(tmp_path, "uk", as_a_choice_object))
        with pytest.raises(ContentError, match="12-getting-around/q1: pictures on some choices"):
            load_course(db, "test", version_with(tmp_path, "some", on_some_choices))
