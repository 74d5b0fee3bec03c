"""Where to put drone launch sites: maximum coverage of incidents a drone reaches within a time limit.

Greedy maximum coverage over candidate sites on a square grid across the incidents, then a swap pass
(replace one chosen site by the best candidate while that covers more) until no swap helps. Greedy is
within 1 - 1/e of the optimum (Nemhauser, Wolsey & Fisher 1978); the swaps usually close much of the
rest. Incidents are pooled into small cells (at their mean position) so a year of calls stays cheap.
The naive placement to beat is k-means on the incidents: sites at the centres of demand, a sensible
planner's first guess that ignores the drone's hard reach.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from peelian.errors import PeelianError


@dataclass(frozen=True)
class Demand:
    """Incidents pooled into cells: each cell's mean position and its count (or summed weight)."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray

    @classmethod
    def pool(cls, x: np.ndarray, y: np.ndarray, cell_m: float = 50.0) -> "Demand":
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if not len(x):
            raise PeelianError("there are no incidents to place drone sites for")
        keys = np.floor(np.column_stack([x, y]) / cell_m).astype(np.int64)
        _, cell = np.unique(keys, axis=0, return_inverse=True)
        cell = cell.ravel()
        weight = np.bincount(cell).astype(float)
        return cls(np.bincount(cell, x) / weight, np.bincount(cell, y) / weight, weight)

    def covered(self, sx: np.ndarray, sy: np.ndarray, reach_m: float) -> float:
        """Share of the demand within ``reach_m`` of any of the sites."""
        if not len(sx):
            return 0.0
        near, _ = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([self.x, self.y]))
        return float(self.weight[near <= reach_m].sum() / self.weight.sum())


@dataclass(frozen=True)
class Placement:
    x: np.ndarray
    y: np.ndarray
    coverage: float  # share of the demand it was placed on
    swaps: int


def candidates(demand: Demand, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points over the demand's bounding box, kept where any demand is within one spacing."""
    gx = np.arange(demand.x.min(), demand.x.max() + spacing_m, spacing_m)
    gy = np.arange(demand.y.min(), demand.y.max() + spacing_m, spacing_m)
    cx, cy = (a.ravel() for a in np.meshgrid(gx, gy))
    near, _ = cKDTree(np.column_stack([demand.x, demand.y])).query(np.column_stack([cx, cy]))
    keep = near <= spacing_m
    return cx[keep], cy[keep]


def _coverage_matrix(demand: Demand, cx, cy, reach_m: float) -> sparse.csr_matrix:
    """Candidates x cells, 1 where the cell is within reach of the candidate."""
    tree = cKDTree(np.column_stack([demand.x, demand.y]))
    rows = tree.query_ball_point(np.column_stack([cx, cy]), reach_m)
    lengths = np.fromiter((len(r) for r in rows), int, len(rows))
    cols = (
        np.concatenate([np.asarray(r, dtype=np.int64) for r in rows]) if lengths.sum() else np.zeros(0, int)
    )
    data = np.ones(len(cols), dtype=np.float32)
    return sparse.csr_matrix(
        (data, (np.repeat(np.arange(len(rows)), lengths), cols)), (len(rows), len(demand.x))
    )


def optimise(demand: Demand, n_sites: int, reach_m: float, spacing_m: float = 250.0) -> Placement:
    """``n_sites`` sites among grid candidates maximising the demand within ``reach_m`` of a site."""
    if n_sites < 1:
        raise PeelianError("place at least one drone site")
    cx, cy = candidates(demand, spacing_m)
    cover = _coverage_matrix(demand, cx, cy, reach_m)
    weight = demand.weight
    count = np.zeros(len(weight))  # how many chosen sites cover each cell
    chosen: list[int] = []
    for _ in range(min(n_sites, len(cx))):
        gains = cover @ (weight * (count == 0))
        gains[chosen] = -1
        best = int(np.argmax(gains))
        chosen.append(best)
        count += cover[best].toarray().ravel()
    swaps = 0
    improved = True
    while improved:
        improved = False
        for slot, site in enumerate(chosen):
            own = cover[site].toarray().ravel()
            without = count - own
            lost = weight[(without == 0) & (own > 0)].sum()
            gains = cover @ (weight * (without == 0))
            gains[chosen] = -1
            best = int(np.argmax(gains))
            if gains[best] > lost + 1e-9:
                chosen[slot] = best
                count = without + cover[best].toarray().ravel()
                swaps += 1
                improved = True
    x, y = cx[chosen], cy[chosen]
    return Placement(x, y, demand.covered(x, y, reach_m), swaps)


def naive(demand: Demand, n_sites: int, reach_m: float, seed: int = 0) -> Placement:
    """The baseline: k-means centres of the demand (weighted by incidents), a site at each."""
    points = np.column_stack([demand.x, demand.y])
    model = KMeans(n_clusters=n_sites, n_init=4, random_state=seed).fit(points, sample_weight=demand.weight)
    x, y = model.cluster_centers_[:, 0], model.cluster_centers_[:, 1]
    return Placement(x, y, demand.covered(x, y, reach_m), 0)
