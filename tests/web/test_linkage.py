"""Crime series pages and API through the real app: a purpose first, the list, one series with its
crimes, map data and pair evidence, audited reads, and a decision that links (then unlinks) the crimes.

The store holds a few hundred synthetic burglaries with planted series, ingested through the bundled
RMS mapping; a linkage model is trained on the solved ones and series are proposed as leads.
"""

import json
import re

import pytest
from sqlalchemy import func, select

from peelian.db import make_engine, upgrade
from peelian.db.schema import audit_log, links
from peelian.governance import leads
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.linkage import SERIES, service
from peelian.synth.series import planted_series, to_rms_csv
from tests.web.conftest import sign_in, staffed_app, with_declared_purpose

PURPOSE = {"purpose": "investigation", "case_ref": "OP-SERIES"}


def build_series_store(root):
    """A store with ~300 burglaries, a trained model and proposed series; returns (engine, found)."""
    engine = make_engine(f"sqlite:///{root / 'linkage.db'}")
    upgrade(engine, "EPSG:27700")
    (root / "in").mkdir()
    to_rms_csv(planted_series(300, 7), root / "in" / "burglary.csv")
    ingest(engine, MappedAdapter(load_mapping("force_rms_burglary")), root / "in", 50_000, 1 << 30)
    service.train(engine, "Burglary", "tester")
    found = service.find_series(engine, "Burglary", "tester")
    assert found["proposed"] >= 3
    return engine, found


@pytest.fixture(scope="module")
def series_app(tmp_path_factory):
    engine, found = build_series_store(tmp_path_factory.mktemp("linkage"))
    app = staffed_app(engine)
    app.state.found = found["found"]  # largest series first
    yield app
    engine.dispose()


def with_purpose(app, username="analyst"):
    return with_declared_purpose(app, PURPOSE, username)


