"""The online MO course on a phone: the issue's "tried as a new user" journey (a Brussels
resident, who pays nothing, follows two modules in Arabic with the Dutch text alongside, reads
every lesson, answers the self-checks right and wrong, and sees the progress on "My
integration"), the self-check's error summary and where its links move the focus, axe-core on
the course's pages in Dutch and in Arabic (no violation of any impact), and the weight of a
lesson page with its image.

Labels change while translators work, so elements are found by id, name, href or class; text is
read where it is data (the course's own texts, read from its JSON files, and numbers) or through
the catalog (`translated`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from portal.services.course import read_version
from tests.browser.server import LivePortal
from tests.browser.support import (
    PHONE,
    assert_no_violations,
    html_attributes,
    open_menu,
    open_page,
    phone_context,
    plain,
    sign_in,
    submit,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("nl", "ar")
VERSION, MODULES = read_version()  # the course files the demo database loaded
CONTENT = {module["id"]: module for module in MODULES}
REQUIRED = sum(1 for module in MODULES if module.get("required", True))
INTRODUCTION = "00-introduction"
FIRST = "01-separation-of-powers"  # its lesson l1 has an image
SECOND = "02-neutrality-of-government"
PAGE_WEIGHT_LIMIT = 80_000  # bytes: document, CSS, JS and the image, as transferred


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def text_of(module_id: str, language: str) -> dict[str, Any]:
    return dict(CONTENT[module_id]["text"][language])


def lesson_ids(module_id: str) -> list[str]:
    return [lesson["id"] for lesson in CONTENT[module_id]["lessons"]]


def choose(module_id: str, wrong: frozenset[str] = frozenset()) -> dict[str, str]:
    """A choice per question: the correct one (from the JSON file), or another one for the
    questions in `wrong`."""
    return {
        q["id"]: q["correct"]
        if q["id"] not in wrong
        else next(c for c in q["choices"] if c != q["correct"])
        for q in CONTENT[module_id]["questions"]
    }


def follow(page: Any, selector: str) -> None:
    """Follow the one visible link matching `selector`."""
    link = page.locator(selector)
    assert link.count() == 1, f"{link.count()} links {selector} on {page.url}"
    assert link.is_visible(), f"the link {selector} is not visible on {page.url}"
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")


def module_line(page: Any, module_id: str) -> Any:
    """The course overview's line (an <li>) of the module, by its link or its absent link."""
    lines = page.locator("main ol.task-list > li.task")
    assert lines.count() == len(MODULES), f"{lines.count()} module lines on {page.url}"
    return lines.nth(list(CONTENT).index(module_id))


# ---------------------------------------------------------------- 1. the issue's journey


