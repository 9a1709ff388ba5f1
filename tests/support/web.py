"""Helpers for web tests: sign in over real OIDC, read CSRF tokens, check every page."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import httpx


def sign_in(client: Any, subject: str, next_path: str | None = None) -> Any:
    """The whole round trip: /login → provider (form POST with `sub`) → /auth/callback."""
    url = "/login" + (f"?next={next_path}" if next_path else "")
    start = client.get(url)
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    answer = httpx.post(authorize, data={"sub": subject}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    callback = urlparse(answer.headers["location"])
    assert callback.path == "/auth/callback"
    return client.get(f"{callback.path}?{callback.query}")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1: list[str] = []
        self.title = ""
        self._in: list[str] = []
        self.inputs: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.html_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_attrs = values
        if values.get("id"):
            self.ids.append(values["id"])
        if tag in {"h1", "title"}:
            self._in.append(tag)
            if tag == "h1":
                self.h1.append("")
        if tag == "label" and values.get("for"):
            self.label_for.add(values["for"] or "")
        if tag in {"input", "select", "textarea"} and values.get("type") not in {
            "hidden",
            "submit",
        }:
            self.inputs.append(values)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "h1" in self._in:
            self.h1[-1] += data
        elif "title" in self._in:
            self.title += data


def check_page(html: str) -> _PageParser:
    """What every page must be: one h1, a title that starts with it, unique ids, labelled
    inputs, lang and dir on <html>."""
    parser = _PageParser()
    parser.feed(html)
    assert len(parser.h1) == 1, f"expected one h1, found {parser.h1}"
    h1 = " ".join(parser.h1[0].split())
    title = " ".join(parser.title.split()).removeprefix("Error: ")  # GOV.UK's error prefix
    assert title.startswith(h1), f"title {title!r} does not start with h1 {h1!r}"
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids {duplicates}"
    for field in parser.inputs:
        assert field.get("id") in parser.label_for or field.get("aria-label"), field
    assert parser.html_attrs.get("lang") and parser.html_attrs.get("dir") in {"ltr", "rtl"}
    return parser


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    """True once `condition()` is (polled every 20 ms), False after `seconds`: for what another
    process or connection does in its own time (a notification, a job)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
