"""How well a risk surface picked the cells where crime then happened.

The same scoring for every method. At a coverage (a share of the study area's cells), the hit
rate is the share of the period's crimes in the top cells; PAI divides it by the coverage; PEI
divides the crimes captured by what the best possible choice (the period's own counts, the
"oracle") would have captured. Ties at the threshold are broken by expectation: the tied cells
count with the share of them that fits, as a random tie-break would on average.
"""

import math

import numpy as np

COVERAGES = (0.01, 0.02, 0.05, 0.10, 0.20)


def captured(risk: np.ndarray, actual: np.ndarray, coverage: float) -> float:
    """Expected crimes in the top ``coverage`` share of cells ranked by ``risk``."""
    risk, actual = np.asarray(risk, float), np.asarray(actual, float)
    n = len(risk)
    k = coverage * n
    if k <= 0 or n == 0:
        return 0.0
    if k >= n:
        return float(actual.sum())
    threshold = np.partition(risk, n - math.ceil(k))[n - math.ceil(k)]  # the k-th highest risk
    above, tied = risk > threshold, risk == threshold
    taken = k - above.sum()
    return float(actual[above].sum() + taken / tied.sum() * actual[tied].sum())


def scores(risk: np.ndarray, actual: np.ndarray, coverages=COVERAGES) -> dict:
    """Per coverage: crimes captured by the forecast and by the oracle; and the period's total."""
    return {
        "total": float(np.sum(actual)),
        "captured": {c: captured(risk, actual, c) for c in coverages},
        "oracle": {c: captured(actual, actual, c) for c in coverages},
        "log_likelihood": poisson_log_likelihood(risk, actual),
    }


def poisson_log_likelihood(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-9) -> float:
    """Log-likelihood of the counts under independent Poisson cells with the forecast's means."""
    mu = np.maximum(np.asarray(expected, float), floor)
    actual = np.asarray(actual, float)
    log_factorial = np.array([math.lgamma(a + 1) for a in actual])
    return float(np.sum(actual * np.log(mu) - mu - log_factorial))
