"""A forecasting study over the store: which crimes, on what grid, in what periods.

Events come from the POLE store (projected x/y in the store CRS, time windows spread over periods
by the aoristic method); the study area is the union of a loaded boundary scheme (boroughs,
LSOAs, beats), or the events' own extent when none is named.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, func, select

from peelian.db.schema import areas, events
from peelian.errors import NotFound, PeelianError
from peelian.forecast.counts import aoristic_counts, period_edges
from peelian.forecast.grid import Grid
from peelian.forecast.history import History, Points


@dataclass(frozen=True)
class Study:
    category: str | None
    period: str  # month, week, day or shift
    cell_m: float
    scheme: str | None = None  # boundary scheme whose union is the study area
    area: str | None = None  # one area of the scheme (its code) instead of the whole scheme
    offset: tuple[float, float] = (0.0, 0.0)  # shifts the grid's lattice (metres)
    zone: str = "UTC"  # periods start at midnight (and shifts at their hours) in this time zone


def load(engine: Engine, study: Study) -> History:
    """Counts of the study's crimes per period and cell, from the first such crime to the last."""
    with engine.connect() as conn:
        query = select(
            events.c.x, events.c.y, events.c.time_from, events.c.time_to, events.c.time_precision
        ).where(events.c.x.is_not(None))
        if study.category:
            query = query.where(func.lower(events.c.category) == study.category.lower())
        rows = conn.execute(query).all()
    if not rows:
        raise NotFound(
            f"no placed events{f' of category {study.category!r}' if study.category else ''} in the store"
        )
    _check_precision(rows, study.period)
    x = np.fromiter((r.x for r in rows), float, len(rows))
    y = np.fromiter((r.y for r in rows), float, len(rows))
    dated = np.array([PRECISION.get(r.time_precision, 0) > 0 for r in rows])
    t_from = _wall_clock([r.time_from for r in rows], dated, study.zone)
    t_to = _wall_clock([r.time_to for r in rows], dated, study.zone)
    if study.area and not study.scheme:
        raise PeelianError("an area is named by its code within a boundary scheme: give the scheme too")
    area = study_area(engine, study.scheme, study.area) if study.scheme else _extent(x, y, study.cell_m)
    try:
        grid = Grid.over(area, study.cell_m, study.offset)
    except ValueError as exc:
        raise PeelianError(str(exc)) from None
    edges = period_edges(t_from.min(), max(t_to.max(), t_from.max() + np.timedelta64(1, "s")), study.period)
    counts = aoristic_counts(grid.cells(x, y), t_from, t_to, edges, grid.n_cells)
    return History(grid, edges, counts, Points(x, y, t_from, t_to), study.zone)


def study_area(engine: Engine, scheme: str, code: str | None = None) -> shapely.Geometry:
    query = select(areas.c.geometry).where(areas.c.scheme == scheme)
    if code:
        query = query.where(areas.c.code == code)
    with engine.connect() as conn:
        shapes = conn.execute(query).scalars().all()
    if not shapes and code:
        raise NotFound(f"no area {code!r} in boundary scheme {scheme!r}")
    if not shapes:
        raise NotFound(f"no boundaries of scheme {scheme!r} are loaded (see: peelian geo load --help)")
    return shapely.union_all(shapely.from_wkb(shapes))


COARSE = {"month": 3, "week": 2, "day": 1, "shift": 0}  # how coarse a period is, finest 0
PRECISION = {"year": 4, "month": 3, "day": 1}  # finer ones (hour, minute) and ranges rank 0


def _check_precision(rows, period: str) -> None:
    """Refuse periods finer than most crimes were recorded in: spreading a month-only record over
    thirty days invents a pattern the data cannot show."""
    coarser = sum(PRECISION.get(r.time_precision, 0) > COARSE[period] for r in rows)
    if coarser > len(rows) / 2:
        raise PeelianError(
            f"{coarser:,} of {len(rows):,} crimes are recorded to a coarser time than a {period}: "
            "forecast by a longer period (month-only data: --period month)"
        )


def _extent(x: np.ndarray, y: np.ndarray, cell_m: float) -> shapely.Geometry:
    return shapely.convex_hull(shapely.multipoints(np.column_stack([x, y]))).buffer(cell_m)


def _wall_clock(values: list[datetime], dated: np.ndarray, zone: str) -> np.ndarray:
    """Local wall-clock times: a day, week or shift is the force's, not Greenwich's. A record dated
    only to a day, month or year at exactly midnight UTC names a calendar date with no zone
    (data.police.uk's months): it stays that date."""
    instants = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    utc = instants.tz_localize(None).to_numpy().astype("datetime64[s]")
    local = instants.tz_convert(zone).tz_localize(None).to_numpy().astype("datetime64[s]")
    floating = dated & (utc == utc.astype("datetime64[D]"))
    return np.where(floating, utc, local)


def period_start(history: History, target: int) -> datetime:
    return history.edges[target].astype(datetime).replace(tzinfo=ZoneInfo(history.zone))
