"""Translated names for the domain's values (one place, so templates stay simple)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.i18n import gettext as gettext
from portal.i18n import lazy_gettext, ngettext

N_ = lazy_gettext

PILLAR_NAMES = {
    "mo": N_("Social orientation (MO)"),
    "nt2": N_("Dutch (NT2)"),
    "vdab": N_("Registration with VDAB"),
    "participation": N_("Participation and network"),
}
PILLAR_NAMES_BRUSSELS = {"vdab": N_("Registration with Actiris")}

PILLAR_HINTS = {
    "mo": N_("Follow the course about life in Flanders and pass the MO test."),
    "nt2": N_("Learn Dutch and pass the test at level A2."),
    "vdab": N_("Register as a job seeker within 2 months after you sign your contract."),
    "participation": N_("Take part for 40 hours: a buddy project, an internship or volunteering."),
}

# The five attitudes of art. 24 the course works towards (domain.course.ATTITUDES), as a
# learner reads them on a module.
ATTITUDE_NAMES = {
    "open_to_values": N_("You are open to the values of Flemish and Belgian society."),
    "respects_norms": N_("You respect the rules and laws of Flemish and Belgian society."),
    "respect_and_solidarity": N_(
        "You treat everyone with understanding and respect, whatever their background, belief, "
        "gender or orientation, and you show solidarity with other people."
    ),
    "adapts_conduct": N_(
        "You think about how you act in your new surroundings, and you change what goes "
        "against the law."
    ),
    "learns_dutch": N_("You want to learn Dutch."),
}

ROLE_NAMES = {
    "counsellor": N_("Counsellor"),
    "municipality": N_("Municipality officer"),
    "interpreting": N_("Interpreting service"),
    "admin": N_("Administrator"),
}

STATUS_NAMES = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "not_required": N_("Not required"),
    "exempt": N_("Exempt"),
    "suspended": N_("Suspended"),
    "overdue": N_("Overdue"),
}

ELIGIBILITY_NAMES = {
    "obliged": N_("Obliged to follow the integration programme"),
    "voluntary": N_("Following the integration programme voluntarily"),
    "nt2_only": N_("Dutch lessons only"),
    "not_eligible": N_("No access to the integration programme"),
}

VARIANT_NAMES = {
    "classroom": N_("In a classroom"),
    "blended": N_("Partly online, partly in a classroom"),
    "online": N_("Online"),
    "evening": N_("Evening classes"),
    "weekend": N_("Weekend classes"),
    "": N_("Not chosen yet"),
}


def _named(names: dict[str, str], key: str) -> str:
    """The translated name of a stored value; an unknown value is shown as it is."""
    return gettext(names[key]) if key in names else key


def pillar_name(pillar: str, region: str = "flanders") -> str:
    if region == "brussels" and pillar in PILLAR_NAMES_BRUSSELS:
        return gettext(PILLAR_NAMES_BRUSSELS[pillar])
    return gettext(PILLAR_NAMES[pillar])


def status_name(status: str) -> str:
    return gettext(STATUS_NAMES[status])


FACT_KIND_NAMES = {
    "vdab_registered": N_("Registration with VDAB or Actiris"),
    "mo_course_followed": N_("MO course followed"),
    "nt2_module_followed": N_("NT2 module followed"),
    "test_result": N_("Test result"),
    "pillar4_hours": N_("Participation hours confirmed on paper"),
    "uitgeleerd": N_("Reached their ceiling (uitgeleerd)"),
    "period": N_("Period of work, training or study"),
    "contract_ended": N_("Contract ended by the agency"),
    "late_registration": N_("Late first registration"),
    "intake_refused": N_("Refused the intake"),
    "contract_refused": N_("Refused to sign the contract"),
    "irregular_participation": N_("Does not take part regularly in MO or Dutch lessons"),
    "test_refused": N_("Refused a test"),
    "suspension": N_("Suspension"),
    "exemption": N_("Exemption"),
    "move": N_("Moved to another municipality"),
}

SANCTION_KIND_NAMES = {
    "vdab_late": N_("Late registration with VDAB"),
    "deadline_passed": N_("Deadline passed without the part met"),
    "late_registration": N_("Late first registration"),
    "intake_refused": N_("Refused the intake"),
    "contract_refused": N_("Refused to sign the contract"),
    "irregular_participation": N_("Does not take part regularly"),
    "test_refused": N_("Refused to take the test"),
    "retest_refused": N_("Refused to take the test again after failing"),
}

# What the portal told the person (the inbox message's kind), on the sanction list.
TOLD_NAMES = {
    "deadline_reminder": N_("Reminder of the deadline (no sanction language)"),
    "deadline_reminder_obliged": N_("Reminder of the deadline: the agency may report it"),
}


def fact_kind_name(kind: str) -> str:
    return gettext(FACT_KIND_NAMES.get(kind, kind))


def sanction_kind_name(kind: str) -> str:
    return gettext(SANCTION_KIND_NAMES.get(kind, kind))


def told_name(kind: str) -> str:
    return gettext(TOLD_NAMES.get(kind, kind))


# The counsellor's decision on a sanction fact (SanctionReview.decision); the pages say the
# same words (templates/staff/sanctions.html, person.html).
REVIEW_DECISION_NAMES = {
    "report": N_("to be reported"),
    "not_report": N_("not reported"),
}


def review_decision_name(decision: str) -> str:
    return _named(REVIEW_DECISION_NAMES, decision)


ACTION_NAMES = {
    "register_person": N_("Registered at intake"),
    "draw_up_contract": N_("Contract and plan drawn up"),
    "change_contract_draft": N_("Draft contract changed"),
    "amend_contract": N_("Signed contract amended"),
    "sign_contract": N_("Contract signed in the portal"),
    "record_paper_signature": N_("Paper signature recorded"),
    "record_fact": N_("Fact recorded"),
    "withdraw_fact": N_("Fact withdrawn"),
    "add_suspension": N_("Suspension added"),
    "add_exemption": N_("Exemption added"),
    "move_person": N_("Moved to another municipality"),
    "review_sanction": N_("Sanction fact reviewed"),
    "issue_attest": N_("Integration certificate issued"),
    "bind_subject": N_("First sign-in with the national register number"),
    "record_screening": N_("Screening for the MO exemption test recorded"),
    "hold_seat": N_("Test seat held"),
    "cancel_booking": N_("Test booking cancelled"),
    "reschedule_booking": N_("Test booking moved to another date"),
    "create_test_session": N_("Test session planned"),
    "cancel_test_session": N_("Test session cancelled"),
    "lodge_appeal": N_("Appeal lodged"),
    "decide_appeal": N_("Appeal decided"),
    "create_classroom_session": N_("Classroom session planned"),
    "record_attendance": N_("Attendance recorded"),
    "load_course": N_("Course loaded"),
    "start_payment": N_("Online payment started"),
    "payment_status": N_("Payment status changed"),
    "settle_payment": N_("Payment settled"),
    "flag_payment": N_("Payment flagged for a check"),
    "chargeback": N_("Payment charged back by the bank"),
    "refund": N_("Refund asked"),
    "refund_status": N_("Refund status changed"),
    "refund_failed": N_("Refund failed"),
    "refund_for_counsellor": N_("Refund left to the counsellor"),
    "record_waiver": N_("Fee waived"),
    "record_external_payment": N_("Payment made elsewhere recorded"),
    "grant_role": N_("Role granted"),
    "revoke_role": N_("Role ended"),
    "hand_over_caseload": N_("Caseload handed over"),
    "add_agency": N_("Agency added"),
    "add_office": N_("Office added"),
    "change_office": N_("Office changed"),
    "add_municipality": N_("Municipality added"),
    "add_interpreting_service": N_("Interpreting service added"),
    "api_key.issue": N_("API key issued"),
    "api_key.revoke": N_("API key revoked"),
    "share_code.create": N_("Share code made"),
    "share_code.revoke": N_("Share code withdrawn"),
    "status.check": N_("Status checked by an interpreting service"),
    "activity.create": N_("Activity started"),
    "activity.delete": N_("Activity draft deleted"),
    "activity.submit": N_("Activity sent to the municipality"),
    "activity.open": N_("Activity opened by the municipality"),
    "activity.decide": N_("Activity decided by the municipality"),
    "activity.contact_answer": N_("Hours answered by the host organisation"),
    "activity.export": N_("Confirmed hours exported"),
    "sanctions.export": N_("Sanction facts exported"),
    "evidence.upload": N_("Proof uploaded"),
    "evidence.download": N_("Proof downloaded"),
    "evidence.delete": N_("Proof deleted"),
    "evidence.refused": N_("Proof download refused"),
    "offer.create": N_("Activity offer published"),
    "offer.active": N_("Activity offer published again"),
    "offer.withdraw": N_("Activity offer withdrawn"),
    "text.translate": N_("Translations of a text changed"),
    "activity.copy": N_("Rejected activity copied into a new draft"),
    "confirm_booking": N_("Test booking confirmed"),
    "expire_hold": N_("Held test seat freed (not paid in time)"),
    "choose_language": N_("Language chosen"),
    "update_contact": N_("Contact details changed by the person"),
    "download_my_data": N_("The person downloaded their data"),
    "read_message": N_("Message read"),
    "conversation.start": N_("Conversation started"),
    "conversation.reply": N_("Answer written in a conversation"),
    "conversation.close": N_("Conversation closed"),
    "conversation.read": N_("Conversation read"),
    "conversation.file_read": N_("File of a conversation opened"),
    "conversation.file_refused": N_("File of a conversation refused"),
    "request.ask": N_("Request sent to the counsellor"),
    "request.approve": N_("Request approved by the counsellor"),
    "request.refuse": N_("Request refused by the counsellor"),
    "request.open": N_("Question about hours opened by the municipality"),
    "request.answer": N_("Question about hours answered by the municipality"),
    "request_file.download": N_("Proof of a request downloaded"),
    "request_file.refused": N_("Proof download of a request refused"),
}

# Requests to the counsellor (portal.domain.requests)
REQUEST_KIND_NAMES = {
    "suspension": N_("Stop my programme for a while"),
    "fee_waiver": N_("I cannot pay a fee"),
    "period": N_("I work, follow a training or study"),
    "move": N_("I moved"),
    "hours_question": N_("A question about my hours"),
}

REQUEST_STATUS_NAMES = {
    "waiting": N_("Waiting for your counsellor"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
    "answered": N_("Answered"),
}

SUSPENSION_REASON_NAMES = {
    "medical": N_("Medical reason (illness, pregnancy, hospital)"),
    "personal": N_("Personal reason (family, care for someone)"),
}


def request_kind_name(kind: str) -> str:
    return gettext(REQUEST_KIND_NAMES.get(kind, kind))


def request_status_name(status: str, kind: str = "") -> str:
    if status == "waiting" and kind == "hours_question":  # a municipality answers it
        return gettext(N_("Waiting for the municipality"))
    return gettext(REQUEST_STATUS_NAMES.get(status, status))


# What each test is like, for the person who books it.
TEST_DESCRIPTIONS = {
    "mo": N_(
        "A test about life, values and rules in Flanders and Belgium: the topics of the MO "
        "course. Everyone takes the same test, at a test centre."
    ),
    "mo_exemption": N_(
        "The same test as the MO test, taken at the start. If you pass, you do not have to "
        "follow the MO course."
    ),
    "nt2": N_(
        "A Dutch test at the level in your plan (A2, or the adapted level): reading, listening, "
        "writing and speaking. Everyone takes the same test, at a test centre."
    ),
    "b1_oral": N_("A Dutch test of listening and speaking at level B1."),
}

CHARGE_KIND_NAMES = {
    "mo_course": N_("MO course"),
    "mo_test": N_("MO test"),
    "mo_exemption_test": N_("MO exemption test"),
    "nt2_module": N_("NT2 module"),
    "nt2_utc": N_("NT2 at a university language centre"),
    "nt2_test": N_("NT2 test"),
    "b1_oral": N_("B1 oral test"),
}


def charge_kind_name(kind: str) -> str:
    """ "MO course", "NT2 test", ... in the current language."""
    return gettext(CHARGE_KIND_NAMES[str(kind)])


def fee_description(fee: Mapping[str, Any]) -> str:
    """ "MO test, attempt 2", "NT2 module: CVO Gent, 1.2, 80 lesson periods", in the current
    language, from `domain.fees.naming`."""
    kind = str(fee.get("kind", ""))
    attempt = int(fee.get("attempt") or 1)
    label = str(fee.get("label") or "")
    name = charge_kind_name(kind)
    if kind == "mo_course" and attempt > 1:
        return gettext("MO course (repeat)")
    if kind == "nt2_module":
        periods = ngettext(
            "%(num)d lesson period", "%(num)d lesson periods", int(fee.get("lesson_periods") or 0)
        )
        return f"{name}: {label}, {periods}" if label else f"{name}, {periods}"
    if kind == "nt2_utc" and label:
        return f"{name}: {label}"
    if attempt > 1:
        return gettext("%(name)s, attempt %(num)d") % {"name": name, "num": attempt}
    return name


TEST_NAMES = {
    "mo": N_("MO test"),
    "mo_exemption": N_("MO exemption test"),
    "nt2": N_("NT2 test"),
    "b1_oral": N_("B1 oral test"),
}


def action_name(action: str) -> str:
    return _named(ACTION_NAMES, action)


def role_name(role: str) -> str:
    return _named(ROLE_NAMES, role)


def test_name(test: str) -> str:
    return _named(TEST_NAMES, test)


PAYMENT_STATUS_NAMES = {
    "open": N_("waiting for payment"),
    "pending": N_("being processed"),
    "authorized": N_("authorised"),
    "paid": N_("paid"),
    "canceled": N_("cancelled"),
    "expired": N_("expired"),
    "failed": N_("failed"),
}


def payment_status_name(status: str) -> str:
    return _named(PAYMENT_STATUS_NAMES, status)


BOOKING_STATUS_NAMES = {
    "held": N_("seat kept, waiting for payment"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "attended": N_("result recorded"),
}


def booking_status_name(status: str) -> str:
    return _named(BOOKING_STATUS_NAMES, status)


LEVELS = ("A1", "A2_adapted", "A2", "B1")  # CEFR codes stay as they are, in every language
LEVEL_NAMES = {"A2_adapted": N_("A2 (adapted level)")}


def level_name(level: str) -> str:
    return _named(LEVEL_NAMES, level)


def level_options() -> list[tuple[str, str]]:
    return [(code, level_name(code)) for code in LEVELS]


ACTIVITY_KIND_NAMES = {
    "buddy": N_("buddy project"),
    "internship": N_("introductory internship (at a company, association or local government)"),
    "volunteering": N_("volunteering"),
    "language_internship": N_("language internship"),
}


def activity_kind_name(kind: str) -> str:
    return _named(ACTIVITY_KIND_NAMES, kind)


ACTIVITY_STATUS_NAMES = {
    "draft": N_("draft: not sent yet"),
    "submitted": N_("waiting for the municipality"),
    "info_requested": N_("question from the municipality"),
    "confirmed": N_("confirmed"),
    "partly_confirmed": N_("partly confirmed"),
    "rejected": N_("not confirmed"),
}


def activity_status_name(status: str) -> str:
    return _named(ACTIVITY_STATUS_NAMES, status)


ACTIVITY_EVENT_NAMES = {
    "submitted": N_("sent to the municipality"),
    "resubmitted": N_("sent again to the municipality"),
    "withdrawn": N_("taken back to change"),
    "confirm_all": N_("all hours confirmed by the municipality"),
    "confirm_part": N_("some hours confirmed by the municipality"),
    "reject": N_("not confirmed by the municipality"),
    "ask_info": N_("question from the municipality"),
    "contact_agree": N_("the organisation confirmed the hours"),
    "contact_disagree": N_("the organisation did not confirm the hours"),
}


def activity_event_name(kind: str) -> str:
    return _named(ACTIVITY_EVENT_NAMES, kind)
