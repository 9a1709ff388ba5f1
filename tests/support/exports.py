"""Reading the CSV exports staff download, and what a label says in a given language."""

from __future__ import annotations

import codecs
import contextvars
import csv
import io
from collections.abc import Callable
from typing import Any

from portal import i18n


def in_language(language: str, label: Callable[..., str], *args: Any) -> str:
    """What `label(*args)` says in `language`, through the portal's own gettext and catalogs
    (a message not translated yet reads as its English id there too)."""

    def run() -> str:
        i18n.set_language(language)
        return label(*args)

    return contextvars.copy_context().run(run)


def translated(language: str, msgid: str) -> str:
    """The catalog's translation of `msgid` in `language`."""
    return i18n.translations(language).gettext(msgid)


def csv_table(response: Any) -> list[list[str]]:
    """The rows of a downloaded CSV (headers first), after checking what a spreadsheet needs:
    a CSV served as UTF-8, starting with the byte order mark Excel on Windows reads it by."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(codecs.BOM_UTF8), "no UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_records(response: Any) -> list[dict[str, str]]:
    """The rows of a downloaded CSV keyed by their header, as written (in its language)."""
    header, *rows = csv_table(response)
    return [dict(zip(header, row, strict=True)) for row in rows]