def test_series_need_a_purpose(series_app):
    client = sign_in(series_app, "analyst")
    lead_id = series_app.state.found[0]["lead_id"]
    for path in ("/linkage", f"/linkage/series/{lead_id}"):
        refused = client.get(path, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"] == f"/purpose?next={path}"
    api = client.get(f"/api/linkage/series/{lead_id}")
    assert api.status_code == 428 and api.headers["content-type"] == "application/problem+json"


def test_list_page_shows_the_series_by_status(series_app):
    client = with_purpose(series_app)
    strongest = leads.queue(series_app.state.engine, "open", SERIES, 1)[0]
    page = client.get("/linkage")
    assert page.status_code == 200
    assert f'href="/linkage/series/{strongest["id"]}"' in page.text and strongest["title"] in page.text
    assert "Suspected series" in page.text and 'href="/linkage"' in page.text  # the nav link
    total = leads.count(series_app.state.engine, None, SERIES)
    assert f"All: {total:,}" in page.text
    assert len(re.findall(r'href="/linkage/series/ld_', page.text)) == min(25, total)
    if total > 25:
        assert "/linkage?status=open&amp;page=2" in page.text
    assert client.get("/linkage", params={"status": "nonsense"}).status_code == 422
    assert "style=" not in page.text


def test_series_page_shows_crimes_map_data_and_evidence(series_app):
    client = with_purpose(series_app)
    series = series_app.state.found[0]
    detail = service.series_detail(series_app.state.engine, series["lead_id"])
    page = client.get(f"/linkage/series/{series['lead_id']}")
    assert page.status_code == 200
    text = page.text
    for crime in detail["crimes"]:
        assert crime["reference"] in text and f'id="crime-{crime["id"]}"' in text
    geo = re.search(r'<script type="application/json" id="series-crimes">(.*?)</script>', text, re.S)
    places = json.loads(geo.group(1))
    assert places["type"] == "FeatureCollection" and len(places["features"]) == len(detail["crimes"])
    assert {f["properties"]["id"] for f in places["features"]} == {c["id"] for c in detail["crimes"]}
    assert all(-1 < f["geometry"]["coordinates"][0] < 1 for f in places["features"])  # lon near London
    assert 'id="series-map"' in text and 'class="waterfall evidence"' in text
    first = detail["pairs"][0]["evidence"][0]
    assert f"{first['log_odds']:+.2f}" in text and "Log-odds" in text
    assert 'action="/review/' + series["lead_id"] + '"' in text  # an analyst may decide
    # CSP: no inline style, and the only script in the body is the JSON data block
    assert "style=" not in text
    body = text.split("</head>", 1)[1]
    assert re.findall(r"<script[^>]*>", body) == ['<script type="application/json" id="series-crimes">']
    officer = with_purpose(series_app, "officer")
    seen = officer.get(f"/linkage/series/{series['lead_id']}")
    assert seen.status_code == 200 and "/review/" not in seen.text  # officers read, but do not decide


def test_api_returns_the_detail_and_the_audit_names_the_lead(series_app):
    client = with_purpose(series_app)
    series = series_app.state.found[1]
    body = client.get(f"/api/linkage/series/{series['lead_id']}").json()
    assert body["lead"]["id"] == series["lead_id"] and body["category"] == "Burglary"
    assert {c["id"] for c in body["crimes"]} == set(series["events"]) and body["missing"] == []
    n = len(series["events"])
    assert len(body["pairs"]) == min(200, n * (n - 1) // 2)
    assert {"evidence", "value", "reads", "log_odds"} <= set(body["pairs"][0]["evidence"][0])
    probabilities = [p["probability"] for p in body["pairs"]]
    assert probabilities == sorted(probabilities, reverse=True)
    with series_app.state.engine.connect() as conn:
        entry = conn.execute(
            select(audit_log)
            .where(audit_log.c.action == "GET /api/linkage/series/{lead_id}")
            .order_by(audit_log.c.seq.desc())
        ).first()
    records = json.loads(entry.details)["records"]  # canonical JSON text
    assert entry.purpose == "investigation" and entry.case_ref == "OP-SERIES"
    assert records["lead"] == series["lead_id"] and set(records["ids"]) == set(series["events"])


def test_unknown_other_and_malformed_ids(series_app):
    client = with_purpose(series_app)
    engine = series_app.state.engine
    other = leads.propose(engine, "hotspot", "A hotspot", "Busy here.", {"model": "test"}, [], 0.5, "tester")
    by_hand = leads.propose(engine, SERIES, "Series by hand", "Listed otherwise.", {"model": "by hand"},
                            [{"type": "event", "id": "ev_a"}], 0.5, "tester")  # fmt: skip
    for lead_id in ("ld_0000", other, by_hand):
        missing = client.get(f"/api/linkage/series/{lead_id}")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        page = client.get(f"/linkage/series/{lead_id}", headers={"Accept": "text/html"})
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    for bad in ("DROP%20TABLE", "ld_XYZ", "ld_" + "a" * 38, "pp_1234"):
        assert client.get(f"/api/linkage/series/{bad}").status_code == 422, bad


def test_crimes_no_longer_held_are_named(series_app):
    client = with_purpose(series_app)
    engine = series_app.state.engine
    series = series_app.state.found[2]
    model_id = service.latest_model(engine, "Burglary")[0]
    gone = "ev_" + "0" * 24
    events = [*series["events"][:2], gone]
    lead_id = leads.propose(engine, SERIES, "Hand-made series", "Two crimes and one deleted.",
                            {"model": "peelian.linkage", "model_id": model_id, "inputs": {"events": events}},
                            {"events": events, "category": "Burglary"}, 0.9, "tester")  # fmt: skip
    page = client.get(f"/linkage/series/{lead_id}")
    assert page.status_code == 200 and "no longer held" in page.text and gone in page.text
    assert client.get(f"/api/linkage/series/{lead_id}").json()["missing"] == [gone]


def _series_links(engine, lead_id):
    with engine.connect() as conn:
        return conn.execute(
            select(links.c.subject_id, links.c.object_id).where(
                links.c.source_system == "peelian.linkage", links.c.source_key == lead_id,
                links.c.role == "same_series",
            )
        ).all()  # fmt: skip


def test_accepting_links_the_crimes_and_rejecting_unlinks_them(series_app):
    client = with_purpose(series_app)
    engine = series_app.state.engine
    series = series_app.state.found[3]
    lead_id = series["lead_id"]
    page = client.get(f"/linkage/series/{lead_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": token, "status": "all"}
    blank = client.post(f"/review/{lead_id}", data=form | {"decision": "accept", "reason": " "})
    assert blank.status_code == 422 and _series_links(engine, lead_id) == []
    accepted = client.post(
        f"/review/{lead_id}", data=form | {"decision": "accept", "reason": "Same MO and area"},
        follow_redirects=False,
    )  # fmt: skip
    assert (
        accepted.status_code == 303 and accepted.headers["location"] == f"/review?status=all&judged={lead_id}"
    )
    made = _series_links(engine, lead_id)
    assert len(made) == len(series["events"]) - 1
    assert {s for s, _ in made} | {o for _, o in made} == set(series["events"])
    shown = client.get(f"/linkage/series/{lead_id}").text
    assert "Accepted by analyst" in shown and "Same MO and area" in shown
    assert "reverses the acceptance" in shown
    assert lead_id in client.get("/linkage", params={"status": "accepted"}).text
    rejected = client.post(
        f"/review/{lead_id}", data=form | {"decision": "reject", "reason": "Offender in custody then"},
        follow_redirects=False,
    )  # fmt: skip
    assert rejected.status_code == 303 and _series_links(engine, lead_id) == []
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(links).where(links.c.role == "same_series")
            ).scalar()
            == 0
        )
    assert "reversed the previous decision" in client.get(f"/linkage/series/{lead_id}").text
