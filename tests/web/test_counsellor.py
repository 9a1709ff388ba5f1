"""The counsellor's workspace, end to end through the pages: intake → contract → signing →
facts → attest; scoping; audit; bad input refused with a specific message, nothing half-saved.

A test of one rule or one scope makes its own counsellor and people (the `make` fixture,
tests/support/factories.py); the journeys (intake, signing, the certificate) and the search by
national register number follow the demo personas."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.nrn import make_nrn
from tests.support.exports import csv_records
from tests.support.web import check_page, csrf_token, sign_in


def person_id(app, subject):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(m.Person.id).where(m.Person.subject == subject)).one()


def count(app, model, *where):
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def post(client, path, data):
    page = client.get("/staff")
    return client.post(path, data={"csrf_token": csrf_token(page.text), **data})


INTAKE = {
    "given_name": "Leyla",
    "family_name": "Yilmaz",
    "birth_date": "1993-04-21",
    "language": "ar",
    "municipality": "44021",
    "register": "foreigners",
    "obligation": "obliged",
    "protection": "not_applicable",
    "situation": "none",
    "literacy": "standard",
}


def test_intake_preview_shows_what_the_rules_make_of_it_before_saving(client, app):
    sign_in(client, "demo-counsellor")
    before = count(app, m.Person)
    response = post(client, "/staff/persons/new?lang=en", {**INTAKE, "action": "preview"})
    assert response.status_code == 200
    check_page(response.text)
    assert "What the rules make of this" in response.text
    assert "Obliged to follow the integration programme" in response.text
    assert count(app, m.Person) == before  # nothing saved by a preview
    assert 'value="Leyla"' in response.text


def test_intake_of_someone_already_known_without_a_register_number_asks_to_confirm(client, app):
    sign_in(client, "demo-counsellor")
    first = post(client, "/staff/persons/new", {**INTAKE, "action": "save"})
    assert first.status_code == 303
    before = count(app, m.Person)
    same = {**INTAKE, "given_name": "YILMAZ", "family_name": " leyla ", "action": "save"}
    warned = post(client, "/staff/persons/new?lang=en", same)
    assert warned.status_code == 400
    check_page(warned.text)
    assert "A person with this name and date of birth is already registered" in warned.text
    assert 'href="#not_a_duplicate"' in warned.text and 'name="not_a_duplicate"' in warned.text
    assert 'value="YILMAZ"' in warned.text  # nothing typed is lost
    assert count(app, m.Person) == before
    confirmed = post(client, "/staff/persons/new", {**same, "not_a_duplicate": "yes"})
    assert confirmed.status_code == 303
    assert count(app, m.Person) == before + 1
    with session_scope(app.state.portal.engine) as db:
        last = db.exec(
            select(m.AuditLog)
            .where(m.AuditLog.action == "register_person")
            .order_by(m.AuditLog.id.desc())
        ).first()
    assert last.details["confirmed_not_the_same_as"]


def test_a_paper_signature_dated_before_the_contract_was_drawn_up_is_refused(client, app, make):
    sign_in(client, make.counsellor())
    pid, drawn = draw_up(client, make.person(contract=False).id)  # drawn up today (16 March 2026)
    assert drawn.status_code == 303
    early = post(
        client, f"/staff/persons/{pid}/contract/paper?lang=en", {"signed_on": "2026-03-10"}
    )
    assert early.status_code == 400
    assert "The contract cannot be signed before it was made." in early.text
    with session_scope(app.state.portal.engine) as db:
        assert (
            db.exec(select(m.Contract).where(m.Contract.person_id == pid)).one().signed_on is None
        )
    same_day = post(client, f"/staff/persons/{pid}/contract/paper", {"signed_on": "2026-03-16"})
    assert same_day.status_code == 303


def test_intake_preview_for_a_pending_applicant_says_nt2_only(client):
    sign_in(client, "demo-counsellor")
    data = {**INTAKE, "register": "waiting", "protection": "pending", "action": "preview"}
    response = post(client, "/staff/persons/new?lang=en", data)
    assert "Dutch lessons only" in response.text


def test_intake_preview_in_brussels_says_no_fees(client):
    sign_in(client, "demo-counsellor")
    response = post(
        client,
        "/staff/persons/new?lang=en",
        {**INTAKE, "municipality": "21004", "action": "preview"},
    )
    assert "no fees" in response.text


def test_intake_saves_and_opens_the_persons_page(client, app):
    sign_in(client, "demo-counsellor")
    nrn = make_nrn(__import__("datetime").date(1993, 4, 21), 57)
    response = post(
        client, "/staff/persons/new", {**INTAKE, "national_number": nrn, "action": "save"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"] + "&lang=en")
    check_page(page.text)
    assert "Yilmaz" in page.text
    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.family_name == "Yilmaz")).one()
        assert person.national_number == nrn
        assert db.exec(select(m.Residence).where(m.Residence.person_id == person.id)).one()
        assert (
            db.exec(
                select(m.AuditLog).where(
                    m.AuditLog.action == "register_person", m.AuditLog.entity_id == str(person.id)
                )
            )
            .one()
            .actor
            == "demo-counsellor"
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"national_number": "93.04.21-057.00"}, "check the last 2 digits"),
        ({"national_number": "12345"}, "11 digits"),
        ({"birth_date": "2999-01-01"}, "cannot be in the future"),
        ({"birth_date": "2026-02-30"}, "Enter a real date"),
        ({"given_name": ""}, "Fill in this field"),
        ({"municipality": "99999"}, "Choose one of the options"),
        ({"register": "martian"}, "Choose one of the options"),
    ],
)
def test_intake_refuses_bad_input_keeps_what_was_typed_and_saves_nothing(
    client, app, change, message
):
    sign_in(client, "demo-counsellor")
    before = count(app, m.Person)
    response = post(client, "/staff/persons/new?lang=en", {**INTAKE, **change, "action": "save"})
    assert response.status_code == 400
    assert message in response.text
    assert 'class="error-summary"' in response.text
    assert 'value="Yilmaz"' in response.text
    assert count(app, m.Person) == before


def test_nrn_that_does_not_match_the_birth_date_is_refused(client):
    sign_in(client, "demo-counsellor")
    wrong = make_nrn(__import__("datetime").date(1980, 1, 1), 57)
    response = post(
        client, "/staff/persons/new?lang=en", {**INTAKE, "national_number": wrong, "action": "save"}
    )
    assert "does not match the date of birth" in response.text


PLAN = {
    "mo_variant": "blended",
    "mo_provider": "In-Gent",
    "mo_schedule": "Tue 9-12",
    "mo_deadline": "2027-03-16",
    "nt2_provider_type": "CVO",
    "nt2_provider": "CVO Gent",
    "nt2_schedule": "Mon 18:30",
    "nt2_deadline": "2027-09-16",
    "module_0_name": "1.1",
    "module_0_periods": "80",
    "module_0_start": "2026-04-01",
    "module_0_end": "2026-06-30",
    "vdab_mode": "rules",
    "participation_deadline": "2027-03-16",
}


def draw_up(client, pid, **changes):
    return pid, post(client, f"/staff/persons/{pid}/contract?lang=en", {**PLAN, **changes})


def test_contract_draft_then_the_newcomer_signs_in_arabic_with_dutch_alongside(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-counsellor")
    pid, response = draw_up(client, person_id(app, "demo-intake"))
    assert response.status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-intake")
        page = phone.get("/my/contract?lang=ar")
        check_page(page.text)
        assert 'lang="nl"' in page.text and 'dir="rtl"' in page.text
        assert "CVO Gent" in page.text
        # no confirmation → refused, nothing signed
        refused = phone.post("/my/contract", data={"csrf_token": csrf_token(page.text)})
        assert refused.status_code == 400
        assert 'class="error-summary"' in refused.text
        signed = phone.post(
            "/my/contract",
            data={
                "csrf_token": csrf_token(page.text),
                "confirm_declaration": "yes",
                "confirm_contract": "yes",
            },
        )
        assert signed.status_code == 303
        again = phone.post(
            "/my/contract",
            data={
                "csrf_token": csrf_token(page.text),
                "confirm_declaration": "yes",
                "confirm_contract": "yes",
            },
        )
        assert again.status_code == 400
        printable = phone.get("/my/contract/print")
        assert printable.status_code == 200 and "CVO Gent" in printable.text
        dashboard = phone.get("/my?lang=en")
        assert "Deadline: 16 May 2026" in dashboard.text  # VDAB: signed today + 2 months
    with session_scope(app.state.portal.engine) as db:
        contract = db.exec(select(m.Contract).where(m.Contract.person_id == pid)).one()
        assert contract.signature_method == "portal"
        assert contract.signed_language == "ar"
        assert contract.signed_at is not None
        assert len(contract.signed_text_sha256) == 64
        assert contract.signed_text["dutch"]["contract_title"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "nt2_deadline": "",
                "module_0_name": "",
                "module_0_periods": "",
                "module_0_start": "",
                "module_0_end": "",
            },
            "Every plan needs Dutch",
        ),
        ({"mo_deadline": "2026-01-01"}, "A deadline must be after today"),
        ({"module_0_end": "2026-03-01"}, "The end date must be on or after the start date"),
        ({"module_0_periods": "zero"}, "Enter a whole number"),
        ({"nt2_provider_type": "XYZ"}, "Choose one of the options"),
        ({"vdab_mode": "exempt", "vdab_reason": ""}, "Fill in this field"),
    ],
)
def test_bad_plans_are_refused_with_a_specific_message(client, app, make, change, message):
    sign_in(client, make.counsellor())
    pid, response = draw_up(client, make.person(contract=False).id, **change)
    assert response.status_code == 400
    assert message in response.text
    assert count(app, m.Contract, m.Contract.person_id == pid) == 0


def test_paper_signature_cannot_be_in_the_future(client, make):
    sign_in(client, make.counsellor())
    pid, _ = draw_up(client, make.person(contract=False).id)
    response = post(
        client, f"/staff/persons/{pid}/contract/paper?lang=en", {"signed_on": "2026-12-31"}
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.text
    ok = post(client, f"/staff/persons/{pid}/contract/paper", {"signed_on": "2026-03-16"})
    assert ok.status_code == 303


def test_a_signed_contract_changes_only_by_amendment_shown_to_the_person(client, app, make):
    person = make.person()  # signed on paper
    pid = person.id
    sign_in(client, make.counsellor())
    no_reason = post(
        client, f"/staff/persons/{pid}/contract?lang=en", {**PLAN, "nt2_deadline": "2027-12-16"}
    )
    assert no_reason.status_code == 400 and "Fill in this field" in no_reason.text
    assert count(app, m.Amendment) == 0
    amended = post(
        client,
        f"/staff/persons/{pid}/contract",
        {**PLAN, "nt2_deadline": "2027-12-16", "reason": "Evening course is full"},
    )
    assert amended.status_code == 303
    assert count(app, m.Amendment) == 1
    from starlette.testclient import TestClient

    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, person.subject)
        plan = phone.get("/my/plan?lang=en").text
        assert "Evening course is full" in plan
        assert "16 December 2027" in plan
        assert "Your integration plan has changed" in phone.get("/my/inbox?lang=en").text


def form_for(client, path):
    page = client.get(path)
    assert page.status_code == 200, path
    check_page(page.text)
    return csrf_token(page.text)


def test_recording_a_vdab_registration_changes_the_dashboard_at_once(client, app, make):
    from starlette.testclient import TestClient

    soon = make.person(signed=make.vdab_deadline_in(5))
    pid = soon.id
    sign_in(client, make.counsellor())
    token = form_for(client, f"/staff/persons/{pid}/facts/new/vdab_registered")
    response = client.post(
        f"/staff/persons/{pid}/facts/new/vdab_registered",
        data={"csrf_token": token, "on": "2026-03-16", "source": "VDAB"},
    )
    assert response.status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, soon.subject)
        page = phone.get("/my?lang=en").text
        assert re.search(r"Registration with VDAB</h3>\s*<strong class=\"tag tag-done\">Done", page)
        assert "Deadline soon" not in page
        assert "Your file has been updated" in phone.get("/my/inbox?lang=en").text


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (
            "suspension",
            {"on": "2026-04-10", "until": "2026-04-01", "reason": "ill"},
            "The end date must be on or after the start date",
        ),
        (
            "suspension",
            {"on": "2026-04-01", "until": "2026-04-10", "reason": ""},
            "Fill in this field",
        ),
        ("vdab_registered", {"on": "2026-12-01"}, "cannot be in the future"),
        (
            "test_result",
            {"on": "2026-03-01", "test": "nt2", "result": "passed"},
            "Choose one of the options",
        ),
        ("pillar4_hours", {"on": "2026-03-01", "hours": "0"}, "greater than 0"),
        (
            "move",
            {"on": "2026-03-01", "municipality": "44021"},
            "already lives in this municipality",
        ),
    ],
)
def test_bad_facts_are_refused_and_nothing_is_saved(client, app, make, kind, data, message):
    pid = make.person().id  # lives in Ghent (44021)
    sign_in(client, make.counsellor())
    before = (count(app, m.Fact), count(app, m.Suspension), count(app, m.Residence))
    token = form_for(client, f"/staff/persons/{pid}/facts/new/{kind}")
    response = client.post(
        f"/staff/persons/{pid}/facts/new/{kind}?lang=en", data={"csrf_token": token, **data}
    )
    assert response.status_code == 400
    assert message in response.text
    assert (count(app, m.Fact), count(app, m.Suspension), count(app, m.Residence)) == before


def test_suspension_moves_later_deadlines_and_tells_the_person(client, app, make):
    from starlette.testclient import TestClient

    person = make.person(signed=make.today)  # VDAB deadline 16 May 2026
    pid = person.id
    sign_in(client, make.counsellor())
    token = form_for(client, f"/staff/persons/{pid}/facts/new/suspension")
    response = client.post(
        f"/staff/persons/{pid}/facts/new/suspension",
        data={"csrf_token": token, "on": "2026-04-01", "until": "2026-04-10", "reason": "medical"},
    )
    assert response.status_code == 303
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, person.subject)
        page = phone.get("/my?lang=en").text
        assert "26 May 2026" in page  # VDAB 16 May + 10 days
        assert "Your programme is suspended" in phone.get("/my/inbox?lang=en").text


def test_withdrawing_a_fact_undoes_its_effect_but_keeps_it_visible(client, make):
    person = make.person()
    pid = person.id
    fact = make.fact(person, "pillar4_hours", hours=40, source="Buddyproject Gent")  # pillar met
    sign_in(client, make.counsellor())
    page = client.get(f"/staff/persons/{pid}?lang=en")
    response = client.post(
        f"/staff/persons/{pid}/facts/{fact}/withdraw",
        data={"csrf_token": csrf_token(page.text), "reason": "recorded twice"},
    )
    assert response.status_code == 303
    page = client.get(f"/staff/persons/{pid}?lang=en").text
    assert "recorded twice" in page
    assert re.search(
        r"Participation and network</h3>\s*<strong class=\"tag tag-in_progress|Participation and network</h3>\s*<strong class=\"tag tag-(overdue|not_started)",
        page,
    )


def test_sanction_facts_are_reviewed_and_exported(client, app, make):
    agency = make.agency()
    pid = make.person(agency=agency, name="Karim Benali", signed=make.vdab_deadline_in(5)).id
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=10))  # Benali's VDAB deadline has passed
    sign_in(client, make.counsellor(agency))
    page = client.get("/staff/sanctions?lang=en")
    check_page(page.text)
    assert "Benali" in page.text
    match = re.search(
        rf'name="person_id" value="{pid}">\s*<input type="hidden" name="kind" value="([a-z_]+)">\s*'
        r'<input type="hidden" name="pillar" value="vdab">\s*<input type="hidden" name="deadline" value="([0-9-]+)">',
        page.text,
    )
    assert match
    kind, deadline = match.groups()
    without_reason = client.post(
        "/staff/sanctions/review?lang=en",
        data={
            "csrf_token": csrf_token(page.text),
            "person_id": pid,
            "kind": kind,
            "pillar": "vdab",
            "deadline": deadline,
            "decision": "not_report",
            "reason": "",
        },
    )
    assert without_reason.status_code == 400
    done = client.post(
        "/staff/sanctions/review",
        data={
            "csrf_token": csrf_token(page.text),
            "person_id": pid,
            "kind": kind,
            "pillar": "vdab",
            "deadline": deadline,
            "decision": "not_report",
            "reason": '=HYPERLINK("x") was ill',
        },
    )
    assert done.status_code == 303
    rows = csv_records(client.get("/staff/sanctions.csv"))  # in English, chosen above
    assert [r["Decision"] for r in rows] == ["not reported"]
    assert rows[0]["Reason"].startswith("'=")  # no formula injection


def test_a_fact_the_rules_do_not_find_cannot_be_reviewed(client, app, make):
    pid = make.person(signed=make.today).id  # VDAB deadline 16 May 2026, not passed
    sign_in(client, make.counsellor())
    response = post(
        client,
        "/staff/sanctions/review",
        {
            "person_id": pid,
            "kind": "vdab_late",
            "pillar": "vdab",
            "deadline": "2026-05-16",
            "decision": "report",
        },
    )
    assert response.status_code == 400
    assert count(app, m.SanctionReview) == 0


def test_attest_is_issued_after_checking_then_shown_and_verifiable(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-counsellor")
    pid = person_id(app, "demo-complete")
    token = form_for(client, f"/staff/persons/{pid}/attest")
    unconfirmed = client.post(f"/staff/persons/{pid}/attest", data={"csrf_token": token})
    assert unconfirmed.status_code == 400 and count(app, m.Attest) == 0
    issued = client.post(
        f"/staff/persons/{pid}/attest", data={"csrf_token": token, "confirm": "yes"}
    )
    assert issued.status_code == 303
    with session_scope(app.state.portal.engine) as db:
        code = db.exec(select(m.Attest.verification_code)).one()
    with TestClient(app, follow_redirects=False) as phone:
        sign_in(phone, "demo-complete")
        page = phone.get("/my/attest?lang=en")
        check_page(page.text)
        assert code in page.text
        assert "See and print your integration certificate" in phone.get("/my?lang=en").text
    client.cookies.clear()  # anyone, not signed in
    public = client.get(f"/attest/verify?code={code.lower()}&lang=en")
    assert "This certificate is real" in public.text and "Maria Santos" in public.text
    assert "no-store" in public.headers["cache-control"]  # a name and a birth date
    assert "No certificate has this code" in client.get("/attest/verify?code=XXXX&lang=en").text


def test_attest_cannot_be_issued_before_every_part_is_met(client, app, make):
    pid = make.person().id
    sign_in(client, make.counsellor())
    response = post(client, f"/staff/persons/{pid}/attest", {"confirm": "yes"})
    assert response.status_code == 400
    assert count(app, m.Attest) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/staff/persons/{id}",
        "/staff/persons/{id}/contract",
        "/staff/persons/{id}/facts/new/suspension",
        "/staff/persons/{id}/attest",
    ],
)
def test_another_agencys_counsellor_gets_404_and_changes_nothing(client, app, make, path):
    pid = make.person(agency=make.agency()).id
    sign_in(client, make.counsellor(make.agency()))
    assert client.get(path.format(id=pid)).status_code == 404
    before = count(app, m.AuditLog)
    response = post(
        client,
        path.format(id=pid),
        {**PLAN, "on": "2026-03-16", "until": "2026-03-20", "reason": "x", "confirm": "yes"},
    )
    assert response.status_code in {404, 405}  # 405: the page takes no POST at all
    assert count(app, m.AuditLog) == before


def test_another_agencys_counsellor_cannot_sign_withdraw_or_review_for_a_person(client, app, make):
    """The forms that take no GET, sent for a real person of another agency: 404, nothing
    written (each would succeed for the person's own counsellor)."""
    home = make.agency()
    complete = make.person(agency=home)
    fact = make.fact(complete, "vdab_registered", source="VDAB")
    late = make.person(agency=home, signed=make.vdab_deadline_in(5)).id
    outsider = make.counsellor(make.agency())
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=10))  # the late person's VDAB deadline has passed
    sign_in(client, make.counsellor(home))
    # an unsigned contract, to be signed on paper
    intake, _ = draw_up(client, make.person(agency=home, contract=False).id)
    review = re.search(
        rf'name="person_id" value="{late}">\s*<input type="hidden" name="kind" value="([a-z_]+)">\s*'
        r'<input type="hidden" name="pillar" value="vdab">\s*<input type="hidden" name="deadline" value="([0-9-]+)">',
        client.get("/staff/sanctions").text,
    )
    assert review
    client.cookies.clear()
    sign_in(client, outsider)
    before = count(app, m.AuditLog)
    for path, data in [
        (f"/staff/persons/{intake}/contract/paper", {"signed_on": "2026-03-20"}),
        (f"/staff/persons/{complete.id}/facts/{fact}/withdraw", {"reason": "mistake"}),
        (
            "/staff/sanctions/review",
            {
                "person_id": late,
                "kind": review[1],
                "pillar": "vdab",
                "deadline": review[2],
                "decision": "report",
            },
        ),
    ]:
        assert post(client, path, data).status_code == 404, path
    assert count(app, m.AuditLog) == before


