"""Every route refuses the anonymous and the wrong role; CSRF, purpose and headers hold."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from peelian.governance import accounts, audit, sessions
from peelian.pole import search
from peelian.web.access import OPEN_PATHS, UploadLink, api_routes, is_public
from tests.web.conftest import PASSWORD, csrf_of, sign_in


def _concrete(path: str) -> str:
    return path.replace("{row_id}", "1").replace("{token}", "not-a-live-link").replace("{upload_id}", "vu_1")


PORTAL_PATHS = {"/report", "/track", "/track/case", "/track/leave"}
UPLOAD_LINK_PATHS = {  # open to whoever holds a live CCTV upload link, and only to them
    "/cctv/upload/{token}",
    "/api/cctv/links/{token}/uploads",
    "/api/cctv/links/{token}/uploads/{upload_id}",
}
PUBLIC_PATHS = PORTAL_PATHS | UPLOAD_LINK_PATHS  # and nothing else


def test_only_the_portal_and_upload_links_are_public(app):
    public = {route.path for route in api_routes(app.routes) if is_public(route)}
    assert public == PUBLIC_PATHS
    guarded = {
        route.path
        for route in api_routes(app.routes)
        if any(isinstance(d.call, UploadLink) for d in route.dependant.dependencies)
    }
    assert guarded == UPLOAD_LINK_PATHS


def test_upload_link_routes_refuse_a_token_that_opens_no_link(app):
    client = TestClient(app)
    checked = 0
    for route in api_routes(app.routes):
        if route.path not in UPLOAD_LINK_PATHS:
            continue
        for method in route.methods:
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            assert response.status_code == 403, (method, route.path)
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked == 4


def test_every_route_refuses_anonymous_requests(app):
    client = TestClient(app)
    checked = 0
    for route in api_routes(app.routes):
        if route.path in OPEN_PATHS or is_public(route):
            continue
        for method in route.methods:
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            if route.path.startswith("/api/"):
                assert response.status_code == 401, (method, route.path)
                assert response.headers["content-type"] == "application/problem+json"
            else:
                assert response.status_code in (303, 401), (method, route.path)
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/sign-in")
            checked += 1
    assert checked >= 15


def test_auditor_routes_refuse_other_roles(app):
    analyst = sign_in(app, "analyst")
    for path in ("/audit", "/api/audit", "/api/audit/verify"):
        assert analyst.get(path, follow_redirects=False).status_code == 403
    auditor = sign_in(app, "auditor")
    assert auditor.last_sign_in.status_code == 303
    assert auditor.get("/api/audit/verify").json()["ok"] is True


def test_sign_in_pages_and_api(app):
    client = sign_in(app, "analyst")
    assert client.last_sign_in.status_code == 303
    page = client.get("/")
    assert page.status_code == 200 and "What the store holds" in page.text
    data = client.get("/api/events").json()
    assert data["total"] == 3 and {e["natural_key"] for e in data["events"]} == {"c1", "c2", "c3"}
    assert client.get("/api/events", params={"category": "Robbery"}).json()["total"] == 1
    geo = client.get("/api/events.geojson").json()
    assert geo["shown"] == 3 and geo["features"][0]["geometry"]["type"] == "Point"


def test_wrong_password_and_lockout(app):
    for _ in range(5):
        assert sign_in(app, "officer", "not the password").last_sign_in.status_code == 401
    assert sign_in(app, "officer").last_sign_in.status_code == 401  # locked for ten minutes


def test_strong_role_needs_its_code(app):
    client = TestClient(app)
    page = client.get("/sign-in")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/sign-in",
        data={"username": "auditor", "password": PASSWORD, "form_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 401


def test_forms_need_csrf_tokens(app):
    client = sign_in(app, "analyst")
    refused = client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-1"}, follow_redirects=False
    )
    assert refused.status_code == 403
    token = csrf_of(client)
    accepted = client.post(
        "/purpose",
        data={"purpose": "investigation", "case_ref": "OP-1", "csrf_token": token, "next": "/events"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == "/events"


def test_export_needs_a_purpose(app):
    client = sign_in(app, "analyst")
    refused = client.get("/api/events.csv")
    assert refused.status_code == 428 and refused.json()["title"] == "Purpose required"
    assert client.get("/events.csv", follow_redirects=False).status_code == 404
    client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-7", "csrf_token": csrf_of(client)}
    )
    export = client.get("/api/events.csv")
    assert export.status_code == 200 and export.text.count("\n") == 4
    entries = list(audit.entries(app.state.engine, viewer="someone-else", actor="analyst"))
    last = [e for e in entries if e["details"].get("path") == "/api/events.csv"][-1]
    assert (last["purpose"], last["case_ref"], last["details"]["records"]["count"]) == (
        "investigation",
        "OP-7",
        3,
    )
    refusal = next(e for e in entries if e["details"].get("path") == "/api/events.csv")
    assert refusal["outcome"] == "refused"


def test_scripts_use_bearer_tokens(app):
    token = sessions.issue_token(app.state.engine, "analyst", "nightly export")
    client = TestClient(app)
    assert client.get("/api/events", headers={"Authorization": "Bearer nope"}).status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/events", headers=auth).json()["total"] == 3
    assert client.get("/api/events.csv", headers=auth).status_code == 428
    with_purpose = auth | {"X-Purpose": "intelligence", "X-Case-Ref": "INT-9"}
    assert client.get("/api/events.csv", headers=with_purpose).status_code == 200


def test_security_headers_and_escaping(app):
    client = sign_in(app, "analyst")
    page = client.get("/events")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert "<script>" not in page.text.split("</head>", 1)[1]  # no inline script in the body at all


@pytest.mark.parametrize(
    "probe",
    ["' OR '1'='1", "1; DROP TABLE events; --", "%' UNION SELECT password_hash FROM users --", "\\x00"],
)
def test_injection_strings_are_just_text(app, probe):
    client = sign_in(app, "analyst")
    for params in ({"q": probe}, {"category": probe}, {"area": probe}, {"source": probe}):
        response = client.get("/api/events", params=params)
        if response.status_code == 422:  # longer than the field allows: refused with a reason
            assert response.headers["content-type"] == "application/problem+json"
            continue
        assert response.status_code == 200
        found = response.json()["events"]
        if "q" in params:  # searched as words ("' OR '1'='1" is the word "or"): each found event has them
            words = search.words(probe)
            assert all(w.text in json.dumps(e).lower() for e in found for w in words)
        else:
            assert found == []
    assert client.get("/api/events").json()["total"] == 3


def test_every_request_is_in_a_verifiable_trail(app):
    client = sign_in(app, "analyst")
    before = audit.verify(app.state.engine).entries
    for path in ("/", "/events", "/api/events", "/api/summary", "/api/audit"):
        client.get(path)
    result = audit.verify(app.state.engine)
    assert result.ok and result.entries == before + 5
    mine = list(audit.entries(app.state.engine, viewer="x", actor="analyst"))
    assert [e["outcome"] for e in mine[-5:]] == ["allowed"] * 4 + ["refused"]


def test_every_staff_route_refuses_the_public_role(app):
    accounts.create(app.state.engine, "citizen", "A Citizen", PASSWORD, ["public"], actor="test")
    client = sign_in(app, "citizen")
    checked = 0
    for route in api_routes(app.routes):
        if route.path in OPEN_PATHS or is_public(route):
            continue
        for method in route.methods:
            headers = {"X-CSRF-Token": "irrelevant"}
            response = client.request(method, _concrete(route.path), headers=headers, follow_redirects=False)
            assert response.status_code == 403, (method, route.path, response.status_code)
            checked += 1
    assert checked >= 15


def test_oversized_and_unsized_bodies_are_refused(app):
    client = sign_in(app, "analyst")
    huge = client.post("/purpose", content=b"x", headers={"Content-Length": str(10**12)})
    assert huge.status_code == 413
    chunked = client.post("/purpose", content=iter([b"purpose=vetting"]))
    assert chunked.status_code == 411


def test_control_characters_and_crashes_are_still_audited(app):
    from fastapi import Depends

    from peelian.web.access import Access

    @app.get("/api/probe-crash")
    def crash(principal=Depends(Access())):
        raise RuntimeError("boom")

    client = TestClient(app, raise_server_exceptions=False)
    before = audit.verify(app.state.engine).entries
    assert client.get("/api/%00hidden").status_code == 404
    signed_in = sign_in(app, "analyst")
    signed_in_client = TestClient(app, raise_server_exceptions=False, cookies=signed_in.cookies)
    crashed = signed_in_client.get("/api/probe-crash")
    assert crashed.status_code == 500 and crashed.headers["content-type"] == "application/problem+json"
    result = audit.verify(app.state.engine)
    assert result.ok and result.entries >= before + 3  # the NUL path, the sign-in, the crash
    last = next(audit.entries(app.state.engine, viewer="nobody", limit=1, newest_first=True))
    assert last["outcome"] == "failed" and last["details"]["status"] == 500
    hidden = [
        e
        for e in audit.entries(app.state.engine, viewer="nobody")
        if "hidden" in e["details"].get("path", "")
    ]
    assert hidden and "\x00" not in hidden[0]["details"]["path"]