def follow_a_module(page: Any, base: str, module_id: str, wrong: frozenset[str]) -> None:
    """From the course overview, in Arabic: the module → "Dutch alongside" → every lesson with
    the "next" button → the self-check, answered (`wrong` questions wrongly) → the feedback →
    back to the course, where the module is done."""
    arabic, dutch = text_of(module_id, "ar"), text_of(module_id, "nl")
    module_url = f"{base}/my/course/{module_id}"

    # The module, in Arabic, without the Dutch text.
    follow(page, f"main a[href='/my/course/{module_id}']")
    assert page.url == module_url
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    assert plain(page.locator("main h1").inner_text()) == plain(arabic["title"])
    assert page.locator("main [lang=nl]").count() == 0

    # "Dutch alongside": the toggle adds ?nl=1; it then offers to hide the Dutch text.
    toggle = page.locator(f"main a[href='/my/course/{module_id}?nl=1']")
    assert plain(toggle.inner_text()) == plain(translated("ar", "Show the Dutch text alongside"))
    follow(page, f"main a[href='/my/course/{module_id}?nl=1']")
    assert page.url == f"{module_url}?nl=1"
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    hide = page.locator(f"main a[href='/my/course/{module_id}']")
    assert plain(hide.inner_text()) == plain(translated("ar", "Hide the Dutch text"))

    # Every lesson, Arabic with the Dutch text beside it, then the "next" button (a POST).
    lessons = lesson_ids(module_id)
    follow(page, f"main a[href='/my/course/{module_id}/{lessons[0]}?nl=1']")
    for index, lesson_id in enumerate(lessons):
        assert page.url == f"{module_url}/{lesson_id}?nl=1"
        assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
        body_ar, body_nl = arabic["lessons"][lesson_id], dutch["lessons"][lesson_id]
        assert plain(page.locator("main h1").inner_text()) == plain(body_ar["title"])
        columns = page.locator("main .two-col > section")
        assert columns.count() == 2, f"{columns.count()} text sections on {page.url}"
        own, beside = columns.nth(0), columns.nth(1)
        assert own.get_attribute("lang") is None  # the page's language: Arabic
        assert (beside.get_attribute("lang"), beside.get_attribute("dir")) == ("nl", "ltr")
        assert own.is_visible() and beside.is_visible()
        own_text, beside_text = plain(own.inner_text()), plain(beside.inner_text())
        for paragraph in body_ar["paragraphs"]:
            assert plain(paragraph) in own_text
        assert plain(body_nl["title"]) in beside_text
        for paragraph in body_nl["paragraphs"]:
            assert plain(paragraph) in beside_text
        box_own, box_beside = own.bounding_box(), beside.bounding_box()
        assert box_own and box_beside
        assert box_beside["y"] >= box_own["y"] + box_own["height"] - 1, "the texts overlap"
        if CONTENT[module_id]["lessons"][index].get("image"):
            image = own.locator("img.lesson-image")
            assert image.count() == 1 and image.is_visible()
            assert image.get_attribute("alt") == body_ar["image_alt"]
            assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "not loaded"

        last = index + 1 == len(lessons)
        action = f"/my/course/{module_id}/{lesson_id}/read?nl=1"
        button = page.locator(f"main form[method=post][action='{action}'] button[type=submit]")
        label = "To the self-check" if last else "Next lesson"
        assert plain(button.inner_text()) == plain(translated("ar", label))
        response = submit(page, button)
        assert response.status == 200
        following = "check" if last else lessons[index + 1]
        assert page.url == f"{module_url}/{following}?nl=1"

    # The self-check: every question answered, some wrongly.
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    answers = choose(module_id, wrong)
    for number, (qid, choice) in enumerate(answers.items(), start=1):
        question_ar, question_nl = arabic["questions"][qid], dutch["questions"][qid]
        fieldset = page.locator(f"main fieldset#{qid}")
        legend = plain(fieldset.locator("legend").inner_text())
        assert legend == f"{number}. {plain(question_ar['text'])}", legend
        assert plain(fieldset.locator("p.dutch[lang=nl]").inner_text()) == plain(
            question_nl["text"]
        )
        radio = fieldset.locator(f"input[type=radio][name={qid}][value={choice}]")
        radio.check()
        assert radio.is_checked()
    action = f"/my/course/{module_id}/check?nl=1"
    response = submit(page, page.locator(f"main form[action='{action}'] button[type=submit]"))
    assert response.status == 200
    assert page.url == f"{module_url}/check?nl=1"

    # The feedback: right or wrong per question, the correct answer when wrong, the
    # explanation (and its Dutch text).
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    assert page.locator("main input[type=radio]").count() == 0
    result = page.locator("main .success[role=status]")
    assert result.is_visible()
    right = len(answers) - len(wrong)
    assert numbers(result.inner_text()) == [right], result.inner_text()
    assert plain(translated("ar", "This module is done.")) in plain(result.inner_text())
    correct_choices = {q["id"]: q["correct"] for q in CONTENT[module_id]["questions"]}
    for qid, choice in answers.items():
        question_ar, question_nl = arabic["questions"][qid], dutch["questions"][qid]
        correct = correct_choices[qid]
        section = page.locator(f"main section[aria-labelledby='fb-{qid}']")
        assert section.count() == 1 and section.is_visible(), f"no feedback for {qid}"
        assert plain(section.locator(f"h2#fb-{qid}").inner_text()) == plain(question_ar["text"])
        said = plain(section.inner_text())
        assert plain(question_ar["choices"][choice]) in said
        tag = section.locator(".tag")
        assert tag.count() == 1
        if qid in wrong:
            assert "tag-overdue" in (tag.get_attribute("class") or "")
            assert plain(tag.inner_text()) == plain(translated("ar", "Not correct"))
            shown = plain(translated("ar", "The correct answer:"))
            assert f"{shown} {plain(question_ar['choices'][correct])}" in said, said
        else:
            assert "tag-done" in (tag.get_attribute("class") or "")
            assert plain(tag.inner_text()) == plain(translated("ar", "Correct"))
            assert plain(translated("ar", "The correct answer:")) not in said
        assert plain(question_ar["explanation"]) in said, said
        assert plain(section.locator("p.dutch[lang=nl]").inner_text()) == plain(
            question_nl["explanation"]
        )

    # Back to the course: the module is done.
    follow(page, "main a.button[href='/my/course']")
    assert page.url == f"{base}/my/course"
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    tag = module_line(page, module_id).locator(".tag")
    assert "tag-done" in (tag.get_attribute("class") or "")
    assert plain(tag.inner_text()) == plain(translated("ar", "Done"))


