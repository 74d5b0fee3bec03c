"""Peelian's covariate model: gradient-boosted Poisson regression (LightGBM) on cell-by-period
features built from everything before each period.

Features: recency-weighted counts at several half-lives, counts over the last 1 and k periods,
periods since the cell's last crime, the same weighted counts in the rings of cells around it
(near repeats), the cell's long-run rate, the season (month of year, day of week), and optional
covariates: per period (weather) and per cell (risk-terrain layers). Trained on
the ``train_periods`` periods before the first forecast, refitted every ``refit_every`` periods.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np

from peelian.errors import PeelianError
from peelian.forecast.history import History, smooth, stencil

FEATURES = (
    "weighted_short", "weighted_medium", "weighted_long", "last_period", "last_k_periods",
    "periods_since_last", "ring1_weighted", "ring2_weighted", "ring1_recent", "ring2_recent", "long_run_rate",
    "season",
)  # fmt: skip


@dataclass
class Boosted:
    half_lives: tuple[float, float, float] = (3, 12, 48)  # in periods: short, medium, long memory
    recent: int = 3  # "last k periods"
    season_length: int = 12  # periods per seasonal cycle: 12 for months, 7 for days
    train_periods: int = 36
    refit_every: int = 12
    rounds: int = 300
    min_leaf: int = 200  # rows per leaf: with most cells at zero, small leaves chase noise
    seed: int = 0
    name: str = "boosted Poisson (LightGBM)"
    classic: bool = False
    # Optional covariates per period, aligned with the history's edges (see ``forecast.weather``).
    covariates: np.ndarray | None = field(default=None, repr=False)
    covariate_names: tuple[str, ...] = ()
    # Optional static covariates per cell, (cells, k), NaN where missing (see ``forecast.terrain``):
    # private, so that a model card lists their names and not the table; set with ``set_terrain``.
    _terrain: np.ndarray | None = field(default=None, repr=False)
    terrain_names: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def feature_names(self) -> list[str]:
        return [*FEATURES, *self.covariate_names, *self.terrain_names]

    @property
    def terrain(self) -> np.ndarray | None:
        return self._terrain

    def set_terrain(self, values: np.ndarray | None, names: Sequence[str] = ()) -> None:
        """Per-cell covariates (risk-terrain layers), one named column each; ``None`` removes them."""
        if values is None:
            self._terrain, self.terrain_names = None, ()
        else:
            values = np.asarray(values, dtype=float)
            if values.ndim != 2 or values.shape[1] != len(names):
                raise PeelianError(
                    f"terrain needs one column per name: {values.shape} for {len(names)} name(s)"
                )
            self._terrain, self.terrain_names = values, tuple(names)
        self._cache["fitted"] = None  # what the model learns from has changed

    def forecast(self, history: History, target: int) -> np.ndarray:
        features = self._features(history)
        fitted = self._cache.get("fitted")
        if fitted is None or not 0 <= target - fitted[0] < self.refit_every:
            fitted = (target, self._fit(history, features, target))
            self._cache["fitted"] = fitted
        return fitted[1].predict(self._rows(features, target))

    def explain(self, history: History, target: int) -> np.ndarray:
        """Per cell, each feature's contribution to the forecast's log (last column: the base)."""
        self.forecast(history, target)
        return self._cache["fitted"][1].predict(
            self._rows(self._features(history), target), pred_contrib=True
        )

    def _fit(self, history: History, features: dict, target: int) -> lgb.Booster:
        periods = range(max(1, target - self.train_periods), target)
        x = np.vstack([self._rows(features, t) for t in periods])
        y = np.concatenate([history.counts[t] for t in periods])
        params = {"objective": "poisson", "learning_rate": 0.05, "num_leaves": 31,
                  "min_data_in_leaf": self.min_leaf, "feature_fraction": 0.9, "verbose": -1, "num_threads": 0,
                  "seed": self.seed, "deterministic": True}  # fmt: skip
        return lgb.train(
            params, lgb.Dataset(x, y, feature_name=self.feature_names), num_boost_round=self.rounds
        )

    def _rows(self, f: dict, t: int) -> np.ndarray:
        """Features of every cell for period ``t``: counts from periods before it only."""
        cum = f["cumulative"]
        cells = cum.shape[1]
        # The period's own covariates (its weather), the same for every cell; NaN where missing.
        covariates = [] if self.covariates is None else [np.full(cells, v) for v in self.covariates[t]]
        if self._terrain is not None and len(self._terrain) != cells:
            raise PeelianError(f"terrain covers {len(self._terrain):,} cells; this grid has {cells:,}")
        terrain = [] if self._terrain is None else list(self._terrain.T)  # the same every period
        return np.column_stack([
            f["weighted"][0][t], f["weighted"][1][t], f["weighted"][2][t],
            cum[t] - cum[max(0, t - 1)], cum[t] - cum[max(0, t - self.recent)],
            f["since"][t], *self._rings(f, t), cum[t] / max(t, 1),
            np.full(cum.shape[1], f["season"][t]),
            *covariates, *terrain,
        ])  # fmt: skip

    def _rings(self, f: dict, t: int) -> list[np.ndarray]:
        """Near repeats: the medium and short memories summed over the rings of cells around each
        cell. Computed for the periods a fit or forecast asks for, not all of them."""
        if t not in f["rings"]:
            history = self._cache["history"]
            f["rings"][t] = [
                history.cells_of(smooth(history.dense(memory[t]), ring))
                for memory in (f["weighted"][1], f["weighted"][0]) for ring in f["stencils"]
            ]  # fmt: skip
        return f["rings"][t]

    def _season(self, edges: np.ndarray) -> np.ndarray:
        """Each period's place in the cycle, from the calendar: month of year, or day of week."""
        if self.season_length == 12:
            return edges.astype("datetime64[M]").astype(np.int64) % 12
        if self.season_length == 7:
            return (edges.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0: Monday
        return np.arange(len(edges)) % self.season_length

    def _features(self, history: History) -> dict:
        """Running sums over the whole history, computed once per history: row t sees periods < t."""
        if self._cache.get("history") is history:
            return self._cache["features"]
        counts = history.counts
        n_periods, n_cells = counts.shape
        weighted = []
        for half_life in self.half_lives:
            keep, running = 0.5 ** (1.0 / half_life), np.zeros((n_periods + 1, n_cells))
            for t in range(1, n_periods + 1):
                running[t] = running[t - 1] * keep + counts[t - 1]
            weighted.append(running)
        since, last = np.zeros((n_periods + 1, n_cells)), np.full(n_cells, -1.0)
        for t in range(1, n_periods + 1):
            last = np.where(counts[t - 1] > 0, t - 1, last)
            since[t] = np.where(last >= 0, t - last, 10 * self.season_length)
        size = history.grid.size
        stencils = [stencil(1.5 * size, size, lambda d: float(d > 0)),
                    stencil(2.9 * size, size, lambda d: float(d > 1.5 * size))]  # fmt: skip
        features = {"weighted": weighted, "since": since, "stencils": stencils, "rings": {},
                    "cumulative": np.vstack([np.zeros(n_cells), np.cumsum(counts, axis=0)]),
                    "season": self._season(history.edges)}  # fmt: skip
        self._cache.update(history=history, features=features, fitted=None)
        return features
