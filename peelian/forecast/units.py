"""Areal units (LSOAs, beats, wards) as the places a forecast ranks, instead of grid cells.

Models still learn on the fine grid, since near repeats and kernels need distances; a unit's
forecast is the grid's risk over it, each cell shared by the share of its area inside the unit.
Crimes count in the unit that holds them. Units differ in size, so coverage stays a share of the
study area: units are flagged densest first (expected crimes per km²), the last one by the share
of it that fits.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Engine, select

from peelian.db.schema import areas
from peelian.errors import NotFound, PeelianError
from peelian.forecast.counts import aoristic_counts
from peelian.forecast.history import History


@dataclass(frozen=True)
class Units:
    scheme: str
    codes: list[str]
    names: list[str | None]
    shapes: np.ndarray  # shapely geometries in the store CRS
    area_km2: np.ndarray
    overlap: sparse.csr_matrix  # (units, cells): share of each cell's area inside each unit
    counts: np.ndarray  # (periods, units) aoristic counts of the crimes inside each unit
    outside: int  # crimes in the study's history that fall in no unit
    touching: sparse.csr_matrix  # (units, units): 1 where two units share a border or a corner

    @property
    def n_units(self) -> int:
        return len(self.codes)

    def groups(self, chosen: np.ndarray) -> list[np.ndarray]:
        """Chosen units joined where they touch: each group is one area to patrol."""
        chosen = np.asarray(chosen, int)
        if len(chosen) == 0:
            return []
        inner = self.touching[chosen][:, chosen]
        count, label = connected_components(inner, directed=False)
        return [chosen[label == g] for g in range(count)]

    def risk(self, cell_risk: np.ndarray) -> np.ndarray:
        """Expected crimes per unit from a forecast per grid cell."""
        return self.overlap @ np.asarray(cell_risk, float)


def build(engine: Engine, scheme: str, history: History) -> Units:
    """The units of ``scheme`` over the history's grid, with the history's crimes counted in them."""
    if history.points is None:
        raise PeelianError(
            "this history does not keep its crimes' positions; load it with forecast.study.load"
        )
    with engine.connect() as conn:
        rows = conn.execute(
            select(areas.c.code, areas.c.name, areas.c.geometry)
            .where(areas.c.scheme == scheme)
            .order_by(areas.c.code)
        ).all()
    if not rows:
        raise NotFound(f"no boundaries of scheme {scheme!r} are loaded (see: peelian geo load --help)")
    shapes = shapely.make_valid(shapely.from_wkb([r.geometry for r in rows]))
    tree = shapely.STRtree(shapes)
    boxes = history.grid.polygons()
    cell, unit = tree.query(boxes, predicate="intersects")
    share = shapely.area(shapely.intersection(boxes[cell], shapes[unit])) / history.grid.size**2
    overlap = sparse.csr_matrix((share, (unit, cell)), shape=(len(rows), history.grid.n_cells))
    points = history.points
    located, holder = tree.query(shapely.points(points.x, points.y), predicate="within")
    owner = np.full(len(points.x), -1)
    owner[located] = holder  # a point on a shared border goes to one of its units, not both
    counts = aoristic_counts(owner, points.t_from, points.t_to, history.edges, len(rows))
    left, right = tree.query(shapes, predicate="intersects")  # sharing a border, a corner, or more
    touching = sparse.csr_matrix((np.ones(len(left)), (left, right)), shape=(len(rows), len(rows)))
    return Units(scheme, [r.code for r in rows], [r.name for r in rows], shapes,
                 shapely.area(shapes) / 1e6, overlap, counts, int((owner < 0).sum()), touching)  # fmt: skip


def flagged(units: Units, risk: np.ndarray, coverage: float) -> np.ndarray:
    """Units to flag, densest first, until they cover ``coverage`` of the units' total area
    (the last one may overshoot it)."""
    if not 0 < coverage <= 1:
        raise PeelianError("coverage must be a share of the area between 0 and 1, e.g. 0.05")
    order = np.argsort(-risk / np.maximum(units.area_km2, 1e-12), kind="stable")
    covered = np.cumsum(units.area_km2[order]) / units.area_km2.sum()
    return order[: int(np.searchsorted(covered, coverage, side="left")) + 1]
