"""Tables, one module per area; import them from here (`from portal.db import models as m`).
Enumerated values are stored as short strings (the domain's StrEnum values), so SQLite and
PostgreSQL behave the same and a new value needs no type migration."""

from __future__ import annotations

from portal.db.models.base import utcnow
from portal.db.models.conversations import (
    Conversation,
    ConversationFile,
    ConversationPost,
    ConversationRead,
)
from portal.db.models.course import (
    Attendance,
    ClassroomQuestion,
    ClassroomSession,
    CourseModule,
    CourseVersion,
    LessonRead,
    ModuleCompletion,
    SelfCheckAnswer,
)
from portal.db.models.interpreting import ApiKey, ShareCode, StatusCheck
from portal.db.models.money import Payment, PaymentEvent, Refund
from portal.db.models.organisations import (
    Account,
    Agency,
    InterpretingService,
    Municipality,
    Office,
    RoleGrant,
)
from portal.db.models.participation import (
    Activity,
    ActivityEvent,
    ActivityOffer,
    ConfirmationLink,
    EvidenceFile,
    LogbookLine,
)
from portal.db.models.people import (
    Amendment,
    Attest,
    Contract,
    Exemption,
    Fact,
    Nt2Module,
    Person,
    PlanComponent,
    Residence,
    SanctionReview,
    Suspension,
    Waiver,
)
from portal.db.models.requests import PersonRequest, RequestFile
from portal.db.models.summaries import PersonDashboard, PersonSummary, SanctionFactRow
from portal.db.models.system import (
    AppMeta,
    AuditLog,
    JobRun,
    Message,
    OutboxEmail,
    RateLimitHit,
    ReminderSent,
    WebSession,
)
from portal.db.models.testing import Appeal, Booking, Screening, TestLocation, TestSession

__all__ = [
    "Account",
    "Activity",
    "ActivityEvent",
    "ActivityOffer",
    "Agency",
    "Amendment",
    "ApiKey",
    "AppMeta",
    "Appeal",
    "Attendance",
    "Attest",
    "AuditLog",
    "Booking",
    "ClassroomQuestion",
    "ClassroomSession",
    "ConfirmationLink",
    "Contract",
    "Conversation",
    "ConversationFile",
    "ConversationPost",
    "ConversationRead",
    "CourseModule",
    "CourseVersion",
    "EvidenceFile",
    "Exemption",
    "Fact",
    "InterpretingService",
    "JobRun",
    "LessonRead",
    "LogbookLine",
    "Message",
    "ModuleCompletion",
    "Municipality",
    "Nt2Module",
    "Office",
    "OutboxEmail",
    "Payment",
    "PaymentEvent",
    "Person",
    "PersonDashboard",
    "PersonRequest",
    "PersonSummary",
    "PlanComponent",
    "RateLimitHit",
    "Refund",
    "ReminderSent",
    "RequestFile",
    "Residence",
    "RoleGrant",
    "SanctionFactRow",
    "SanctionReview",
    "Screening",
    "SelfCheckAnswer",
    "ShareCode",
    "StatusCheck",
    "Suspension",
    "TestLocation",
    "TestSession",
    "Waiver",
    "WebSession",
    "utcnow",
]
