"""The published baselines, implemented here on the same grid and counts as Peelian's own models.

* Prior counts: last window's crimes per cell (the bar to beat, Wheeler & Steenbeek 2021).
* Retrospective hotspot: a quartic kernel over the window's crimes.
* Prospective hotspot (Bowers, Johnson & Pease 2004): each recent crime adds 1/(1+d)·1/(1+t),
  d in cells and t in weeks before the forecast period, within about 400 m and 8 weeks.
"""

from dataclasses import dataclass

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
        start = history.edges[target]
        risk = np.zeros(history.grid.n_cells)
        for period in range(max(0, target - self.window), target):
            middle = history.edges[period] + (history.edges[period + 1] - history.edges[period]) / 2
            age = (start - middle).astype(np.int64) / WEEK_S
            if age > self.weeks:
                continue
            risk += history.cells_of(smooth(history.dense(history.counts[period]), space)) / (1.0 + age)
        return scaled(risk, history.window(target, self.window))
