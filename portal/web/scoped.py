"""The unit of work a handler opens around its service calls, in which a record outside the
caller's reach is a 404.

The services decide what is in reach (they take the caller's person, agency or municipality and
refuse the rest as not found); this is the one place where such a refusal becomes an HTTP 404, so
that no handler writes its own "not mine → 404" and none forgets it."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from starlette.exceptions import HTTPException

from portal.services import unit
from portal.services.errors import ServiceError
from portal.web.context import Portal

EVERY_REFUSAL: tuple[str, ...] = ()
"""For services that refuse only what is out of reach: any refusal of theirs is a 404."""


@contextmanager
def scoped(portal: Portal, *, not_found: Collection[str] = ("not_found",)) -> Iterator[unit.Db]:
    """A unit of work (rolled back on any error) in which a refusal whose code is in `not_found`
    (or any refusal, with `EVERY_REFUSAL`) is a 404; other ServiceErrors are the handler's."""
    try:
        with unit.work(portal.engine) as db:
            yield db
    except ServiceError as error:
        if not not_found or error.code in not_found:
            raise HTTPException(status_code=404) from None
        raise
