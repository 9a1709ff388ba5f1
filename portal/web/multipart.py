"""A streaming multipart/form-data reader with limits, for forms with a file upload.

Starlette's `request.form()` reads the whole body (spooling files to disk) before we can look at
it. The portal's upload forms put the text fields first and the file input last, so by streaming
the body through python-multipart's low-level parser we can stop as soon as a file grows past its
limit, without reading (or storing) the rest, and still give back the text fields already typed:
the page is shown again with those values and an error next to the file input.

Everything is kept in memory (no temporary files): the limits bound how much that is.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from portal.adapters.uploads import CheckedFile, UploadRejected, inspect_upload

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


@dataclass
class IncomingFile:
    field: str
    filename: str
    content_type: str
    data: bytes  # b"" when too_large
    too_large: bool = False


@dataclass
class ParsedForm:
    fields: list[tuple[str, str]]  # in order; duplicates kept (logbook rows repeat names)
    files: list[IncomingFile]
    too_many_files: bool = False
    stopped_early: bool = False  # we stopped reading the body (too large file / too many files)

    def get(self, name: str, default: str = "") -> str:
        """The last value given for `name`, as Starlette's FormData does."""
        for key, value in reversed(self.fields):
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]


class BodyTooLarge(Exception):
    """The request body is larger than max_body."""


class BadMultipart(Exception):
    """Not a well-formed multipart/form-data body we are willing to read: wrong content type,
    no boundary, malformed body, a field or name that is not UTF-8, too many fields, a field
    that is too long."""


class _StopReading(Exception):
    """Raised from a parser callback to stop parsing at once (the parser has no other way)."""


@dataclass
class _Part:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    name: str = ""
    filename: str | None = None  # None: a text field
    content_type: str = ""
    data: bytearray = field(default_factory=bytearray)
    counted: bool = False  # counted against max_files


class _Collector:
    """The parser callbacks: builds the ParsedForm part by part and enforces the limits."""

    def __init__(
        self, *, max_file_bytes: int, max_files: int, max_field_bytes: int, max_fields: int
    ) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.max_field_bytes = max_field_bytes
        self.max_fields = max_fields
        self.form = ParsedForm(fields=[], files=[])
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.field_count = 0
        self.file_count = 0
        self.finished = False  # the closing boundary was seen

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers.append((bytes(self.header_name).lower(), bytes(self.header_value)))
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        part = self.part
        disposition = next((v for k, v in part.headers if k == b"content-disposition"), b"")
        kind, options = parse_options_header(disposition)
        if kind != b"form-data" or b"name" not in options:
            raise BadMultipart("part without a form-data name")
        part.name = _utf8(options[b"name"])
        if b"filename" in options:
            part.filename = _utf8(options[b"filename"])
            content_type = next((v for k, v in part.headers if k == b"content-type"), b"")
            part.content_type = (
                _utf8(parse_options_header(content_type)[0]) or "application/octet-stream"
            )
            # A file input the browser sent empty (no file chosen) has no name: it only counts
            # once data arrives. A named file counts now, even if it turns out to be empty.
            if part.filename:
                self._count_file()
        else:
            self.field_count += 1
            if self.field_count > self.max_fields:
                raise BadMultipart("too many fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        chunk = data[start:end]
        if part.filename is None:
            if len(part.data) + len(chunk) > self.max_field_bytes:
                raise BadMultipart("field too long")
            part.data += chunk
            return
        if not part.counted:
            self._count_file()
        if len(part.data) + len(chunk) > self.max_file_bytes:
            # Keep the fact (for the error message), not the bytes, and read no further.
            self.form.files.append(
                IncomingFile(part.name, part.filename, part.content_type, b"", too_large=True)
            )
            self.form.stopped_early = True
            raise _StopReading
        part.data += chunk

    def on_part_end(self) -> None:
        part = self.part
        if part.filename is None:
            self.form.fields.append((part.name, _utf8(bytes(part.data))))
        elif part.filename or part.data:  # an empty file input is ignored entirely
            self.form.files.append(
                IncomingFile(part.name, part.filename, part.content_type, bytes(part.data))
            )

    def on_end(self) -> None:
        self.finished = True

    def _count_file(self) -> None:
        self.part.counted = True
        self.file_count += 1
        if self.file_count > self.max_files:
            # Keep the first max_files; this one and anything after it are not read.
            self.form.too_many_files = True
            self.form.stopped_early = True
            raise _StopReading


def _utf8(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadMultipart("not UTF-8") from exc


async def read_multipart(
    request: Request,
    *,
    max_body: int,
    max_file_bytes: int,
    max_files: int,
    max_field_bytes: int = 65_536,
    max_fields: int = 1_000,
) -> ParsedForm:
    """Read a multipart/form-data request body within limits.

    Raises BodyTooLarge when the body (declared by Content-Length, or counted while streaming
    when there is none) is larger than max_body, and BadMultipart for a body we will not read.
    A file larger than max_file_bytes, or a file beyond max_files, does not raise: reading stops
    there and the form read so far comes back with `stopped_early` set (and the file marked
    `too_large`, or `too_many_files` set).
    """
    # parse_options_header hands back the parameter bytes exactly as sent.
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary", b"")
    if kind != b"multipart/form-data" or not boundary:
        raise BadMultipart("not multipart/form-data with a boundary")

    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.isdigit():
            raise BadMultipart("bad Content-Length")
        if int(declared) > max_body:
            raise BodyTooLarge  # refused before a single byte of the body is read

    collector = _Collector(
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        max_field_bytes=max_field_bytes,
        max_fields=max_fields,
    )
    try:
        parser = MultipartParser(boundary, collector.callbacks())
    except FormParserError as exc:  # e.g. an absurdly long boundary
        raise BadMultipart(str(exc)) from exc

    received = 0
    stream: AsyncGenerator[bytes, None] = request.stream()
    # aclosing: when we stop early, close the stream at once instead of reading the rest.
    async with aclosing(stream):
        async for chunk in stream:
            # Counted even with a Content-Length: the client may send more than it declared.
            received += len(chunk)
            if received > max_body:
                raise BodyTooLarge
            try:
                parser.write(chunk)
            except _StopReading:
                return collector.form
            except FormParserError as exc:
                raise BadMultipart(str(exc)) from exc
    parser.finalize()
    if not collector.finished:
        raise BadMultipart("the body ends before the closing boundary")
    return collector.form


def inspected(incoming: IncomingFile, max_bytes: int) -> CheckedFile:
    """A posted file checked by its content (`inspect_upload`); a file the reader stopped
    reading for its size is refused the same way, as "file_too_large"."""
    if incoming.too_large:
        raise UploadRejected("file_too_large")
    return inspect_upload(
        incoming.data, incoming.filename, incoming.content_type, max_bytes=max_bytes
    )
