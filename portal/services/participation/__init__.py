"""Pillar 4, participation and network: the uniform form, its proof, the host organisation's
confirmation link and the municipality's decision.

Hours count once the municipality where the person lives *when it decides* confirms them; a
confirmation is recorded as the same PILLAR4_HOURS fact a counsellor records by hand, so the
rules (portal.domain.pillars) need nothing new. A person who moves takes open submissions along:
queues and access follow the person's current municipality.

One module per audience: `citizen` (the newcomer's activities, sending) and `drafts` (the form
and its files), `host` (the contact's confirmation link), `municipality` (queue, decision,
export), `offers` (what a municipality offers), `files` (who may read a proof file); `records`
holds what they share. `from portal.services import participation` gives all of them, except
`questions` (a person's question about hours, answered by the municipality), imported on its
own: it builds on services.requests.
"""

from __future__ import annotations

from portal.services.participation.citizen import (
    DraftView,
    Overview,
    activity_view,
    check,
    draft_view,
    hours_summary,
    overview,
    problems_of,
    submit,
    withdraw,
)
from portal.services.participation.drafts import (
    SavedDraft,
    add_file,
    copy_as_draft,
    delete_draft,
    remove_file,
    save_draft,
    save_valid,
    save_with_files,
    start_draft,
    store_file,
)
from portal.services.participation.files import file_for, readable_file
from portal.services.participation.host import (
    CONTACT_BODY,
    CONTACT_SUBJECT,
    LinkView,
    answer_link,
    open_link,
)
from portal.services.participation.municipality import (
    MESSAGE_OF_DECISION,
    WAITING,
    ConfirmedHours,
    Home,
    OfficerView,
    decide,
    decided_by,
    export_confirmed,
    home,
    officer_activity,
    officer_view,
    open_for_officer,
    queue,
)
from portal.services.participation.offers import (
    OffersPage,
    create_offer,
    offers_in,
    offers_page,
    set_offer_active,
)
from portal.services.participation.records import (
    EDITABLE,
    TEXT_LIMITS,
    ActivityInput,
    ActivityProblems,
    ActivityView,
    activities_of,
    events_of,
    files_of,
    lines_of,
    own_activity,
)

__all__ = [
    "CONTACT_BODY",
    "CONTACT_SUBJECT",
    "EDITABLE",
    "MESSAGE_OF_DECISION",
    "TEXT_LIMITS",
    "WAITING",
    "ActivityInput",
    "ActivityProblems",
    "ActivityView",
    "ConfirmedHours",
    "DraftView",
    "Home",
    "LinkView",
    "OffersPage",
    "OfficerView",
    "Overview",
    "SavedDraft",
    "activities_of",
    "activity_view",
    "add_file",
    "answer_link",
    "check",
    "copy_as_draft",
    "create_offer",
    "decide",
    "decided_by",
    "delete_draft",
    "draft_view",
    "events_of",
    "export_confirmed",
    "file_for",
    "files_of",
    "home",
    "hours_summary",
    "lines_of",
    "offers_in",
    "offers_page",
    "officer_activity",
    "officer_view",
    "open_for_officer",
    "open_link",
    "overview",
    "own_activity",
    "problems_of",
    "queue",
    "readable_file",
    "remove_file",
    "save_draft",
    "save_valid",
    "save_with_files",
    "set_offer_active",
    "start_draft",
    "store_file",
    "submit",
    "withdraw",
]
