"""Value types the pure rules work on.

Nothing here reads a clock, a database or a request: the service layer loads records, turns them
into these values and passes `today` in. Dates are `datetime.date` (Europe/Brussels calendar days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Register(StrEnum):
    """The register a person is recorded in (a fact the agency records at intake)."""

    POPULATION = "population"  # bevolkingsregister
    FOREIGNERS = "foreigners"  # vreemdelingenregister
    WAITING = "waiting"  # wachtregister (applicants for international protection)
    NONE = "none"  # not registered in a Belgian municipality


class Obligation(StrEnum):
    OBLIGED = "obliged"  # verplicht
    VOLUNTARY = "voluntary"  # rechthebbend, vrijwillig


class Protection(StrEnum):
    """International protection status, where it applies."""

    NOT_APPLICABLE = "not_applicable"
    PENDING = "pending"  # application still pending (attest van immatriculatie, bijlage 35)
    REFUGEE = "refugee"
    SUBSIDIARY = "subsidiary"
    REFUSED = "refused"


class Eligibility(StrEnum):
    OBLIGED = "obliged"
    VOLUNTARY = "voluntary"
    NT2_ONLY = "nt2_only"
    NOT_ELIGIBLE = "not_eligible"


class Region(StrEnum):
    FLANDERS = "flanders"
    BRUSSELS = "brussels"


class Pillar(StrEnum):
    MO = "mo"
    NT2 = "nt2"
    VDAB = "vdab"
    PARTICIPATION = "participation"


PILLARS: tuple[Pillar, ...] = (Pillar.MO, Pillar.NT2, Pillar.VDAB, Pillar.PARTICIPATION)


class PillarStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_REQUIRED = "not_required"
    EXEMPT = "exempt"
    SUSPENDED = "suspended"
    OVERDUE = "overdue"


MET_STATUSES = frozenset({PillarStatus.DONE, PillarStatus.EXEMPT, PillarStatus.NOT_REQUIRED})


class Situation(StrEnum):
    """Work/study situation recorded at intake (for which pillars apply)."""

    NONE = "none"  # neither works nor studies
    WORKS = "works"
    STUDIES = "studies"


class FactKind(StrEnum):
    VDAB_REGISTERED = "vdab_registered"
    MO_COURSE_FOLLOWED = "mo_course_followed"
    NT2_MODULE_FOLLOWED = "nt2_module_followed"
    TEST_RESULT = "test_result"
    PILLAR4_HOURS = "pillar4_hours"
    UITGELEERD = "uitgeleerd"
    PERIOD = "period"  # a period of work, training or study (start..end)
    CONTRACT_ENDED = "contract_ended"
    # sanction facts the counsellor records (domain.sanctions)
    LATE_REGISTRATION = "late_registration"  # first registration after its term (on, due)
    INTAKE_REFUSED = "intake_refused"
    CONTRACT_REFUSED = "contract_refused"  # refused to sign the contract
    IRREGULAR_PARTICIPATION = "irregular_participation"  # not taking part regularly (pillar)
    TEST_REFUSED = "test_refused"  # refused the MO or NT2 test (test); a retest after a fail


class TestKind(StrEnum):
    __test__ = False  # not a pytest class

    MO = "mo"
    MO_EXEMPTION = "mo_exemption"
    NT2 = "nt2"
    B1_ORAL = "b1_oral"


class Level(StrEnum):
    """CEFR levels, in order; A2_ADAPTED is the adapted A2 for (low-)literate learners."""

    A1 = "A1"
    A2_ADAPTED = "A2_adapted"
    A2 = "A2"
    B1 = "B1"


LEVEL_ORDER = {Level.A1: 1, Level.A2_ADAPTED: 2, Level.A2: 3, Level.B1: 4}


class PeriodKind(StrEnum):
    WORK = "work"
    TRAINING = "training"
    STUDY = "study"


@dataclass(frozen=True)
class Fact:
    """A dated fact the agency recorded (or a later flow wrote).

    `on` is the day the fact happened (registration day, test day, confirmation day...).
    Which other fields matter depends on `kind`:
    - TEST_RESULT: test, passed, level (NT2)
    - PILLAR4_HOURS: hours (whole hours, confirmed)
    - UITGELEERD: pillar (MO or NT2)
    - PERIOD: period_kind, on (start), until (end, inclusive; None = ongoing)
    - LATE_REGISTRATION: on (the day they registered), due (the day they had to register by)
    - IRREGULAR_PARTICIPATION: pillar (MO or NT2); TEST_REFUSED: test (MO or NT2)
    - `note`: what the counsellor wrote (the reason, for the sanction facts)
    """

    kind: FactKind
    on: date
    test: TestKind | None = None
    passed: bool | None = None
    level: Level | None = None
    hours: int = 0
    pillar: Pillar | None = None
    period_kind: PeriodKind | None = None
    until: date | None = None
    due: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Suspension:
    """A suspension from `start` to `end`, both days included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Exemption:
    pillar: Pillar
    on: date
    reason: str = ""


@dataclass(frozen=True)
class ComponentDeadline:
    """The deadline agreed in the contract for one pillar's component."""

    pillar: Pillar
    deadline: date


@dataclass(frozen=True)
class PersonFacts:
    """Everything the rules need to know about one person."""

    birth_date: date
    register: Register
    obligation: Obligation
    protection: Protection = Protection.NOT_APPLICABLE
    situation: Situation = Situation.NONE
    region: Region = Region.FLANDERS
    nt2_target: Level = Level.A2
    contract_signed_on: date | None = None
    component_deadlines: tuple[ComponentDeadline, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    facts: tuple[Fact, ...] = field(default=())
