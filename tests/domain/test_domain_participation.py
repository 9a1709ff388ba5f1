"""Pillar 4, participation and network: typed hours, the recorded activity and its logbook, the
hours summary, the municipality's decision, the submission status machine and organisation keys.

The person below signed the contract on 15 March 2024 and records an activity on 1 September 2024
unless a case says otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.participation import (
    MAX_ENTRIES,
    ActivityKind,
    Decision,
    HoursError,
    HoursSummary,
    LogEntry,
    Problem,
    SubmissionStatus,
    TransitionError,
    active,
    claimed_hours,
    counts_as_waiting,
    editable,
    final,
    hours_confirmed,
    next_status,
    normalise_organisation,
    parse_hours,
    summarize,
    validate_activity,
    validate_decision,
)
from portal.domain.rules import RuleSet

SIGNED = date(2024, 3, 15)
TODAY = date(2024, 9, 1)
START = date(2024, 6, 1)
END = date(2024, 6, 30)
D = timedelta(days=1)

S = SubmissionStatus
EVENTS: tuple[str, ...] = ("submit", "withdraw", *Decision)


# ---------------------------------------------------------------- parse_hours


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        pytest.param("1", 1, id="one"),
        pytest.param("24", 24, id="a-whole-day"),
        pytest.param(" 8 ", 8, id="surrounding-spaces"),
        pytest.param("\t3\n", 3, id="tab-and-newline"),
        pytest.param("\u00a05\u00a0", 5, id="no-break-spaces"),
        pytest.param("08", 8, id="leading-zero"),
        pytest.param("0000000000000000000012", 12, id="many-leading-zeros"),
        pytest.param("٣", 3, id="arabic-indic"),
        pytest.param("١٢", 12, id="arabic-indic-two-digits"),
        pytest.param("۸", 8, id="extended-arabic-indic-persian"),
        pytest.param("３", 3, id="full-width"),
    ],
)
def test_parse_hours_accepts(text: str, hours: int) -> None:
    assert parse_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("", "hours_missing", id="empty"),
        pytest.param("   ", "hours_missing", id="blank"),
        pytest.param("abc", "hours_not_number", id="letters"),
        pytest.param("3 uur", "hours_not_number", id="with-unit"),
        pytest.param("1e3", "hours_not_number", id="exponent"),
        pytest.param("½", "hours_not_number", id="vulgar-half"),
        pytest.param("1½", "hours_not_number", id="one-and-a-half-sign"),
        pytest.param("²", "hours_not_number", id="superscript"),
        pytest.param("1 0", "hours_not_number", id="space-inside"),
        pytest.param("1_0", "hours_not_number", id="underscore"),
        pytest.param("+2", "hours_not_number", id="plus-sign"),
        pytest.param("--2", "hours_not_number", id="double-minus"),
        pytest.param("1٢", "hours_not_number", id="mixed-digit-scripts"),
        pytest.param("१२", "hours_not_number", id="devanagari"),
        pytest.param(".", "hours_not_number", id="separator-only"),
        pytest.param("1.2.3", "hours_not_number", id="two-separators"),
        pytest.param("-", "hours_not_number", id="minus-only"),
        pytest.param("1.5", "hours_not_whole", id="decimal-point"),
        pytest.param("1,5", "hours_not_whole", id="decimal-comma"),
        pytest.param("٢٫٥", "hours_not_whole", id="arabic-decimal-separator"),
        pytest.param("2.0", "hours_not_whole", id="point-zero-not-guessed"),
        pytest.param("2.000", "hours_not_whole", id="belgian-thousands-not-guessed"),
        pytest.param(".5", "hours_not_whole", id="no-integer-part"),
        pytest.param("5.", "hours_not_whole", id="trailing-separator"),
        pytest.param("0,5", "hours_not_whole", id="half-hour"),
        pytest.param("-1.5", "hours_not_whole", id="negative-fraction"),
        pytest.param("0", "hours_not_positive", id="zero"),
        pytest.param("00", "hours_not_positive", id="zeros"),
        pytest.param("-2", "hours_not_positive", id="negative"),
        pytest.param("-0", "hours_not_positive", id="minus-zero"),
        pytest.param("−3", "hours_not_positive", id="unicode-minus-sign"),
        pytest.param("25", "hours_over_day", id="twenty-five"),
        pytest.param("٢٥", "hours_over_day", id="arabic-indic-twenty-five"),
        pytest.param("100", "hours_over_day", id="hundred"),
        pytest.param("9" * 5000, "hours_over_day", id="huge"),
    ],
)
def test_parse_hours_refuses(text: str, code: str) -> None:
    with pytest.raises(HoursError) as caught:
        parse_hours(text)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


@given(st.integers(min_value=1, max_value=24))
def test_parse_hours_round_trips(n: int) -> None:
    assert parse_hours(str(n)) == n
    assert parse_hours(f"  {n}\t") == n


@given(st.integers().filter(lambda n: not 1 <= n <= 24))
def test_parse_hours_refuses_every_other_integer(n: int) -> None:
    with pytest.raises(HoursError) as caught:
        parse_hours(str(n))
    assert caught.value.code == ("hours_over_day" if n > 24 else "hours_not_positive")


@given(st.text())
def test_parse_hours_gives_1_to_24_or_hours_error(text: str) -> None:
    try:
        hours = parse_hours(text)
    except HoursError as error:
        assert error.code in {
            "hours_missing",
            "hours_not_number",
            "hours_not_whole",
            "hours_not_positive",
            "hours_over_day",
        }
    else:
        assert 1 <= hours <= 24


# ---------------------------------------------------------------- validate_activity


def check(
    *,
    entries: list[LogEntry] | None = None,
    start_on: date = START,
    end_on: date = END,
    today: date = TODAY,
    contract_signed_on: date | None = SIGNED,
    taken: dict[date, int] | None = None,
    claimed_elsewhere: frozenset[date] = frozenset(),
    kind: ActivityKind = ActivityKind.VOLUNTEERING,
) -> list[tuple[str, str, int | None]]:
    problems = validate_activity(
        kind=kind,
        start_on=start_on,
        end_on=end_on,
        entries=[LogEntry(START, 4)] if entries is None else entries,
        today=today,
        contract_signed_on=contract_signed_on,
        taken=taken or {},
        claimed_elsewhere=claimed_elsewhere,
    )
    return [(p.field, p.code, p.index) for p in problems]


@pytest.mark.parametrize("kind", list(ActivityKind), ids=str)
def test_a_valid_activity_has_no_problems(kind: ActivityKind) -> None:
    entries = [LogEntry(START, 4), LogEntry(START + D, 8), LogEntry(END, 24)]
    assert check(entries=entries, kind=kind) == []


def test_defaults_for_taken_and_claimed_elsewhere() -> None:
    problems = validate_activity(
        kind=ActivityKind.BUDDY,
        start_on=START,
        end_on=END,
        entries=[LogEntry(START, 24)],
        today=TODAY,
        contract_signed_on=SIGNED,
    )
    assert problems == []


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # the period
        pytest.param(
            dict(start_on=END, end_on=END, entries=[LogEntry(END, 2)]), [], id="end-equals-start-ok"
        ),
        pytest.param(
            dict(start_on=END, end_on=START, entries=[LogEntry(START, 2)]),
            [("end_on", "end_before_start", None)],
            id="end-before-start-no-outside-noise",
        ),
        pytest.param(dict(end_on=TODAY, entries=[LogEntry(TODAY, 2)]), [], id="end-today-ok"),
        pytest.param(
            dict(end_on=TODAY + D, entries=[LogEntry(TODAY, 2)]),
            [("end_on", "date_in_future", None)],
            id="end-tomorrow-future",
        ),
        pytest.param(
            dict(start_on=TODAY + D, end_on=TODAY + D, entries=[LogEntry(TODAY + D, 2)]),
            [
                ("start_on", "date_in_future", None),
                ("end_on", "date_in_future", None),
                ("logbook", "date_in_future", 0),
            ],
            id="all-tomorrow-future",
        ),
        pytest.param(
            dict(start_on=SIGNED, entries=[LogEntry(SIGNED, 2)]), [], id="contract-day-ok"
        ),
        pytest.param(
            dict(start_on=SIGNED - D, entries=[LogEntry(SIGNED, 2)]),
            [("start_on", "date_before_contract", None)],
            id="start-day-before-contract",
        ),
        pytest.param(
            dict(start_on=SIGNED - D, end_on=SIGNED - D, entries=[LogEntry(SIGNED - D, 2)]),
            [
                ("start_on", "date_before_contract", None),
                ("end_on", "date_before_contract", None),
                ("logbook", "date_before_contract", 0),
            ],
            id="all-day-before-contract",
        ),
        pytest.param(
            dict(
                start_on=date(2020, 1, 1),
                entries=[LogEntry(date(2020, 1, 1), 2)],
                contract_signed_on=None,
            ),
            [],
            id="no-contract-no-contract-check",
        ),
        # the logbook as a whole
        pytest.param(dict(entries=[]), [("logbook", "logbook_empty", None)], id="logbook-empty"),
        pytest.param(
            dict(
                start_on=date(2023, 1, 1),
                end_on=TODAY,
                contract_signed_on=None,
                entries=[LogEntry(date(2023, 1, 1) + i * D, 1) for i in range(MAX_ENTRIES)],
            ),
            [],
            id="200-entries-ok",
        ),
        pytest.param(
            dict(
                start_on=date(2023, 1, 1),
                end_on=TODAY,
                contract_signed_on=None,
                entries=[LogEntry(date(2023, 1, 1) + i * D, 1) for i in range(MAX_ENTRIES + 1)],
            ),
            [("logbook", "too_many_entries", None)],
            id="201-entries-too-many",
        ),
        # one line
        pytest.param(
            dict(entries=[LogEntry(START, 2), LogEntry(START - D, 2), LogEntry(END + D, 2)]),
            [("logbook", "entry_outside_period", 1), ("logbook", "entry_outside_period", 2)],
            id="entries-outside-period",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 2), LogEntry(END, 2)]),
            [],
            id="entries-on-period-bounds-ok",
        ),
        pytest.param(
            dict(end_on=TODAY, entries=[LogEntry(TODAY + D, 2)]),
            [("logbook", "date_in_future", 0), ("logbook", "entry_outside_period", 0)],
            id="entry-tomorrow-future-and-outside",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 2), LogEntry(START + D, 3), LogEntry(START, 2)]),
            [("logbook", "duplicate_day", 2)],
            id="duplicate-day-on-second-line",
        ),
        pytest.param(
            dict(
                entries=[LogEntry(START, 2), LogEntry(START + D, 3)],
                claimed_elsewhere=frozenset({START + D}),
            ),
            [("logbook", "already_claimed", 1)],
            id="already-claimed",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 2)], claimed_elsewhere=frozenset({START + D})),
            [],
            id="other-day-claimed-elsewhere-ok",
        ),
        pytest.param(dict(entries=[LogEntry(START, 24)]), [], id="24-hours-ok"),
        pytest.param(
            dict(entries=[LogEntry(START, 25)]),
            [("logbook", "hours_over_day", 0)],
            id="line-of-25-hours",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 0)]),
            [("logbook", "hours_not_positive", 0)],
            id="line-of-0-hours",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, -3)]),
            [("logbook", "hours_not_positive", 0)],
            id="line-negative",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 20)], taken={START: 4}), [], id="20-plus-taken-4-ok"
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 20)], taken={START: 5}),
            [("logbook", "day_over_24", 0)],
            id="20-plus-taken-5-over",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 20)], taken={START + D: 24}), [], id="taken-other-day-ok"
        ),
        pytest.param(
            dict(entries=[LogEntry(START + D, 1), LogEntry(START, 13), LogEntry(START, 12)]),
            [("logbook", "day_over_24", 1), ("logbook", "duplicate_day", 2)],
            id="duplicate-over-24-on-first-line-of-day",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 12), LogEntry(START, 12)]),
            [("logbook", "duplicate_day", 1)],
            id="duplicate-exactly-24",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 30), LogEntry(START, 2)]),
            [("logbook", "hours_over_day", 0), ("logbook", "duplicate_day", 1)],
            id="bad-line-not-counted-towards-day",
        ),
    ],
)
def test_validate_activity(
    case: dict[str, object], expected: list[tuple[str, str, int | None]]
) -> None:
    assert check(**case) == expected  # type: ignore[arg-type]


def test_problems_come_field_then_logbook_then_line_by_line() -> None:
    problems = check(
        start_on=SIGNED - D,
        end_on=TODAY + D,
        entries=[LogEntry(TODAY + D, 2), LogEntry(SIGNED - D, 2)],
    )
    assert problems == [
        ("start_on", "date_before_contract", None),
        ("end_on", "date_in_future", None),
        ("logbook", "date_in_future", 0),
        ("logbook", "date_before_contract", 1),
    ]


def test_problem_default_index_is_none() -> None:
    assert Problem("logbook", "logbook_empty") == Problem("logbook", "logbook_empty", None)


DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31))
ENTRIES = st.lists(
    st.builds(LogEntry, on=DAYS, hours=st.integers(min_value=-50, max_value=50)), max_size=30
)


@given(
    entries=ENTRIES,
    start_on=DAYS,
    end_on=DAYS,
    today=DAYS,
    contract=st.none() | DAYS,
    taken=st.dictionaries(DAYS, st.integers(min_value=0, max_value=30), max_size=5),
    elsewhere=st.frozensets(DAYS, max_size=5),
    kind=st.sampled_from(ActivityKind),
)
def test_validate_activity_never_raises_and_indexes_real_entries(
    entries: list[LogEntry],
    start_on: date,
    end_on: date,
    today: date,
    contract: date | None,
    taken: dict[date, int],
    elsewhere: frozenset[date],
    kind: ActivityKind,
) -> None:
    problems = validate_activity(
        kind=kind,
        start_on=start_on,
        end_on=end_on,
        entries=entries,
        today=today,
        contract_signed_on=contract,
        taken=taken,
        claimed_elsewhere=elsewhere,
    )
    for problem in problems:
        assert problem.field in {"start_on", "end_on", "logbook"}
        if problem.index is not None:
            assert problem.field == "logbook"
            assert 0 <= problem.index < len(entries)
    assert len(problems) == len(set(problems))  # nothing reported twice
    day_over = [p.index for p in problems if p.code == "day_over_24"]
    assert len({entries[i].on for i in day_over if i is not None}) == len(day_over)  # once a day


def dated(**case: object) -> list[tuple[str, str, int | None, date | None, date | None]]:
    """validate_activity's problems with the days each compared with (earliest, latest)."""
    arguments: dict[str, object] = {
        "kind": ActivityKind.VOLUNTEERING,
        "start_on": START,
        "end_on": END,
        "entries": [LogEntry(START, 4)],
        "today": TODAY,
        "contract_signed_on": SIGNED,
        **case,
    }
    problems = validate_activity(**arguments)  # type: ignore[arg-type]
    return [(p.field, p.code, p.index, p.earliest, p.latest) for p in problems]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            dict(end_on=TODAY + D, entries=[LogEntry(TODAY, 2)]),
            [("end_on", "date_in_future", None, None, TODAY)],
            id="future-names-today",
        ),
        pytest.param(
            dict(start_on=SIGNED - D, entries=[LogEntry(SIGNED, 2)]),
            [("start_on", "date_before_contract", None, SIGNED, None)],
            id="before-contract-names-the-signing-day",
        ),
        pytest.param(
            dict(start_on=END, end_on=START, entries=[LogEntry(START, 2)]),
            [("end_on", "end_before_start", None, END, None)],
            id="end-before-start-names-the-start-date",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 2), LogEntry(END + D, 2)]),
            [("logbook", "entry_outside_period", 1, START, END)],
            id="outside-names-both-ends",
        ),
        pytest.param(
            dict(end_on=TODAY, entries=[LogEntry(TODAY + D, 2)]),
            [
                ("logbook", "date_in_future", 0, None, TODAY),
                ("logbook", "entry_outside_period", 0, START, TODAY),
            ],
            id="a-line-in-the-future-and-outside",
        ),
        pytest.param(
            dict(entries=[LogEntry(START, 2), LogEntry(START, 2)]),
            [("logbook", "duplicate_day", 1, None, None)],
            id="no-days-for-a-problem-without-dates",
        ),
        pytest.param(
            dict(entries=[]),
            [("logbook", "logbook_empty", None, None, None)],
            id="no-days-for-the-logbook",
        ),
    ],
)
def test_date_problems_name_the_days_they_compare_with(
    case: dict[str, object],
    expected: list[tuple[str, str, int | None, date | None, date | None]],
) -> None:
    assert dated(**case) == expected


