"""Fees (§2C): what each item costs the person, in integer euro cents (pure).

Every item (a `FeeSource`) is priced with the rule set in force on the day it arose, and with the
residence of that day: a person living in the Brussels-Capital Region pays nothing. A counsellor's
waiver also makes an item free. The NT2 track (CVO/CBE modules and the UTC contribution) is capped
at `fee_nt2_cap_cents` in total; the cap is filled in the order the items arose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from portal.domain.rules import RULE_SETS, RuleSet, rules_on


class ChargeKind(StrEnum):
    MO_COURSE = "mo_course"
    MO_TEST = "mo_test"
    MO_EXEMPTION_TEST = "mo_exemption_test"
    NT2_MODULE = "nt2_module"  # a module at a CVO or CBE: per lesson period, capped
    NT2_UTC = "nt2_utc"  # the UTC track: a flat own contribution (capped too)
    NT2_TEST = "nt2_test"  # attempt 1 is included in the course fee; a retest is charged
    B1_ORAL = "b1_oral"


# The kinds that fill the NT2 cap (a retest does not: it is charged on its own).
NT2_TRACK: frozenset[ChargeKind] = frozenset({ChargeKind.NT2_MODULE, ChargeKind.NT2_UTC})


@dataclass(frozen=True)
class FeeSource:
    """Something that gives rise to a fee."""

    key: str  # stable id, e.g. "mo_course:1", "nt2_module:12", "test:mo:7"
    kind: ChargeKind
    arose_on: date  # the day the obligation arose: the rules and the residence of that day apply
    lesson_periods: int = 0  # NT2_MODULE only (> 0)
    attempt: int = 1  # tests (1 = first), and MO_COURSE (1 = first course, 2+ = a repeat course)
    label: str = ""  # provider / module name, shown in the description (not translated)
    exempt: Exempt | None = None  # not owed for a reason the caller knows (EXEMPTION_TEST)


def naming(source: FeeSource) -> dict[str, str | int]:
    """What names a fee (kept with a payment and a message, plain JSON), so that it can be
    described later in whichever language the reader has then (`labels.fee_description`)."""
    return {
        "kind": source.kind.value,
        "attempt": source.attempt,
        "label": source.label,
        "lesson_periods": source.lesson_periods,
    }


@dataclass(frozen=True)
class ResidencePeriod:
    """Where the person lived from `since` on (until the next period)."""

    since: date
    brussels: bool  # a municipality of the Brussels-Capital Region (NIS 21001..21019)


class Exempt(StrEnum):
    BRUSSELS = "brussels"
    WAIVER = "waiver"
    INCLUDED = "included"  # the first NT2 test, included in the course fee
    EXEMPTION_TEST = "exemption_test"  # the MO course, after passing the MO exemption test


@dataclass(frozen=True)
class Charge:
    source: FeeSource
    base_cents: int  # the fee before cap and exemptions (e.g. 80 periods → 12000)
    amount_cents: int  # what is due (0 when exempt)
    capped: bool  # NT2: reduced because the cap was reached (amount < base)
    exempt: Exempt | None
    waiver_reason: str  # "" unless WAIVER
    rule_version: str  # the RuleSet.version in force on arose_on
    nt2_charged_before_cents: int = 0  # NT2_MODULE/NT2_UTC: already charged to the NT2 track
    settled: bool = False  # paid (amount_cents is what was kept of the money): never asked again


def kind_of_key(key: str) -> str:
    """The kind part of a charge key ("nt2_module:ab12" → "nt2_module")."""
    return key.split(":", 1)[0]


def in_nt2_track(key: str) -> bool:
    return kind_of_key(key) in {kind.value for kind in NT2_TRACK}


_NO_WAIVERS: Mapping[str, str] = MappingProxyType({})
_NOTHING_SETTLED: Mapping[str, int] = MappingProxyType({})


def brussels_on(residences: Sequence[ResidencePeriod], day: date) -> bool:
    """Whether the person lived in the Brussels-Capital Region on `day`.

    The latest period with `since <= day` decides (of periods with the same `since`, the last one
    given); no such period → False.
    """
    current: ResidencePeriod | None = None
    for period in residences:
        if period.since <= day and (current is None or period.since >= current.since):
            current = period
    return current is not None and current.brussels


def _validate(sources: Sequence[FeeSource]) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.attempt < 1:
            raise ValueError(f"{source.key}: attempt must be >= 1, got {source.attempt}")
        if source.kind is ChargeKind.NT2_MODULE and source.lesson_periods <= 0:
            raise ValueError(
                f"{source.key}: an NT2 module needs lesson_periods > 0, got {source.lesson_periods}"
            )
        if source.key in seen:
            raise ValueError(f"duplicate fee source key {source.key!r}")
        seen.add(source.key)


def _base_cents(source: FeeSource, rules: RuleSet) -> int:
    """The fee before the NT2 cap and exemptions."""
    match source.kind:
        case ChargeKind.MO_COURSE:
            if source.attempt == 1:
                return rules.fee_mo_course_cents
            return rules.fee_mo_repeat_course_cents
        case ChargeKind.MO_TEST:
            return rules.fee_mo_test_cents
        case ChargeKind.MO_EXEMPTION_TEST:
            return rules.fee_mo_exemption_test_cents
        case ChargeKind.B1_ORAL:
            return rules.fee_b1_oral_cents
        case ChargeKind.NT2_TEST:
            return 0 if source.attempt == 1 else rules.fee_nt2_retest_cents
        case ChargeKind.NT2_MODULE:
            return source.lesson_periods * rules.fee_nt2_per_lesson_period_cents
        case ChargeKind.NT2_UTC:
            return rules.fee_nt2_utc_cents


def _charge(
    source: FeeSource,
    residences: Sequence[ResidencePeriod],
    waivers: Mapping[str, str],
    rules: RuleSet,
    nt2_charged_before: int,
) -> Charge:
    base = _base_cents(source, rules)
    exempt: Exempt | None = None
    if brussels_on(residences, source.arose_on):
        exempt = Exempt.BRUSSELS
    elif source.key in waivers:
        exempt = Exempt.WAIVER
    elif source.kind is ChargeKind.NT2_TEST and source.attempt == 1:
        exempt = Exempt.INCLUDED
    elif source.exempt is not None:
        exempt = source.exempt

    in_track = source.kind in NT2_TRACK
    due = base
    if in_track:
        due = max(0, min(base, rules.fee_nt2_cap_cents - nt2_charged_before))
    return Charge(
        source=source,
        base_cents=base,
        amount_cents=0 if exempt is not None else due,
        capped=exempt is None and due < base,
        exempt=exempt,
        waiver_reason=waivers[source.key] if exempt is Exempt.WAIVER else "",
        rule_version=rules.version,
        nt2_charged_before_cents=nt2_charged_before if in_track else 0,
    )


def _settled(source: FeeSource, cents: int, rules: RuleSet) -> Charge:
    """A charge that money settled: it shows what was kept, whatever the rules say today."""
    return Charge(
        source=source,
        base_cents=_base_cents(source, rules),
        amount_cents=cents,
        capped=False,
        exempt=None,
        waiver_reason="",
        rule_version=rules.version,
        settled=True,
    )


def charges(
    sources: Iterable[FeeSource],
    residences: Sequence[ResidencePeriod],
    waivers: Mapping[str, str] = _NO_WAIVERS,
    rule_sets: tuple[RuleSet, ...] = RULE_SETS,
    settled: Mapping[str, int] = _NOTHING_SETTLED,
) -> tuple[Charge, ...]:
    """The charge for every source, in the order given.

    A source whose key is in `settled` (key → cents kept from the money that paid it) is paid:
    its charge shows that amount and is never asked again, whatever changed since (an amended
    plan, another residence, new rules). Every other source is priced with the rules in force on
    its `arose_on` day. Brussels residence on that day makes it free (exempt BRUSSELS), else a
    waiver does (exempt WAIVER, with its reason), else the source's own `exempt`. The NT2 cap
    counts first what was really paid towards the NT2 track (also for items no longer in the
    plan), then fills what is left with the unpaid NT2 modules and the UTC contribution in the
    order of (arose_on, key); an item that is free adds nothing to what the track has been charged.

    Raises ValueError for an attempt below 1, an NT2 module without lesson periods, a key given
    twice, or a negative settled amount.
    """
    given = tuple(sources)
    _validate(given)
    if any(cents < 0 for cents in settled.values()):
        raise ValueError("a settled amount cannot be negative")

    result: dict[str, Charge] = {}
    nt2_charged = sum(cents for key, cents in settled.items() if in_nt2_track(key))
    for source in sorted(
        (s for s in given if s.kind in NT2_TRACK), key=lambda s: (s.arose_on, s.key)
    ):
        rules = rules_on(source.arose_on, rule_sets)
        if source.key in settled:
            result[source.key] = _settled(source, settled[source.key], rules)
            continue
        charge = _charge(source, residences, waivers, rules, nt2_charged)
        nt2_charged += charge.amount_cents
        result[source.key] = charge
    for source in given:
        if source.kind in NT2_TRACK:
            continue
        rules = rules_on(source.arose_on, rule_sets)
        if source.key in settled:
            result[source.key] = _settled(source, settled[source.key], rules)
        else:
            result[source.key] = _charge(source, residences, waivers, rules, 0)
    return tuple(result[source.key] for source in given)


def split_payment(due_cents: int, paid_cents: int) -> tuple[int, int]:
    """Money that arrives for a charge: (kept, to refund). Only what is due is kept; the rest
    (a second payment for a settled item, money for an item that became free or cheaper) goes
    back. Raises ValueError for negative amounts."""
    if due_cents < 0 or paid_cents < 0:
        raise ValueError("amounts cannot be negative")
    kept = min(due_cents, paid_cents)
    return kept, paid_cents - kept
