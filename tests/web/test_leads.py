"""The review queue through the real app: judging needs a role, a reason and (for forms) CSRF."""

import re

import pytest
from fastapi.testclient import TestClient

from peelian.governance import accounts, audit, leads, sessions
from tests.web.conftest import PASSWORD, csrf_of, sign_in

PROVENANCE = {"model": "near-repeat", "version": "0.3", "inputs": {"events": ["ev_a", "ev_b"]}}


@pytest.fixture
def lead_id(app):
    return leads.propose(
        app.state.engine, "crime_series", "Possible series: <b>three</b> burglaries, same method",
        "Same entry method (rear window) within 400 m and ten days.", PROVENANCE,
        [{"type": "event", "id": "ev_a"}, {"type": "event", "id": "ev_b"}], 0.72, "model:near-repeat",
    )  # fmt: skip


def test_queue_page_lists_an_open_lead_with_its_reasoning(app, lead_id):
    client = sign_in(app, "analyst")
    page = client.get("/review")
    assert page.status_code == 200
    assert "Possible series: &lt;b&gt;three&lt;/b&gt;" in page.text  # escaped, never markup
    assert "Same entry method (rear window)" in page.text and "near-repeat 0.3" in page.text
    assert f'action="/review/{lead_id}"' in page.text
    assert f'<label for="reason-{lead_id}">' in page.text and 'name="reason" required' in page.text
    assert "<script>" not in page.text.split("</head>", 1)[1] and "style=" not in page.text
    assert '<a href="/review">Review queue</a>' in page.text


def test_accept_through_the_form(app, lead_id):
    client = sign_in(app, "analyst")
    response = client.post(
        f"/review/{lead_id}",
        data={"csrf_token": csrf_of(client), "decision": "accept", "reason": "Seen the same pattern."},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/review?")
    assert "is recorded" in client.get(response.headers["location"]).text
    lead = leads.get(app.state.engine, lead_id)
    assert lead["status"] == "accepted" and lead["decided_by"] == "analyst"
    assert lead["judgements"][0]["reason"] == "Seen the same pattern."
    assert "No leads to show." in client.get("/review").text
    trail = list(audit.entries(app.state.engine, viewer="nobody", actor="analyst"))
    assert "leads.accept" in [e["action"] for e in trail] and audit.verify(app.state.engine).ok


def test_form_without_csrf_or_reason_is_refused(app, lead_id):
    client = sign_in(app, "analyst")
    refused = client.post(
        f"/review/{lead_id}", data={"decision": "accept", "reason": "Looks right."}, follow_redirects=False
    )
    assert refused.status_code == 403
    blank = client.post(
        f"/review/{lead_id}", data={"csrf_token": csrf_of(client), "decision": "accept", "reason": "  "}
    )
    assert blank.status_code == 422 and 'role="alert"' in blank.text and "give a reason" in blank.text
    assert leads.get(app.state.engine, lead_id)["status"] == "open"


def test_api_judgement_with_a_bearer_token(app, lead_id):
    token = sessions.issue_token(app.state.engine, "analyst", "triage script")
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/leads", headers=auth).json()
    assert listed["total"] == 1 and listed["leads"][0]["provenance"] == PROVENANCE
    url = f"/api/leads/{lead_id}/judgements"
    blank = client.post(url, headers=auth, json={"decision": "reject", "reason": " "})
    assert blank.status_code == 400 and blank.headers["content-type"] == "application/problem+json"
    made = client.post(url, headers=auth, json={"decision": "reject", "reason": "Different methods."})
    assert made.status_code == 201 and made.json()["status"] == "rejected"
    again = client.post(url, headers=auth, json={"decision": "accept", "reason": "Same offender on CCTV."})
    assert [j["overrides_previous"] for j in again.json()["judgements"]] == [False, True]
    assert client.get(f"/api/leads/{lead_id}", headers=auth).json()["status"] == "accepted"
    assert client.get("/api/leads/ld_nothing", headers=auth).status_code == 404
    assert client.post(url, headers=auth, json={"decision": "maybe", "reason": "x"}).status_code == 422


def test_session_api_judgement_needs_the_csrf_header(app, lead_id):
    client = sign_in(app, "analyst")
    url, body = f"/api/leads/{lead_id}/judgements", {"decision": "accept", "reason": "Fits."}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": csrf_of(client)}).status_code == 201


def test_officer_may_view_but_not_judge(app, lead_id):
    client = sign_in(app, "officer")
    page = client.get("/review")
    assert page.status_code == 200 and "Possible series" in page.text
    assert f'action="/review/{lead_id}"' not in page.text
    assert client.get(f"/api/leads/{lead_id}").status_code == 200
    token = csrf_of(client)
    form = client.post(f"/review/{lead_id}", data={"csrf_token": token, "decision": "accept", "reason": "ok"})
    assert form.status_code == 403
    api = client.post(
        f"/api/leads/{lead_id}/judgements",
        json={"decision": "accept", "reason": "ok"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403
    assert leads.get(app.state.engine, lead_id)["status"] == "open"


def test_proposing_through_the_api_is_for_supervisors(app):
    accounts.create(app.state.engine, "sup", "Sue Pervisor", PASSWORD, ["supervisor"], actor="test")
    body = {"lead_type": "harm_ranking", "title": "High harm: offender 12", "explanation": "CCHI 1,450.",
            "provenance": {"model": "cchi", "version": "2024"}, "subjects": [{"type": "person", "id": "p"}],
            "score": 1450}  # fmt: skip
    analyst = sign_in(app, "analyst")
    refused = analyst.post("/api/leads", json=body, headers={"X-CSRF-Token": csrf_of(analyst)})
    assert refused.status_code == 403
    supervisor = sign_in(app, "sup")
    headers = {"X-CSRF-Token": csrf_of(supervisor)}
    made = supervisor.post("/api/leads", json=body, headers=headers)
    assert made.status_code == 201 and made.json()["created_by"] == "sup"
    unexplained = supervisor.post("/api/leads", json=body | {"provenance": {}}, headers=headers)
    assert unexplained.status_code == 400 and "model" in unexplained.json()["detail"]


def test_rates_endpoint(app, lead_id):
    client = sign_in(app, "analyst")
    assert client.get("/api/leads/rates").json()[0]["open"] == 1
    url, headers = f"/api/leads/{lead_id}/judgements", {"X-CSRF-Token": csrf_of(client)}
    client.post(url, json={"decision": "reject", "reason": "No."}, headers=headers)
    client.post(url, json={"decision": "accept", "reason": "Yes."}, headers=headers)
    (rates,) = client.get("/api/leads/rates").json()
    assert rates["lead_type"] == "crime_series" and rates["accepted"] == 1 and rates["overrides"] == 1
    assert rates["override_rate"] == 0.5 and rates["rejection_rate"] == 0.0
    page = client.get("/review", params={"status": "all"}).text
    assert "Rejected by analyst" in page and "(reversed the previous decision): Yes." in page
    assert re.search(r"<td>crime_series</td>.*?50%</td>", page)
