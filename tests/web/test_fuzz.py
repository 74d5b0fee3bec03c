"""Fuzz the JSON API from its own OpenAPI document (schemathesis), signed in with a bearer token.

Every documented operation gets generated requests, valid and invalid (schemathesis' positive and
negative modes), on both backends. Whatever is sent, the API must never answer 5xx, and every
error must be RFC 9457 problem+json.

The schema is loaded once, at import, from ``/api/openapi.json`` of an app on a throwaway
in-memory store (the document does not depend on the data); each case is then sent to the
test's own app on the ``store`` fixture. ``schemathesis.pytest.from_fixture`` would be the
direct way, but schemathesis 4.32 reads ``request.node._nodeid``, which pytest 9.2 removed.
"""

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.pool import StaticPool

from peelian.config import Settings
from peelian.db import upgrade
from peelian.governance import accounts, audit, sessions
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.web.app import create_app
from tests.unit.test_police_uk import row, write
from tests.web.conftest import PASSWORD

PURPOSE = {"X-Purpose": "investigation", "X-Case-Ref": "FUZZ-1"}


def _schema():
    engine = sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    upgrade(engine, "EPSG:27700")
    app = create_app(engine, Settings(cookie_secure=False))
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


schema = _schema()


@pytest.fixture
def fuzz_app(store, tmp_path):
    """The real app on a real store with a few events, one quarantined row and an analyst's token."""
    rows = [row("c1"), row("c2", crime_type="Robbery"), row("c3", lon="", lat=""), row("c4", month="13")]
    ingest(store, PoliceUkAdapter(), write(tmp_path / "in", rows), 50_000, 1 << 30)
    accounts.create(store, "analyst", "Ann Analyst", PASSWORD, ["analyst"], actor="test")
    application = create_app(store, Settings(cookie_secure=False))
    token = sessions.issue_token(store, "analyst", "fuzz")
    application.state.fuzz_headers = {"Authorization": f"Bearer {token}"} | PURPOSE
    yield application
    check = audit.verify(store)  # whatever was sent, every request was chained into the audit
    assert check.ok, check.problem


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_fails_and_errors_are_problems(case, fuzz_app):
    response = case.call(app=fuzz_app, headers=fuzz_app.state.fuzz_headers)
    curl = case.as_curl_command()
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, (curl, response.text[:500])
    if response.status_code >= 400:
        # schemathesis' Response keeps every value of a header, as a list
        assert response.headers["content-type"] == ["application/problem+json"], curl
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and body["detail"], curl


def test_the_token_and_purpose_reach_purpose_bound_routes(fuzz_app):
    """The fuzzer's headers get past sign-in and the purpose check, so it tests the handlers."""
    client = TestClient(fuzz_app)
    response = client.get("/api/events.csv", headers=fuzz_app.state.fuzz_headers)
    assert response.status_code == 200 and response.text.startswith("id,")
    token_only = {"Authorization": fuzz_app.state.fuzz_headers["Authorization"]}
    assert client.get("/api/events.csv", headers=token_only).status_code == 428
