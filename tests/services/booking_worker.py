"""Run in separate processes by the concurrency test: one booking attempt each."""

from __future__ import annotations

from datetime import datetime


def attempt(args: tuple[str, int, int, str]) -> str:
    url, person_id, session_id, now = args
    from portal.db.engine import make_engine
    from portal.services.booking import hold_seat
    from portal.services.errors import ServiceError

    engine = make_engine(url)
    try:
        hold_seat(engine, person_id, session_id, datetime.fromisoformat(now))
        return "ok"
    except ServiceError as error:
        return error.code
    except Exception as error:  # an error page in the app: the test fails on it
        return f"error: {type(error).__name__}: {error}"
    finally:
        engine.dispose()
