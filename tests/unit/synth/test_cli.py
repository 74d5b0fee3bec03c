"""``peelian synth nominals`` as a user drives it."""

import json

import pytest
from typer.testing import CliRunner

from peelian.cli import app
from peelian.config import get_settings

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PEELIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_help_names_every_option():
    result = invoke("synth", "nominals", "--help")
    assert result.exit_code == 0
    for option in ("--people", "--seed", "--out", "--ingest", "--json"):
        assert option in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--people", "0"], "(--people) must be at least 1, not 0"),
        (["--seed", "-3"], "(--seed) must be 0 or more"),
    ],
)
def test_bad_arguments_fail_in_one_line(tmp_path, args, message):
    result = invoke("synth", "nominals", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unwritable_folder_fails_in_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("synth", "nominals", "--people", "5", "--out", str(blocker / "out"))
    assert result.exit_code == 1
    assert "cannot write to" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_writes_and_ingests_with_a_json_summary(db_env, tmp_path):
    assert invoke("db", "upgrade").exit_code == 0
    out = tmp_path / "nominals"
    result = invoke(
        "synth", "nominals", "--people", "200", "--seed", "4", "--out", str(out), "--ingest", "--json"
    )
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["people"] == 200 and summary["seed"] == 4
    assert set(summary["systems"]) == {"custody", "crime", "intel", "stops", "anpr", "vetting"}
    for name, system in summary["systems"].items():
        assert summary["ingest"][name]["inserted"] == system["rows"]
        assert summary["ingest"][name]["quarantined"] == 0
        assert (out / system["file"]).is_file()
    assert {"truth.csv", "vehicle_truth.csv", "README.txt"} <= set(summary["files"])


def test_table_summary(tmp_path):
    result = invoke("synth", "nominals", "--people", "50", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert "50 true people" in result.output
    assert "vetting" in result.output and "truth.csv" in result.output