def test_lists_show_only_the_counsellors_own_agency(client, app, make):
    home, away = make.agency(), make.agency()
    make.person(agency=home, name="Karim Benali", signed=make.vdab_deadline_in(5))
    make.person(agency=home, name="Amina Haddad")
    make.person(agency=away, name="Yusuf Demir")
    clock = app.state.portal.clock
    clock.set(clock.now() + timedelta(days=10))  # Benali (home) has a sanction fact
    sign_in(client, make.counsellor(home))
    assert "Benali" in client.get("/staff/sanctions").text
    client.cookies.clear()
    sign_in(client, make.counsellor(away))
    caseload = client.get("/staff").text
    assert "Demir, Yusuf" in caseload
    assert "Haddad" not in caseload and "Benali" not in caseload
    assert "Haddad, Amina" not in client.get("/staff?q=Haddad").text
    assert "Benali" not in client.get("/staff/sanctions").text


def test_caseload_puts_what_needs_attention_first(client, make):
    agency = make.agency()
    make.person(agency=agency, name="Amina Haddad", signed=make.today)
    make.person(agency=agency, name="Karim Benali", signed=make.vdab_deadline_in(5))
    make.person(agency=agency, name="Omar Late", signed=make.vdab_deadline_in(-5))
    make.every_pillar_met(make.person(agency=agency, name="Maria Santos"))
    make.person(agency=agency, name="Hamid Haidari", contract=False)
    sign_in(client, make.counsellor(agency))
    page = client.get("/staff?lang=en").text
    names = re.findall(r'<a href="/staff/persons/\d+">([^<]+)</a>', page)
    # the first row has a sanction fact to review (a VDAB deadline passed); Benali's deadline is
    # in 5 days, so Benali comes before those without anything to do
    first_row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "Sanction fact to review" in first_row
    assert names.index("Benali, Karim") < names.index("Haddad, Amina")
    assert "Certificate can be issued" in page
    assert "No contract yet" in page


