"""``peelian forecast`` on the bundled demo store: backtests, forecasts written to files, hotspot
leads proposed for review, and clear refusals of bad requests."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from peelian import demo
from peelian.cli import app
from peelian.config import get_settings
from peelian.forecast import card
from peelian.forecast.models.classic import PriorCounts

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast") / "demo.db"
    demo.build(f"sqlite:///{path}")
    return path


@pytest.fixture
def store_env(demo_store, monkeypatch):
    monkeypatch.setenv("PEELIAN_DATABASE_URL", f"sqlite:///{demo_store}")
    get_settings.cache_clear()
    yield demo_store
    get_settings.cache_clear()


def invoke(*args: str):
    return runner.invoke(app, ["forecast", *args], catch_exceptions=False, env={"COLUMNS": "200"})


def test_backtest_scores_models_against_the_oracle(store_env):
    result = invoke("backtest", "--category", "Burglary", "--scheme", "lsoa11", "--last", "3",
                    "--models", "prior,recency,boosted", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [m["model"] for m in report["models"]] == ["prior counts", "recency-weighted counts",
                                                      "boosted Poisson (LightGBM)"]  # fmt: skip
    for model in report["models"]:
        for coverage, rate in model["hit_rate"].items():
            assert 0 <= rate <= report["oracle_hit_rate"][coverage] + 1e-9
    ratio, low, high = report["best_vs_baseline_5pct"]
    assert low <= ratio <= high
    table = invoke("backtest", "--category", "burglary", "--last", "2", "--models", "prior")
    assert table.exit_code == 0 and "oracle" in table.output


def test_predict_writes_cells_patrol_areas_and_leads(store_env, tmp_path):
    out = tmp_path / "hotspots.geojson"
    where = ("--category", "Burglary", "--scheme", "lsoa11")
    result = invoke("predict", *where, "--out", str(out), "--leads", "2", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    collection = json.loads(out.read_text())
    cells = [f for f in collection["features"] if f["properties"]["kind"] == "cell"]
    areas = [f for f in collection["features"] if f["properties"]["kind"] == "patrol_area"]
    assert len(cells) == summary["cells"] and len(areas) == summary["patrol_areas"]
    assert sum(a["properties"]["cells"] for a in areas) == len(cells)
    assert all(c["properties"]["why"] for c in cells)  # every cell says why
    lon, lat = cells[0]["geometry"]["coordinates"][0][0]
    assert -0.3 < lon < 0.0 and 51.4 < lat < 51.7  # north London, in lon/lat
    assert collection["properties"]["period_start"].startswith("2022-01-01")  # the month after the data
    assert len(summary["leads"]) == 2
    listed = json.loads(runner.invoke(app, ["leads", "list", "--type", "hotspot", "--json"]).output)
    assert {lead["id"] for lead in listed["leads"]} >= set(summary["leads"])
    csv_out = tmp_path / "hotspots.csv"
    written = invoke("predict", "--model", "prior", "--format", "csv", "--out", str(csv_out), "--leads", "0")
    assert written.exit_code == 0
    frame = pd.read_csv(csv_out)
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert frame["expected_crimes"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backtest", "--models", "crystal-ball"], "unknown model"),
        (["backtest", "--period", "fortnight"], "--period must be one of"),
        (["backtest", "--scheme", "parishes"], "no boundaries of scheme 'parishes'"),
        (["backtest", "--category", "Piracy"], "no placed events of category 'Piracy'"),
        (["backtest", "--last", "500"], "fewer than --last 500"),
        (["predict", "--out", "x.geojson", "--coverage", "0"], "coverage must be"),
        (["predict", "--out", "x.txt", "--format", "pdf"], "--format must be one of"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(store_env, args, message):
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in result.output.replace("\n", " ")


def test_predict_writes_a_model_card_and_leads_point_to_it(store_env, tmp_path):
    out = tmp_path / "cells.csv"
    result = invoke(
        "predict", "--model", "boosted", "--format", "csv", "--out", str(out), "--leads", "1", "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    text = (tmp_path / "cells.csv.card.md").read_text()
    assert summary["model_card"].endswith("cells.csv.card.md") and summary["warnings"] == []
    assert "# Model card: boosted Poisson (LightGBM)" in text and "half lives: [3, 12, 48]" in text
    assert "none is an instruction" in text and "## Warning" not in text
    listed = json.loads(runner.invoke(app, ["leads", "list", "--type", "hotspot", "--json"]).output)["leads"]
    (lead,) = [lead for lead in listed if lead["id"] == summary["leads"][0]]
    assert lead["provenance"]["model_card"] == summary["model_card"]


def test_crime_found_by_police_carries_a_feedback_loop_warning(tmp_path):
    assert card.feedback_loop_risk("Drugs") and card.feedback_loop_risk("Possession of weapons")
    assert card.feedback_loop_risk("Public order") and not card.feedback_loop_risk("Burglary")
    written = card.write(tmp_path / "card.md", PriorCounts(12), {"category": "Drugs", "period": "month"})
    assert written["warnings"] == [card.FEEDBACK_WARNING]
    assert "feedback loop" in (tmp_path / "card.md").read_text()


def test_predict_reports_who_the_forecast_sends_patrols_to(store_env, tmp_path):
    out = tmp_path / "lsoa.geojson"
    assert (
        invoke(
            "predict", "--scheme", "lsoa11", "--model", "prior", "--out", str(out), "--leads", "0"
        ).exit_code
        == 0
    )
    report = pd.read_csv(tmp_path / "lsoa.geojson.fairness.csv")
    assert "lsoa.geojson.fairness.csv" in (tmp_path / "lsoa.geojson.card.md").read_text()
    assert len(report) == 400  # every LSOA of the demo's three boroughs
    for column in ("share_of_area", "share_of_recorded_crime", "share_of_flagged_cells", "share_of_dosage"):
        assert report[column].sum() == pytest.approx(1.0)
    assert report["share_of_dosage"].is_monotonic_decreasing
    flagged = report[report["share_of_flagged_cells"] > 0]
    assert (flagged["share_of_recorded_crime"] > 0).all()  # prior counts flag only where crime was recorded
