"""A day's forecast split into the three patrol shifts (07-15, 15-23, 23-07, in the history's
local time zone).

Burglary by day and robbery by night can share a street: each cell's share of crime by shift
comes from its own last year, shrunk towards the whole area's shares so that a cell with two
crimes does not get a shift of its own. Crimes known only to a window are spread over the shifts
it covers (aoristic), so month-only data cannot be split at all.
"""

import numpy as np

from peelian.errors import PeelianError
from peelian.forecast.counts import SHIFT_STARTS_H, aoristic_counts, period_edges
from peelian.forecast.history import History

NAMES = ("early", "late", "night")  # starting at SHIFT_STARTS_H
WINDOW_DAYS = 365
PRIOR_CRIMES = 5.0  # how many crimes' worth of weight the area's own shares carry in each cell
MAX_WINDOW_H = 8  # a crime known only to a longer window says little about its shift


def profile(history: History, target: int, window_days: int = WINDOW_DAYS) -> np.ndarray:
    """(3, cells): each cell's expected share of a day's crime in each shift, from the year before
    ``target``'s day, shrunk towards the study area's shares."""
    points = history.points
    if points is None:
        raise PeelianError("splitting by shift needs the crimes' times: load the history from the store")
    end = history.edges[target] if target < len(history.edges) else history.edges[-1]
    start = end - np.timedelta64(window_days, "D")
    recent = (points.t_from < end) & (points.t_to > start)
    exact = recent & (points.t_to - points.t_from <= np.timedelta64(MAX_WINDOW_H, "h"))
    if exact.sum() < max(1, recent.sum() / 2):
        raise PeelianError(
            f"only {int(exact.sum()):,} of {int(recent.sum()):,} crimes in the last year are timed to within "
            f"{MAX_WINDOW_H} hours: too few to split the forecast by shift"
        )
    edges = period_edges(start, end, "shift")
    cells = history.grid.cells(points.x[exact], points.y[exact])
    counts = aoristic_counts(cells, points.t_from[exact], points.t_to[exact], edges, history.grid.n_cells)
    hours = (edges[:-1].astype("datetime64[h]").astype(np.int64) % 24).tolist()
    which = np.array([SHIFT_STARTS_H.index(h) for h in hours])
    by_shift = np.vstack([counts[which == s].sum(axis=0) for s in range(len(NAMES))])
    total = by_shift.sum()
    area = by_shift.sum(axis=1) / total if total > 0 else np.full(len(NAMES), 1 / len(NAMES))
    return (by_shift + PRIOR_CRIMES * area[:, np.newaxis]) / (by_shift.sum(axis=0) + PRIOR_CRIMES)


def split(risk: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """(3, cells) expected crimes per shift: the day's forecast times each cell's shift shares."""
    return shares * np.asarray(risk, float)[np.newaxis, :]
