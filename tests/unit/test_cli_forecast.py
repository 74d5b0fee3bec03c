"""``peelian forecast`` on the bundled demo store: backtests, forecasts written to files, hotspot
leads proposed for review, and clear refusals of bad requests."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import image
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
        (["predict", "--out", "x.geojson", "--units", "beats"], "no boundaries of scheme 'beats'"),
        (["backtest", "--period", "day"], "coarser time than a day"),
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
    kept = lead["provenance"]["card"]  # the card's content, should its file go
    assert kept["parameters"]["half_lives"] == [3, 12, 48] and kept["limitations"] and "data" not in kept
    assert kept["backtest"]["models"][0]["model"] == "boosted Poisson (LightGBM)"


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


PNG = b"\x89PNG\r\n\x1a\n"


def test_backtest_writes_each_period_and_a_coverage_curve(store_env, tmp_path):
    folder = tmp_path / "backtest"
    result = invoke("backtest", "--category", "Burglary", "--last", "4", "--models", "prior,recency",
                    "--out", str(folder), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    printed, saved = json.loads(result.stdout), json.loads((folder / "backtest.json").read_text())
    at_5pct = saved["curve_coverage"].index(0.05)
    months = ["2021-09-01", "2021-10-01", "2021-11-01", "2021-12-01"]  # the last four of the data
    for model in saved["models"]:
        steps, curve = model.pop("steps"), model.pop("curve")
        assert [s["period_start"][:10] for s in steps] == months
        crimes = [s["crimes"] for s in steps]
        for c, rate in model["hit_rate"].items():  # each period's scores pool to the printed hit rate
            caught = [s["captured"][c] for s in steps]
            assert sum(caught) / sum(crimes) == pytest.approx(rate)
            assert [s["hit_rate"][c] for s in steps] == pytest.approx(np.divide(caught, crimes))
        assert curve[at_5pct] == pytest.approx(model["hit_rate"]["0.05"])
        assert all(mine <= best + 1e-12 for mine, best in zip(curve, saved["oracle_curve"], strict=True))
        assert 1 <= model["compactness"] <= round(0.05 * saved["cells"]) and 0 <= model["stability"] <= 1
    assert {k: v for k, v in saved.items() if k not in ("curve_coverage", "oracle_curve")} == printed
    png = (folder / "coverage.png").read_bytes()
    assert png.startswith(PNG) and image.imread(folder / "coverage.png").shape[:2] == (600, 900)
    table = invoke("backtest", "--category", "Burglary", "--last", "2", "--models", "prior")
    assert "stable 5%" in table.output and "cells/area 5%" in table.output


def test_predict_draws_a_map_and_backtests_the_model_for_its_card(store_env, tmp_path):
    out = tmp_path / "recent.geojson"
    result = invoke("predict", "--category", "Burglary", "--scheme", "lsoa11", "--model", "recency",
                    "--out", str(out), "--leads", "0", "--backtest", "4", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["map"] == f"{out}.png"
    assert (tmp_path / "recent.geojson.png").read_bytes().startswith(PNG)
    assert image.imread(summary["map"]).shape[1] == 900
    found, months = summary["backtest"], ("2021-09-01", "2021-12-01")
    assert (found["targets"], found["first_period"][:10], found["last_period"][:10]) == (4, *months)
    models = {m["model"]: m for m in found["models"]}
    mine, prior = models["recency-weighted counts"], models["prior counts"]
    text = (tmp_path / "recent.geojson.card.md").read_text()
    section = text.split("## Backtest")[1].split("\n## ")[0]
    assert "Each of the 4 month(s) from 2021-09-01 to 2021-12-01" in section
    rows = [
        line.strip("|").split("|") for line in section.splitlines() if line.startswith(("| 1", "| 2", "| 5"))
    ]
    assert len(rows) == 5
    for row, c in zip(rows, ("0.01", "0.02", "0.05", "0.1", "0.2"), strict=True):
        low, high = mine["hit_rate_interval"][c]
        rate = f"{mine['hit_rate'][c]:.1%} ({low:.1%} to {high:.1%})"
        assert [cell.strip() for cell in row] == [
            f"{float(c):.0%}", rate, f"{mine['pai'][c]:.2f}", f"{mine['pei'][c]:.2f}",
            f"{prior['hit_rate'][c]:.1%}", f"{found['oracle_hit_rate'][c]:.1%}",
        ]  # fmt: skip
    assert f"stability: {mine['stability']:.2f}" in section
    assert f"compactness: {mine['compactness']:.1f} cells per patrol area" in section
    assert "map: " + summary["map"] in text  # the card's data section names the map
    few = tmp_path / "few.csv"
    skipped = invoke("predict", "--category", "Burglary", "--model", "prior", "--format", "csv",
                     "--out", str(few), "--leads", "0", "--backtest", "500", "--json")  # fmt: skip
    assert skipped.exit_code == 0, skipped.output
    assert json.loads(skipped.stdout)["backtest"]["skipped"].startswith("only 36 month(s) of data")
    assert "Not backtested: only 36 month(s) of data" in (tmp_path / "few.csv.card.md").read_text()
    assert image.imread(tmp_path / "few.csv.png").shape[1] == 900  # no scheme: the grid's outline


def pubs_file(tmp_path):
    """Four places in the demo's boroughs (Camden Town, Angel, Dalston, Highbury), and one without
    geometry."""
    places = [(-0.1426, 51.5390), (-0.1058, 51.5322), (-0.0750, 51.5460), (-0.1030, 51.5460)]
    features = [
        {"type": "Feature", "properties": {"name": n}, "geometry": {"type": "Point", "coordinates": xy}}
        for n, xy in enumerate(places)
    ]
    features.append({"type": "Feature", "properties": {"name": "closed"}, "geometry": None})
    path = tmp_path / "Pubs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_terrain_layers_feed_the_boosted_model(store_env, tmp_path):
    pubs = pubs_file(tmp_path)
    result = invoke("backtest", "--category", "Burglary", "--last", "2", "--models", "prior,boosted",
                    "--terrain", str(pubs), "--terrain-radius", "500", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "terrain layer 'pubs' from Pubs.geojson: 4 place(s); 1 feature(s) skipped" in result.stderr
    report = json.loads(result.stdout)
    assert [m["model"] for m in report["models"]] == ["prior counts", "boosted Poisson (LightGBM)"]
    out = tmp_path / "cells.csv"
    result = invoke("predict", "--category", "Burglary", "--format", "csv", "--out", str(out), "--leads", "0",
                    "--terrain", str(pubs), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (tmp_path / "cells.csv.card.md").read_text()
    assert "terrain names: ['pubs_distance_m', 'pubs_density_400m']" in text  # named, the table left out
    assert "terrain: [[" not in text and "array(" not in text
    cells = pd.read_csv(out)
    assert len(cells) == json.loads(result.stdout)["cells"] and cells["why"].notna().all()
    refused = invoke("predict", "--out", str(out), "--terrain", str(tmp_path / "missing.geojson"))
    assert refused.exit_code == 1 and "terrain file" in refused.output and "not found" in refused.output
    lonely = invoke("predict", "--model", "prior", "--out", str(out), "--leads", "0", "--terrain", str(pubs))
    assert lonely.exit_code == 0 and "only the boosted model uses --terrain" in lonely.stderr


def test_fairness_report_says_where_population_came_from(store_env, tmp_path):
    out = tmp_path / "lsoa.csv"
    where = ("--category", "Burglary", "--scheme", "lsoa11", "--model", "prior", "--format", "csv")
    result = invoke("predict", *where, "--out", str(out), "--leads", "0", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fairness_population"].startswith("none")  # the demo's LSOAs have none
    assert "share_of_population" not in pd.read_csv(tmp_path / "lsoa.csv.fairness.csv")
    named = invoke("predict", *where, "--out", str(out), "--leads", "0", "--population-attribute", "lad11nm")
    assert named.exit_code == 0, named.output  # a borough name is no population: empty, and said so
    assert "population incomplete" in named.stderr
    report = pd.read_csv(tmp_path / "lsoa.csv.fairness.csv")
    assert report["share_of_population"].isna().all() and report["flagged_to_population"].isna().all()
    unknown = invoke("predict", *where, "--out", str(out), "--population-attribute", "people")
    assert unknown.exit_code == 1 and "no attribute 'people'" in unknown.output
    no_scheme = invoke("predict", "--out", str(out), "--population-attribute", "pop")
    assert no_scheme.exit_code == 1 and "needs --scheme" in no_scheme.output


def test_units_rank_lsoas_and_backtest_on_them(store_env, tmp_path):
    out = tmp_path / "lsoas.geojson"
    where = ("--category", "Burglary", "--scheme", "lsoa11", "--units", "lsoa11")
    result = invoke("predict", *where, "--model", "recency", "--out", str(out), "--leads", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    collection = json.loads(out.read_text())
    units = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "unit"]
    assert len(units) == summary["units"] and all(u["unit"].startswith("E01") for u in units)
    areas = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "patrol_area"]
    assert sum(a["units"] for a in areas) == len(units) and len(areas) == summary["patrol_areas"]
    assert "on 400 lsoa11 units" in Path(summary["model_card"]).read_text()
    listed = json.loads(runner.invoke(app, ["leads", "list", "--type", "hotspot", "--json"]).output)["leads"]
    (lead,) = [lead for lead in listed if lead["id"] == summary["leads"][0]]
    assert lead["subjects"]["scheme"] == "lsoa11" and set(lead["subjects"]["units"]) <= {
        u["unit"] for u in units
    }
    backtested = invoke("backtest", *where, "--models", "prior,recency", "--last", "3", "--json")
    assert backtested.exit_code == 0, backtested.output
    found = json.loads(backtested.output)
    assert found["units"]["scheme"] == "lsoa11" and found["units"]["count"] == 400
    for model in found["models"]:
        assert 0 < model["hit_rate"]["0.05"] <= found["oracle_hit_rate"]["0.05"] + 1e-9


def test_training_window_and_refit_cadence_are_explicit(store_env):
    result = invoke("backtest", "--category", "Burglary", "--last", "2", "--models", "prior,sepp,boosted",
                    "--window", "6", "--refit", "2", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)["parameters"]
    assert settings["prior counts"]["window"] == 6 and settings["grid SEPP (PredPol)"]["refit_every"] == 2
    boosted = settings["boosted Poisson (LightGBM)"]
    assert (boosted["train_periods"], boosted["refit_every"]) == (6, 2)
    default = json.loads(invoke("backtest", "--last", "2", "--models", "prior", "--json").output)
    assert default["parameters"]["prior counts"]["window"] == 12  # a year of months