DATE_CODES = {"date_in_future", "date_before_contract", "end_before_start", "entry_outside_period"}


@given(
    entries=ENTRIES,
    start_on=DAYS,
    end_on=DAYS,
    today=DAYS,
    contract=st.none() | DAYS,
)
def test_the_days_a_problem_names_explain_it(
    entries: list[LogEntry], start_on: date, end_on: date, today: date, contract: date | None
) -> None:
    """Each date problem names a day its own date is on the wrong side of; others name none."""
    problems = validate_activity(
        kind=ActivityKind.VOLUNTEERING,
        start_on=start_on,
        end_on=end_on,
        entries=entries,
        today=today,
        contract_signed_on=contract,
    )
    for problem in problems:
        if problem.code not in DATE_CODES:
            assert (problem.earliest, problem.latest) == (None, None)
            continue
        if problem.index is not None:
            day = entries[problem.index].on
        else:
            day = start_on if problem.field == "start_on" else end_on
        assert problem.earliest is not None or problem.latest is not None
        wrong_side = (problem.earliest is not None and day < problem.earliest) or (
            problem.latest is not None and day > problem.latest
        )
        assert wrong_side, problem
        if problem.code == "date_in_future":
            assert problem.latest == today
        elif problem.code == "date_before_contract":
            assert problem.earliest == contract
        elif problem.code == "end_before_start":
            assert problem.earliest == start_on
        else:
            assert (problem.earliest, problem.latest) == (start_on, end_on)