def test_follow_two_modules_in_arabic_with_dutch_alongside(
    new_context: Callable[..., Any], fresh_portal: LivePortal
) -> None:
    base = fresh_portal.base_url
    page = new_context().new_page()
    assert page.viewport_size == PHONE["viewport"]
    sign_in(page, base, "demo-brussels")  # Brussels: no fee, every module open
    assert page.url == f"{base}/my"

    # "MO course" in the main menu, then Arabic through the language switcher.
    open_menu(page)
    follow(page, "nav.main-nav a[href='/my/course']")
    assert page.url == f"{base}/my/course"
    menu_link = page.locator("nav.main-nav a[href='/my/course']")
    assert menu_link.get_attribute("aria-current") == "page"
    open_menu(page, "language")
    follow(page, "header nav.languages a[hreflang=ar]")
    assert page.url == f"{base}/my/course?lang=ar"
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    assert page.locator("html[dir=rtl]").count() == 1
    assert numbers(page.locator("main p[role=status]").inner_text()) == [0, REQUIRED]
    assert page.locator("main .notice a[href='/my/payments']").count() == 0  # nothing to pay
    for module in MODULES:  # every module opens
        line = module_line(page, module["id"])
        assert line.locator(f"a[href='/my/course/{module['id']}']").count() == 1
        assert plain(line.locator(".task-name").inner_text()) == plain(
            module["text"]["ar"]["title"]
        )

    follow_a_module(page, base, FIRST, wrong=frozenset({"q2"}))
    assert numbers(page.locator("main p[role=status]").inner_text()) == [1, REQUIRED]
    follow_a_module(page, base, SECOND, wrong=frozenset({"q1", "q3"}))
    assert numbers(page.locator("main p[role=status]").inner_text()) == [2, REQUIRED]
    for module in MODULES:
        if module["id"] not in {FIRST, SECOND}:
            tag = module_line(page, module["id"]).locator(".tag")
            assert "tag-done" not in (tag.get_attribute("class") or ""), module["id"]

    # "My integration": the MO task says 2 of the 15 required modules are done.
    open_menu(page)
    follow(page, "nav.main-nav a[href='/my']")
    assert page.url == f"{base}/my"
    assert html_attributes(page) == {"lang": "ar", "dir": "rtl"}
    # its next step continues the course at the first module not done yet
    task = page.locator("main ol.task-list > li.task").filter(
        has=page.locator("a[href^='/my/course/']")
    )
    assert task.count() == 1, "no task links to the course on /my"
    step = task.locator("p.task-step a")
    assert step.get_attribute("href") not in {f"/my/course/{FIRST}", f"/my/course/{SECOND}"}
    assert numbers(step.inner_text()) == [2, REQUIRED] == [2, 15], step.inner_text()


# ---------------------------------------------------------------- 2. the error summary


@pytest.fixture(scope="module")
def brussels(browser: Any, live_portal: LivePortal) -> Iterator[Any]:
    """demo-brussels's phone for the module's read-mostly tests (one sign-in)."""
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, live_portal.base_url, "demo-brussels")
    yield page
    context.close()


@pytest.fixture(scope="module")
def gent_new(browser: Any, live_portal: LivePortal) -> Iterator[Any]:
    """demo-gent-new's phone: a contract signed, the course fee not paid."""
    context = phone_context(browser)
    page = context.new_page()
    sign_in(page, live_portal.base_url, "demo-gent-new")
    yield page
    context.close()


