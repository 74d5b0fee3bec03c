"""Priority offenders through the real app: a purpose first, the ranking page and API with profile
links, an offender's breakdown, audited reads, and keeping a refresh (analysts only) as leads."""

import pytest
from sqlalchemy import select

from peelian.db import make_engine, upgrade
from peelian.db.schema import audit_log
from peelian.governance import leads
from peelian.harm.service import LEAD_TYPE
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.synth.groups import MAPPING, planted_groups, to_rms_csv
from tests.web.conftest import csrf_of, sign_in, staffed_app, with_declared_purpose

PURPOSE = {"purpose": "intelligence", "case_ref": "OP-HARM"}


@pytest.fixture(scope="module")
def harm_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("harm")
    engine = make_engine(f"sqlite:///{root / 'harm.db'}")
    upgrade(engine, "EPSG:27700")
    path = to_rms_csv(planted_groups(8, seed=2, crimes=400), root / "cooffending.csv")
    ingest(engine, MappedAdapter(load_mapping(MAPPING)), path, 50_000, 1 << 30)
    app = staffed_app(engine)
    yield app
    engine.dispose()


def with_purpose(app, username="analyst"):
    return with_declared_purpose(app, PURPOSE, username)


def test_ranking_needs_a_purpose(harm_app):
    client = sign_in(harm_app, "analyst")
    refused = client.get("/harm", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/purpose?next=/harm"
    assert client.get("/api/harm/ranking").status_code == 428


def test_ranking_page_and_api(harm_app):
    client = with_purpose(harm_app)
    api = client.get("/api/harm/ranking", params={"top": 10, "method": "rfg"})
    assert api.status_code == 200
    found = api.json()
    assert len(found["top"]) == 10 and found["index"] == "cchi" and found["method"] == "rfg"
    scores = [row["score"] for row in found["top"]]
    assert scores == sorted(scores, reverse=True)
    page = client.get("/harm", params={"top": 10})
    assert page.status_code == 200 and 'href="/harm"' in page.text
    first = client.get("/api/harm/ranking", params={"top": 10}).json()["top"][0]
    assert f'href="/profile/{first["offender"]}"' in page.text
    detail = client.get(f"/api/harm/offenders/{first['offender']}").json()
    assert detail["harm"] == pytest.approx(first["harm"]) and detail["offences"]
    with harm_app.state.engine.connect() as conn:
        details = [
            d for (d,) in conn.execute(select(audit_log.c.details).where(audit_log.c.actor == "analyst"))
        ]
    assert any(first["offender"] in d for d in details)  # the read names the offenders returned


def test_keeping_a_refresh_proposes_leads(harm_app):
    officer = with_purpose(harm_app, "officer")
    assert officer.post("/api/harm/refresh", headers={"x-csrf-token": csrf_of(officer)}).status_code == 403
    client = with_purpose(harm_app)
    kept = client.post("/harm/refresh?top=5", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert kept.status_code == 303 and "proposed=5" in kept.headers["location"]
    assert leads.count(harm_app.state.engine, "open", LEAD_TYPE) == 5
    again = client.post("/api/harm/refresh?top=5", headers={"x-csrf-token": csrf_of(client)}).json()
    assert again["churn"]["stayed"] == 5 and again["leads"] == []  # same list: no new leads


def test_bad_parameters_are_refused(harm_app):
    client = with_purpose(harm_app)
    assert client.get("/api/harm/ranking", params={"window": 0}).status_code == 422
    unknown = client.get("/api/harm/ranking", params={"index": "nope"})
    assert unknown.status_code == 400 and "harm index" in unknown.json()["detail"]
    assert client.get("/api/harm/offenders/not-an-id").status_code == 422