@pytest.mark.parametrize(
    ("entries", "total"),
    [
        pytest.param([], 0, id="none"),
        pytest.param([LogEntry(START, 4)], 4, id="one"),
        pytest.param([LogEntry(START, 4), LogEntry(END, 24)], 28, id="two"),
    ],
)
def test_claimed_hours(entries: list[LogEntry], total: int) -> None:
    assert claimed_hours(entries) == total
    assert claimed_hours(iter(entries)) == total


# ---------------------------------------------------------------- summarize


TARGET = RuleSet(effective_from=date(2022, 1, 1), version="test").participation_hours


@pytest.mark.parametrize(
    ("confirmed", "waiting", "required", "expected"),
    [
        pytest.param([], [], True, HoursSummary(0, 0, 40, 40, True, False), id="nothing-yet"),
        pytest.param(
            [16, 8], [10], True, HoursSummary(24, 10, 16, 40, True, False), id="on-the-way"
        ),
        pytest.param([39], [], True, HoursSummary(39, 0, 1, 40, True, False), id="one-short"),
        pytest.param([40], [], True, HoursSummary(40, 0, 0, 40, True, True), id="exactly-40"),
        pytest.param(
            [30, 20], [5], True, HoursSummary(50, 5, 0, 40, True, True), id="more-than-40"
        ),
        pytest.param([8], [], False, HoursSummary(8, 0, 32, 40, False, False), id="optional"),
        pytest.param(
            [], [40], True, HoursSummary(0, 40, 40, 40, True, False), id="waiting-does-not-count"
        ),
    ],
)
def test_summarize(
    confirmed: list[int], waiting: list[int], required: bool, expected: HoursSummary
) -> None:
    assert (
        summarize(confirmed=confirmed, waiting=waiting, target=TARGET, required=required)
        == expected
    )