def submit_unanswered(page: Any, base: str, module_id: str, language: str, **chosen: str) -> Any:
    """The self-check submitted with only `chosen` answered: the 400 page with its errors."""
    open_page(page, f"{base}/my/course/{module_id}/check", language)
    for qid, choice in chosen.items():
        page.locator(f"main input[type=radio][name={qid}][value={choice}]").check()
    button = page.locator(f"main form[action='/my/course/{module_id}/check'] button[type=submit]")
    response = submit(page, button)
    assert response.status == 400, response.status
    assert page.url == f"{base}/my/course/{module_id}/check"
    assert html_attributes(page)["lang"] == language
    return response


@pytest.mark.parametrize("language", LANGUAGES)
def test_self_check_without_answers_shows_an_error_summary_that_moves_the_focus(
    brussels: Any, live_portal: LivePortal, language: str
) -> None:
    page, base = brussels, live_portal.base_url
    questions = [q["id"] for q in CONTENT[SECOND]["questions"]]
    submit_unanswered(page, base, SECOND, language)

    summary = page.locator("main .error-summary")
    assert summary.count() == 1 and summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')"), (
        "the error summary does not have the focus after the failed submission"
    )
    assert page.title().startswith(translated(language, "Error:"))
    links = summary.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"#{qid}" for qid in questions
    ]
    assert page.locator("main .field.field-invalid fieldset").count() == len(questions)

    links.first.click()
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === '{questions[0]}'"
    )
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.id]")
    assert focused == ["FIELDSET", questions[0]], focused
    assert page.url.endswith(f"#{questions[0]}")
    assert page.locator(f"fieldset#{questions[0]}").is_visible()


def test_error_summary_names_the_unanswered_question_by_its_number(
    brussels: Any, live_portal: LivePortal
) -> None:
    """Only the first question answered: the summary links to questions 2 and 3, and says so
    (the fieldsets' legends number them "2." and "3.")."""
    page, base = brussels, live_portal.base_url
    questions = CONTENT[SECOND]["questions"]
    submit_unanswered(page, base, SECOND, "nl", **{questions[0]["id"]: questions[0]["correct"]})
    assert page.locator(f"main input[name={questions[0]['id']}]:checked").count() == 1  # kept
    links = page.locator("main .error-summary a")
    assert links.count() == len(questions) - 1
    message = translated("nl", "Choose an answer for question %(num)d.")
    for index, number in enumerate(range(2, len(questions) + 1)):
        link = links.nth(index)
        qid = questions[number - 1]["id"]
        assert link.get_attribute("href") == f"#{qid}"
        legend = plain(page.locator(f"fieldset#{qid} legend").inner_text())
        assert legend.startswith(f"{number}. "), legend
        assert plain(link.inner_text()) == plain(message % {"num": number}), (
            f"the error summary's link to {qid} (legend {legend!r}) reads {link.inner_text()!r}"
        )


# ---------------------------------------------------------------- 3. axe-core

LESSON = f"/my/course/{FIRST}/l1"
COURSE_PAGES = {
    "overview": "/my/course",
    "module": f"/my/course/{FIRST}",
    "lesson-with-image": LESSON,
    "lesson-with-image-and-dutch": f"{LESSON}?nl=1",
    "self-check": f"/my/course/{FIRST}/check",
    "self-check-with-dutch": f"/my/course/{FIRST}/check?nl=1",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(COURSE_PAGES))
