"""A forecasting study over the store: which crimes, on what grid, in what periods.

Events come from the POLE store (projected x/y in the store CRS, time windows spread over periods
by the aoristic method); the study area is the union of a loaded boundary scheme (boroughs,
LSOAs, beats), or the events' own extent when none is named.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy import Engine, func, select

from peelian.db.schema import areas, events
from peelian.errors import NotFound, PeelianError
from peelian.forecast.counts import aoristic_counts, period_edges
from peelian.forecast.grid import Grid
from peelian.forecast.history import History


@dataclass(frozen=True)
class Study:
    category: str | None
    period: str  # month, week, day or shift
    cell_m: float
    scheme: str | None = None  # boundary scheme whose union is the study area


def load(engine: Engine, study: Study) -> History:
    """Counts of the study's crimes per period and cell, from the first such crime to the last."""
    with engine.connect() as conn:
        query = select(events.c.x, events.c.y, events.c.time_from, events.c.time_to).where(
            events.c.x.is_not(None)
        )
        if study.category:
            query = query.where(func.lower(events.c.category) == study.category.lower())
        rows = conn.execute(query).all()
    if not rows:
        raise NotFound(
            f"no placed events{f' of category {study.category!r}' if study.category else ''} in the store"
        )
    x = np.fromiter((r.x for r in rows), float, len(rows))
    y = np.fromiter((r.y for r in rows), float, len(rows))
    t_from = _seconds(r.time_from for r in rows)
    t_to = _seconds(r.time_to for r in rows)
    area = study_area(engine, study.scheme) if study.scheme else _extent(x, y, study.cell_m)
    try:
        grid = Grid.over(area, study.cell_m)
    except ValueError as exc:
        raise PeelianError(str(exc)) from None
    edges = period_edges(t_from.min(), max(t_to.max(), t_from.max() + np.timedelta64(1, "s")), study.period)
    return History(grid, edges, aoristic_counts(grid.cells(x, y), t_from, t_to, edges, grid.n_cells))


def study_area(engine: Engine, scheme: str) -> shapely.Geometry:
    with engine.connect() as conn:
        shapes = conn.execute(select(areas.c.geometry).where(areas.c.scheme == scheme)).scalars().all()
    if not shapes:
        raise NotFound(f"no boundaries of scheme {scheme!r} are loaded (see: peelian geo load --help)")
    return shapely.union_all(shapely.from_wkb(shapes))


def _extent(x: np.ndarray, y: np.ndarray, cell_m: float) -> shapely.Geometry:
    return shapely.convex_hull(shapely.multipoints(np.column_stack([x, y]))).buffer(cell_m)


def _seconds(values) -> np.ndarray:
    return np.array([v.astimezone(UTC).replace(tzinfo=None) for v in values], dtype="datetime64[s]")


def period_start(history: History, target: int) -> datetime:
    return history.edges[target].astype(datetime).replace(tzinfo=UTC)
