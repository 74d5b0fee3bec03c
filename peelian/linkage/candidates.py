"""Which pairs to score: each crime against its nearest crimes in space and time, not all pairs.

A million crimes make 5e11 pairs; an offender's series sits close in space and time. Each crime is
paired with its ``neighbours`` nearest crimes in a space-time where one day counts as
``metres_per_day`` metres (a k-d tree query), within ``max_metres`` and ``max_days``. Crimes of one
kind only: callers pass one category at a time.
"""

import numpy as np
from scipy.spatial import cKDTree

from peelian.linkage.crimes import Crimes
from peelian.linkage.features import DAY

NEIGHBOURS = 25
METRES_PER_DAY = 50.0
MAX_METRES = 15_000.0
MAX_DAYS = 365.0


def candidate_pairs(
    crimes: Crimes,
    neighbours: int = NEIGHBOURS,
    metres_per_day: float = METRES_PER_DAY,
    max_metres: float = MAX_METRES,
    max_days: float = MAX_DAYS,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs ``left < right`` (indices into ``crimes``)."""
    n = len(crimes)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    middle = (crimes.t_from + crimes.t_to) / 2 / DAY
    points = np.column_stack([crimes.x, crimes.y, (middle - middle.min()) * metres_per_day])
    k = min(neighbours + 1, n)
    _, found = cKDTree(points).query(points, k=k, workers=-1)
    left = np.repeat(np.arange(n), k - 1)
    right = found[:, 1:].ravel()
    keep = right < n  # the tree pads with n where fewer neighbours exist
    left, right = left[keep], right[keep]
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    near = (np.hypot(crimes.x[lo] - crimes.x[hi], crimes.y[lo] - crimes.y[hi]) <= max_metres) & (
        np.abs(middle[lo] - middle[hi]) <= max_days
    )
    key = np.unique(lo[near & (lo != hi)].astype(np.int64) * n + hi[near & (lo != hi)])
    return key // n, key % n
