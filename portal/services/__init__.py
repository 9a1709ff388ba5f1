"""Services: one function per user action (see DESIGN.md)."""

from portal.services import summaries as _summaries  # noqa: F401  (its session hooks, once)
