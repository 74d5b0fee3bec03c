"""Entity resolution through the real app: status, an entity with its evidence (purpose and audit),
and entity-match leads in the review queue with their waterfall and an unsure decision."""

import pytest

from peelian.governance import audit, leads
from peelian.resolve import review, service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def resolved_app(app, tmp_path):
    folder = tmp_path / "nominals"
    nominals.write(nominals.generate(150, 3), nominals.prepare(folder))
    ingest_nominals(app.state.engine, folder, 50_000, 10**9)
    service.run(app.state.engine, "person", "tester")
    return app


def _an_entity(engine) -> str:
    from sqlalchemy import select

    from peelian.db.schema import resolve_entities

    with engine.connect() as conn:
        return conn.execute(
            select(resolve_entities.c.id)
            .where(resolve_entities.c.size > 1)
            .order_by(resolve_entities.c.id)
            .limit(1)
        ).scalar_one()


@pytest.mark.slow
def test_status_page_and_api(resolved_app):
    client = sign_in(resolved_app, "analyst")
    page = client.get("/resolve")
    assert (
        page.status_code == 200
        and "Entity resolution" in page.text
        and '<a href="/resolve">Entities</a>' in page.text
    )
    status = client.get("/api/resolve/status").json()
    assert status["resolved_records"] == status["records"] > 0 and status["entities"] > 0
    assert client.get("/api/resolve/status?entity=planet").status_code == 422


@pytest.mark.slow
def test_an_entity_needs_a_purpose_and_its_read_is_audited(resolved_app):
    engine = resolved_app.state.engine
    entity_id = _an_entity(engine)
    client = sign_in(resolved_app, "analyst")
    assert client.get(f"/api/resolve/entities/{entity_id}").status_code == 428
    client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-5", "csrf_token": csrf_of(client)}
    )
    found = client.get(f"/api/resolve/entities/{entity_id}").json()
    assert found["entity_id"] == entity_id and len(found["records"]) == found["size"] > 1
    assert all(step["field"] and "weight" in step for p in found["pairs"] for step in p["waterfall"])
    page = client.get(f"/resolve/entities/{entity_id}")
    assert page.status_code == 200 and "Why they were joined" in page.text
    assert client.get("/api/resolve/entities/pp_0000").status_code == 404
    assert client.get("/api/resolve/entities/..%2Fetc").status_code in (404, 422)
    entries = list(audit.entries(engine, viewer="someone-else", actor="analyst"))
    reads = [e for e in entries if e["action"] == "resolve.explain"]
    assert (
        reads
        and reads[-1]["purpose"] == "investigation"
        and set(reads[-1]["details"]["records"]) == {r["unique_id"] for r in found["records"]}
    )


@pytest.mark.slow
def test_match_leads_show_their_evidence_and_take_unsure(resolved_app):
    engine = resolved_app.state.engine
    entity_id = _an_entity(engine)
    records = service.explain(engine, entity_id, "tester")["records"]
    lead_id = review.ask(engine, "person", records[0]["unique_id"], records[1]["unique_id"], "analyst")
    client = sign_in(resolved_app, "analyst")
    page = client.get(f"/review?lead_type={review.LEAD_TYPE}")
    assert page.status_code == 200 and 'class="waterfall"' in page.text and 'value="unsure"' in page.text
    response = client.post(
        f"/review/{lead_id}",
        data={"csrf_token": csrf_of(client), "decision": "unsure", "reason": "photos differ, DOBs agree"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert leads.get(engine, lead_id)["status"] == "unsure"
    must, cannot = review.constraints(engine, "person")
    assert must == [] and cannot == []  # unsure leaves it to the model
