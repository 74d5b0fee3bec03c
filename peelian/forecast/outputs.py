"""What officers get from a forecast: the top cells with their risk and why, merged into patrol
areas, as GeoJSON (lon/lat), CSV or Parquet."""

import csv
import json
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from peelian.errors import PeelianError
from peelian.forecast.history import History
from peelian.forecast.units import Units

FORMATS = ("geojson", "csv", "parquet")


def top_cells(history: History, risk: np.ndarray, coverage: float) -> np.ndarray:
    """Positions of the highest-risk cells covering ``coverage`` of the study area, highest first."""
    if not 0 < coverage <= 1:
        raise PeelianError("coverage must be a share of the area between 0 and 1, e.g. 0.05")
    k = max(1, round(coverage * history.grid.n_cells))
    return np.argsort(-risk, kind="stable")[:k]


def reasons(contributions: np.ndarray | None, names: list[str], cells: np.ndarray, fallback: str,
            top: int = 3) -> list[str]:  # fmt: skip
    """Per cell, the features that raised its forecast most (LightGBM contributions), or ``fallback``."""
    if contributions is None:
        return [fallback] * len(cells)
    out = []
    for row in contributions[cells, :-1]:
        order = [i for i in np.argsort(-row)[:top] if row[i] > 0]
        out.append(", ".join(f"{names[i].replace('_', ' ')} +{row[i]:.2f}" for i in order) or "base rate")
    return out


def patrol_areas(history: History, cells: np.ndarray) -> list[np.ndarray]:
    """Chosen cells grouped by adjacency (sides and corners): each group is one area to patrol."""
    rows, cols = history.grid.rows_cols()
    where = {(int(rows[c]), int(cols[c])): int(c) for c in cells}
    seen: set[int] = set()
    groups = []
    for start in (int(c) for c in cells):
        if start in seen:
            continue
        group, queue = [], deque([start])
        seen.add(start)
        while queue:
            cell = queue.popleft()
            group.append(cell)
            r, c = int(rows[cell]), int(cols[cell])
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    near = where.get((r + dr, c + dc))
                    if near is not None and near not in seen:
                        seen.add(near)
                        queue.append(near)
        groups.append(np.array(group))
    return groups


def numbered(groups: list[np.ndarray], risk: np.ndarray) -> list[np.ndarray]:
    """Patrol areas in the order they are numbered (from 1): most expected crime first."""
    return sorted(groups, key=lambda group: -risk[group].sum())


def _area_of(groups: list[np.ndarray], risk: np.ndarray) -> dict[int, int]:
    return {int(place): n for n, group in enumerate(numbered(groups, risk), 1) for place in group}


def table(history: History, risk: np.ndarray, cells: np.ndarray, why: list[str], crs: str) -> pd.DataFrame:
    """One row per chosen cell: rank, patrol area, risk, reasons, centre and corners in lon/lat."""
    area_of = _area_of(patrol_areas(history, cells), risk)
    x, y = history.grid.centres()
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x[cells], y[cells])
    return pd.DataFrame({
        "rank": np.arange(1, len(cells) + 1),
        "cell": cells,
        "patrol_area": [area_of[int(c)] for c in cells],
        "expected_crimes": risk[cells],
        "why": why,
        "x": x[cells], "y": y[cells], "lon": lon, "lat": lat,
    })  # fmt: skip


def unit_table(units: Units, risk: np.ndarray, chosen: np.ndarray, why: list[str], crs: str) -> pd.DataFrame:
    """One row per flagged unit, densest first: patrol area (touching units), expected crimes in
    all and per km², reasons, and a point inside it in lon/lat."""
    area_of = _area_of(units.groups(chosen), risk)
    inside = shapely.point_on_surface(units.shapes[chosen])
    x, y = shapely.get_x(inside), shapely.get_y(inside)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return pd.DataFrame({
        "rank": np.arange(1, len(chosen) + 1),
        "unit": [units.codes[u] for u in chosen],
        "name": [units.names[u] for u in chosen],
        "patrol_area": [area_of[int(u)] for u in chosen],
        "expected_crimes": risk[chosen],
        "per_km2": risk[chosen] / units.area_km2[chosen],
        "why": why,
        "x": x, "y": y, "lon": lon, "lat": lat,
    })  # fmt: skip


def write(
    frame: pd.DataFrame, shapes: np.ndarray, crs: str, path: Path, fmt: str, about: dict[str, Any]
) -> None:
    """``shapes``: each row's polygon in the store CRS (its cell's square, or its unit)."""
    if fmt not in FORMATS:
        raise PeelianError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "csv":
        frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        path.write_text(json.dumps(geojson(frame, shapes, crs, about)), encoding="utf-8")


def geojson(frame: pd.DataFrame, shapes: np.ndarray, crs: str, about: dict[str, Any]) -> dict[str, Any]:
    """Cells (or units) as lon/lat polygons, and each patrol area as the union of its places."""
    to_wgs84 = Transformer.from_crs(crs, 4326, always_xy=True)
    shapes = shapely.transform(shapes, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    kind = "unit" if "unit" in frame else "cell"
    features = []
    for shape, row in zip(shapes, frame.itertuples(index=False), strict=True):
        place = {"unit": row.unit, "name": row.name} if kind == "unit" else {"cell": int(row.cell)}
        properties = {"kind": kind, **place, "rank": int(row.rank), "patrol_area": int(row.patrol_area),
                      "expected_crimes": round(float(row.expected_crimes), 4), "why": row.why}  # fmt: skip
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(shape), "properties": properties}
        )
    for area, group in frame.groupby("patrol_area"):
        shape = shapely.union_all(shapes[group.index.to_numpy()])
        properties = {"kind": "patrol_area", "patrol_area": int(area), f"{kind}s": len(group),
                      "expected_crimes": round(float(group["expected_crimes"].sum()), 4)}  # fmt: skip
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(shape), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features, "properties": about}
