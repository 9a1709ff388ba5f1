"""The guide in words: each task's status and next step as the person reads them, with the link
that does it. The decisions are the guide's (`services.guide`, `domain.guide`); this only says
them in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import i18n, labels
from portal.domain.guide import Step, StepKind, Task, TaskStatus
from portal.domain.model import Pillar
from portal.services.guide import Guide
from portal.web.payments import describe

N_ = i18n.lazy_gettext

TASK_STATUS_NAMES = {
    TaskStatus.NOT_STARTED: N_("Not started"),
    TaskStatus.IN_PROGRESS: N_("In progress"),
    TaskStatus.WAITING: N_("Waiting for the municipality"),
    TaskStatus.TEST_BOOKED: N_("Test booked"),
    TaskStatus.DONE: N_("Done"),
    TaskStatus.EXEMPT: N_("Exempt"),
    TaskStatus.NOT_REQUIRED: N_("Not required"),
    TaskStatus.SUSPENDED: N_("Suspended"),
    TaskStatus.OVERDUE: N_("Overdue"),
}

# the colour class of the status tag (the text says it; the colour only repeats it)
TAG = {
    TaskStatus.WAITING: "in_progress",
    TaskStatus.TEST_BOOKED: "in_progress",
}

VDAB = "https://www.vdab.be/"
ACTIRIS = "https://www.actiris.brussels/"


@dataclass(frozen=True)
class StepText:
    text: str  # what to do, as a link text
    href: str
    when: str  # "Before 1 March 2027", "" without a date
    external: bool = False
    pictogram: str = ""  # the sprite's picture beside the words (pay, book, upload), or none


def step_text(step: Step, guide: Guide, region: str) -> StepText:
    when = (
        i18n.gettext("Before %(date)s") % {"date": i18n.format_date(step.due)}
        if step.due and step.kind is not StepKind.GO_TO_TEST
        else ""
    )
    match step.kind:
        case StepKind.PAY:
            fee = step.fee
            charge = guide.charges.get(fee.key) if fee else None
            text = i18n.gettext("Pay %(amount)s: %(what)s") % {
                "amount": i18n.format_money(fee.amount_cents if fee else 0),
                "what": describe(charge) if charge else labels.pillar_name(step.pillar.value),
            }
            return StepText(text, "/my/payments", when, pictogram="pay")
        case StepKind.START_COURSE:
            return StepText(i18n.gettext("Start the online MO course"), "/my/course", when)
        case StepKind.CONTINUE_COURSE:
            done, total = guide.course_counts or (0, 0)
            text = i18n.ngettext(
                "Continue the online MO course (%(done)d of %(num)d module done)",
                "Continue the online MO course (%(done)d of %(num)d modules done)",
                total,
                done=done,
            )
            href = f"/my/course/{step.module}" if step.module else "/my/course"
            return StepText(text, href, when)
        case StepKind.FOLLOW_MO:
            return StepText(i18n.gettext("Follow the MO course"), "/help#mo", when)
        case StepKind.BOOK_TEST:
            text = (
                i18n.gettext("Book your MO test")
                if step.pillar is Pillar.MO
                else i18n.gettext("Book your Dutch test")
            )
            return StepText(text, "/my/tests", when, pictogram="book")
        case StepKind.GO_TO_TEST:
            day = step.due or date.min
            return StepText(
                i18n.gettext("Go to your test on %(date)s") % {"date": i18n.format_date(day)},
                "/my/tests",
                "",
            )
        case StepKind.FOLLOW_NT2:
            return StepText(i18n.gettext("Follow your Dutch course"), "/help#nt2", when)
        case StepKind.REGISTER_VDAB:
            if region == "brussels":
                return StepText(i18n.gettext("Register at Actiris"), ACTIRIS, when, external=True)
            return StepText(i18n.gettext("Register at VDAB"), VDAB, when, external=True)
        case StepKind.RECORD_HOURS:
            return StepText(
                i18n.gettext("Record your participation hours"),
                "/my/participation",
                when,
                pictogram="upload",  # the hours go with their proof (a photo or a PDF)
            )
        case StepKind.ANSWER_MUNICIPALITY:
            return StepText(
                i18n.gettext("Answer the municipality's question about your hours"),
                "/my/participation",
                when,
            )


def task_view(task: Task, guide: Guide, region: str) -> dict[str, object]:
    return {
        "status": task.status.value,
        "status_name": i18n.gettext(TASK_STATUS_NAMES[task.status]),
        "tag": TAG.get(task.status, task.status.value),
        "step": step_text(task.step, guide, region) if task.step else None,
        "hours_waiting": task.hours_waiting,
    }


def guide_context(guide: Guide, region: str) -> dict[str, object]:
    """`tasks` by pillar value and `what_now` (with the pillar's name), for the templates."""
    now = guide.now
    return {
        "tasks": {t.pillar.value: task_view(t, guide, region) for t in guide.tasks},
        "what_now": (
            {
                "step": step_text(now, guide, region),
                "pillar": labels.pillar_name(now.pillar.value, region),
                "overdue": any(
                    t.step == now and t.status is TaskStatus.OVERDUE for t in guide.tasks
                ),
            }
            if now
            else None
        ),
        "open_cents": guide.open_cents,
        "course_counts": guide.course_counts,
    }
