"""Share codes for interpreting: short, unambiguous, ≥ 40 bits, hashed, 30 days, revocable."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import share_codes as sc
from portal.domain.share_codes import CodeState, Outcome

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_codes_carry_at_least_40_bits_and_no_look_alikes() -> None:
    assert math.log2(len(sc.ALPHABET)) * sc.LENGTH >= 40
    assert not set(sc.ALPHABET) & set("01OILUV")
    assert len(set(sc.ALPHABET)) == len(sc.ALPHABET)


@given(st.randoms(use_true_random=False))
def test_generated_codes_are_canonical_and_read_back(rng: random.Random) -> None:
    code = sc.generate(rng.choice)
    assert len(code) == sc.LENGTH and set(code) <= set(sc.ALPHABET)
    shown = sc.formatted(code)
    assert len(shown) == 11 and shown[3] == shown[7] == "-"
    assert sc.canonical(shown) == code
    assert sc.canonical(shown.lower()) == code
    assert sc.canonical(" ".join(shown.split("-"))) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7M-29P-XQ4", "K7M29PXQ4"),
        ("k7m 29p xq4", "K7M29PXQ4"),
        ("K7M–29P–XQ4", "K7M29PXQ4"),  # en dashes from a word processor
        ("Ｋ７Ｍ２９ＰＸＱ４", "K7M29PXQ4"),  # full-width, from some phone keyboards
        ("K7M-29P-XQ", None),  # too short
        ("K7M-29P-XQ44", None),  # too long
        ("K7M-29P-X04", None),  # 0 is never in a code
        ("K7M-29P-XO4", None),  # nor O
        ("K7M-29P-XQ4'; --", None),
        ("", None),
        ("A" * 100, None),
    ],
)
def test_what_a_person_may_type(typed: str, expected: str | None) -> None:
    assert sc.canonical(typed) == expected


def test_only_a_digest_is_stored_and_compared_in_constant_time() -> None:
    digest = sc.digest("K7M29PXQ4", "server key")
    assert len(digest) == 64 and "K7M29PXQ4" not in digest
    assert sc.same_digest(digest, sc.digest("K7M29PXQ4", "server key"))
    assert not sc.same_digest(digest, sc.digest("K7M29PXQ5", "server key"))
    # keyed: the same code under another key is another digest (a stolen table is not enough)
    assert not sc.same_digest(digest, sc.digest("K7M29PXQ4", "another key"))


CREATED = NOW - timedelta(days=1)
STATE = CodeState(CREATED, sc.expires_at(CREATED, 30))


@pytest.mark.parametrize(
    ("state", "now", "contract_valid", "expected"),
    [
        pytest.param(STATE, NOW, True, Outcome.VALID, id="usable code, valid contract"),
        pytest.param(STATE, NOW, False, Outcome.NOT_VALID_TODAY, id="contract not valid today"),
        pytest.param(None, NOW, True, Outcome.WRONG, id="unknown code"),
        pytest.param(
            STATE, STATE.expires_at - timedelta(seconds=1), True, Outcome.VALID, id="last second"
        ),
        pytest.param(STATE, STATE.expires_at, True, Outcome.WRONG, id="expired at 30 days"),
        pytest.param(
            CodeState(CREATED, STATE.expires_at, revoked_at=NOW - timedelta(minutes=1)),
            NOW,
            True,
            Outcome.WRONG,
            id="revoked",
        ),
        pytest.param(
            CodeState(CREATED, STATE.expires_at, revoked_at=NOW + timedelta(minutes=1)),
            NOW,
            True,
            Outcome.VALID,
            id="revoked later (not yet)",
        ),
        pytest.param(STATE, CREATED - timedelta(seconds=1), True, Outcome.WRONG, id="not yet made"),
    ],
)
def test_outcome(
    state: CodeState | None, now: datetime, contract_valid: bool, expected: Outcome
) -> None:
    assert sc.outcome(state, now, contract_valid) is expected


@given(
    st.integers(min_value=0, max_value=60 * 24 * 40),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 40)),
)
def test_a_wrong_answer_never_depends_on_the_contract(
    minutes: int, contract_valid: bool, revoked_after: int | None
) -> None:
    revoked = CREATED + timedelta(minutes=revoked_after) if revoked_after is not None else None
    state = CodeState(CREATED, STATE.expires_at, revoked)
    now = CREATED + timedelta(minutes=minutes)
    result = sc.outcome(state, now, contract_valid)
    if not sc.code_usable(state, now):
        assert result is Outcome.WRONG  # no hint whether the contract is valid
    else:
        assert result is (Outcome.VALID if contract_valid else Outcome.NOT_VALID_TODAY)
