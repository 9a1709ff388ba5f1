"""CSRF on every state change, strict headers, friendly error pages."""

from __future__ import annotations

import pytest

from portal.settings import STATIC_DIR
from portal.web import static_files
from tests.support.web import check_page, csrf_token, sign_in


def test_post_without_csrf_token_is_refused_and_changes_nothing(client):
    sign_in(client, "demo-gent-new")
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert client.get("/my").status_code == 200  # still signed in


def test_post_with_a_token_from_another_session_is_refused(client, app):
    from starlette.testclient import TestClient

    sign_in(client, "demo-gent-new")
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, "demo-worker")
        foreign = csrf_token(other.get("/my").text)
    assert client.post("/logout", data={"csrf_token": foreign}).status_code == 403
    assert client.get("/my").status_code == 200


def test_tampered_token_is_refused(client):
    sign_in(client, "demo-gent-new")
    token = csrf_token(client.get("/my").text)
    bad = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.post("/logout", data={"csrf_token": bad}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "!!notbase64"}).status_code == 403


def test_token_in_header_works_for_htmx(client):
    sign_in(client, "demo-gent-new")
    token = csrf_token(client.get("/my").text)
    response = client.post("/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_token_is_masked_differently_on_every_response(client):
    sign_in(client, "demo-gent-new")
    first = csrf_token(client.get("/my").text)
    second = csrf_token(client.get("/my").text)
    assert first != second
    assert client.post("/logout", data={"csrf_token": first}).status_code == 303


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # http in development


def test_personal_pages_are_not_stored(client):
    sign_in(client, "demo-gent-new")
    for path in ("/my", "/my/plan", "/my/inbox"):
        assert client.get(path).headers["cache-control"] == "no-store"


def test_pages_are_compressed(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_static_files_are_fingerprinted_and_cached_for_a_year(client, app):
    manifest = app.state.portal.manifest
    css = client.get(f"/static/{manifest['css/app.css']}/css/app.css")
    assert css.status_code == 200
    assert "max-age=31536000" in css.headers["cache-control"]
    assert client.get("/static/0000/css/app.css").status_code == 404
    assert client.get(f"/static/{manifest['css/app.css']}/../portal/settings.py").status_code == 404


def test_not_found_page_is_friendly_and_translated(client):
    response = client.get("/no-such-page?lang=fr")
    assert response.status_code == 404
    assert 'lang="fr"' in response.text
    check_page(response.text)


def test_forbidden_page_is_friendly(client):
    sign_in(client, "demo-gent-new")
    response = client.get("/staff")
    assert response.status_code == 403
    check_page(response.text)


def test_server_error_page_has_no_traceback(app):
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from portal.web.routing import Audience, route

    def boom(request):
        raise RuntimeError("secret detail")

    app.router.routes.append(route("/boom", boom, Audience.PUBLIC))
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text and "Traceback" not in response.text
    check_page(response.text)
    assert isinstance(app.router.routes[-1], Route)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_request_bodies_have_a_ceiling_the_app_enforces(client):
    sign_in(client, "demo-gent-new")
    token = csrf_token(client.get("/my").text)
    big = {"csrf_token": token, "filler": "x" * (1024 * 1024 + 10)}
    response = client.post("/my/interpreting/codes?lang=en", data=big)
    assert response.status_code == 413
    assert "What you sent is too large" in response.text


def test_a_chunked_body_over_the_ceiling_is_refused_too(client):
    sign_in(client, "demo-gent-new")
    token = csrf_token(client.get("/my").text)

    def chunks():
        yield f"csrf_token={token}&filler=".encode()
        for _ in range(300):
            yield b"x" * 4096

    response = client.post(
        "/my/interpreting/codes",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def static_url(app, path: str) -> str:
    return f"/static/{app.state.portal.manifest[path]}/{path}"


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("br, gzip", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("", None),
        ("identity", None),
        ("*", "br"),
    ],
)
def test_static_text_is_sent_compressed_as_the_client_accepts(client, app, accept, encoding):
    response = client.get(static_url(app, "css/app.css"), headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    original = (STATIC_DIR / "css" / "app.css").read_bytes()
    # httpx decodes gzip and br itself: what arrives is the file, whatever the encoding
    assert response.content == original
    sent = int(response.headers["content-length"])
    assert (sent < len(original) / 2) if encoding else (sent == len(original))
    # the same bytes for every language and person: no Vary on the language or the cookie
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-language" not in response.headers
    assert "set-cookie" not in response.headers


def test_a_matching_etag_is_a_304_without_a_body(client, app):
    url = static_url(app, "js/htmx.min.js")
    first = client.get(url, headers={"Accept-Encoding": "br"})
    tag = first.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    weak = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": f'"x", W/{tag}'})
    assert weak.status_code == 304
    # another encoding is another representation: its tag differs, the body is sent
    other = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    assert other.status_code == 200 and other.headers["etag"] != tag
    stale = client.get(url, headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200
    assert stale.content == (STATIC_DIR / "js" / "htmx.min.js").read_bytes()


@pytest.mark.parametrize(
    ("media_type", "accept", "encoding"),
    [
        ("text/css", "gzip, br", "br"),
        ("image/svg+xml", "gzip", "gzip"),
        ("application/javascript", "br;q=0.5", "br"),
        ("image/png", "br, gzip", ""),  # compressed already
        ("image/jpeg", "*", ""),
        ("text/css", "br;q=oops, gzip", "gzip"),  # a broken weight counts as refused
        ("text/css", "*;q=0", ""),
    ],
)
def test_which_encoding_a_static_file_gets(media_type, accept, encoding):
    assert static_files.accepted_encoding(accept, media_type) == encoding
