"""Square grids in projected metres over a study area, the cells a forecast ranks.

Cells outside the study area are dropped (a cell is in when it overlaps the area), so coverage
("the top 5% of cells") is a share of the area police can patrol, not of a bounding box.
"""

from dataclasses import dataclass

import numpy as np
import shapely

MAX_CELLS = 4_000_000  # past this the cell size is a mistake, not a study (and boxes fill memory)


@dataclass(frozen=True)
class Grid:
    x0: float  # lower-left corner of cell column 0, row 0
    y0: float
    size: float  # cell side in metres
    nx: int
    ny: int
    inside: np.ndarray  # flat indices (row * nx + col) of the cells in the study area, ascending

    @classmethod
    def over(cls, area: shapely.Geometry, size: float, offset: tuple[float, float] = (0.0, 0.0)) -> "Grid":
        """Cells of ``size`` metres covering ``area``; ``offset`` shifts the lattice (a random offset
        shows how much a result depends on where the cell edges fall)."""
        if size <= 0:
            raise ValueError("cell size must be positive")
        minx, miny, maxx, maxy = area.bounds
        x0 = np.floor((minx - offset[0]) / size) * size + offset[0]
        y0 = np.floor((miny - offset[1]) / size) * size + offset[1]
        nx, ny = int(np.ceil((maxx - x0) / size)), int(np.ceil((maxy - y0) / size))
        if nx * ny > MAX_CELLS:
            raise ValueError(f"a {size:g} m grid over this area has {nx * ny:,} cells; use larger cells")
        cols, rows = np.meshgrid(np.arange(nx), np.arange(ny))
        left, bottom = x0 + cols.ravel() * size, y0 + rows.ravel() * size
        boxes = shapely.box(left, bottom, left + size, bottom + size)
        shapely.prepare(area)
        # Overlapping, not merely touching along an edge or at a corner.
        inside = np.flatnonzero(shapely.intersects(area, boxes) & ~shapely.touches(area, boxes))
        return cls(float(x0), float(y0), float(size), nx, ny, inside)

    @property
    def n_cells(self) -> int:
        return len(self.inside)

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each point's cell as a position in ``inside`` (0..n_cells-1), or -1 outside the area."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        col = np.floor((x - self.x0) / self.size)
        row = np.floor((y - self.y0) / self.size)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny) & np.isfinite(x) & np.isfinite(y)
        flat = np.where(ok, row * self.nx + col, -1).astype(np.int64)
        pos = np.searchsorted(self.inside, flat)
        pos = np.minimum(pos, len(self.inside) - 1)
        return np.where(ok & (self.inside[pos] == flat), pos, -1)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.divmod(self.inside, self.nx)
        return self.x0 + (cols + 0.5) * self.size, self.y0 + (rows + 0.5) * self.size

    def rows_cols(self) -> tuple[np.ndarray, np.ndarray]:
        return np.divmod(self.inside, self.nx)

    def polygons(self) -> np.ndarray:
        rows, cols = self.rows_cols()
        left, bottom = self.x0 + cols * self.size, self.y0 + rows * self.size
        return shapely.box(left, bottom, left + self.size, bottom + self.size)
