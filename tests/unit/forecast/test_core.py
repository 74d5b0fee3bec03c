"""The forecasting core on small, hand-checkable inputs: grid, aoristic counts, scoring, baselines."""

import math

import numpy as np
import pytest
import shapely

from peelian.errors import PeelianError
from peelian.forecast.backtest import backtest, ratio_interval, stability
from peelian.forecast.counts import aoristic_counts, period_edges
from peelian.forecast.grid import Grid
from peelian.forecast.history import History
from peelian.forecast.metrics import captured, poisson_log_likelihood
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.models.classic import GridSEPP, PriorCounts, Prospective, Retrospective, SpaceTimeKDE
from peelian.forecast.models.recency import RecencyWeighted
from peelian.forecast.weather import per_period, read_daily

SQUARE = shapely.box(0, 0, 1000, 1000)


def t(text: str) -> np.datetime64:
    return np.datetime64(text, "s")


def test_grid_keeps_cells_touching_the_area_and_places_points():
    grid = Grid.over(SQUARE, 250)
    assert (grid.nx, grid.ny, grid.n_cells) == (4, 4, 16)
    triangle = Grid.over(shapely.Polygon([(0, 0), (1000, 0), (0, 1000)]), 250)
    assert triangle.n_cells == 10  # those under the diagonal; the six beyond it at most touch it
    assert grid.cells(np.array([10, 990, 1500, np.nan]), np.array([10, 990, 10, 10])).tolist() == [
        0,
        15,
        -1,
        -1,
    ]
    shifted = Grid.over(SQUARE, 250, offset=(100, 0))
    assert shifted.x0 == -150 and shifted.nx == 5
    with pytest.raises(ValueError):
        Grid.over(SQUARE, 0)
    with pytest.raises(ValueError, match="use larger cells"):  # 16 million cells: refused before building
        Grid.over(shapely.box(0, 0, 100_000, 100_000), 25)


def test_period_edges_follow_the_calendar_and_shifts():
    months = period_edges(t("2021-01-15"), t("2021-03-01"), "month")
    assert months.astype("datetime64[D]").astype(str).tolist() == ["2021-01-01", "2021-02-01", "2021-03-01"]
    weeks = period_edges(t("2026-11-21"), t("2026-11-30"), "week")
    assert str(weeks[0].astype("datetime64[D]")) == "2026-11-16"  # a Monday
    shifts = period_edges(t("2021-01-01T08:00"), t("2021-01-02T08:00"), "shift")
    assert [str(s)[11:16] for s in shifts] == ["07:00", "15:00", "23:00", "07:00", "15:00"]
    with pytest.raises(ValueError):
        period_edges(t("2021-01-01"), t("2021-01-02"), "fortnight")


def test_aoristic_counts_spread_each_event_over_its_window():
    edges = period_edges(t("2021-01-01"), t("2021-01-04"), "day")
    starts = ["2021-01-01T10:00", "2021-01-01T12:00", "2021-01-03T05:00", "2021-01-01", "2020-12-31T12:00"]
    ends = ["2021-01-01T10:00", "2021-01-02T12:00", "2021-01-03T06:00", "2021-01-02", "2021-01-01T12:00"]
    cells = np.array([0, 1, 1, -1, 0])
    window = np.array(starts, "datetime64[s]"), np.array(ends, "datetime64[s]")
    counts = aoristic_counts(cells, *window, edges, 2)
    # cell 0: an instant on day 1, and half of a window that began the day before the counts do
    assert counts[:, 0].tolist() == [1.5, 0, 0]
    assert counts[:, 1].tolist() == [0.5, 0.5, 1.0]  # a day-long window split at midnight
    assert counts.sum() == 3.5  # the point outside the area, and the half before day 1, dropped


