"""The command line as a user drives it: real commands on a real SQLite file."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelian.cli import app
from peelian.config import get_settings
from tests.unit.test_police_uk import row, write

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PEELIAN_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_help_lists_every_group():
    result = invoke("--help")
    assert result.exit_code == 0
    for group in ("db", "ingest", "quarantine", "geo", "demo"):
        assert group in result.output


def test_unmigrated_database_is_refused_in_one_line(db_env, tmp_path):
    path = write(tmp_path / "in", [row("c1")])
    result = invoke("ingest", "police-uk", str(path))
    assert result.exit_code == 1
    assert "peelian db upgrade" in result.output
    assert "Traceback" not in result.output


def test_upgrade_ingest_quarantine_round_trip(db_env, tmp_path):
    assert invoke("db", "upgrade").exit_code == 0
    assert "already at revision" in invoke("db", "upgrade").output
    path = write(tmp_path / "in", [row("c1"), row("c2", lon="", lat="")])
    result = invoke("ingest", "police-uk", str(path), "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["totals"]["inserted"] == 1 and report["totals"]["quarantined"] == 1

    status = json.loads(invoke("db", "status", "--json").output)
    assert status["rows"]["events"] == 1 and status["crs"] == "EPSG:27700"

    listed = json.loads(invoke("quarantine", "list", "--json").output)
    [q] = listed["rows"]
    assert q["reason_code"] == "missing_coordinates"
    shown = json.loads(invoke("quarantine", "show", str(q["id"]), "--json").output)
    assert shown["raw"].startswith("c2,2015-06,")
    out = tmp_path / "rejects.csv"
    assert invoke("quarantine", "export", str(out)).exit_code == 0
    assert "missing longitude/latitude" in out.read_text()
    assert invoke("quarantine", "show", "999").exit_code == 1

    again = invoke("ingest", "police-uk", str(path))
    assert "Nothing changed" in again.output

    history = json.loads(invoke("ingest", "runs", "--json").output)
    assert [(r["status"], r["rows_inserted"], r["rows_unchanged"]) for r in history] == [
        ("completed", 0, 1),
        ("completed", 1, 0),
    ]
    assert len(history[0]["file_sha256"]) == 64 and history[0]["file_sha256"] == history[1]["file_sha256"]
    wide = runner.invoke(app, ["ingest", "runs"], env={"COLUMNS": "200"})
    assert "2015-06-metropolitan-street.csv.gz" in wide.output


def test_bad_inputs_give_clear_errors(db_env, tmp_path):
    invoke("db", "upgrade")
    assert invoke("ingest", "police-uk", str(tmp_path / "missing")).exit_code == 2  # typer: path must exist
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("ingest", "police-uk", str(empty))
    assert result.exit_code == 1 and "no police-uk source files" in result.output
    assert invoke("quarantine", "export", str(tmp_path / "x.txt"), "--format", "xml").exit_code == 1


def test_demo_builds_and_refuses_to_overwrite_other_stores(db_env, monkeypatch):
    result = invoke("demo", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["ingest"]["files"] == 36 and summary["areas_loaded"] == 400
    assert set(summary["by_borough_year"]) == {"Camden", "Hackney", "Islington"}
    assert summary["events_assigned"] > 0.99 * summary["ingest"]["inserted"]
    assert invoke("demo", "--json").exit_code == 0  # a demo store is rebuilt fresh

    other = db_env.with_name("other.db")
    other.write_bytes(b"not a demo store")
    monkeypatch.setenv("PEELIAN_DATABASE_URL", f"sqlite:///{other}")
    get_settings.cache_clear()
    result = invoke("demo")
    assert result.exit_code == 1 and "will not be overwritten" in result.output
    assert other.read_bytes() == b"not a demo store"


def test_a_bad_setting_is_named_in_one_line(db_env, monkeypatch):
    invoke("db", "upgrade")
    monkeypatch.setenv("PEELIAN_TIMEZONE", "Atlantis/Capital")
    get_settings.cache_clear()
    result = invoke("forecast", "backtest", "--last", "1")
    assert result.exit_code == 2
    said = result.output.replace("\n", " ")
    assert "PEELIAN_TIMEZONE: Value error, unknown time zone 'Atlantis/Capital'" in said
    assert "Traceback" not in result.output
