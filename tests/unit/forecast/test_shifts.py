"""A day's forecast split into patrol shifts by each place's own timing: a street burgled at night
leads the night shift's list, and month-only records are refused rather than split."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from peelian.cli import app
from peelian.config import get_settings
from peelian.errors import PeelianError
from peelian.forecast import shifts
from peelian.forecast.counts import aoristic_counts, period_edges
from peelian.forecast.grid import Grid
from peelian.forecast.history import History, Points
from peelian.ingest.chicago import ChicagoAdapter
from peelian.ingest.pipeline import ingest
from tests.unit.test_chicago import crime, write

CHICAGO_TIME = "%m/%d/%Y %I:%M:%S %p"


def history_of(x, y, t_from, t_to) -> History:
    grid = Grid.over(shapely.box(0, 0, 300, 100), 100.0)
    edges = period_edges(np.datetime64("2024-01-01", "s"), np.datetime64("2024-03-01", "s"), "day")
    t_from, t_to = np.array(t_from, "datetime64[s]"), np.array(t_to, "datetime64[s]")
    counts = aoristic_counts(grid.cells(x, y), t_from, t_to, edges, grid.n_cells)
    return History(grid, edges, counts, Points(np.array(x, float), np.array(y, float), t_from, t_to))


def test_each_cell_takes_its_own_shift_shares_shrunk_to_the_areas():
    days = np.arange(np.datetime64("2024-01-02"), np.datetime64("2024-02-20")).astype("datetime64[s]")
    night = days + np.timedelta64(2, "h")  # 02:00: the night shift (23-07)
    afternoon = days + np.timedelta64(16, "h")  # 16:00: the late shift (15-23)
    t = np.r_[night, afternoon]
    x = np.r_[np.full(len(days), 50.0), np.full(len(days), 150.0)]
    history = history_of(x, np.full(len(t), 50.0), t, t + np.timedelta64(60, "s"))
    shares = shifts.profile(history, len(history.counts) - 1)
    assert shares.shape == (3, 3) and np.allclose(shares.sum(axis=0), 1)
    n, prior = len(days), shifts.PRIOR_CRIMES
    assert shares[2, 0] == pytest.approx((n + prior * 0.5) / (n + prior))  # cell 0: nights
    assert shares[1, 1] == pytest.approx((n + prior * 0.5) / (n + prior))  # cell 1: afternoons
    assert shares[:, 2] == pytest.approx([0.0, 0.5, 0.5])  # no crimes of its own: the area's shares
    split = shifts.split(np.array([2.0, 1.0, 0.5]), shares)
    assert split.sum(axis=0) == pytest.approx([2.0, 1.0, 0.5])  # the day's forecast, shared out


def test_month_only_records_are_not_split():
    starts = np.array(["2024-01-01", "2024-02-01"], "datetime64[s]")
    ends = np.array(["2024-02-01", "2024-03-01"], "datetime64[s]")
    history = history_of([50.0, 150.0], [50.0, 50.0], starts, ends)
    with pytest.raises(PeelianError, match="too few to split the forecast by shift"):
        shifts.profile(history, len(history.counts) - 1)


def test_cli_writes_one_forecast_per_shift(chicago_store, tmp_path, monkeypatch):
    start = datetime(2016, 1, 1)
    rows = []
    for day in range(90):  # one block burgled each night, another each afternoon (local time)
        night, afternoon = (start + timedelta(days=day, hours=h) for h in (2, 17))
        rows.append(crime(f"1{day:05d}", f"HA{day:05d}", night.strftime(CHICAGO_TIME)))
        rows.append(crime(f"2{day:05d}", f"HB{day:05d}", afternoon.strftime(CHICAGO_TIME),
                          lat="41.881717546", lon="-87.701386272"))  # fmt: skip
    ingest(chicago_store, ChicagoAdapter(), write(tmp_path / "c.csv", rows), 1_000, 1 << 30)
    monkeypatch.setenv("PEELIAN_DATABASE_URL", chicago_store.url.render_as_string(hide_password=False))
    monkeypatch.setenv("PEELIAN_TIMEZONE", "America/Chicago")
    get_settings.cache_clear()
    out = tmp_path / "day.geojson"
    args = ["forecast", "predict", "--period", "day", "--shifts", "--model", "prior", "--cell", "150",
            "--coverage", "0.2", "--out", str(out), "--leads", "1", "--backtest", "0", "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    parts = json.loads(result.output)
    assert [p["shift"] for p in parts] == ["early", "late", "night"]
    tops = {}
    for part in parts:
        features = json.loads(Path(part["out"]).read_text())["features"]
        cells = [f["properties"] for f in features if f["properties"]["kind"] == "cell"]
        assert part["out"].endswith(f"day.{part['shift']}.geojson") and cells
        tops[part["shift"]] = cells[0]
        assert len(part["leads"]) == 1
    # Shifts run on the force's clock: 02:00 is the night shift's, 17:00 the late shift's.
    assert tops["night"]["cell"] != tops["late"]["cell"]
    assert parts[0]["shift_starts"] == "07:00 America/Chicago"
    assert "of its crime in the night shift" in tops["night"]["why"]
