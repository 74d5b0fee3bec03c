"""What a model may learn from: counts per period and cell on a grid, up to a forecast origin."""

from dataclasses import dataclass

import numpy as np

from peelian.forecast.grid import Grid


@dataclass(frozen=True)
class Points:
    """The crimes counted: projected position and time window (``t_to`` exclusive)."""

    x: np.ndarray
    y: np.ndarray
    t_from: np.ndarray  # datetime64[s]
    t_to: np.ndarray


@dataclass(frozen=True)
class History:
    grid: Grid
    edges: np.ndarray  # period boundaries, datetime64[s]; period i is [edges[i], edges[i + 1])
    counts: np.ndarray  # (periods, cells) aoristic counts
    points: Points | None = None  # the crimes themselves, for counting them in other units
    zone: str = "UTC"  # the local time zone the edges (and the points' times) are wall-clock times in

    def window(self, target: int, periods: int) -> np.ndarray:
        """Counts of the ``periods`` periods before period ``target`` (fewer at the start)."""
        if not 0 <= target <= len(self.counts):
            raise IndexError(f"period {target} is outside the history")
        return self.counts[max(0, target - periods) : target]

    def dense(self, values: np.ndarray) -> np.ndarray:
        """Per-cell values laid out on the full (ny, nx) lattice, zero outside the study area."""
        out = np.zeros(self.grid.ny * self.grid.nx)
        out[self.grid.inside] = values
        return out.reshape(self.grid.ny, self.grid.nx)

    def cells_of(self, dense: np.ndarray) -> np.ndarray:
        return dense.ravel()[self.grid.inside]


def smooth(dense: np.ndarray, weights: dict[tuple[int, int], float]) -> np.ndarray:
    """Sum of ``dense`` shifted by each (row, col) offset times its weight: a kernel on the lattice."""
    out = np.zeros_like(dense, dtype=float)
    ny, nx = dense.shape
    for (dr, dc), w in weights.items():
        src_r, dst_r = slice(max(0, -dr), ny - max(0, dr)), slice(max(0, dr), ny - max(0, -dr))
        src_c, dst_c = slice(max(0, -dc), nx - max(0, dc)), slice(max(0, dc), nx - max(0, -dc))
        out[dst_r, dst_c] += w * dense[src_r, src_c]
    return out


def stencil(radius_m: float, size: float, kernel) -> dict[tuple[int, int], float]:
    """Offsets (in cells) within ``radius_m`` of a cell centre, weighted by ``kernel(distance_m)``."""
    reach = int(np.floor(radius_m / size))
    weights = {}
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            d = size * float(np.hypot(dr, dc))
            if d <= radius_m:
                weights[(dr, dc)] = float(kernel(d))
    return weights