def test_course_page_has_no_axe_violations(
    brussels: Any, live_portal: LivePortal, axe_source: str, name: str, language: str
) -> None:
    page, path = brussels, COURSE_PAGES[name]
    open_page(page, f"{live_portal.base_url}{path}", language)
    if name.startswith("lesson"):
        image = page.locator("main img.lesson-image")
        assert image.count() == 1 and image.is_visible()
        dutch = page.locator("main section.dutch[lang=nl]")
        assert dutch.count() == (1 if name.endswith("dutch") and language != "nl" else 0)
    if name.startswith("self-check"):
        assert page.locator("main fieldset input[type=radio]").count() >= 2
    assert_no_violations(page, axe_source, f"{path} ?lang={language} (demo-brussels)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_self_check_with_errors_has_no_axe_violations(
    brussels: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    submit_unanswered(brussels, live_portal.base_url, FIRST, language)
    assert brussels.locator("main .error-summary").is_visible()
    assert_no_violations(
        brussels, axe_source, f"/my/course/{FIRST}/check?lang={language} after no answers"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_self_check_feedback_has_no_axe_violations(
    brussels: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    page, base = brussels, live_portal.base_url
    open_page(page, f"{base}/my/course/{FIRST}/check?nl=1", language)
    for qid, choice in choose(FIRST, wrong=frozenset({"q1"})).items():
        page.locator(f"main input[type=radio][name={qid}][value={choice}]").check()
    action = f"/my/course/{FIRST}/check" + ("?nl=1" if language != "nl" else "")
    response = submit(page, page.locator(f"main form[action='{action}'] button[type=submit]"))
    assert response.status == 200
    assert page.locator("main .success[role=status]").is_visible()
    assert page.locator("main section[aria-labelledby^='fb-'] .tag-overdue").count() == 1
    assert page.locator("main section[aria-labelledby^='fb-'] .tag-done").count() == 2
    assert_no_violations(
        page, axe_source, f"/my/course/{FIRST}/check?nl=1&lang={language} (the feedback)"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_course_before_the_fee_is_paid_has_no_axe_violations(
    gent_new: Any, live_portal: LivePortal, axe_source: str, language: str
) -> None:
    page = gent_new
    open_page(page, f"{live_portal.base_url}/my/course", language)
    opened = page.locator("main a[href^='/my/course/']")
    assert [opened.nth(i).get_attribute("href") for i in range(opened.count())] == [
        f"/my/course/{INTRODUCTION}"
    ]
    notice = page.locator("main .notice")
    assert notice.locator("a[href='/my/payments']").count() == 1
    assert notice.locator("a[href='/my/payments']").is_visible()
    closed = page.locator("main li.task .tag.tag-not_required")
    assert closed.count() == len(MODULES) - 1
    assert_no_violations(page, axe_source, f"/my/course?lang={language} (demo-gent-new)")


# ---------------------------------------------------------------- 4. page weight


def test_lesson_page_with_its_image_stays_light(
    browser: Any, new_context: Callable[..., Any], live_portal: LivePortal
) -> None:
    """A first visit (an empty cache): the document, CSS, JS and the image of a lesson, in
    Arabic with the Dutch text alongside (its heaviest form), as transferred (gzip for HTML,
    CSS and JS)."""
    base = live_portal.base_url
    signing = new_context().new_page()
    sign_in(signing, base, "demo-brussels")
    # A context of its own, with the session's cookies only: nothing in its HTTP cache.
    page = new_context(storage_state=signing.context.storage_state()).new_page()
    received: list[Any] = []
    page.on("response", lambda item: received.append(item))
    url = f"{base}{LESSON}?lang=ar&nl=1"
    response = page.goto(url)
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    assert page.url == url
    assert page.locator("main img.lesson-image").evaluate("img => img.naturalWidth > 0")

    counted = {"document", "stylesheet", "script", "image"}
    rows = []
    for item in received:
        kind = item.request.resource_type
        if kind not in counted:
            continue
        assert item.status == 200, (item.url, item.status)
        length = item.header_value("content-length")
        size = int(length) if length is not None else len(item.body())
        encoding = item.header_value("content-encoding")
        rows.append((kind, item.url, size, encoding))
    report = "\n".join(
        f"  {kind:10} {size:7d} B  {enc or '-':5} {u}" for kind, u, size, enc in rows
    )
    kinds = sorted(kind for kind, *_ in rows)
    assert kinds.count("document") == 1, report
    assert kinds.count("stylesheet") >= 1 and kinds.count("script") >= 1, report
    image = CONTENT[FIRST]["lessons"][0]["image"]["src"]
    assert any(kind == "image" and u.endswith(image) for kind, u, *_ in rows), report
    for kind, u, _size, encoding in rows:
        if kind in {"document", "stylesheet", "script"}:
            # pages are gzipped; static files come precompressed with brotli
            wanted = "gzip" if kind == "document" else "br"
            assert encoding == wanted, f"{u} was sent without {wanted}\n{report}"
    total = sum(size for _kind, _u, size, _enc in rows)
    assert total < PAGE_WEIGHT_LIMIT, (
        f"the lesson page weighs {total} bytes (limit {PAGE_WEIGHT_LIMIT}):\n{report}"
    )
