"""The search box and the profile through the real app: purpose first, audited reads with the
records returned, hostile input answered with an error, the case-file export."""

import pytest
from sqlalchemy import select

from peelian.db.schema import audit_log, search_records
from peelian.resolve import service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def search_app(app, tmp_path):
    folder = tmp_path / "nominals"
    nominals.write(nominals.generate(150, 3), nominals.prepare(folder))
    ingest_nominals(app.state.engine, folder, 50_000, 10**9)
    service.run(app.state.engine, "person", "tester")
    return app


def _person(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(search_records).where(search_records.c.record_type == "person",
                                         search_records.c.surname.is_not(None)).order_by(search_records.c.rid)
        ).first()  # fmt: skip


@pytest.mark.slow
def test_search_needs_a_purpose_then_is_audited_with_the_records(search_app):
    client = sign_in(search_app, "analyst")
    person = _person(search_app.state.engine)
    typed = f"{person.forename} {person.surname[0]}{person.surname[2]}{person.surname[1]}{person.surname[3:]}"
    assert client.get("/api/search", params={"q": typed}).status_code in (403, 428)
    client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-S", "csrf_token": csrf_of(client)}
    )
    found = client.get("/api/search", params={"q": typed}).json()
    assert any(person.record_id in r["matched"] for r in found["results"])
    page = client.get("/search", params={"q": typed})
    assert page.status_code == 200 and "/profile/" in page.text
    with search_app.state.engine.connect() as conn:
        entry = conn.execute(
            select(audit_log).where(audit_log.c.action == "GET /api/search").order_by(audit_log.c.seq.desc())
        ).first()
    assert entry.purpose == "investigation" and person.record_id in entry.details


@pytest.mark.slow
def test_profile_page_api_and_export(search_app):
    client = sign_in(search_app, "analyst")
    client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-S", "csrf_token": csrf_of(client)}
    )
    person = _person(search_app.state.engine)
    profile = client.get(f"/api/profile/{person.record_id}").json()
    entity_id = profile["entity"]["id"]
    page = client.get(f"/profile/{entity_id}")
    assert page.status_code == 200 and 'id="profile-map"' in page.text and "Timeline" in page.text
    export = client.get(f"/profile/{entity_id}/export.html")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    assert person.surname in export.text and "recorded in the audit trail" in export.text
    assert client.get("/api/profile/pp_0000").status_code == 404
    assert client.get("/api/profile/DROP TABLE").status_code in (404, 422)


@pytest.mark.slow
def test_hostile_and_oversized_queries(search_app):
    client = sign_in(search_app, "analyst")
    client.post(
        "/purpose", data={"purpose": "investigation", "case_ref": "OP-S", "csrf_token": csrf_of(client)}
    )
    assert client.get("/api/search", params={"q": "x" * 201}).status_code == 422
    for nasty in (
        "'; DROP TABLE persons; --",
        '"*" OR 1',
        "<script>alert(1)</script>",
        "%%%",
        "\x00\x01",
        "NEAR(a b)",
    ):
        response = client.get("/api/search", params={"q": nasty})
        assert response.status_code == 200, nasty
    form = {"q": "smith", "type": "", "source": "", "from": "", "to": "", "area": ""}  # the form's "any"
    assert client.get("/search", params=form).status_code == 200
    assert client.get("/api/search", params={"q": "smith", "type": "planet"}).status_code == 422
    assert client.get("/api/search", params={"q": "smith", "from": "2024-13-45"}).status_code == 422
    page = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
