"""The streaming multipart/form-data reader: limits, early stop, and what it gives back."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.web.multipart import (
    BadMultipart,
    BodyTooLarge,
    IncomingFile,
    ParsedForm,
    read_multipart,
)

MB = 1024 * 1024
BOUNDARY = "----portalFormBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

# ------------------------------------------------------------------------------ body making

Part = tuple[bytes, bytes]  # (headers, data)


def text(name: str, value: str | bytes) -> Part:
    data = value.encode() if isinstance(value, str) else value
    return f'Content-Disposition: form-data; name="{name}"'.encode(), data


def upload(name: str, filename: str | bytes, data: bytes, content_type: str = "image/jpeg") -> Part:
    raw_name = filename.encode() if isinstance(filename, str) else filename
    headers = (
        f'Content-Disposition: form-data; name="{name}"; filename="'.encode()
        + raw_name
        + f'"\r\nContent-Type: {content_type}'.encode()
    )
    return headers, data


def body(*parts: Part, close: bool = True) -> bytes:
    out = bytearray()
    for headers, data in parts:
        out += f"--{BOUNDARY}\r\n".encode() + headers + b"\r\n\r\n" + data + b"\r\n"
    if close:
        out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


# ----------------------------------------------------------------- a tiny app (TestClient)

LIMITS = {"max_body": 3 * MB, "max_file_bytes": 1 * MB, "max_files": 2}


async def endpoint(request: Request) -> JSONResponse:
    try:
        form = await read_multipart(request, **LIMITS)
    except BodyTooLarge:
        return JSONResponse({"error": "body_too_large"}, status_code=413)
    except BadMultipart as exc:
        return JSONResponse({"error": "bad_multipart", "detail": str(exc)}, status_code=400)
    return JSONResponse(
        {
            "fields": form.fields,
            "files": [
                {
                    "field": f.field,
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": len(f.data),
                    "head": f.data[:8].decode("latin-1"),
                    "too_large": f.too_large,
                }
                for f in form.files
            ],
            "too_many_files": form.too_many_files,
            "stopped_early": form.stopped_early,
        }
    )


@pytest.fixture
def client() -> Iterable[TestClient]:
    app = Starlette(routes=[Route("/upload", endpoint, methods=["POST"])])
    with TestClient(app) as test_client:
        yield test_client


def post(client: TestClient, content: bytes, content_type: str = MULTIPART):
    return client.post("/upload", content=content, headers={"content-type": content_type})


def test_fields_and_a_file(client):
    sent = body(
        text("hours", "3"),
        text("note", "Taalcafé in de bib – ✓"),
        upload("proof", "aanwezigheid.pdf", b"%PDF-1.7 ...", "application/pdf"),
    )
    answer = post(client, sent).json()
    assert answer["fields"] == [["hours", "3"], ["note", "Taalcafé in de bib – ✓"]]
    assert answer["files"] == [
        {
            "field": "proof",
            "filename": "aanwezigheid.pdf",
            "content_type": "application/pdf",
            "size": 12,
            "head": "%PDF-1.7",
            "too_large": False,
        }
    ]
    assert answer["too_many_files"] is False
    assert answer["stopped_early"] is False


def test_duplicate_field_names_are_kept_in_order(client):
    sent = body(
        text("date", "2026-03-02"),
        text("hours", "2"),
        text("date", "2026-03-09"),
        text("hours", "3"),
    )
    answer = post(client, sent).json()
    assert answer["fields"] == [
        ["date", "2026-03-02"],
        ["hours", "2"],
        ["date", "2026-03-09"],
        ["hours", "3"],
    ]


def test_empty_file_input_is_ignored(client):
    sent = body(
        text("hours", "3"),
        upload("proof", "", b"", "application/octet-stream"),
        text("after", "yes"),
    )
    answer = post(client, sent).json()
    assert answer["files"] == []
    assert answer["fields"] == [["hours", "3"], ["after", "yes"]]


def test_a_chosen_but_empty_file_is_kept(client):
    # The browser sends a name: inspect_upload will tell the person the file is empty.
    answer = post(client, body(upload("proof", "leeg.pdf", b""))).json()
    assert [(f["filename"], f["size"]) for f in answer["files"]] == [("leeg.pdf", 0)]


def test_too_many_files(client):
    sent = body(
        text("hours", "3"),
        upload("proof", "a.jpg", b"\xff\xd8\xff-a"),
        upload("proof", "b.jpg", b"\xff\xd8\xff-b"),
        upload("proof", "c.jpg", b"\xff\xd8\xff-c"),
        text("after", "never read"),
    )
    answer = post(client, sent).json()
    assert answer["too_many_files"] is True
    assert answer["stopped_early"] is True
    assert [f["filename"] for f in answer["files"]] == ["a.jpg", "b.jpg"]
    assert answer["fields"] == [["hours", "3"]]


def test_empty_file_inputs_do_not_count_as_files(client):
    sent = body(
        upload("proof", "", b""),
        upload("proof", "", b""),
        upload("proof", "a.jpg", b"a"),
        upload("proof", "", b""),
        upload("proof", "b.jpg", b"b"),
    )
    answer = post(client, sent).json()
    assert answer["too_many_files"] is False
    assert [f["filename"] for f in answer["files"]] == ["a.jpg", "b.jpg"]


def test_too_large_file_through_the_app(client):
    sent = body(
        text("hours", "3"),
        upload("proof", "big.jpg", b"\xff\xd8\xff" + b"x" * (MB + 1)),
        text("after", "never read"),
    )
    answer = post(client, sent).json()
    assert answer["fields"] == [["hours", "3"]]
    assert answer["files"] == [
        {
            "field": "proof",
            "filename": "big.jpg",
            "content_type": "image/jpeg",
            "size": 0,
            "head": "",
            "too_large": True,
        }
    ]
    assert answer["stopped_early"] is True


def test_a_file_of_exactly_max_file_bytes_is_read(client):
    answer = post(client, body(upload("proof", "a.jpg", b"y" * MB), text("after", "ok"))).json()
    assert answer["files"][0]["size"] == MB
    assert answer["files"][0]["too_large"] is False
    assert answer["fields"] == [["after", "ok"]]


def test_body_over_max_body_by_content_length(client):
    sent = body(upload("proof", "a.jpg", b"z" * (3 * MB)))
    response = post(client, sent)
    assert response.status_code == 413


def test_non_utf8_field_value(client):
    response = post(client, body(text("note", "café".encode("latin-1"))))
    assert response.status_code == 400
    assert response.json()["error"] == "bad_multipart"


def test_non_utf8_file_name(client):
    response = post(client, body(upload("proof", "café.jpg".encode("latin-1"), b"x")))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/mixed; boundary=" + BOUNDARY,
        "multipart/form-data",  # no boundary
        "multipart/form-data; boundary=",
        "",
    ],
)
def test_wrong_content_type(client, content_type):
    response = post(client, body(text("a", "b")), content_type=content_type)
    assert response.status_code == 400


def test_quoted_boundary_is_understood(client):
    answer = post(client, body(text("a", "b")), f'multipart/form-data; boundary="{BOUNDARY}"')
    assert answer.json()["fields"] == [["a", "b"]]


@pytest.mark.parametrize(
    "sent",
    [
        b"this is not multipart at all",
        body(text("a", "b"), close=False),  # cut off before the closing boundary
        b"--"
        + BOUNDARY.encode()
        + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
        + b"--"
        + BOUNDARY.encode()
        + b"--\r\n",  # a part without a name
    ],
    ids=["garbage", "truncated", "no-name"],
)
def test_malformed_bodies(client, sent):
    assert post(client, sent).status_code == 400


# --------------------------------------------------- hand-built ASGI receive (byte counting)


class Sender:
    """An ASGI `receive` that hands out the body in chunks and counts what it handed out."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024) -> None:
        self.data = data
        self.chunk = chunk
        self.handed_out = 0
        self.calls = 0

    async def __call__(self) -> dict[str, object]:
        self.calls += 1
        piece = self.data[self.handed_out : self.handed_out + self.chunk]
        self.handed_out += len(piece)
        return {
            "type": "http.request",
            "body": piece,
            "more_body": self.handed_out < len(self.data),
        }


