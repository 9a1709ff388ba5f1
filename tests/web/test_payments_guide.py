"""The payments page a newcomer can follow alone (in English, `?lang=en`): the total still to pay
and what is paid, what each line is for, when to pay it where that is known, how to ask for a
waiver, the NT2 cap named truthfully (reached together with the other NT2 fees, and only on a
line it reduces), and the way to the online course once its fee is paid.

The person of `make.person()` signed 30 days before the test clock (Monday 16 March 2026, 10:00)
and owes the MO course (90 €, blended) and three NT2 modules of 80 lesson periods at CVO Gent:
1.1 (started 2 March, 120 €), 1.2 (starts 12 June, 60 €: the cap of 180 € is reached together
with 1.1) and 2.1 (0 €: 1.1 and 1.2 fill the cap)."""

from __future__ import annotations

import re
from html import unescape

from starlette.testclient import TestClient

from tests.support.web import check_page, sign_in
from tests.web.test_money_stories import staff_post
from tests.web.test_payments import checkout, start, text_of

COURSE_LINK = '<a href="/my/course">Go to the online course</a>'


def payments_page(client, subject):
    sign_in(client, subject)
    page = client.get("/my/payments?lang=en")
    assert page.status_code == 200
    check_page(page.text)
    return page.text


def totals(html):
    block = re.search(r'<dl class="summary" id="totals">.*?</dl>', html, flags=re.S)
    assert block, "no totals at the top"
    return text_of(block.group(0))


def items(html):
    """The text of each line, by its description (what is to pay, then what is paid or free)."""
    main = html[html.index('<main id="main"') : html.index("</main>")]
    found = {}
    for li in re.findall(r"<li[^>]*>.*?</li>", main, flags=re.S):
        text = text_of(li)
        match = re.match(r"(MO course|MO test|NT2 module: CVO Gent, \d\.\d)", text)
        if match:
            found[match.group(1)] = text
    return found


# ------------------------------------------------------------------------------ 1. the totals


def test_the_total_to_pay_and_what_is_paid_are_at_the_top(client, make):
    person = make.person()
    html = payments_page(client, person.subject)
    assert totals(html) == "Still to pay 270,00 € Already paid 0,00 €"  # 90 + 120 + 60
    assert html.index('id="totals"') < html.index("What you still have to pay")

    make.paid_at_counter(person, "mo_course:1")
    assert totals(payments_page(client, person.subject)) == (
        "Still to pay 180,00 € Already paid 90,00 €"
    )


def test_nothing_to_pay_shows_zero(client, make):
    resident = make.person(agency="aii-brussel", municipality=make.municipality("brussels"))
    html = payments_page(client, resident.subject)
    assert totals(html) == "Still to pay 0,00 € Already paid 0,00 €"


# ------------------------------------------------------------------------------ 2. what for


def test_each_line_says_what_it_is_for(client, make):
    person = make.person()
    lines = items(payments_page(client, person.subject))
    assert (
        "For the course about life in Flanders. You follow it online and in a classroom."
        in (lines["MO course"])
    )
    assert "For the Dutch lessons of module 1.1 at CVO Gent." in lines["NT2 module: CVO Gent, 1.1"]
    assert "For the Dutch lessons of module 1.2 at CVO Gent." in lines["NT2 module: CVO Gent, 1.2"]
    # a free line says it too
    assert "For the Dutch lessons of module 2.1 at CVO Gent." in lines["NT2 module: CVO Gent, 2.1"]


def test_the_mo_course_is_named_as_the_plan_has_it(client, make):
    person = make.person(plan={"mo_variant": "online"})
    course = items(payments_page(client, person.subject))["MO course"]
    assert "For the course about life in Flanders. You follow it online." in course
    assert "classroom" not in course


def test_a_test_fee_names_the_test_its_day_and_place(client, app, make):
    person = make.person()
    make.mo_course_done(person)  # may book the MO test
    session = make.test_session("mo", in_days=20)  # Sunday 5 April 2026, 9:30
    make.held_seat(person, session, at=app.state.portal.clock.now())
    test = items(payments_page(client, person.subject))["MO test"]
    assert "For the test about life in Flanders." in test
    assert "The test is on Sunday, 5 April 2026 at 09:30, in Examencentrum Gent." in test


# ------------------------------------------------------------------------------ 3. when


def test_a_held_seat_is_paid_before_the_hold_runs_out(client, app, make):
    person = make.person()
    make.mo_course_done(person)
    session = make.test_session("mo", in_days=20)
    make.held_seat(person, session, at=app.state.portal.clock.now())  # 10:00, kept 20 minutes
    test = items(payments_page(client, person.subject))["MO test"]
    assert (
        "Pay before Monday, 16 March 2026 at 10:20. "
        "If you do not pay in time, your seat goes to someone else."
    ) in test


def test_a_hold_that_ran_out_gives_no_time_to_pay(client, make):
    person = make.person()
    make.mo_course_done(person)
    session = make.test_session("mo", in_days=20)
    make.held_seat(person, session)  # at 9:00: the hold ran out at 9:20, the page is at 10:00
    test = items(payments_page(client, person.subject))["MO test"]
    assert "The test is on Sunday, 5 April 2026" in test
    assert "Pay before" not in test


def test_the_course_fee_is_paid_before_the_course(client, make):
    person = make.person()
    course = items(payments_page(client, person.subject))["MO course"]
    assert (
        "Pay this before you start the course. The online course opens when this is paid."
    ) in course


