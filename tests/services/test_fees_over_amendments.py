"""For any sequence of plan amendments (modules changed, removed, added, the provider type
switched), payments and waivers, through the real services on a real database: nothing paid is
asked again, and what the NT2 track keeps plus what it asks never passes the 180 € cap. Each
example runs in one transaction that is rolled back, so examples do not see each other; all of
them amend the contract of one person the module makes (tests/support/factories.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from portal.db import models as m
from portal.db.engine import make_engine
from portal.services import payments, trajectory
from portal.services.dossier import load_dossier
from tests.conftest import NOW
from tests.support.factories import Factory

TODAY = NOW.date()
CAP = 18000


@pytest.fixture(scope="module")
def engine(request, tmp_path_factory):
    from tests.conftest import fresh_database

    url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("fees"))
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def person_id(engine) -> int:
    """A person with a contract signed on paper (MO course and three NT2 modules to pay)."""
    return Factory(engine, TODAY).person().id


module_change = st.tuples(
    st.sampled_from(["keep", "periods", "drop", "add"]),
    st.integers(1, 240),  # lesson periods
    st.integers(0, 200),  # days from today to the start
)
step = st.one_of(
    st.tuples(st.just("amend"), st.lists(module_change, min_size=1, max_size=5), st.booleans()),
    st.tuples(st.just("pay"), st.integers(0, 20)),
    st.tuples(st.just("waive"), st.integers(0, 20)),
)


def _plan(dossier, changes, utc: bool) -> trajectory.PlanInput:
    nt2 = next(c for c in dossier.components if c.pillar == "nt2")
    current = [mod for mod in dossier.modules if mod.component_id == nt2.id]
    modules = []
    for index, (what, periods, offset) in enumerate(changes):
        start = TODAY + timedelta(days=offset)
        existing = current[index] if index < len(current) else None
        if what == "drop" or (existing is None and what != "add"):
            continue
        if what == "add" or existing is None:
            modules.append(
                trajectory.ModuleInput(f"n{index}", periods, start, start + timedelta(days=60))
            )
            continue
        modules.append(
            trajectory.ModuleInput(
                existing.name,
                periods if what == "periods" else existing.lesson_periods,
                existing.planned_start,
                existing.planned_end,
                existing.fee_key,
            )
        )
    return trajectory.PlanInput(
        mo_variant="blended",
        mo_provider="In-Gent",
        mo_schedule="",
        mo_deadline=TODAY + timedelta(days=365),
        nt2_provider_type="UTC" if utc else "CVO",
        nt2_provider="UTC Gent" if utc else "CVO Gent",
        nt2_schedule="",
        nt2_deadline=TODAY + timedelta(days=500),
        modules=tuple(modules),
        participation_deadline=TODAY + timedelta(days=365),
    )


def _nt2(line) -> bool:
    return line.key.startswith(("nt2_module:", "nt2_utc:"))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, min_size=1, max_size=8))
def test_no_amendment_asks_paid_money_again_or_passes_the_cap(engine, person_id, story):
    with Session(engine) as db:
        person = db.get(m.Person, person_id)
        paid: dict[str, int] = {}
        try:
            for item in story:
                dossier = load_dossier(db, person.id)
                lines = payments.statement(db, dossier).lines
                payable = [line for line in lines if line.payable and _nt2(line)]
                if item[0] == "amend":
                    try:
                        trajectory.amend_contract(
                            db, "t", person, _plan(dossier, item[1], item[2]), "change", TODAY
                        )
                    except payments.ServiceError as error:
                        assert error.code == "no_change"
                elif payable and item[0] == "pay":
                    line = payable[item[1] % len(payable)]
                    payments.record_external_payment(
                        db, "t", dossier, line.key, "counter", "K1", TODAY, "fee", NOW
                    )
                    paid[line.key] = line.charge.amount_cents
                elif payable and item[0] == "waive":
                    line = payable[item[1] % len(payable)]
                    payments.record_waiver(db, "t", dossier, line.key, "other", "OCMW")
                db.flush()
                after = payments.statement(db, load_dossier(db, person.id))
                for key, cents in paid.items():
                    line = after.line(key)
                    if line is not None:  # still planned: shown paid, never asked
                        assert line.paid is not None and not line.payable
                        assert line.charge.amount_cents == cents
                kept = sum(paid.values())
                asked = sum(
                    line.charge.amount_cents for line in after.lines if line.payable and _nt2(line)
                )
                assert kept <= CAP and kept + asked <= CAP
        finally:
            db.rollback()