def make_request(receive, *, content_length: int | None, content_type: str = MULTIPART) -> Request:
    headers = [(b"content-type", content_type.encode())]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/upload",
        "query_string": b"",
        "headers": headers,
    }
    return Request(scope, receive)


def read(request: Request, **limits: int) -> ParsedForm:
    limits = {"max_body": 100 * MB, "max_file_bytes": MB, "max_files": 3} | limits
    # In a thread of its own: in the same process the browser tests' Playwright (sync API)
    # may have left an event loop running on this thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read_multipart(request, **limits)).result()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_stops_reading_at_a_too_large_file_and_keeps_earlier_fields(declared):
    sent = body(
        text("hours", "3"),
        text("date", "2026-03-16"),
        upload("proof", "video.jpg", b"\xff\xd8\xff" + b"v" * (5 * MB)),
        text("after", "never read"),
    )
    sender = Sender(sent)
    request = make_request(sender, content_length=len(sent) if declared else None)

    form = read(request, max_file_bytes=MB)

    assert form.fields == [("hours", "3"), ("date", "2026-03-16")]
    assert form.get("hours") == "3"
    assert form.files == [IncomingFile("proof", "video.jpg", "image/jpeg", b"", too_large=True)]
    assert form.stopped_early is True
    assert form.too_many_files is False
    # Only about 1 MB of a 5 MB body was taken from the client.
    assert len(sent) > 5 * MB
    assert sender.handed_out < MB + 2 * sender.chunk
    assert sender.handed_out < len(sent) / 4


