"""What each persona sees on 'My integration' and 'My plan' (the demo clock is 16 March 2026,
the day the demo data is anchored to)."""

from __future__ import annotations

import re

import pytest

from tests.support.web import check_page, sign_in


def text_of(html: str) -> str:
    html = re.sub(r"<head>.*?</head>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def statuses(html: str) -> dict[str, str]:
    """Pillar name → status text, from the task list."""
    found = re.findall(
        r'<h3 class="task-name">([^<]+)</h3>\s*<strong class="tag tag-[a-z_]+">([^<]+)</strong>',
        html,
    )
    return dict(found)


def dashboard(client, subject, lang="en"):
    sign_in(client, subject)
    response = client.get(f"/my?lang={lang}")
    assert response.status_code == 200
    check_page(response.text)
    return response


def test_new_obliged_newcomer_sees_four_pillars_and_next_deadlines(client):
    page = dashboard(client, "demo-gent-new")
    assert statuses(page.text) == {
        "Social orientation (MO)": "Not started",
        "Dutch (NT2)": "Not started",
        "Registration with VDAB": "Not started",
        "Participation and network": "Waiting for the municipality",  # 8 hours sent
    }
    text = text_of(page.text)
    # VDAB: contract signed 16 March 2026 → registered by 16 May 2026, 61 days away
    assert "16 May 2026" in text and "in 61 days" in text
    assert "administrative fine" not in text  # nothing near yet


def test_vdab_deadline_in_five_days_warns_an_obliged_person_with_what_to_do(client):
    text = text_of(dashboard(client, "demo-vdab-soon").text)
    assert "Deadline soon: Registration with VDAB" in text
    assert "in 5 days" in text
    # the agency *may* report it and ABB decides (DOMAIN.md, "sanction language")
    assert "the agency may report it" in text and "ABB decides" in text
    assert "The agency reports" not in text
    assert "What to do:" in text


def test_voluntary_person_gets_plain_reminders_without_sanction_language(client, app):
    from datetime import timedelta

    clock = app.state.portal.clock
    # demo-brussels signed 30 days before the anchor: the VDAB/Actiris deadline is near
    clock.set(clock.now() + timedelta(days=25))
    text = text_of(dashboard(client, "demo-brussels").text)
    assert "Reminder: Registration with Actiris" in text
    assert "fine" not in text


def test_worker_does_not_need_vdab_or_participation(client):
    found = statuses(dashboard(client, "demo-worker").text)
    assert found["Registration with VDAB"] == "Not required"
    assert found["Participation and network"] == "Not required"
    assert found["Social orientation (MO)"] == "Not started"


def test_completed_person_sees_every_pillar_done_and_the_attest(client):
    page = dashboard(client, "demo-complete")
    assert set(statuses(page.text).values()) == {"Done"}
    assert "You completed every part" in page.text  # the certificate is not issued yet


def test_applicant_with_pending_application_sees_what_they_can_do_instead(client):
    page = dashboard(client, "demo-asylum")
    text = text_of(page.text)
    assert "You can follow Dutch lessons now" in text
    assert "task-list" not in page.text
    assert page.status_code == 200


def test_low_literate_learner_is_in_progress_for_dutch(client):
    found = statuses(dashboard(client, "demo-lowlit").text)
    assert found["Dutch (NT2)"] == "In progress"


def test_plan_shows_contract_components_and_declaration(client):
    sign_in(client, "demo-gent-new")
    response = client.get("/my/plan?lang=en")
    check_page(response.text)
    text = text_of(response.text)
    assert "Signed on 16 March 2026" in text
    assert "Declaration of rights and duties Signed on 16 March 2026" in text
    assert "CVO Gent" in text
    # the schedule the counsellor typed stays Dutch, marked so a reader reads it in Dutch
    assert "maandag en woensdag 18.30-21.30" in text
    assert '<span lang="nl" dir="ltr">maandag en woensdag 18.30-21.30</span>' in response.text
    # the planned NT2 duration (18 months) sets the directional deadline and validity
    assert "Planned end of the programme 16 September 2027" in text
    assert "valid today" in text


def test_plan_lists_suspensions_and_moves_deadlines(client, app):
    from datetime import date

    from sqlmodel import select

    from portal.db import models as m
    from portal.db.engine import session_scope
    from portal.services.people import add_suspension

    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-gent-new")).one()
        add_suspension(db, "test", person, date(2026, 4, 1), date(2026, 4, 10), "medical")
    sign_in(client, "demo-gent-new")
    text = text_of(client.get("/my/plan?lang=en").text)
    assert "From 1 April 2026 to 10 April 2026 (10 days)" in text
    assert "Planned end of the programme 26 September 2027" in text


@pytest.mark.parametrize(
    ("subject", "home", "heading"),
    [
        ("demo-counsellor", "/staff", "Caseload"),
        ("demo-counsellor-brussels", "/staff", "Caseload"),
        ("demo-gent-officer", "/municipality", "Municipality"),
        ("demo-antwerp-officer", "/municipality", "Municipality"),
        ("demo-interpreter", "/interpreting", "Check a status"),
        ("demo-admin", "/admin", "Administration"),
    ],
)
def test_staff_land_on_the_page_for_their_role(client, subject, home, heading):
    response = sign_in(client, subject)
    assert response.headers["location"] == home
    page = client.get(home + "?lang=en")
    assert page.status_code == 200
    assert heading in check_page(page.text).h1[0]


def test_counsellor_sees_only_the_persons_of_their_own_agency(client, app):
    from sqlmodel import select

    from portal.db import models as m
    from portal.db.engine import session_scope

    with session_scope(app.state.portal.engine) as db:
        ids = {p.subject: p.id for p in db.exec(select(m.Person)).all()}
    sign_in(client, "demo-counsellor")
    caseload = client.get("/staff").text
    assert "Haddad" in caseload and "Santos" in caseload
    assert "Demir" not in caseload and "Rahimi" not in caseload
    assert client.get(f"/staff/persons/{ids['demo-gent-new']}").status_code == 200
    assert client.get(f"/staff/persons/{ids['demo-brussels']}").status_code == 404
    assert client.get(f"/staff/persons/{ids['demo-antwerp']}").status_code == 404


def test_caseload_search_by_name(client):
    sign_in(client, "demo-counsellor")
    page = client.get("/staff?q=santos").text
    assert "Santos" in page and "Haddad" not in page


def test_a_person_who_signed_as_a_minor_gets_the_vdab_months_from_the_18th_birthday(client, make):
    from datetime import date, timedelta

    from portal.domain.dates import add_months

    signed = make.today - timedelta(days=200)  # at 17: two months from signing passed long ago
    eighteen = make.today - timedelta(days=10)
    birth = date(eighteen.year - 18, eighteen.month, eighteen.day)
    now_adult = make.person(birth=birth, signed=signed)
    adult = make.person(birth=date(1990, 1, 1), signed=signed)
    adult_page = dashboard(client, adult.subject).text
    vdab_alert = "Register as a job seeker with VDAB"
    assert vdab_alert in text_of(adult_page)
    page = dashboard(client, now_adult.subject).text
    text = text_of(page)
    assert vdab_alert not in text
    assert statuses(page)["Registration with VDAB"] not in ("Not required", "Overdue")
    deadline = add_months(eighteen, 2)
    assert f"Deadline: {deadline.day} " in text and str(deadline.year) in text


def test_a_passed_mo_exemption_test_meets_mo_without_the_course(client, make):
    from datetime import timedelta

    person = make.person(signed=make.today - timedelta(days=40))
    make.fact(
        person, "test_result", make.today - timedelta(days=5), test="mo_exemption", passed=True
    )
    page = dashboard(client, person.subject).text
    assert statuses(page)["Social orientation (MO)"] == "Done"
    assert "Part of: Social orientation (MO)" not in text_of(page)  # no MO step to do
    payments = text_of(client.get("/my/payments?lang=en").text)
    assert "MO course: 0,00 €, because you passed the MO exemption test." in payments
    tests = client.get("/my/tests?lang=en").text
    assert 'href="/my/tests/mo"' not in tests and "You passed this test." in tests