@pytest.mark.parametrize(
    ("confirmed", "waiting", "target"),
    [
        pytest.param([-1], [], 40, id="negative-confirmed"),
        pytest.param([], [-1], 40, id="negative-waiting"),
        pytest.param([], [], -1, id="negative-target"),
    ],
)
def test_summarize_refuses_negative(confirmed: list[int], waiting: list[int], target: int) -> None:
    with pytest.raises(ValueError):
        summarize(confirmed=confirmed, waiting=waiting, target=target, required=True)


HOURS = st.lists(st.integers(min_value=0, max_value=24), max_size=30)


@given(
    confirmed=HOURS,
    waiting=HOURS,
    target=st.integers(min_value=0, max_value=200),
    required=st.booleans(),
)
def test_summarize_properties(
    confirmed: list[int], waiting: list[int], target: int, required: bool
) -> None:
    summary = summarize(
        confirmed=iter(confirmed), waiting=iter(waiting), target=target, required=required
    )
    assert summary.confirmed == sum(confirmed)
    assert summary.waiting == sum(waiting)
    assert summary.needed >= 0
    assert summary.confirmed + summary.needed >= summary.target
    assert (summary.needed == 0) == summary.done
    assert summary.required is required


# ---------------------------------------------------------------- the decision


@pytest.mark.parametrize(
    ("decision", "claimed", "confirmed", "reason", "codes"),
    [
        pytest.param(Decision.CONFIRM_ALL, 10, None, "", [], id="all-needs-nothing"),
        pytest.param(Decision.CONFIRM_ALL, 10, 3, "thanks", [], id="all-ignores-confirmed"),
        pytest.param(
            Decision.CONFIRM_ALL, 10, None, "x" * 2001, ["reason_long"], id="all-reason-long"
        ),
        pytest.param(Decision.CONFIRM_PART, 10, 1, "only one day", [], id="part-one-ok"),
        pytest.param(
            Decision.CONFIRM_PART, 10, 9, "one hour less", [], id="part-claimed-minus-one-ok"
        ),
        pytest.param(
            Decision.CONFIRM_PART, 10, 10, "why", ["confirmed_range"], id="part-equals-claimed"
        ),
        pytest.param(Decision.CONFIRM_PART, 10, 0, "why", ["confirmed_range"], id="part-zero"),
        pytest.param(Decision.CONFIRM_PART, 10, -1, "why", ["confirmed_range"], id="part-negative"),
        pytest.param(
            Decision.CONFIRM_PART, 10, 11, "why", ["confirmed_range"], id="part-over-claimed"
        ),
        pytest.param(
            Decision.CONFIRM_PART, 10, None, "why", ["confirmed_range"], id="part-missing"
        ),
        pytest.param(
            Decision.CONFIRM_PART, 1, 1, "why", ["confirmed_range"], id="part-of-one-hour"
        ),
        pytest.param(Decision.CONFIRM_PART, 10, 5, "", ["reason_missing"], id="part-no-reason"),
        pytest.param(
            Decision.CONFIRM_PART,
            10,
            None,
            " \n\t",
            ["confirmed_range", "reason_missing"],
            id="part-nothing",
        ),
        pytest.param(Decision.REJECT, 10, None, "not an internship", [], id="reject-ok"),
        pytest.param(
            Decision.REJECT, 10, None, "   ", ["reason_missing"], id="reject-blank-reason"
        ),
        pytest.param(Decision.ASK_INFO, 10, None, "which days?", [], id="ask-ok"),
        pytest.param(Decision.ASK_INFO, 10, None, "", ["reason_missing"], id="ask-no-reason"),
        pytest.param(Decision.REJECT, 10, None, "x" * 2000, [], id="reason-2000-ok"),
        pytest.param(Decision.REJECT, 10, None, "x" * 2001, ["reason_long"], id="reason-2001-long"),
        pytest.param(
            Decision.REJECT, 10, None, " " + "x" * 2000 + "\n", [], id="reason-spaces-not-counted"
        ),
    ],
)
def test_validate_decision(
    decision: Decision, claimed: int, confirmed: int | None, reason: str, codes: list[str]
) -> None:
    assert validate_decision(decision, claimed=claimed, confirmed=confirmed, reason=reason) == codes


