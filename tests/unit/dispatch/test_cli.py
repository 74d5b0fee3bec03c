"""``peelian dispatch`` end to end on small CSV files, JSON out, and a plain refusal of a bad file."""

import json

import pandas as pd
from typer.testing import CliRunner

from peelian.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["dispatch", *args], env={"COLUMNS": "200"})


def test_grade_recommend_replay_and_sites(tmp_path):
    graded = invoke("grade", "someone is stealing my car", "--in-progress", "--offender-present", "--json")
    assert graded.exit_code == 0 and json.loads(graded.stdout)["grade"] == "Immediate"
    units = tmp_path / "units.csv"
    pd.DataFrame(
        {"id": ["A1", "D1"], "kind": ["officer", "drone"], "status": "available", "x": [100, 0], "y": [0, 0]}
    ).to_csv(units, index=False)
    found = json.loads(invoke("recommend", str(units), "--x", "0", "--y", "0", "--json").stdout)
    assert [u["id"] for u in found["units"]] == ["A1"] and [d["id"] for d in found["drones"]] == ["D1"]
    incidents, officers = tmp_path / "incidents.csv", tmp_path / "officers.csv"
    pd.DataFrame(
        {
            "time": ["2016-01-01 00:00", "2016-01-01 00:05", "2016-01-01 00:06"],
            "x": [0, 500, 3000],
            "y": [0, 0, 0],
            "grade": ["Immediate", "priority", "Resolve without deployment"],
        }
    ).to_csv(incidents, index=False)
    pd.DataFrame({"x": [0], "y": [0]}).to_csv(officers, index=False)
    run = json.loads(invoke("replay", str(incidents), "--officers", str(officers), "--json").stdout)
    assert run["incidents"] == 3 and run["response"]["Immediate"]["median_min"] == 0.0
    placed = json.loads(invoke("sites", str(incidents), "--n", "1", "--json").stdout)
    assert placed["optimised_coverage"] == 1.0
    refused = invoke("replay", str(units), "--officers", str(officers))
    assert refused.exit_code == 1 and "lacks columns: grade, time" in refused.stderr
