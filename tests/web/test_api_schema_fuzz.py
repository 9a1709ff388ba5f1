"""The published API description and the API agree, with the description itself as the judge
(jsonschema): arbitrary JSON, and bodies close to valid ones (codes of every length and kind of
character, extra properties), are answered 200 exactly when the published schema accepts them
and 422 otherwise, and a refused body changes nothing. (hypothesis-jsonschema would generate from
the schema, but does not work with this hypothesis version.)"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlmodel import func, select
from starlette.testclient import TestClient

from portal.db import models as m
from portal.db.engine import session_scope
from portal.services import interpreting
from portal.web.interpreting_api import openapi_document

SCHEMA = openapi_document("")["components"]["schemas"]["StatusCheckRequest"]
RESPONSE = openapi_document("")["components"]["schemas"]["StatusCheck"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
bodies = (
    json_values
    | st.fixed_dictionaries({"code": json_values})
    | st.dictionaries(st.sampled_from(["code", "Code", "extra"]), json_values, max_size=2)
)


@pytest.fixture(scope="module")
def api(request, tmp_path_factory, idp, sandbox):
    from portal.app import create_app
    from tests.conftest import fresh_database, make_settings

    url = fresh_database(request, "sqlite", tmp_path_factory.mktemp("fuzz"))
    app = create_app(
        make_settings(
            url, idp.issuer, PORTAL_CHECK_LIMIT="1000000", PORTAL_MOLLIE_API_ENDPOINT=sandbox.url
        )
    )
    with session_scope(app.state.portal.engine) as db:
        service = db.exec(select(m.InterpretingService)).first()
        _, raw = interpreting.issue_api_key(db, "test", service.id, "fuzz")
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {raw}"
        yield app, client
    app.state.portal.engine.dispose()


def checks(app) -> int:
    with session_scope(app.state.portal.engine) as db:
        return db.exec(select(func.count()).select_from(m.StatusCheck)).one()


VALID = Draft202012Validator(SCHEMA)
codes = st.text(min_size=0, max_size=80) | st.from_regex(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}")
near_valid = st.fixed_dictionaries({"code": codes}) | st.fixed_dictionaries(
    {"code": codes}, optional={"extra": json_values}
)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(near_valid.filter(VALID.is_valid))
def test_every_body_the_schema_allows_is_answered_as_described(api, body):
    _app, client = api
    response = client.post("/api/v1/status-checks", json=body)
    assert response.status_code == 200, (body, response.text)
    Draft202012Validator(RESPONSE).validate(response.json())


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies | near_valid)
def test_any_json_is_accepted_exactly_when_the_schema_accepts_it(api, body):
    app, client = api
    before = checks(app)
    response = client.post(
        "/api/v1/status-checks",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    if Draft202012Validator(SCHEMA).is_valid(body):
        assert response.status_code == 200, (body, response.text)
        assert checks(app) == before + 1
    else:
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == "invalid_request" and response.json()["detail"]
        assert checks(app) == before  # nothing recorded