@pytest.mark.parametrize(
    ("decision", "confirmed", "hours"),
    [
        pytest.param(Decision.CONFIRM_ALL, None, 12, id="all"),
        pytest.param(Decision.CONFIRM_PART, 7, 7, id="part"),
        pytest.param(Decision.REJECT, None, 0, id="reject"),
        pytest.param(Decision.ASK_INFO, None, 0, id="ask-info"),
    ],
)
def test_hours_confirmed(decision: Decision, confirmed: int | None, hours: int) -> None:
    assert hours_confirmed(decision, 12, confirmed) == hours


def test_hours_confirmed_part_needs_the_number() -> None:
    with pytest.raises(ValueError):
        hours_confirmed(Decision.CONFIRM_PART, 12, None)


# ---------------------------------------------------------------- the status machine


ALLOWED = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.INFO_REQUESTED, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "withdraw"): S.DRAFT,
    (S.INFO_REQUESTED, "withdraw"): S.DRAFT,
    (S.SUBMITTED, "confirm_all"): S.CONFIRMED,
    (S.SUBMITTED, "confirm_part"): S.PARTLY_CONFIRMED,
    (S.SUBMITTED, "reject"): S.REJECTED,
    (S.SUBMITTED, "ask_info"): S.INFO_REQUESTED,
}


