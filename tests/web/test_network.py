"""Organised crime networks through the real app: a purpose first; the page with its drawing data,
groups and central people; a person's associates; key players sent to the review queue (analysts
only, once); audited reads; bad requests refused."""

import json
import re

import pytest
from sqlalchemy import select

from peelian.db import make_engine, upgrade
from peelian.db.schema import audit_log
from peelian.governance import leads
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.network.service import LEAD_TYPE
from peelian.synth.groups import MAPPING, planted_groups, to_rms_csv
from tests.web.conftest import csrf_of, sign_in, staffed_app, with_declared_purpose

PURPOSE = {"purpose": "intelligence", "case_ref": "OP-NET"}


def build_network_store(root):
    engine = make_engine(f"sqlite:///{root / 'network.db'}")
    upgrade(engine, "EPSG:27700")
    path = to_rms_csv(planted_groups(6, seed=3, crimes=300), root / "cooffending.csv")
    ingest(engine, MappedAdapter(load_mapping(MAPPING)), path, 50_000, 1 << 30)
    return engine


@pytest.fixture(scope="module")
def network_app(tmp_path_factory):
    engine = build_network_store(tmp_path_factory.mktemp("network"))
    app = staffed_app(engine)
    yield app
    engine.dispose()


def with_purpose(app, username="analyst"):
    return with_declared_purpose(app, PURPOSE, username)


def drawing(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="network-data">(.*?)</script>', page, re.S)
    assert block, "the page carries its drawing as a JSON block"
    return json.loads(block.group(1))


def test_network_needs_a_purpose(network_app):
    client = sign_in(network_app, "analyst")
    refused = client.get("/network", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/purpose?next=/network"
    assert client.get("/api/network/analysis").status_code == 428


def test_page_draws_the_largest_groups_and_lists_central_people(network_app):
    client = with_purpose(network_app)
    page = client.get("/network")
    assert page.status_code == 200 and 'href="/network"' in page.text
    drawn = drawing(page.text)
    api = client.get("/api/network/analysis", params={"view": 300}).json()
    assert {n["data"]["id"] for n in drawn["nodes"]} == {n["data"]["id"] for n in api["elements"]["nodes"]}
    assert drawn["edges"] and all(0 < e["data"]["confidence"] <= 1 for e in drawn["edges"])
    for person in api["top"][:5]:
        assert f'href="/profile/{person["id"]}"' in page.text
    assert "/static/vendor/cytoscape/cytoscape.min.js" in page.text
    with network_app.state.engine.connect() as conn:
        details = [
            d for (d,) in conn.execute(select(audit_log.c.details).where(audit_log.c.actor == "analyst"))
        ]
    assert any(api["top"][0]["id"] in json.dumps(d) for d in details)  # reads name who was returned


def test_a_persons_associates(network_app):
    client = with_purpose(network_app)
    person = client.get("/api/network/analysis", params={"top": 1}).json()["top"][0]["id"]
    near = client.get(f"/api/network/people/{person}", params={"depth": 1}).json()
    assert {n["data"]["distance"] for n in near["nodes"]} == {0, 1}
    page = client.get("/network", params={"centre": person, "depth": 1})
    assert page.status_code == 200 and len(drawing(page.text)["nodes"]) == len(near["nodes"])
    only = client.get(f"/api/network/people/{person}", params={"kind": "co_offending"}).json()
    assert all(e["data"]["kinds"] == "co_offending" for e in only["edges"])
    unknown = client.get("/network", params={"centre": "pe_0123456789abcdef"})
    assert unknown.status_code == 200 and 'id="network-empty"' in unknown.text


def test_key_players_go_to_the_review_queue_once(network_app):
    officer = with_purpose(network_app, "officer")
    assert officer.post("/api/network/leads", headers={"x-csrf-token": csrf_of(officer)}).status_code == 403
    client = with_purpose(network_app)
    sent = client.post(
        "/network/leads?groups=2&key=2", data={"csrf_token": csrf_of(client)}, follow_redirects=False
    )
    assert sent.status_code == 303 and "groups=2" in sent.headers["location"]
    proposed = int(re.search(r"proposed=(\d+)", sent.headers["location"]).group(1))
    assert proposed > 0 and leads.count(network_app.state.engine, "open", LEAD_TYPE) == proposed
    again = client.post("/api/network/leads?groups=2&key=2", headers={"x-csrf-token": csrf_of(client)})
    assert again.status_code == 201 and again.json()["leads"] == []


def test_bad_requests_are_refused(network_app):
    client = with_purpose(network_app)
    assert client.get("/api/network/analysis", params={"resolution": 0}).status_code == 422
    assert client.get("/api/network/analysis", params={"view": 5000}).status_code == 422
    unknown = client.get("/api/network/analysis", params={"kind": "gossip"})
    assert unknown.status_code == 400 and "association kind" in unknown.json()["detail"]
    assert client.get("/api/network/people/not-an-id").status_code == 422
    assert client.get("/api/network/people/pe_0123", params={"depth": 7}).status_code == 422
    missing = client.get("/api/network/people/pe_0123456789abcdef")
    assert missing.status_code == 404
