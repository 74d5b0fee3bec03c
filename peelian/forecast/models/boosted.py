"""Peelian's covariate model: gradient-boosted Poisson regression (LightGBM) on cell-by-period
features built from everything before each period.

Features: the cell's crimes per period over windows from the last few periods to ten years, raw
and smoothed over the cells around it (Gaussian, ``bandwidths`` in cells): in one small cell a
long-run rate is noisy and its neighbourhood steadies it, and recent crimes nearby are the near
repeats. Then recency-weighted counts at three half-lives, the season (month of year, day of
week), and optional covariates: per period (weather) and per cell (risk-terrain layers).

Trained on the ``train_periods`` periods before the first forecast, refitted every
``refit_every`` periods. On short periods nearly every cell-period is empty: ``zero_share`` keeps
that share of the empty ones for training, weighted up to stand for the rest, so a year of days
costs a fraction of its rows and the fitted means stay unbiased.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy.ndimage import gaussian_filter

from peelian.errors import PeelianError
from peelian.forecast.history import History

MEMORIES = ("weighted_short", "weighted_medium", "weighted_long")


@dataclass
class Boosted:
    windows: tuple[int, ...] = (1, 3, 12, 36, 60, 120)  # periods counted back: last month to ten years
    bandwidths: tuple[float, ...] = (0.5, 1.0, 2.0)  # smoothing of each window's rates, sd in cells
    half_lives: tuple[float, float, float] = (3, 12, 48)  # in periods: short, medium, long memory
    season_length: int = 12  # periods per seasonal cycle: 12 for months, 7 for days
    train_periods: int = 36
    refit_every: int = 12
    zero_share: float = 1.0  # share of crime-free cell-periods kept for training
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
    def count_names(self) -> list[str]:
        """The window features: ``last_365_periods``, ``last_365_periods_smoothed_1`` (sd in cells), ..."""
        smoothed = ("", *(f"_smoothed_{b:g}" for b in self.bandwidths))
        return [f"last_{w}_periods{s}" for w in self.windows for s in smoothed]

    @property
    def feature_names(self) -> list[str]:
        return [*self.count_names, *MEMORIES, "season", *self.covariate_names, *self.terrain_names]

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
        if self._cache.get("history") is not history:
            self._cache.update(history=history, counted={}, fitted=None)
        fitted = self._cache.get("fitted")
        if fitted is None or not 0 <= target - fitted[0] < self.refit_every:
            fitted = (target, self._fit(history, target))
            self._cache["fitted"] = fitted
        return fitted[1].predict(self._rows(history, target))

    def explain(self, history: History, target: int) -> np.ndarray:
        """Per cell, each feature's contribution to the forecast's log (last column: the base)."""
        self.forecast(history, target)
        return self._cache["fitted"][1].predict(self._rows(history, target), pred_contrib=True)

    def _fit(self, history: History, target: int) -> lgb.Booster:
        periods = range(max(1, target - self.train_periods), target)
        ahead = range(target, min(target + self.refit_every, len(history.counts) + 1))  # the coming forecasts
        counted = self._cache["counted"]
        for key in [k for k in counted if k[0] < (periods.start if k[1] else target)]:  # not needed again
            del counted[key]
        self._count(history, [(t, True) for t in periods] + [(t, False) for t in ahead])
        x = np.vstack([self._rows(history, t, sampled=True) for t in periods])
        y = np.concatenate([history.counts[t][counted[t, True][0]] for t in periods])
        weight = np.where(y > 0, 1.0, 1.0 / self.zero_share)
        params = {"objective": "poisson", "learning_rate": 0.05, "num_leaves": 31,
                  "min_data_in_leaf": self.min_leaf, "feature_fraction": 0.9, "verbose": -1, "num_threads": 0,
                  "seed": self.seed, "deterministic": True}  # fmt: skip
        data = lgb.Dataset(x, y, weight=weight, feature_name=self.feature_names)
        return lgb.train(params, data, num_boost_round=self.rounds)

    def _rows(self, history: History, t: int, sampled: bool = False) -> np.ndarray:
        """Features for period ``t`` (from periods before it only): every cell's, or with ``sampled``
        those of the cells kept for training."""
        self._count(history, [(t, sampled)])
        cells, counted = self._cache["counted"][t, sampled]
        n = len(cells)
        season = self._season(history.edges, t)
        # The period's own covariates (its weather), the same for every cell; NaN where missing.
        covariates = [] if self.covariates is None else [np.full(n, v) for v in self.covariates[t]]
        if self._terrain is not None and len(self._terrain) != history.grid.n_cells:
            raise PeelianError(
                f"terrain covers {len(self._terrain):,} cells; this grid has {history.grid.n_cells:,}"
            )
        terrain = [] if self._terrain is None else list(self._terrain[cells].T)  # the same every period
        return np.column_stack([counted, np.full(n, season), *covariates, *terrain])

    def _count(self, history: History, wanted: Sequence[tuple[int, bool]]) -> None:
        """The count features of each wanted (period, sampled), cached: one pass over the history
        keeps running sums over each window and recency-weighted sums, and reads them off as it
        reaches each period, so no (periods x cells) table of them is ever held."""
        counted = self._cache["counted"]
        todo: dict[int, list[bool]] = {}
        for t, sampled in wanted:
            if (t, sampled) not in counted:
                todo.setdefault(t, []).append(sampled)
        if not todo:
            return
        counts = history.counts
        sums = np.zeros((len(self.windows), counts.shape[1]))
        memories = np.zeros((len(self.half_lives), counts.shape[1]))
        keep = 0.5 ** (1.0 / np.asarray(self.half_lives, dtype=float))[:, None]
        for t in range(max(todo) + 1):
            for sampled in todo.get(t, ()):
                counted[t, sampled] = self._snapshot(history, t, sums, memories, sampled)
            if t < len(counts):
                sums += counts[t]
                for i, w in enumerate(self.windows):
                    if t >= w:
                        sums[i] -= counts[t - w]
                memories = memories * keep + counts[t]

    def _snapshot(
        self, history: History, t: int, sums: np.ndarray, memories: np.ndarray, sampled: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """(cells, their count features) at period ``t``: each window's rate per period (over the
        periods there are, early on), raw and smoothed, and the recency-weighted memories."""
        columns = []
        for total, w in zip(sums, self.windows, strict=True):
            # Rounded: adding and taking away fractional counts leaves crumbs where a window is empty.
            rate = np.round(total, 9) / max(min(w, t), 1)
            dense = history.dense(rate)
            columns.append(rate)
            columns += [history.cells_of(gaussian_filter(dense, b, mode="constant", truncate=3.0))
                        for b in self.bandwidths]  # fmt: skip
        cells = self._sampled(history.counts[t], t) if sampled else np.arange(history.grid.n_cells)
        return cells, np.column_stack([*columns, *memories])[cells]

    def _sampled(self, counts: np.ndarray, t: int) -> np.ndarray:
        """Cells kept for training on period ``t``: all with crime, ``zero_share`` of the rest (drawn
        afresh per period from the seed, so every fit that uses the period draws the same)."""
        if self.zero_share >= 1:
            return np.arange(len(counts))
        drawn = np.random.default_rng((self.seed, t)).random(len(counts)) < self.zero_share
        return np.flatnonzero((counts > 0) | drawn)

    def _season(self, edges: np.ndarray, t: int) -> int:
        """Period ``t``'s place in the cycle, from the calendar: month of year, or day of week."""
        if self.season_length == 12:
            return int(edges[t].astype("datetime64[M]").astype(np.int64) % 12)
        if self.season_length == 7:
            return int((edges[t].astype("datetime64[D]").astype(np.int64) + 3) % 7)  # 0: Monday
        return t % self.season_length