@pytest.mark.parametrize(
    ("status", "event"),
    [pytest.param(status, event, id=f"{status}-{event}") for status in S for event in EVENTS],
)
def test_next_status_table(status: SubmissionStatus, event: str) -> None:
    expected = ALLOWED.get((status, str(event)))
    if expected is None:
        with pytest.raises(TransitionError) as caught:
            next_status(status, event)  # type: ignore[arg-type]
        assert caught.value.status == status
        assert caught.value.event == str(event)
    else:
        assert next_status(status, event) == expected  # type: ignore[arg-type]


def test_decision_given_as_plain_string() -> None:
    assert next_status(S.SUBMITTED, "confirm_all") is S.CONFIRMED  # type: ignore[arg-type]


@given(st.sampled_from(S), st.sampled_from(EVENTS) | st.text(max_size=12))
def test_every_event_gives_a_status_or_transition_error(
    status: SubmissionStatus, event: str
) -> None:
    try:
        result = next_status(status, event)  # type: ignore[arg-type]
    except TransitionError:
        assert (status, event) not in ALLOWED
    else:
        assert isinstance(result, SubmissionStatus)
        assert ALLOWED[(status, event)] == result


@given(st.sampled_from([s for s in S if final(s)]), st.sampled_from(EVENTS))
def test_final_statuses_accept_no_event(status: SubmissionStatus, event: str) -> None:
    with pytest.raises(TransitionError):
        next_status(status, event)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "is_editable", "is_final", "is_waiting", "is_active"),
    [
        pytest.param(S.DRAFT, True, False, False, True, id="draft"),
        pytest.param(S.SUBMITTED, False, False, True, True, id="submitted"),
        pytest.param(S.INFO_REQUESTED, True, False, True, True, id="info-requested"),
        pytest.param(S.CONFIRMED, False, True, False, True, id="confirmed"),
        pytest.param(S.PARTLY_CONFIRMED, False, True, False, True, id="partly-confirmed"),
        pytest.param(S.REJECTED, False, True, False, False, id="rejected"),
    ],
)
def test_status_predicates(
    status: SubmissionStatus, is_editable: bool, is_final: bool, is_waiting: bool, is_active: bool
) -> None:
    assert editable(status) is is_editable
    assert final(status) is is_final
    assert counts_as_waiting(status) is is_waiting
    assert active(status) is is_active


