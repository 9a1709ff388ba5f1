"""§2A target group: derived only from register, obligation and protection status."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.eligibility import eligibility, in_trajectory
from portal.domain.model import Eligibility, Obligation, PersonFacts, Protection, Register

OBLIGED, VOLUNTARY = Obligation.OBLIGED, Obligation.VOLUNTARY


@pytest.mark.parametrize(
    ("register", "obligation", "protection", "expected"),
    [
        pytest.param(
            Register.POPULATION,
            OBLIGED,
            Protection.NOT_APPLICABLE,
            Eligibility.OBLIGED,
            id="population register, recorded as obliged → obliged",
        ),
        pytest.param(
            Register.FOREIGNERS,
            VOLUNTARY,
            Protection.NOT_APPLICABLE,
            Eligibility.VOLUNTARY,
            id="foreigners' register, recorded as voluntary → voluntary",
        ),
        pytest.param(
            Register.FOREIGNERS,
            OBLIGED,
            Protection.REFUGEE,
            Eligibility.OBLIGED,
            id="recognised refugee → entitled (obliged as recorded)",
        ),
        pytest.param(
            Register.FOREIGNERS,
            VOLUNTARY,
            Protection.SUBSIDIARY,
            Eligibility.VOLUNTARY,
            id="subsidiary protection → entitled (voluntary as recorded)",
        ),
        pytest.param(
            Register.FOREIGNERS,
            OBLIGED,
            Protection.PENDING,
            Eligibility.NT2_ONLY,
            id="application pending (bijlage 35) → NT2 courses only",
        ),
        pytest.param(
            Register.WAITING,
            OBLIGED,
            Protection.NOT_APPLICABLE,
            Eligibility.NT2_ONLY,
            id="waiting register → NT2 courses only",
        ),
        pytest.param(
            Register.NONE,
            VOLUNTARY,
            Protection.PENDING,
            Eligibility.NT2_ONLY,
            id="pending applicant without register → NT2 courses only",
        ),
        pytest.param(
            Register.NONE,
            OBLIGED,
            Protection.NOT_APPLICABLE,
            Eligibility.NOT_ELIGIBLE,
            id="not registered → not eligible",
        ),
        pytest.param(
            Register.NONE,
            VOLUNTARY,
            Protection.REFUSED,
            Eligibility.NOT_ELIGIBLE,
            id="protection refused, not registered → not eligible",
        ),
        pytest.param(
            Register.POPULATION,
            VOLUNTARY,
            Protection.REFUSED,
            Eligibility.VOLUNTARY,
            id="protection refused but in the population register → as recorded",
        ),
    ],
)
def test_eligibility(
    register: Register, obligation: Obligation, protection: Protection, expected: Eligibility
) -> None:
    assert eligibility(register, obligation, protection) is expected


@pytest.mark.parametrize("birth_date", [date(1930, 1, 1), date(1990, 5, 10), date(2015, 1, 1)])
def test_no_age_rule(birth_date: date) -> None:
    person = PersonFacts(birth_date, Register.POPULATION, Obligation.VOLUNTARY)
    assert in_trajectory(person)