def test_scoring_breaks_ties_by_expectation():
    risk = np.array([5.0, 3.0, 3.0, 3.0, 0.0])
    actual = np.array([1.0, 0.0, 3.0, 0.0, 6.0])
    assert captured(risk, actual, 0.2) == 1.0  # the top cell alone
    assert captured(risk, actual, 0.4) == pytest.approx(1.0 + 3.0 / 3)  # one of three tied cells
    assert captured(actual, actual, 0.4) == 9.0  # the oracle
    assert captured(risk, actual, 1.0) == 10.0
    expected = sum(a * math.log(m) - m - math.lgamma(a + 1) for a, m in [(1, 2.0), (0, 0.5)])
    assert poisson_log_likelihood(np.array([2.0, 0.5]), np.array([1.0, 0.0])) == pytest.approx(expected)


def repeat_history(months: int = 24) -> History:
    """Crime in one cell every month and, in the last months, a new cluster two cells away."""
    grid = Grid.over(shapely.box(0, 0, 2500, 2500), 250)
    counts = np.zeros((months, grid.n_cells))
    counts[:, 0] = 3
    counts[-3:, 22] = 4
    edges = np.arange(np.datetime64("2019-01", "M"), np.datetime64("2019-01", "M") + months + 1).astype(
        "datetime64[s]"
    )
    return History(grid, edges, counts)


def test_baselines_rank_as_their_methods_say():
    history = repeat_history()
    prior = PriorCounts().forecast(history, 23)
    assert prior[0] == 3 and prior[22] == pytest.approx(8 / 12)
    retro = Retrospective().forecast(history, 23)
    assert retro[0] > retro[1] > 0 and retro[99] == 0  # a neighbour within 400 m, not a far cell
    prospective = Prospective().forecast(history, 23)
    assert prospective[22] > prospective[0]  # recent crimes count more than old ones
    assert prospective.sum() == pytest.approx(history.counts[11:23].sum() / 12)  # scaled to expected counts


def test_backtest_scores_every_model_on_every_target():
    history = repeat_history()
    results = backtest(history, [PriorCounts(), Prospective()], targets=[20, 21, 22, 23])
    prior = results[0].summary()
    assert prior["hit_rate"][0.01] == pytest.approx(
        history.counts[20:24, 0].sum() / history.counts[20:24].sum()
    )
    assert prior["pai"][0.05] == pytest.approx(prior["hit_rate"][0.05] / 0.05)
    ratio, low, high = ratio_interval(results[0], results[0], 0.05)
    assert (ratio, low, high) == (1.0, 1.0, 1.0)
    assert prior["stability"] == pytest.approx(stability(results[0]))
    assert 0 < prior["stability"] <= 1
    for coverage, (low, high) in prior["hit_rate_interval"].items():  # resampled periods bracket the pool
        per_period = [s["captured"][coverage] / s["total"] for s in results[0].steps]
        assert min(per_period) - 1e-9 <= low <= prior["hit_rate"][coverage] <= high <= max(per_period) + 1e-9


def test_peelian_models_learn_from_the_past_only():
    history = repeat_history(months=40)
    short, long = (RecencyWeighted(half_life=hl).forecast(history, 39) for hl in (2, 24))
    assert short[22] / short[0] > long[22] / long[0] > 0  # a short memory makes more of the new cluster
    model = Boosted(train_periods=24, refit_every=6, rounds=30, min_leaf=5)
    risk = model.forecast(history, 30)
    assert np.argmax(risk) == 0 and risk[0] > 10 * np.median(risk)
    contributions = model.explain(history, 30)
    assert contributions.shape == (history.grid.n_cells, len(model.feature_names) + 1)  # and the base
    assert np.allclose(np.exp(contributions.sum(axis=1)), risk)
    altered = History(history.grid, history.edges, history.counts.copy())
    altered.counts[30:] = 99  # the future must not leak into a forecast of period 30
    assert np.allclose(Boosted(train_periods=24, rounds=30, min_leaf=5).forecast(altered, 30), risk)


