"""Events as counts per period and cell.

An event known only to a window (data.police.uk gives the month; a burglary found on return
from holiday spans days) adds to each period its window overlaps, in proportion to the overlap:
the aoristic method. Its weight outside the counted periods is dropped.
"""

import numpy as np

PERIODS = ("month", "week", "day", "shift")
SHIFT_STARTS_H = (7, 15, 23)  # early, late and night shifts


def period_edges(start: np.datetime64, end: np.datetime64, period: str) -> np.ndarray:
    """Period boundaries covering [start, end): calendar months, Monday weeks, days, or 8-hour shifts."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    start, end = np.datetime64(start, "s"), np.datetime64(end, "s")
    first_day, last_day = start.astype("datetime64[D]"), end.astype("datetime64[D]")
    if end <= start:
        raise ValueError("the end must be after the start")
    if period == "month":
        months = np.arange(start.astype("datetime64[M]"), end.astype("datetime64[M]") + 2)
        edges = months.astype("datetime64[s]")
    elif period == "week":
        monday = first_day - (first_day.astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday
        edges = np.arange(monday, last_day + 8, 7).astype("datetime64[s]")
    elif period == "day":
        edges = np.arange(start.astype("datetime64[D]"), end.astype("datetime64[D]") + 2).astype(
            "datetime64[s]"
        )
    else:
        days = np.arange(start.astype("datetime64[D]") - 1, end.astype("datetime64[D]") + 2).astype(
            "datetime64[s]"
        )
        edges = np.sort(np.concatenate([days + np.timedelta64(h, "h") for h in SHIFT_STARTS_H]))
    first = np.searchsorted(edges, start, side="right") - 1
    last = np.searchsorted(edges, end, side="left")
    return edges[first : last + 1]


def aoristic_counts(
    cells: np.ndarray, t_from: np.ndarray, t_to: np.ndarray, edges: np.ndarray, n_cells: int
) -> np.ndarray:
    """(periods, cells) array of weights; ``cells`` from ``Grid.cells`` (-1: outside, skipped),
    ``t_to`` exclusive. A window of zero length is an instant."""
    t_from, t_to = np.asarray(t_from, "datetime64[s]"), np.asarray(t_to, "datetime64[s]")
    keep = (np.asarray(cells) >= 0) & (t_to >= t_from) & (t_to >= edges[0]) & (t_from < edges[-1])
    cells, t_from, t_to = np.asarray(cells)[keep], t_from[keep], t_to[keep]
    n_periods = len(edges) - 1
    out = np.zeros(n_periods * n_cells)
    if len(cells) == 0:
        return out.reshape(n_periods, n_cells)
    seconds = (t_to - t_from).astype(np.int64).astype(float)
    first = np.searchsorted(edges, t_from, side="right") - 1
    last = np.where(seconds > 0, np.searchsorted(edges, t_to, side="left") - 1, first)
    span = last - first
    for k in range(int(span.max()) + 1):
        idx = np.flatnonzero(span >= k)
        period = first[idx] + k
        inside = (period >= 0) & (period < n_periods)
        idx, period = idx[inside], period[inside]
        if seconds.max() > 0:
            lo = np.maximum(t_from[idx], edges[period])
            hi = np.minimum(t_to[idx], edges[period + 1])
            share = np.where(seconds[idx] > 0, (hi - lo).astype(np.int64) / np.maximum(seconds[idx], 1), 1.0)
        else:
            share = np.ones(len(idx))
        out += np.bincount(period * n_cells + cells[idx], weights=share, minlength=len(out))
    return out.reshape(n_periods, n_cells)
