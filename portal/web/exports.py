"""CSV exports staff open in a spreadsheet, in the language of the person who downloads them.

An export is a list of `Column`s — a header (an English msgid marked with `N_`, translated when
the file is written) and a function that gives one record's cell — and the records.
`csv_response` writes the header row, then one row per record as the records come: the body is
streamed, so an export that reads its records lazily never holds the whole file.

The headers and the coded values are for people, in the language of the request (as the pages:
`portal.i18n`, `portal.web.locale`). The cells stay readable by a spreadsheet in every locale:

- a coded value (a status, a kind, a pillar, a decision) is written as the label the pages show
  (`portal.labels`), never as its internal code;
- a date is ISO `YYYY-MM-DD` and a moment `YYYY-MM-DD HH:MM` in Brussels time (`iso_date`,
  `iso_moment`), never the reader's long date ("14 décembre 2026"): Excel and LibreOffice read
  these as dates whatever their locale, and they sort;
- a count (hours, days) is a plain integer;
- every text cell goes through `csv_safe` (no formulas from free text: CSV injection);
- the file is UTF-8 with a byte order mark: without it Excel on Windows reads a CSV in the
  system's ANSI code page, which garbles Arabic, Cyrillic or Turkish letters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Generic, TypeVar

from starlette.responses import StreamingResponse

from portal import i18n
from portal.settings import BRUSSELS
from portal.web.forms import Form

FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}
BOM = "\ufeff"  # UTF-8 byte order mark: Excel on Windows reads the file as UTF-8
CHUNK = 16 * 1024  # characters sent at a time

Record = TypeVar("Record")
Cell = str | int | None


def csv_safe(value: str) -> str:
    """No spreadsheet formulas from free text (CSV injection): a cell that a spreadsheet would
    read as a formula gets a leading apostrophe, also after leading spaces."""
    stripped = value.lstrip(" ")
    return "'" + value if stripped[:1] in FORMULA_STARTS else value


def iso_date(day: date | None) -> str:
    """A date as ISO `YYYY-MM-DD` (a moment: its day in Brussels), which every spreadsheet reads
    as a date in every locale; no date, an empty cell."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        return _in_brussels(day).date().isoformat()
    return day.isoformat()


def iso_moment(moment: datetime | None) -> str:
    """A moment as `YYYY-MM-DD HH:MM` in Brussels time (no seconds, no offset), which every
    spreadsheet reads as a date and time in every locale; no moment, an empty cell."""
    return "" if moment is None else _in_brussels(moment).strftime("%Y-%m-%d %H:%M")


def _in_brussels(moment: datetime) -> datetime:
    """The portal stores UTC; a moment read back without its zone is UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BRUSSELS)


@dataclass(frozen=True)
class Column(Generic[Record]):
    """One column of an export: `header` is an English msgid (mark it with `N_`), translated
    into the reader's language when the file is written; `value` gives a record's cell."""

    header: str
    value: Callable[[Record], Cell]


def _cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_safe(value)  # every text, free or not: a label never needs a formula either
    return value


def read_period(params: Mapping[str, str]) -> tuple[Form, date | None, date | None]:
    """The period an export asks for (`from`, `to`: days, both included, either left open),
    as a form that keeps what was typed and names what is wrong (not a date; the end before the
    start), and its two days when they are right."""
    period = Form({"from": params.get("from", ""), "to": params.get("to", "")})
    start = period.date("from", required=False)
    end = period.date("to", required=False)
    if start is not None and end is not None and end < start:
        period.error("to", "period_order")
    return period, start, end


def csv_lines(columns: Sequence[Column[Record]], records: Iterable[Record]) -> Iterator[str]:
    """The file in pieces: the byte order mark and the translated headers, then the rows.

    The reader's language is taken now, when the response is made: a streamed body is written
    later, maybe in another thread, and each piece is written in that language again."""
    return _pieces(columns, records, i18n.current_language())


def _pieces(
    columns: Sequence[Column[Record]], records: Iterable[Record], language: str
) -> Iterator[str]:
    i18n.set_language(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([i18n.gettext(column.header) for column in columns])
    for record in records:
        i18n.set_language(language)  # each piece may run in a fresh copy of the context
        writer.writerow([_cell(column.value(record)) for column in columns])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    columns: Sequence[Column[Record]], records: Iterable[Record], filename: str
) -> StreamingResponse:
    """A CSV download, streamed, in the language of the request (see the module's notes)."""
    return StreamingResponse(
        csv_lines(columns, records),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
