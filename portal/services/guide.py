"""The guide for one person: each task of their programme with a status that tells the truth and
one next step, and the single thing to do now.

The rules (`dossier.evaluate`) know the recorded facts. The guide gathers the rest of what the
person did or has waiting — fees still open, tests booked or bookable, the online course, hours
sent to the municipality, NT2 modules followed — into `domain.guide.Doings`, and lets the pure
`domain.guide` decide. Read-only, one dossier load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from portal.domain.evaluate import Evaluation
from portal.domain.fees import Charge, ChargeKind
from portal.domain.guide import Doings, OpenFee, Step, Task, tasks, what_now
from portal.domain.model import FactKind, Pillar, TestKind
from portal.domain.participation import SubmissionStatus, counts_as_waiting
from portal.domain.rules import rules_on
from portal.services import booking, course
from portal.services.dossier import Dossier
from portal.services.participation.records import claimed_hours
from portal.services.payments import statement

PILLAR_OF_FEE: dict[ChargeKind, Pillar] = {
    ChargeKind.MO_COURSE: Pillar.MO,
    ChargeKind.MO_TEST: Pillar.MO,
    ChargeKind.MO_EXEMPTION_TEST: Pillar.MO,
    ChargeKind.NT2_MODULE: Pillar.NT2,
    ChargeKind.NT2_UTC: Pillar.NT2,
    ChargeKind.NT2_TEST: Pillar.NT2,
    # the B1 oral test comes after the certificate: not one of the four tasks
}

PILLAR_OF_TEST: dict[TestKind, Pillar] = {
    TestKind.MO: Pillar.MO,
    TestKind.MO_EXEMPTION: Pillar.MO,
    TestKind.NT2: Pillar.NT2,
}


@dataclass(frozen=True)
class Guide:
    tasks: tuple[Task, ...]
    now: Step | None  # the single most urgent step, None when nothing is left to do
    open_cents: int  # all fees still to pay, the B1 test included
    course_counts: tuple[int, int] | None  # online MO course: (modules done, required)
    next_module: str | None  # the module id to continue with
    charges: dict[str, Charge]  # the open fees by key, to name them
    # the first moment after `now` when time alone changes the guide within the day: a held
    # seat running out (the test bookable again), a booked test starting (no longer to come)
    changes_at: datetime | None = None

    def task(self, pillar: Pillar) -> Task | None:
        return next((t for t in self.tasks if t.pillar is pillar), None)


def guide_for(
    db: Session, dossier: Dossier, now: datetime, evaluation: Evaluation | None = None
) -> Guide:
    """The person's tasks and what to do now, on `now`'s day in Brussels (`evaluation`: the
    dossier's evaluation for that day, when the caller has made it already)."""
    today = now.date()
    evaluation = evaluation or dossier.evaluate(today)

    open_fees: list[OpenFee] = []
    charges: dict[str, Charge] = {}
    open_cents = 0
    owed = statement(db, dossier, refunds=False)
    for line in owed.lines:
        if not line.payable:
            continue
        open_cents += line.charge.amount_cents
        charges[line.key] = line.charge
        pillar = PILLAR_OF_FEE.get(line.charge.source.kind)
        if pillar is not None:
            open_fees.append(OpenFee(pillar, line.key, line.charge.amount_cents))

    booked: dict[Pillar, date] = {}
    changes_at = min(
        (
            moment
            for booking_row, session, _place in owed.bookings
            for moment in (booking_row.hold_expires_at, session.starts_at)
            if moment is not None and moment > now
        ),
        default=None,
    )
    for test, day in booking.upcoming_of(owed.bookings, now).items():
        pillar = PILLAR_OF_TEST.get(test)
        if pillar is not None and day < booked.get(pillar, date.max):
            booked[pillar] = day
    may_book = frozenset(
        PILLAR_OF_TEST[test]
        for test in booking.bookable_tests(db, dossier, now, [b for b, _, _ in owed.bookings])
        if test in PILLAR_OF_TEST
    )

    progress = course.progress_summary(db, dossier, today)
    counts, next_module = progress.counts, progress.next_module
    mo = next((c for c in dossier.components if c.pillar == "mo"), None)
    online = mo is not None and counts is not None

    claims = [
        (SubmissionStatus(status), hours) for status, hours in claimed_hours(db, dossier.person_id)
    ]
    statuses = [status for status, _ in claims]
    signed = dossier.contract.signed_on if dossier.contract else None

    doings = Doings(
        course_modules_done=counts[0] if online and counts else 0,
        course_modules_required=counts[1] if online and counts else 0,
        next_module=next_module,
        open_fees=tuple(open_fees),
        booked=booked,
        may_book=may_book,
        hours_waiting=sum(hours for status, hours in claims if counts_as_waiting(status)),
        hours_in_draft=SubmissionStatus.DRAFT in statuses,
        hours_asked=SubmissionStatus.INFO_REQUESTED in statuses,
        hours_needed=rules_on(signed or today).participation_hours,
        nt2_modules_followed=sum(
            1 for f in dossier.active_facts if f.kind == FactKind.NT2_MODULE_FOLLOWED.value
        ),
    )
    all_tasks = tasks(evaluation.pillars, doings)
    return Guide(
        all_tasks, what_now(all_tasks), open_cents, counts, next_module, charges, changes_at
    )
