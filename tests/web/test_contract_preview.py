"""Before signing, the contract shows every deadline it will hold and how long it is valid; a
counsellor is warned when the contract ends before a deadline of the plan."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import trajectory
from portal.services.plan import PlanInput
from tests.support.web import check_page, sign_in
from tests.web.test_pages import text_of


def draw_up(app, person, mo_deadline: date, nt2_deadline: date) -> None:
    plan = PlanInput(
        mo_variant="online",
        mo_provider="In-Gent",
        mo_schedule="",
        mo_deadline=mo_deadline,
        nt2_provider_type="CVO",
        nt2_provider="CVO Gent",
        nt2_schedule="",
        nt2_deadline=nt2_deadline,
        participation_deadline=mo_deadline,
    )
    with session_scope(app.state.portal.engine) as db:
        row = db.get(m.Person, person.id)
        trajectory.save_contract_draft(
            db, "counsellor", row, plan, app.state.portal.clock.today(), tell_person=False
        )


def test_the_unsigned_contract_shows_the_deadlines_it_will_hold(client, app, make):
    person = make.person(contract=False)
    draw_up(app, person, date(2027, 3, 16), date(2027, 9, 16))
    sign_in(client, person.subject)
    page = client.get("/my/contract?lang=en")
    check_page(page.text)
    text = text_of(page.text)
    assert "If you sign today (16 March 2026), these are your deadlines:" in text
    # VDAB: two months from signing today; the others as the counsellor planned them
    assert "Registration with VDAB VDAB. Deadline: 16 May 2026" in text
    assert "Social orientation (MO) In-Gent. Deadline: 16 March 2027" in text
    assert "Your contract is valid until 16 September 2027" in text
    assert "a social interpreter is free for you" in text
    nl = text_of(client.get("/my/contract?lang=nl").text)
    assert "Als je vandaag tekent (16 maart 2026)" in nl


def test_a_counsellor_is_warned_when_the_contract_ends_before_a_deadline(client, app, make):
    counsellor = make.counsellor()
    person = make.person(contract=False, counsellor=counsellor)
    draw_up(app, person, date(2027, 9, 16), date(2027, 3, 16))  # NT2 ends first
    sign_in(client, counsellor)
    text = text_of(client.get(f"/staff/persons/{person.id}?lang=en").text)
    assert "The contract ends before the plan" in text
    assert (
        "The contract is valid until 16 March 2027, but the deadline for "
        "Social orientation (MO) is 16 September 2027." in text
    )
    agreeing = make.person(contract=False, counsellor=counsellor)
    draw_up(app, agreeing, date(2027, 3, 16), date(2027, 9, 16))
    assert (
        "The contract ends before the plan"
        not in client.get(f"/staff/persons/{agreeing.id}?lang=en").text
    )
    with session_scope(app.state.portal.engine) as db:  # the warning changes nothing
        assert (
            db.exec(select(m.Contract).where(m.Contract.person_id == person.id)).one().signed_on
            is None
        )
