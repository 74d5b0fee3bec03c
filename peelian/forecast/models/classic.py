"""The published baselines, implemented here on the same grid and counts as Peelian's own models.

* Prior counts: last window's crimes per cell (the bar to beat, Wheeler & Steenbeek 2021).
* Retrospective hotspot: a quartic kernel over the window's crimes.
* Prospective hotspot (Bowers, Johnson & Pease 2004): each recent crime adds 1/(1+d)·1/(1+t),
  d in cells and t in weeks before the forecast period, within about 400 m and 8 weeks.
* Space-time KDE and the grid self-exciting point process (Mohler et al. 2015, PredPol).
"""

from dataclasses import dataclass, field

import numpy as np

from peelian.forecast.history import History, smooth, stencil
from peelian.forecast.models.base import scaled

WEEK_S = 7 * 86400


@dataclass
class PriorCounts:
    window: int = 12
    name: str = "prior counts"
    classic: bool = True

    def forecast(self, history: History, target: int) -> np.ndarray:
        recent = history.window(target, self.window)
        return recent.sum(axis=0) / max(len(recent), 1)


@dataclass
class Retrospective:
    window: int = 12
    bandwidth_m: float = 400.0
    name: str = "retrospective hotspot"
    classic: bool = True

    def forecast(self, history: History, target: int) -> np.ndarray:
        recent = history.window(target, self.window)
        weights = stencil(
            self.bandwidth_m, history.grid.size, lambda d: (1 - (d / self.bandwidth_m) ** 2) ** 2
        )
        risk = history.cells_of(smooth(history.dense(recent.sum(axis=0)), weights))
        return scaled(risk, recent)


@dataclass
class Prospective:
    window: int = 12
    bandwidth_m: float = 400.0
    weeks: float = 8.0
    name: str = "prospective hotspot"
    classic: bool = True

    def forecast(self, history: History, target: int) -> np.ndarray:
        size = history.grid.size
        space = stencil(self.bandwidth_m, size, lambda d: 1.0 / (1.0 + d / size))
        recent = history.window(target, self.window)
        weeks = _ages(history, target, len(recent), WEEK_S)
        weights = np.where(weeks <= self.weeks, 1.0 / (1.0 + weeks), 0.0)
        # Smoothing is linear: weighting the periods first and smoothing once gives the same surface.
        risk = history.cells_of(smooth(history.dense(weights @ recent), space))
        return scaled(risk, recent)


def _ages(history: History, target: int, periods: int, unit_s: float) -> np.ndarray:
    """Age of each of the ``periods`` periods before ``target``, from its middle to the target's start."""
    first = target - periods
    starts, ends = history.edges[first:target], history.edges[first + 1 : target + 1]
    return (history.edges[target] - (starts + (ends - starts) / 2)).astype(np.int64) / unit_s


@dataclass
class SpaceTimeKDE:
    """Gaussian kernel in space (``bandwidth_m``, cut at three) times an exponential decay in time."""

    window: int = 12
    bandwidth_m: float = 200.0
    half_life_days: float = 56.0
    name: str = "space-time KDE"
    classic: bool = True

    def forecast(self, history: History, target: int) -> np.ndarray:
        size = history.grid.size
        gauss = lambda d: float(np.exp(-0.5 * (d / self.bandwidth_m) ** 2))  # noqa: E731
        space = stencil(3 * self.bandwidth_m, size, gauss)
        recent = history.window(target, self.window)
        weights = 0.5 ** (_ages(history, target, len(recent), 86400) / self.half_life_days)
        risk = history.cells_of(smooth(history.dense(weights @ recent), space))
        return scaled(risk, recent)


@dataclass
class GridSEPP:
    """Self-exciting point process per cell (Mohler et al. 2015, the PredPol model): a constant
    background rate plus triggering by the cell's own past crimes, fitted by expectation-
    maximisation on the window. In whole periods the trigger's delay is geometric: a crime adds
    ``b·p·q^(k-1)`` to the rate k periods later (b: offspring per crime, q = 1 - p). ``b`` is kept
    below 0.95, and falls to zero when the data show no triggering, leaving the background: robust
    where the trigger is weak."""

    window: int = 12
    iterations: int = 60
    refit_every: int = 1  # periods between fits; between them the fitted rates meet new crimes
    name: str = "grid SEPP (PredPol)"
    classic: bool = True
    _fitted: tuple | None = field(default=None, repr=False)

    def forecast(self, history: History, target: int) -> np.ndarray:
        counts = history.window(target, self.window)
        if len(counts) == 0:
            return np.zeros(history.grid.n_cells)
        if self._fitted is None or not 0 <= target - self._fitted[0] < self.refit_every:
            start = self._fitted[2:] if self._fitted else (0.2, 0.5)  # the last fit is a good first guess
            self._fitted = (target, *self._fit(counts, *start))
        _, mu, offspring, q = self._fitted
        echo = np.zeros(counts.shape[1])
        for n in counts:
            echo = q * echo + n
        return mu + offspring * (1 - q) * echo

    def _fit(
        self, window: np.ndarray, offspring: float = 0.2, q: float = 0.5
    ) -> tuple[np.ndarray, float, float]:
        """(background rate per cell, offspring per crime, q). Cells without crime in the window get
        a background of zero and stay out of the iterations (most cells, on a fine grid)."""
        active = window.sum(axis=0) > 0
        mu_all = np.full(window.shape[1], 1e-9)
        if not active.any():
            return mu_all, 0.0, 0.5
        counts = window[:, active]
        periods, cells = counts.shape
        mu, offspring = np.maximum(counts.mean(axis=0), 1e-9), max(offspring, 0.05)
        total = float(counts.sum())
        for _ in range(self.iterations):
            # Earlier crimes weighted by q^(lag-1), and the same times the lag.
            echo, lagged = np.zeros(cells), np.zeros(cells)
            triggered = lag_sum = 0.0
            background = np.zeros(cells)
            for n in counts:
                excited = offspring * (1 - q) * echo
                share = np.divide(n, mu + excited, out=np.zeros(cells), where=(mu + excited) > 0)
                background += share * mu
                triggered += float((share * excited).sum())
                lag_sum += float((share * offspring * (1 - q) * lagged).sum())
                echo, lagged = q * echo + n, q * lagged + q * echo + n
            mu = np.maximum(background / periods, 1e-9)
            before = (offspring, q)
            offspring = min(triggered / total, 0.95)
            if lag_sum > 0:  # a geometric delay's p is one over the mean lag
                q = float(np.clip(1 - triggered / lag_sum, 0.0, 0.999))
            if offspring < 1e-6 or (abs(offspring - before[0]) < 1e-4 and abs(q - before[1]) < 1e-4):
                break
        mu_all[active] = mu
        return mu_all, offspring, q
