"""The payments page a newcomer can follow alone (in English, `?lang=en`): the NT2 cap named
truthfully (reached together with the other NT2 fees, and only on a line it reduces).

The person of `make.person()` signed 30 days before the test clock (Monday 16 March 2026, 10:00)
and owes the MO course (90 €, blended) and three NT2 modules of 80 lesson periods at CVO Gent:
1.1 (started 2 March, 120 €), 1.2 (starts 12 June, 60 €: the cap of 180 € is reached together
with 1.1) and 2.1 (0 €: 1.1 and 1.2 fill the cap)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.support.web import check_page, sign_in
from tests.web.test_money_stories import staff_post
from tests.web.test_payments import text_of


def payments_page(client, subject):
    sign_in(client, subject)
    page = client.get("/my/payments?lang=en")
    assert page.status_code == 200
    check_page(page.text)
    return page.text


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