def test_search_by_national_register_number(client, app):
    with session_scope(app.state.portal.engine) as db:
        nrn = db.exec(
            select(m.Person.national_number).where(m.Person.subject == "demo-intake")
        ).one()
    sign_in(client, "demo-counsellor")
    formatted = f"{nrn[:2]}.{nrn[2:4]}.{nrn[4:6]}-{nrn[6:9]}.{nrn[9:]}"
    page = client.get(f"/staff?q={formatted}").text
    assert "Haidari" in page and "Haddad" not in page


def test_a_person_registered_at_intake_is_found_by_the_national_register_number_claim(app):
    from portal.services.accounts import resolve_principal

    with session_scope(app.state.portal.engine) as db:
        person = db.exec(select(m.Person).where(m.Person.subject == "demo-intake")).one()
        person.subject = None
        db.add(person)
    with session_scope(app.state.portal.engine) as db:
        values = resolve_principal(db, "idp-subject-123", person.national_number)
        assert values["role"] == "citizen" and values["person_id"] == person.id
    with session_scope(app.state.portal.engine) as db:
        # bound now: another subject with the same number does not take the record over
        assert resolve_principal(db, "someone-else", person.national_number)["role"] is None


def test_a_suspension_must_start_after_the_signing_day_and_not_overlap(client, make):
    person = make.person(signed=make.today - timedelta(days=10))
    pid = person.id
    sign_in(client, make.counsellor())
    url = f"/staff/persons/{pid}/facts/new/suspension"

    def suspend(start, until):
        data = {"on": start.isoformat(), "until": until.isoformat(), "reason": "medical"}
        return client.post(url + "?lang=en", data={"csrf_token": form_for(client, url), **data})

    signed = make.today - timedelta(days=10)
    on_signing_day = suspend(signed, signed + timedelta(days=5))
    assert on_signing_day.status_code == 400
    assert "A stop must start after the day you signed your integration contract." in (
        on_signing_day.text
    )
    assert suspend(signed + timedelta(days=1), signed + timedelta(days=5)).status_code == 303
    overlapping = suspend(signed + timedelta(days=5), signed + timedelta(days=8))
    assert overlapping.status_code == 400
    assert "This suspension overlaps with another suspension." in overlapping.text
    assert suspend(signed + timedelta(days=6), signed + timedelta(days=8)).status_code == 303
