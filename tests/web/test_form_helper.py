"""forms.submit, the shape of a form that saves: read the form, call the service in one unit of
work, put a refused code at its field, show the page again (400) with what was typed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import create_engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from portal import i18n
from portal.services.errors import ServiceError
from portal.web.forms import Form, message, submit


@pytest.fixture
def english() -> Any:
    previous = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


def page(form: Form, status: int) -> Response:
    """The page shown again: what was typed and the errors, as the test reads them."""
    return JSONResponse({"values": form.values, "errors": form.errors}, status_code=status)


def make_client(save: Any, **options: Any) -> TestClient:
    async def handler(request: Request) -> Response:
        form = Form(await request.form())
        form.text("name", max_length=20)
        form.text("town", required=False, max_length=20)
        return submit(request, form, save, again=page, **options)

    app = Starlette(routes=[Route("/things", handler, methods=["POST"])])
    app.state.portal = SimpleNamespace(engine=create_engine("sqlite://"))

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return HTMLResponse(str(exc.status_code), status_code=exc.status_code)

    app.add_exception_handler(HTTPException, http_exception)
    return TestClient(app, raise_server_exceptions=False)


def test_valid_input_calls_the_service_in_a_unit_of_work_and_redirects():
    calls: list[Any] = []

    def save(db: Any) -> None:
        calls.append(db)

    client = make_client(save, done="/things?done=1", field="name")
    response = client.post("/things", data={"name": "Gent"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/things?done=1"
    assert len(calls) == 1 and calls[0] is not None  # the service got the unit of work


def test_done_can_make_the_response_from_what_the_service_returned():
    client = make_client(
        lambda db: "key-123",
        done=lambda result: HTMLResponse(f"made {result}", status_code=201),
        field="name",
    )
    response = client.post("/things", data={"name": "Gent"})
    assert response.status_code == 201
    assert response.text == "made key-123"


def test_a_form_with_errors_is_shown_again_without_calling_the_service():
    calls: list[Any] = []
    client = make_client(calls.append, done="/things", field="name")
    response = client.post("/things", data={"town": "Aalst"})
    assert response.status_code == 400
    assert response.json() == {"values": {"town": "Aalst"}, "errors": {"name": "required"}}
    assert calls == []


def refuse(code: str, detail: str = "") -> Any:
    def save(db: Any) -> None:
        raise ServiceError(code, detail)

    return save


def test_a_refused_code_goes_to_its_field_and_keeps_what_was_typed(english: None):
    client = make_client(
        refuse("exists", "a thing named Gent exists already"),
        done="/things",
        field="name",
        fields={"exists": "town"},
    )
    response = client.post("/things", data={"name": "Gent", "town": "Aalst"})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"town": "exists"}
    assert body["values"] == {"name": "Gent", "town": "Aalst"}
    assert message("exists") == "This exists already."


def test_a_code_without_a_field_of_its_own_goes_to_the_default_field():
    client = make_client(refuse("too_long"), done="/things", field="name")
    response = client.post("/things", data={"name": "Gent"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": "too_long"}


def test_the_field_may_be_named_by_the_error():
    client = make_client(refuse("phone", "town"), done="/things", field=lambda e: e.detail)
    response = client.post("/things", data={"name": "Gent"})
    assert response.json()["errors"] == {"town": "phone"}


def test_an_unknown_code_is_a_clear_error_never_a_500(
    english: None, caplog: pytest.LogCaptureFixture
):
    client = make_client(refuse("no_such_code_anywhere"), done="/things", field="name")
    response = client.post("/things", data={"name": "Gent"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": "not_saved"}
    assert message("not_saved") == "This request cannot be handled"
    assert message("not_saved") != message("required")
    assert "no_such_code_anywhere" in caplog.text


def test_a_not_found_code_is_a_404():
    client = make_client(refuse("unknown_office"), done="/things", field="name")
    assert client.post("/things", data={"name": "Gent"}).status_code == 400
    client = make_client(
        refuse("unknown_office"), done="/things", field="name", not_found=("unknown_office",)
    )
    assert client.post("/things", data={"name": "Gent"}).status_code == 404


def test_row_choices_keeps_valid_rows_with_allowed_values_only():
    from portal.web.forms import Form, row_choices

    form = Form(
        {
            "person_12": "present",
            "person_13": "absent",
            "person_14": "maybe",  # not an allowed value
            "person_0": "present",  # not a row id
            "person_٣": "present",  # Arabic-Indic digit: not ours
            "person_99999999999": "present",  # beyond any stored id
            "person_": "present",
            "other_15": "present",
            "person_16": "",  # left blank
        }
    )
    assert row_choices(form, "person_", ("present", "absent")) == {12: "present", 13: "absent"}
