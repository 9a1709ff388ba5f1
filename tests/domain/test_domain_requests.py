"""What a request to the counsellor must hold to be sent: every problem at once, by field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.requests import (
    RequestInput,
    RequestKind,
    answer_problem,
    can_ask_about,
    can_decide,
    needs_proof,
    problems,
)

TODAY = date(2026, 3, 16)
SIGNED = date(2026, 2, 1)
D = timedelta


def check(data: RequestInput, **kw: object) -> dict[str, str]:
    args: dict[str, object] = dict(
        today=TODAY,
        signed_on=SIGNED,
        open_fees={"mo_course:1"},
        municipalities={"44021", "11002"},
        current_municipality="44021",
        lives_here_since=date(2025, 1, 1),
        has_proof=True,
    )
    args.update(kw)
    return problems(data, **args)  # type: ignore[arg-type]


S, W, P, M = RequestKind.SUSPENSION, RequestKind.FEE_WAIVER, RequestKind.PERIOD, RequestKind.MOVE


@pytest.mark.parametrize(
    ("data", "extra", "expected"),
    [
        (RequestInput(S, TODAY + D(7), TODAY + D(27), "medical"), {}, {}),
        (
            RequestInput(S),
            {"has_proof": False},
            {
                "reason": "choose",
                "start_on": "required",
                "end_on": "required",
                "proof": "file_required",
            },
        ),
        (RequestInput(S, TODAY, TODAY - D(1), "personal"), {}, {"end_on": "period_order"}),
        (
            RequestInput(S, SIGNED, SIGNED, "personal"),
            {},
            {"start_on": "suspension_before_signing"},
        ),
        (RequestInput(S, SIGNED + D(1), SIGNED + D(1), "personal"), {}, {}),
        (
            RequestInput(S, TODAY, TODAY, "medical"),
            {"signed_on": None},
            {"start_on": "no_contract"},
        ),
        (RequestInput(W, fee="all", details="OCMW"), {"has_proof": False}, {}),
        (RequestInput(W, fee="mo_course:1", details="OCMW"), {}, {}),
        (RequestInput(W, fee="nt2_module:x"), {}, {"fee": "choose", "details": "required"}),
        (RequestInput(W, fee="all", details="x"), {"open_fees": set()}, {"fee": "no_open_fee"}),
        (RequestInput(P, TODAY, period_kind="work"), {}, {}),
        (
            RequestInput(P, TODAY + D(1), period_kind="job"),
            {},
            {
                "period_kind": "choose",
                "start_on": "date_in_future",
            },
        ),
        (RequestInput(P, TODAY, TODAY - D(1), period_kind="study"), {}, {"end_on": "period_order"}),
        (RequestInput(M, TODAY, municipality="11002", address="Kerkstraat 1"), {}, {}),
        (
            RequestInput(M, municipality="44021"),
            {},
            {"municipality": "same_municipality", "address": "required", "start_on": "required"},
        ),
        (
            RequestInput(M, date(2024, 5, 1), municipality="99999", address="x"),
            {},
            {"municipality": "choose", "start_on": "move_before_last_move"},
        ),
        (
            RequestInput(M, TODAY, municipality="11002", address="x" * 301),
            {},
            {"address": "too_long"},
        ),
        (
            RequestInput(P, TODAY, period_kind="work", details="x" * 2001),
            {},
            {"details": "too_long"},
        ),
    ],
)
def test_problems(data, extra, expected):
    assert check(data, **extra) == expected


def test_only_a_suspension_needs_proof():
    assert [k for k in RequestKind if needs_proof(k)] == [RequestKind.SUSPENSION]


def test_only_a_waiting_request_is_decided():
    assert can_decide("waiting")
    assert not can_decide("approved") and not can_decide("refused")


days = st.integers(min_value=-400, max_value=400)


@given(start=days, length=days)
def test_a_suspension_is_sent_exactly_when_it_lies_after_the_signing_day_in_order(start, length):
    first = TODAY + D(start)
    last = first + D(length)
    found = check(RequestInput(S, first, last, "medical"))
    assert (not found) == (first > SIGNED and last >= first)
    if length < 0:
        assert found["end_on"] == "period_order"


def test_a_question_about_hours_needs_one_of_the_activities_and_the_question():
    ask = RequestKind.HOURS_QUESTION
    assert check(RequestInput(ask), activities={"7"}) == {
        "activity": "choose",
        "details": "required",
    }
    assert check(RequestInput(ask, activity="8", details="Why?"), activities={"7"}) == {
        "activity": "choose"
    }
    assert check(RequestInput(ask, details="Why?")) == {"activity": "no_activity"}
    assert check(RequestInput(ask, activity="7", details="Why?"), activities={"7"}) == {}
    assert not needs_proof(ask)


def test_what_can_be_asked_about_and_answered():
    assert [s for s in ("draft", "submitted", "confirmed") if can_ask_about(s)] == []
    assert all(can_ask_about(s) for s in ("partly_confirmed", "rejected", "info_requested"))
    assert answer_problem("  ") == "required"
    assert answer_problem("x" * 2001) == "too_long"
    assert answer_problem("Send the second page.") is None