def test_kde_spreads_recent_crimes_to_neighbours():
    history = repeat_history()
    risk = SpaceTimeKDE(12, bandwidth_m=200).forecast(history, 23)
    assert risk[0] > risk[1] > risk[99] >= 0  # the hot cell, its neighbour, a far corner
    assert risk.sum() == pytest.approx(history.counts[11:23].sum() / 12)


def simulated_sepp(background: float, offspring: float, q: float, periods: int = 2000, cells: int = 3):
    """Counts drawn from the model itself, so the fit can be checked against known parameters."""
    rng, echo = np.random.default_rng(1), np.zeros(cells)
    counts = np.zeros((periods, cells))
    for t in range(periods):
        counts[t] = rng.poisson(background + offspring * (1 - q) * echo)
        echo = q * echo + counts[t]
    return counts


def test_sepp_recovers_triggering_and_falls_back_to_background_without_it():
    mu, offspring, q = GridSEPP(window=2000, iterations=300)._fit(simulated_sepp(0.2, 0.5, 0.5))
    assert offspring == pytest.approx(0.5, abs=0.05) and q == pytest.approx(0.5, abs=0.05)
    assert mu == pytest.approx([0.2] * 3, abs=0.03)
    mu, offspring, _ = GridSEPP(window=2000)._fit(simulated_sepp(0.3, 0.0, 0.5))
    assert offspring < 0.05 and mu == pytest.approx([0.3] * 3, abs=0.03)
    grid = Grid.over(shapely.box(0, 0, 750, 250), 250)
    first = np.datetime64("2020-01-01", "D")
    history = History(
        grid, np.arange(first, first + 2001).astype("datetime64[s]"), simulated_sepp(0.2, 0.5, 0.5)
    )
    model = GridSEPP(window=365, refit_every=7)
    risk = model.forecast(history, 2000)
    _, mu, offspring, q = model._fitted
    echo = sum(q**k * history.counts[1999 - k] for k in range(365))
    assert risk == pytest.approx(mu + offspring * (1 - q) * echo)  # background plus the recent crimes' echo


def test_weather_becomes_per_period_covariates_and_may_be_missing(tmp_path):
    path = tmp_path / "weather.csv"
    path.write_text(
        "date,mean_temp,precipitation,note\n20210101,2.0,1.0,x\n20210102,4.0,,y\n2021-02-01,10.0,0.5,z\n"
    )
    daily = read_daily(path)
    assert list(daily.columns) == ["mean_temp", "precipitation"]  # the text column is not a covariate
    edges = period_edges(t("2021-01-01"), t("2021-03-01"), "month")
    values = per_period(daily, edges, ["mean_temp", "precipitation"])
    assert values[0].tolist() == [3.0, 1.0] and values[1].tolist() == [10.0, 0.5]
    assert np.isnan(values[2]).all()  # March (the period after the data) has no weather
    with pytest.raises(PeelianError, match="no column"):
        per_period(daily, edges, ["snow"])


def test_boosted_uses_weather_and_still_forecasts_without_it():
    history = repeat_history(months=40)
    rng = np.random.default_rng(3)
    warm = rng.random(41) > 0.5  # crime in cell 5 only in warm months
    history.counts[:, 5] = np.where(warm[:40], 6, 0)
    covariates = np.where(warm, 20.0, 5.0)[:, None]
    with_weather = Boosted(train_periods=24, rounds=40, min_leaf=5, covariates=covariates,
                           covariate_names=("mean_temp",))  # fmt: skip
    cold_target = next(t for t in range(30, 40) if not warm[t])
    risk = with_weather.forecast(history, cold_target)
    assert risk[5] < 0.5 * Boosted(train_periods=24, rounds=40, min_leaf=5).forecast(history, cold_target)[5]
    covariates[cold_target] = np.nan  # the forecast period's weather is unknown
    gap = Boosted(
        train_periods=24, rounds=40, min_leaf=5, covariates=covariates, covariate_names=("mean_temp",)
    )
    assert np.isfinite(gap.forecast(history, cold_target)).all()
