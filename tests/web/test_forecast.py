"""The forecast page and API on the bundled demo store (36 months of real burglary in a corner of
London, with its LSOA boundaries): a real forecast, its cells' reasons and crimes, its backtest,
leads sent for review, and clear refusals."""

import json

import pytest
from sqlalchemy import select

from peelian import demo
from peelian.db import make_engine
from peelian.db.schema import audit_log, events, leads
from tests.web.conftest import csrf_of, sign_in, staffed_app

WHERE = "category=Burglary&scheme=lsoa11&period=month&cell_m=250&coverage=0.05"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast-web") / "demo.db"
    demo.build(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    application = staffed_app(engine)
    yield application
    engine.dispose()


@pytest.fixture(scope="module")
def analyst(app):
    return sign_in(app, "analyst")  # once per module: sign-in is rate-limited per address


@pytest.fixture(scope="module")
def officer(app):
    return sign_in(app, "officer")


def test_page_forecasts_and_maps_the_flagged_cells(officer):
    client = officer
    form = client.get("/forecast")
    assert form.status_code == 200 and 'id="forecast-map"' not in form.text  # the form alone
    page = client.get(f"/forecast?run=true&model=boosted&{WHERE}")
    assert page.status_code == 200, page.text
    assert 'id="forecast-map"' in page.text and "Patrol areas, riskiest first" in page.text
    assert "Propose as leads" not in page.text  # officers see forecasts; analysts propose them
    report = client.get(f"/api/forecast?model=boosted&{WHERE}").json()
    assert report["period_start"].startswith("2022-01-01")  # the month after the data ends
    cells = report["cells"]
    assert len(cells) == round(0.05 * report["cells_in_study_area"])
    risks = [c["expected_crimes"] for c in cells]
    assert risks == sorted(risks, reverse=True) and risks[-1] > 0
    assert all(c["why"] for c in cells)
    shapes = client.get(f"/api/forecast.geojson?model=boosted&{WHERE}").json()
    drawn = [f["properties"] for f in shapes["features"] if f["properties"]["kind"] == "cell"]
    assert [p["cell"] for p in drawn] == [c["cell"] for c in cells]
    areas = {
        f["properties"]["patrol_area"] for f in shapes["features"] if f["properties"]["kind"] == "patrol_area"
    }
    assert areas == {c["patrol_area"] for c in cells}


def test_cell_detail_lists_the_crimes_recorded_in_the_cell(app, analyst):
    client = analyst
    top = client.get(f"/api/forecast?model=prior&{WHERE}").json()["cells"][0]
    detail = client.get(f"/api/forecast/cells/{top['cell']}?model=prior&{WHERE}").json()
    assert detail["rank"] == 1 and detail["flagged"]
    assert detail["expected_crimes"] == pytest.approx(top["expected_crimes"])
    assert detail["recorded"]["last_year"] > 0 and detail["recent_crimes"]
    with app.state.engine.connect() as conn:
        placed = conn.execute(
            select(events.c.x, events.c.y, events.c.category).where(
                events.c.id.in_([c["id"] for c in detail["recent_crimes"]])
            )
        ).all()
    assert len(placed) == len(detail["recent_crimes"])
    for x, y, category in placed:  # every crime listed lies in the cell's square
        assert abs(x - top["x"]) <= 125 and abs(y - top["y"]) <= 125 and category == "Burglary"
    dates = [c["time_from"] for c in detail["recent_crimes"]]
    assert dates == sorted(dates, reverse=True)
    with app.state.engine.connect() as conn:
        logged = conn.execute(
            select(audit_log.c.details).where(audit_log.c.details.like("%/api/forecast/cells/%"))
        )
        records = [json.loads(row.details)["records"] for row in logged]
    assert [c["id"] for c in detail["recent_crimes"]] in [r["ids"] for r in records]  # the read is audited
    missing = client.get(f"/api/forecast/cells/9999999?model=prior&{WHERE}")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_backtest_compares_the_model_with_prior_counts(analyst):
    client = analyst
    report = client.get(f"/api/forecast/backtest?model=recency&{WHERE}").json()
    names = [m["model"] for m in report["models"]]
    assert names == ["recency-weighted counts", "prior counts"] and report["periods"] == 6
    for model in report["models"]:
        for coverage, rate in model["hit_rate"].items():
            assert 0 <= rate <= report["oracle_hit_rate"][coverage] + 1e-9
    ratio, low, high = report["ratio_5pct"]
    assert low <= ratio <= high
    fragment = client.get(f"/forecast/backtest?model=recency&{WHERE}")
    assert fragment.status_code == 200 and 'id="backtest-table"' in fragment.text
    assert "Best possible (oracle)" in fragment.text and "/api/forecast/coverage.png?" in fragment.text
    chart = client.get(f"/api/forecast/coverage.png?model=recency&{WHERE}")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n") and len(chart.content) > 10_000


def test_analyst_sends_patrol_areas_for_review_and_officer_may_not(app, analyst, officer):
    token = csrf_of(analyst)
    sent = analyst.post(f"/forecast/leads?model=prior&{WHERE}", data={"csrf_token": token, "count": "3"},
                        follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and "proposed=3" in sent.headers["location"]
    with app.state.engine.connect() as conn:
        made = conn.execute(
            select(leads.c.title, leads.c.created_by, leads.c.provenance).where(
                leads.c.lead_type == "hotspot"
            )
        ).all()
    assert len(made) >= 3 and {m.created_by for m in made} == {"analyst"}
    kept = made[0].provenance["card"]  # the model card travels with the lead
    assert kept["model"] == "prior counts" and kept["limitations"]
    assert [m["model"] for m in kept["backtest"]["models"]] == ["prior counts"]
    refused = officer.post(f"/forecast/leads?model=prior&{WHERE}", data={"csrf_token": csrf_of(officer)})
    assert refused.status_code == 403
    forged = analyst.post(f"/forecast/leads?model=prior&{WHERE}", data={"csrf_token": "wrong", "count": "1"})
    assert forged.status_code == 403


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("category=Burglary&period=day", 400, "coarser time than a day"),
        ("category=Burglary&scheme=lsoa11&area=NOPE", 404, "no area 'NOPE'"),
        ("category=Burglary&area=E01000001", 400, "give the scheme too"),
        ("category=Nonesuch", 404, "no placed events of category 'Nonesuch'"),
        ("model=crystal-ball", 422, "model"),
        ("cell_m=1", 422, "cell_m"),
        ("coverage=2", 422, "coverage"),
    ],
)
def test_bad_requests_get_clear_refusals(analyst, query, status, says):
    client = analyst
    answer = client.get(f"/api/forecast?{query}")
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert says in answer.text
    if status != 422:  # the page shows the same reason beside the form
        page = client.get(f"/forecast?run=true&{query}")
        assert page.status_code == 400 and says in page.text.replace("&#39;", "'")