def test_a_module_is_paid_before_it_starts_and_only_then(client, make):
    person = make.person()
    lines = items(payments_page(client, person.subject))
    assert "Pay before the module starts on 12 June 2026." in lines["NT2 module: CVO Gent, 1.2"]
    # 1.1 started on 2 March: no day to name; 2.1 is free: nothing to pay
    assert "Pay before" not in lines["NT2 module: CVO Gent, 1.1"]
    assert "Pay before" not in lines["NT2 module: CVO Gent, 2.1"]


# ------------------------------------------------------------------------------ 4. a waiver


def test_how_to_ask_for_a_waiver(client, make):
    person = make.person()
    html = payments_page(client, person.subject)
    section = re.search(r'<section id="cannot-pay".*?</section>', html, flags=re.S)
    assert section, "no 'Can't pay?' section"
    text = unescape(text_of(section.group(0)))
    assert text.startswith("Can't pay?")
    assert "your counsellor can decide that you do not have to pay" in text
    assert "OCMW or CPAS" in text
    assert 'href="/contact"' in section.group(0)
    assert 'href="/help#payments"' in section.group(0)


def test_no_waiver_section_when_there_is_nothing_to_pay(client, make):
    resident = make.person(agency="aii-brussel", municipality=make.municipality("brussels"))
    assert 'id="cannot-pay"' not in payments_page(client, resident.subject)


# ------------------------------------------------------------------------------ 5. the NT2 cap


def test_the_cap_is_reached_together_with_the_other_nt2_fees(client, make):
    person = make.person()  # nothing paid yet
    lines = items(payments_page(client, person.subject))
    assert (
        "120,00 €, but together with your other fees for Dutch lessons (120,00 €) you reach the "
        "maximum of 180,00 €. So you pay 60,00 €."
    ) in lines["NT2 module: CVO Gent, 1.2"]
    assert (
        "0,00 €, because your other fees for Dutch lessons (180,00 €) already reach the maximum "
        "of 180,00 €."
    ) in lines["NT2 module: CVO Gent, 2.1"]
    # the first module is not reduced: it claims no maximum
    assert "maximum" not in lines["NT2 module: CVO Gent, 1.1"]
    # nothing is paid: no line speaks of a maximum reached by payments
    assert "is reached" not in text_of(payments_page(client, person.subject))


def test_no_maximum_while_the_cap_is_not_reached(client, make):
    person = make.person(plan={"modules": ("1.1",)})  # 120 €, under the cap
    html = payments_page(client, person.subject)
    assert "NT2 module: CVO Gent, 1.1" in text_of(html)
    assert "maximum" not in text_of(html)


def test_a_waived_module_leaves_the_next_one_unreduced(client, app, make):
    person = make.person()
    page = payments_page(client, person.subject)
    first = re.findall(r'name="charge" value="(nt2_module:[^"]+)"', page)[0]  # module 1.1
    with TestClient(app, follow_redirects=False) as counsellor:
        sign_in(counsellor, make.counsellor("gent"))
        waived = staff_post(
            counsellor,
            f"/staff/persons/{person.id}/payments/waiver",
            {"waiver_charge": first, "category": "payment_difficulties", "reason": "OCMW attest"},
        )
        assert waived.status_code == 303
    lines = items(payments_page(client, person.subject))
    assert "0,00 €, because: OCMW attest" in lines["NT2 module: CVO Gent, 1.1"]
    # 1.1 is free now: 1.2 costs its full 120 € and is not reduced, 2.1 is reduced to 60 €
    assert "120,00 €" in lines["NT2 module: CVO Gent, 1.2"]
    assert "maximum" not in lines["NT2 module: CVO Gent, 1.2"]
    assert (
        "(120,00 €) you reach the maximum of 180,00 €. So you pay 60,00 €."
        in (lines["NT2 module: CVO Gent, 2.1"])
    )


# ------------------------------------------------------------------------------ 6. the course


def test_a_paid_course_fee_links_to_the_course(client, make):
    person = make.person()
    assert COURSE_LINK not in payments_page(client, person.subject)
    make.paid_at_counter(person, "mo_course:1")
    html = payments_page(client, person.subject)
    assert "MO course: paid (90,00 €)" in items(html)["MO course"]
    course = re.search(r"<li>\s*MO course:.*?</li>", html, re.S)
    assert course and COURSE_LINK in course.group(0)


def test_a_course_fee_that_is_free_but_not_paid_does_not_link_to_the_course(client, make):
    person = make.person()
    make.fact(person, "test_result", test="mo_exemption", passed=True)  # no course to follow
    html = payments_page(client, person.subject)
    assert "0,00 €, because you passed the MO exemption test." in items(html)["MO course"]
    assert COURSE_LINK not in html


def test_the_return_page_of_the_course_fee_links_to_the_course(client, make):
    person = make.person()
    sign_in(client, person.subject)
    back = checkout(start(client, "mo_course:1").headers["location"], "paid")
    result = client.get(back + "?lang=en")
    check_page(result.text)
    assert "Your payment worked" in result.text
    assert "The online course is open now." in result.text and COURSE_LINK in result.text


def test_the_return_page_of_another_fee_does_not(client, make):
    person = make.person()
    sign_in(client, person.subject)
    page = client.get("/my/payments").text
    module = re.findall(r'name="charge" value="(nt2_module:[^"]+)"', page)[0]
    back = checkout(start(client, module).headers["location"], "paid")
    result = client.get(back + "?lang=en")
    assert "Your payment worked" in result.text
    assert COURSE_LINK not in result.text


def test_an_unfinished_course_payment_does_not_link_to_the_course(client, make):
    person = make.person()
    sign_in(client, person.subject)
    back = checkout(start(client, "mo_course:1").headers["location"], "failed")
    result = client.get(back + "?lang=en")
    assert "Your payment did not go through" in result.text
    assert COURSE_LINK not in result.text
