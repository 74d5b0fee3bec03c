"""How well a risk surface picked the cells where crime then happened.

The same scoring for every method. At a coverage (a share of the study area's cells), the hit
rate is the share of the period's crimes in the top cells; PAI divides it by the coverage; PEI
divides the crimes captured by what the best possible choice (the period's own counts, the
"oracle") would have captured. Ties at the threshold are broken by expectation: the tied cells
count with the share of them that fits, as a random tie-break would on average. ``CURVE`` is a
fine grid of coverages for drawing hit rate against area (``plots.coverage_curve``).
"""

import math

import numpy as np

COVERAGES = (0.01, 0.02, 0.05, 0.10, 0.20)
CURVE = tuple(round(0.005 * i, 3) for i in range(1, 41))  # 0.5% to 20% in 0.5% steps


def captured(risk: np.ndarray, actual: np.ndarray, coverage: float) -> float:
    """Expected crimes in the top ``coverage`` share of cells ranked by ``risk``."""
    return float(captured_at(risk, actual, [coverage])[0])


def captured_at(
    risk: np.ndarray, actual: np.ndarray, coverages, area: np.ndarray | None = None
) -> np.ndarray:
    """Expected crimes in the top places at each coverage, from one sort (a curve costs one ranking).

    Places of unequal ``area`` (areal units) are ranked by risk per unit of area, and coverage is a
    share of their total area; without ``area`` every place (grid cell) has the same."""
    risk, actual = np.asarray(risk, float), np.asarray(actual, float)
    n = len(risk)
    if n == 0:
        return np.zeros(len(coverages))
    weight = np.ones(n) if area is None else np.asarray(area, float)
    key = risk if area is None else risk / np.maximum(weight, 1e-12)
    k = np.asarray(coverages, float) * weight.sum()  # the area to fill (cells: a count, summed exactly)
    order = np.argsort(-key, kind="stable")
    ranked = key[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])  # first rank of each tie group
    sizes = np.add.reduceat(weight[order], starts)
    crimes = np.add.reduceat(actual[order], starts)
    filled = np.cumsum(sizes)
    covered, before = filled - sizes, np.cumsum(crimes) - crimes  # in the groups ranked above each
    # The group where the area runs out: those above it count whole, it counts by the share taken.
    group = np.minimum(np.searchsorted(filled, k, side="left"), len(starts) - 1)
    out = before[group] + (k - covered[group]) / sizes[group] * crimes[group]
    return np.where(k <= 0, 0.0, np.where(k >= weight.sum(), float(actual.sum()), out))


def scores(
    risk: np.ndarray, actual: np.ndarray, coverages=COVERAGES, curve=CURVE, area: np.ndarray | None = None
) -> dict:
    """Per coverage: crimes captured by the forecast and by the oracle; and the period's total.
    ``curve`` holds the same at each of ``CURVE``'s coverages, as small arrays. With ``area`` (areal
    units), the oracle flags the densest units first: the best any choice of that much area can do."""
    grid = (*coverages, *curve)
    mine, best = captured_at(risk, actual, grid, area), captured_at(actual, actual, grid, area)
    return {
        "total": float(np.sum(actual)),
        "captured": {c: float(v) for c, v in zip(coverages, mine, strict=False)},
        "oracle": {c: float(v) for c, v in zip(coverages, best, strict=False)},
        "curve": {"captured": mine[len(coverages) :], "oracle": best[len(coverages) :]},
        "log_likelihood": poisson_log_likelihood(risk, actual),
    }


def poisson_log_likelihood(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-9) -> float:
    """Log-likelihood of the counts under independent Poisson cells with the forecast's means."""
    mu = np.maximum(np.asarray(expected, float), floor)
    actual = np.asarray(actual, float)
    log_factorial = np.array([math.lgamma(a + 1) for a in actual])
    return float(np.sum(actual * np.log(mu) - mu - log_factorial))
