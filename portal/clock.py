"""The one place that reads the clock. `PORTAL_NOW` fixes it for demos and tests."""

from __future__ import annotations

from datetime import date, datetime

from portal.settings import BRUSSELS, Settings


class Clock:
    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = fixed.astimezone(BRUSSELS) if fixed is not None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Clock:
        return cls(settings.now)

    def now(self) -> datetime:
        """Now, timezone-aware, in Europe/Brussels."""
        if self._fixed is not None:
            return self._fixed
        return datetime.now(BRUSSELS)

    def today(self) -> date:
        """Today's calendar day in Europe/Brussels."""
        return self.now().date()

    def set(self, fixed: datetime) -> None:
        """Move a fixed clock (tests only)."""
        self._fixed = fixed.astimezone(BRUSSELS)


_installed = Clock()


def install(clock: Clock) -> None:
    """Make `clock` the process's clock (the app does, at start): audit records take their
    time from it, so a fixed clock (PORTAL_NOW) holds for them too."""
    global _installed
    _installed = clock


def now() -> datetime:
    """Now, by the installed clock."""
    return _installed.now()