def test_content_length_over_max_body_is_refused_before_reading():
    async def receive() -> dict[str, object]:
        raise AssertionError("the body must not be read")

    request = make_request(receive, content_length=10 * MB + 1)
    with pytest.raises(BodyTooLarge):
        read(request, max_body=10 * MB)


def test_chunked_body_over_max_body_is_refused_while_streaming():
    sent = body(text("a", "b"), upload("proof", "a.jpg", b"w" * (3 * MB)))
    sender = Sender(sent)
    request = make_request(sender, content_length=None)
    with pytest.raises(BodyTooLarge):
        read(request, max_body=2 * MB, max_file_bytes=10 * MB)
    assert sender.handed_out <= 2 * MB + sender.chunk
    assert sender.handed_out < len(sent)


def test_body_longer_than_its_content_length_is_refused():
    sent = body(upload("proof", "a.jpg", b"w" * (3 * MB)))
    request = make_request(Sender(sent), content_length=100)
    with pytest.raises(BodyTooLarge):
        read(request, max_body=MB, max_file_bytes=10 * MB)


def test_too_many_files_stops_reading():
    sent = body(
        text("hours", "3"),
        *[upload("proof", f"{n}.jpg", b"p" * (512 * 1024)) for n in range(6)],
    )
    sender = Sender(sent)
    form = read(make_request(sender, content_length=len(sent)), max_files=2)
    assert form.too_many_files and form.stopped_early
    assert [f.filename for f in form.files] == ["0.jpg", "1.jpg"]
    assert all(len(f.data) == 512 * 1024 for f in form.files)
    assert sender.handed_out < len(sent) / 2


def test_field_limits():
    long_field = body(text("note", "x" * 101))
    with pytest.raises(BadMultipart):
        read(make_request(Sender(long_field), content_length=None), max_field_bytes=100)
    assert (
        read(
            make_request(Sender(body(text("note", "x" * 100))), content_length=None),
            max_field_bytes=100,
        ).get("note")
        == "x" * 100
    )

    many = body(*[text(f"f{n}", "1") for n in range(11)])
    with pytest.raises(BadMultipart):
        read(make_request(Sender(many), content_length=None), max_fields=10)


def test_parsing_survives_any_chunking():
    sent = body(
        text("a", "één"),
        upload("proof", "ß.pdf", b"%PDF-\r\n--not-a-boundary\r\n" * 50, "application/pdf"),
        text("a", "twee"),
    )
    for size in (1, 2, 3, 7, 64, len(sent)):
        form = read(make_request(Sender(sent, chunk=size), content_length=None))
        assert form.getlist("a") == ["één", "twee"]
        assert form.get("a") == "twee"
        assert form.get("missing", "-") == "-"
        assert form.files[0].filename == "ß.pdf"
        assert form.files[0].data == b"%PDF-\r\n--not-a-boundary\r\n" * 50