def test_enum_values() -> None:
    assert [k.value for k in ActivityKind] == [
        "buddy",
        "internship",
        "volunteering",
        "language_internship",
    ]
    assert [s.value for s in S] == [
        "draft",
        "submitted",
        "info_requested",
        "confirmed",
        "partly_confirmed",
        "rejected",
    ]
    assert [d.value for d in Decision] == ["confirm_all", "confirm_part", "reject", "ask_info"]


# ---------------------------------------------------------------- organisations


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("Rode Kruis Vlaanderen", "rode kruis vlaanderen", id="casefold"),
        pytest.param("  Rode   Kruis\tVlaanderen ", "rode kruis vlaanderen", id="whitespace"),
        pytest.param("Rode Kruis Vlaanderen VZW", "rode kruis vlaanderen", id="trailing-vzw"),
        pytest.param(
            "Rode Kruis Vlaanderen, v.z.w.", "rode kruis vlaanderen", id="trailing-v.z.w."
        ),
        pytest.param("vzw Rode Kruis Vlaanderen", "rode kruis vlaanderen", id="leading-vzw"),
        pytest.param("V.Z.W. Rode Kruis (vzw)", "rode kruis", id="both-ends"),
        pytest.param("Croix-Rouge asbl", "croix-rouge", id="asbl"),
        pytest.param(
            '"Buurtwerk \'t Lampeke".', "buurtwerk 't lampeke", id="surrounding-punctuation"
        ),
        pytest.param("ＣＡＷ Oost-Vlaanderen", "caw oost-vlaanderen", id="nfkc-full-width"),
        pytest.param("STRASSE", "strasse", id="casefold-not-lower"),
        pytest.param("Vzwerking", "vzwerking", id="vzw-inside-a-word-kept"),
        pytest.param("Gemeente vzw Zele", "gemeente vzw zele", id="vzw-in-the-middle-kept"),
        pytest.param("VZW", "vzw", id="only-a-legal-form"),
        pytest.param("vzw vzw", "vzw vzw", id="only-legal-forms"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_normalise_organisation(name: str, key: str) -> None:
    assert normalise_organisation(name) == key


def test_normalise_organisation_same_key() -> None:
    assert normalise_organisation("Straße vzw") == normalise_organisation("  STRASSE ")


@given(st.text())
def test_normalise_organisation_never_leaves_loose_whitespace(name: str) -> None:
    key = normalise_organisation(name)
    assert key == key.strip()
    assert "  " not in key


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, [], id="complete"),
        pytest.param({"kind": ""}, [("kind", "choose")], id="no kind"),
        pytest.param(
            {"organisation": "  "}, [("organisation", "required")], id="blank organisation"
        ),
        pytest.param(
            {"contact_email": "not-an-address"}, [("contact_email", "email")], id="bad e-mail"
        ),
        pytest.param({"contact_email": ""}, [], id="e-mail is optional"),
        pytest.param(
            {"start_on": None, "end_on": None},
            [("start_on", "required"), ("end_on", "required")],
            id="no dates",
        ),
        pytest.param({"description": ""}, [("description", "required")], id="no description"),
    ],
)
def test_missing_answers(changes: dict[str, object], expected: list[tuple[str, str]]) -> None:
    from portal.domain.participation import missing_answers

    answers: dict[str, object] = {
        "kind": "volunteering",
        "organisation": "Buurtcentrum",
        "contact_name": "Ann",
        "contact_email": "ann@example.be",
        "place": "Gent",
        "start_on": date(2026, 3, 1),
        "end_on": date(2026, 3, 2),
        "description": "Koffie geschonken.",
    }
    answers.update(changes)
    assert [(p.field, p.code) for p in missing_answers(**answers)] == expected  # type: ignore[arg-type]


# ---------------------------------------------------------------- starting from an offer


