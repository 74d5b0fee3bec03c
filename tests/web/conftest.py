"""A real app on a real store (both backends), with real accounts; no mocks."""

import re
from datetime import UTC, datetime

import pyotp
import pytest
from fastapi.testclient import TestClient

from peelian.config import Settings
from peelian.governance import accounts
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.web.app import create_app
from tests.unit.test_police_uk import row, write

PASSWORD = "correct horse battery"


@pytest.fixture
def app(store, tmp_path):
    nasty = "On or near <script>alert('x')</script> Road"
    rows = [row("c1"), row("c2", location=nasty), row("c3", crime_type="Robbery"), row("c4", lon="", lat="")]
    ingest(store, PoliceUkAdapter(), write(tmp_path / "in", rows), 50_000, 1 << 30)
    accounts.create(store, "analyst", "Ann Analyst", PASSWORD, ["analyst"], actor="test")
    accounts.create(store, "officer", "Oli Officer", PASSWORD, ["officer"], actor="test")
    _, secret = accounts.create(store, "auditor", "Aud Itor", PASSWORD, ["auditor"], actor="test")
    application = create_app(store, Settings(cookie_secure=False))
    application.state.totp = {"auditor": secret}
    return application


def staffed_app(engine):
    """The app on ``engine`` with an analyst and an officer (no second factor) who can sign in."""
    accounts.create(engine, "analyst", "Ann Analyst", PASSWORD, ["analyst"], actor="test")
    accounts.create(engine, "officer", "Oli Officer", PASSWORD, ["officer"], actor="test")
    application = create_app(engine, Settings(cookie_secure=False))
    application.state.totp = {}
    return application


def with_declared_purpose(app, purpose: dict[str, str], username: str = "analyst") -> TestClient:
    """A signed-in client that has declared ``purpose`` (its purpose and case_ref) for the session."""
    client = sign_in(app, username)
    client.post("/purpose", data=purpose | {"csrf_token": csrf_of(client)})
    return client


def sign_in(app, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app)
    page = client.get("/sign-in")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    secret = app.state.totp.get(username)
    code = pyotp.TOTP(secret).at(datetime.now(UTC)) if secret else ""
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "code": code, "form_token": token, "next": "/"},
        follow_redirects=False,
    )
    client.last_sign_in = response
    return client


def csrf_of(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
