"""All routes of the portal, gathered per area."""

from __future__ import annotations

from starlette.routing import BaseRoute

from portal.web import (
    admin,
    auth,
    citizen,
    classroom,
    conversations,
    counsellor,
    course,
    info,
    interpreting,
    interpreting_api,
    my_counsellor,
    participation,
    payments,
    profile,
    public,
    requests,
    staff,
    staff_tests,
    tests_booking,
    translations,
)


def all_routes() -> list[BaseRoute]:
    return [
        *public.routes(),
        *auth.routes(),
        *citizen.routes(),
        *counsellor.routes(),
        *payments.routes(),
        *classroom.routes(),
        *course.routes(),
        *tests_booking.routes(),
        *staff_tests.routes(),
        *staff.routes(),
        *interpreting.routes(),
        *interpreting_api.routes(),
        *participation.routes(),
        *admin.routes(),
        *info.routes(),
        *profile.routes(),
        *my_counsellor.routes(),
        *conversations.routes(),
        *requests.routes(),
        *translations.routes(),
    ]