@pytest.mark.parametrize(
    ("contact", "email"),
    [
        pytest.param("buddy@example.be", "buddy@example.be", id="only-an-address"),
        pytest.param(
            "09 123 45 67 of debrug@example.be", "debrug@example.be", id="phone-and-address"
        ),
        pytest.param("Mail (info@gent.be).", "info@gent.be", id="punctuation-around"),
        pytest.param("x@y.be, X@Y.BE", "x@y.be", id="the-same-address-twice"),
        pytest.param("a@x.be of b@x.be", "", id="two-addresses-no-guess"),
        pytest.param("Vraag het aan je trajectbegeleider.", "", id="no-address"),
        pytest.param("03 987 65 43", "", id="only-a-phone"),
        pytest.param("", "", id="empty"),
        pytest.param("naam@ of @gent.be", "", id="half-addresses"),
    ],
)
def test_offer_email(contact: str, email: str) -> None:
    from portal.domain.participation import offer_email

    assert offer_email(contact) == email


OFFER_A = {
    "kind": "volunteering",
    "organisation": "Buurtcentrum De Brug vzw",
    "place": "Sint-Amandsberg",
    "contact_email": "debrug@example.be",
}
OFFER_B = {"kind": "buddy", "organisation": "Gent Samen vzw", "place": "Gent", "contact_email": ""}
EMPTY = {"kind": "", "organisation": "", "place": "", "contact_email": ""}


@pytest.mark.parametrize(
    ("answers", "offer", "before", "expected"),
    [
        pytest.param(EMPTY, OFFER_A, None, OFFER_A, id="an-empty-form-takes-everything"),
        pytest.param(
            {**EMPTY, "organisation": "De Brug", "place": "  "},
            OFFER_A,
            None,
            {**OFFER_A, "organisation": "De Brug"},
            id="what-was-typed-is-kept-blanks-are-filled",
        ),
        pytest.param(
            OFFER_A, OFFER_B, OFFER_A, OFFER_B, id="another-offer-replaces-what-the-first-filled"
        ),
        pytest.param(
            {**OFFER_A, "place": "Gentbrugge"},
            OFFER_B,
            OFFER_A,
            {**OFFER_B, "place": "Gentbrugge"},
            id="another-offer-keeps-what-was-changed",
        ),
        pytest.param(
            {**OFFER_A, "contact_email": "ann@example.be"},
            OFFER_B,
            None,
            {**OFFER_A, "contact_email": "ann@example.be"},
            id="no-offer-before-everything-typed-is-kept",
        ),
        pytest.param(
            {**EMPTY, "description": "Koffie."},
            OFFER_B,
            None,
            {**OFFER_B, "description": "Koffie."},
            id="other-answers-untouched",
        ),
    ],
)
def test_fill_from_offer(
    answers: dict[str, str],
    offer: dict[str, str],
    before: dict[str, str] | None,
    expected: dict[str, str],
) -> None:
    from portal.domain.participation import fill_from_offer

    assert fill_from_offer(answers, offer, before) == expected


def test_offer_answers() -> None:
    from portal.domain.participation import offer_answers

    assert offer_answers(
        kind="buddy", organisation="Gent Samen vzw", place="Gent", contact="Mail buddy@gent.be"
    ) == {
        "kind": "buddy",
        "organisation": "Gent Samen vzw",
        "place": "Gent",
        "contact_email": "buddy@gent.be",
    }


WORDS = st.sampled_from(["", " ", "Gent", "De Brug", "buddy", "a@b.be"]) | st.text(max_size=8)
ANSWERS = st.fixed_dictionaries(
    {name: WORDS for name in ("kind", "organisation", "place", "contact_email")},
    optional={"description": WORDS},
)
OFFER = st.fixed_dictionaries(
    {name: WORDS for name in ("kind", "organisation", "place", "contact_email")}
)


@given(answers=ANSWERS, offer=OFFER, before=st.none() | OFFER)
def test_picking_an_offer_never_overwrites_the_persons_own_words(
    answers: dict[str, str], offer: dict[str, str], before: dict[str, str] | None
) -> None:
    from portal.domain.participation import OFFER_ANSWERS, fill_from_offer

    filled = fill_from_offer(answers, offer, before)
    assert set(filled) == set(answers)
    for name, value in answers.items():
        earlier = "" if before is None else before.get(name, "").strip()
        own = value.strip() and (before is None or value.strip() != earlier)
        if name not in OFFER_ANSWERS or own:
            assert filled[name] == value, name  # typed (or not the offer's): kept
        else:
            assert filled[name] == offer[name], name  # empty or the earlier offer's: filled
    # picking the same offer again changes nothing more
    assert fill_from_offer(filled, offer, offer) == filled
