"""Chicago burglary forecasts, daily, on a 150 m grid: Peelian's models against the published ones.

    python -m benchmarks.forecast_chicago

Protocol (issue 4): ``chicago_burglary_2001_2011.csv.gz`` from ``../shared/data/chicago_crimes_portal``
(X/Y in US feet times 0.3048); a 150 m grid masked to the police districts; for each day from
2011-10-01 to 2011-12-31 the classic baselines train on the previous 365 days and forecast that
day (Peelian's own models may use any earlier history: here all of it, from 2001). Hit rate
pooled over the 92 forecasts. Writes benchmarks/results/forecast_chicago.json; the last line is
the RESULT line of ``benchmarks.forecast_common``. Target: ratio >= 1.15 with its interval above 1,
<= 120 s, <= 4 GB. Peelian's models are tuned on earlier days (``benchmarks.forecast_validate``),
never on these. Reference (open_cp, same protocol): prior counts 23.3%, retrospective 20.8%,
prospective 20.8%, KDE 22.6% (30 days), grid SEPP 23.4% at 5% coverage.
"""

import time

import numpy as np
import pandas as pd
import pyogrio.raw
import shapely

from benchmarks.common import shared_data, write_result
from benchmarks.forecast_common import console, result_line, run
from peelian.forecast.catalogue import NAMES, build
from peelian.forecast.counts import aoristic_counts, period_edges
from peelian.forecast.grid import Grid
from peelian.forecast.history import History

FEET = 0.3048
HISTORY_FROM = "2001-01-01"  # the file's start: Peelian's models learn from here; the baselines use 365 days
FIRST_TARGET, TARGETS = "2011-10-01", 92


def study_area(data):
    path = f"/vsizip/{data / 'chicago_crimes_portal' / 'police_districts_dec2012_shapefile.zip'}"
    _, _, geometry, _ = pyogrio.raw.read(path)
    districts = shapely.transform(shapely.from_wkb(geometry), lambda xy: xy * FEET)
    return shapely.union_all(districts)


def burglaries(data) -> pd.DataFrame:
    frame = pd.read_csv(data / "chicago_crimes_portal" / "chicago_burglary_2001_2011.csv.gz",
                        usecols=["Date", "X Coordinate", "Y Coordinate"])  # fmt: skip
    frame = frame.dropna()
    when = pd.to_datetime(frame["Date"], format="%m/%d/%Y %I:%M:%S %p").to_numpy().astype("datetime64[s]")
    return pd.DataFrame({"x": frame["X Coordinate"] * FEET, "y": frame["Y Coordinate"] * FEET, "when": when})


def daily_history(data) -> History:
    """Burglaries per day and 150 m cell, from ``HISTORY_FROM`` to the end of 2011."""
    started = time.perf_counter()
    grid = Grid.over(study_area(data), 150.0)
    events = burglaries(data)
    events = events[events["when"] >= np.datetime64(HISTORY_FROM)]
    cells = grid.cells(events["x"].to_numpy(), events["y"].to_numpy())
    when = events["when"].to_numpy()
    edges = period_edges(np.datetime64(HISTORY_FROM, "s"), np.datetime64("2012-01-01", "s"), "day")
    history = History(grid, edges, aoristic_counts(cells, when, when, edges, grid.n_cells))
    inside = int((cells >= 0).sum())
    console.print(f"{len(events):,} burglaries since {HISTORY_FROM}, {inside:,} in the districts; "
                  f"{grid.n_cells:,} cells; prepared in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return history


def days_from(history: History, first: str, days: int) -> list[int]:
    start = int(np.searchsorted(history.edges, np.datetime64(first, "s")))
    return list(range(start, start + days))


def main() -> None:
    history = daily_history(shared_data())
    targets = days_from(history, FIRST_TARGET, TARGETS)
    # Every model as the product builds it: the baselines' windows are the protocol's (a year).
    models = [build(model, "day") for model in NAMES]
    out = run("Chicago burglary Oct-Dec 2011, daily, 150 m", history, models, targets)
    write_result("forecast_chicago", {k: v for k, v in out.items() if k != "results"})
    print(result_line(out))


if __name__ == "__main__":
    main()
