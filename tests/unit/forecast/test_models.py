"""The boosted model's count features and training sample, checked against direct computation."""

import numpy as np
import pytest
import shapely
from scipy.ndimage import gaussian_filter

from peelian.forecast.catalogue import build
from peelian.forecast.grid import Grid
from peelian.forecast.history import History
from peelian.forecast.models.boosted import Boosted


def sparse_history(days: int = 120, seed: int = 0) -> History:
    """Daily counts on a 10 x 10 grid: rare crime everywhere, much more in one corner block."""
    grid = Grid.over(shapely.box(0, 0, 1500, 1500), 150)
    rate = np.full(grid.n_cells, 0.02)
    rate[[0, 1, 10, 11]] = 0.6
    counts = np.random.default_rng(seed).poisson(rate, (days, grid.n_cells)).astype(float)
    first = np.datetime64("2021-01-01", "D")
    return History(grid, np.arange(first, first + days + 1).astype("datetime64[s]"), counts)


def test_count_features_are_window_rates_smoothed_and_recency_weighted_sums():
    history = sparse_history()
    model = Boosted(windows=(7, 30, 365), bandwidths=(1.0,), half_lives=(3, 10, 30), season_length=7)
    model.forecast(history, 100)  # fills the cache as a backtest would
    rows = model._rows(history, 100)
    names = model.feature_names
    column = {name: rows[:, i] for i, name in enumerate(names)}
    week = history.counts[93:100].sum(axis=0) / 7
    assert column["last_7_periods"] == pytest.approx(week)
    smoothed = history.cells_of(gaussian_filter(history.dense(week), 1.0, mode="constant", truncate=3.0))
    assert column["last_7_periods_smoothed_1"] == pytest.approx(smoothed)
    assert column["last_365_periods"] == pytest.approx(history.counts[:100].mean(axis=0))  # all there are
    weights = 0.5 ** (np.arange(99, -1, -1) / 10)  # the last period counts in full
    assert column["weighted_medium"] == pytest.approx(weights @ history.counts[:100])
    assert set(column["season"]) == {6}  # 2021-04-11, a Sunday


def small(**settings) -> Boosted:
    return Boosted(windows=(7, 30), rounds=20, min_leaf=20, season_length=7, **settings)


def test_cached_features_match_a_fresh_model_after_refits():
    history = sparse_history()
    cached = small(train_periods=30, refit_every=5)
    for target in range(60, 80):  # three refits, the cache pruned and refilled between them
        risk = cached.forecast(history, target)
    fresh = small(train_periods=30, refit_every=5)
    fresh.forecast(history, 75)  # the same last fit
    assert risk == pytest.approx(fresh.forecast(history, 79))
    assert min(t for t, _ in cached._cache["counted"]) >= 75 - 30  # older periods were let go


def test_training_keeps_every_crime_and_a_weighted_share_of_empty_cells():
    history = sparse_history(days=200)
    sampled = small(train_periods=150, zero_share=0.2)
    cells = sampled._sampled(history.counts[150], 150)
    crimes = np.flatnonzero(history.counts[150] > 0)
    assert set(crimes) <= set(cells)
    empty = history.grid.n_cells - len(crimes)
    assert 0.05 * empty < len(cells) - len(crimes) < 0.4 * empty
    assert sampled._sampled(history.counts[150], 150).tolist() == cells.tolist()  # the same draw each time
    everything = small(train_periods=150)
    light, full = sampled.forecast(history, 199), everything.forecast(history, 199)
    assert light.sum() == pytest.approx(full.sum(), rel=0.15)  # weighted up, the means stay unbiased
    assert set(np.argsort(-light)[:4]) == set(np.argsort(-full)[:4]) == {0, 1, 10, 11}


@pytest.mark.parametrize("period", ["month", "week", "day", "shift"])
def test_catalogue_builds_a_boosted_model_for_each_period(period):
    model = build("boosted", period)
    assert isinstance(model, Boosted) and 0 < model.zero_share <= 1
    assert len(model.feature_names) == len(model.windows) * (1 + len(model.bandwidths)) + 3 + 1
