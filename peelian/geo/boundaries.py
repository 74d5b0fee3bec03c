"""Boundaries: load areas (LSOA, borough, beat) from GIS files and assign events to them.

Areas are stored twice: WKB in the store CRS, where point-in-polygon runs on the same projected
metres as ``events.x/y``, and GeoJSON in WGS84 for maps. An assignment is a row in
``event_areas``; only events without one for the scheme are considered, so assigning is
incremental and safe to repeat.
"""

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from sqlalchemy import Engine, and_, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from peelian.db import require_current, store_crs
from peelian.db.schema import areas, event_areas, events
from peelian.errors import NotFound, PeelianError, SourceFormatError
from peelian.pole.ids import entity_id

GEOJSON_DECIMALS = 6  # about 0.1 m: plenty for a map, and a third of the text of full precision


@dataclass
class LoadReport:
    """``updated`` counts areas whose shape changed; names and attributes are refreshed on all."""

    scheme: str
    source_name: str
    source_crs: str
    store_crs: str
    features: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0
    assignments_cleared: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AssignReport:
    scheme: str
    areas: int
    considered: int = 0
    assigned: int = 0
    outside: int = 0
    cleared: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Features:
    crs: CRS
    geometries: np.ndarray  # shapely geometries in the file's CRS
    fields: dict[str, np.ndarray] = field(default_factory=dict)


# ---------------------------------------------------------------------------- loading


def load_boundaries(
    engine: Engine,
    path: Path,
    scheme: str,
    code_field: str,
    name_field: str | None = None,
    layer: str | int | None = None,
) -> LoadReport:
    """Load every polygon in ``path`` as an area of ``scheme``, keyed by ``code_field``.

    Re-loading updates areas by (scheme, code) and leaves codes the file no longer has alone.
    Assignments to an area whose geometry changed are dropped, so the next ``assign_events``
    places those events again against the new shape.
    """
    require_current(engine)
    path = Path(path)
    scheme = scheme.strip()
    if not scheme:
        raise PeelianError("the boundary scheme must not be empty, e.g. lsoa11 or borough")
    target = store_crs(engine)
    features = _read(path, layer)
    codes = _codes(features.fields, code_field, path)
    names = _column(features.fields, name_field, path) if name_field else [None] * len(codes)
    geoms, repaired = _polygons(features.geometries, codes, path)

    store = CRS.from_user_input(target)
    to_store = _transformer(features.crs, store)
    store_geoms = _repair(_reproject(geoms, to_store)) if to_store else geoms
    wgs84 = _reproject(store_geoms, _transformer(store, CRS.from_epsg(4326)), GEOJSON_DECIMALS)
    bounds = shapely.bounds(store_geoms)
    wkb = shapely.to_wkb(store_geoms)
    geojson = shapely.to_geojson(wgs84)

    extra = [name for name in features.fields if name not in (code_field, name_field)]
    now = datetime.now(UTC)
    rows = [
        {
            "id": entity_id("area", scheme, code),
            "scheme": scheme,
            "code": code,
            "name": names[i],
            "geometry": wkb[i],
            "geometry_wgs84": geojson[i],
            "minx": float(bounds[i, 0]),
            "miny": float(bounds[i, 1]),
            "maxx": float(bounds[i, 2]),
            "maxy": float(bounds[i, 3]),
            "attributes": {name: _json_value(features.fields[name][i]) for name in extra} or None,
            "source_name": path.name,
            "loaded_at": now,
        }
        for i, code in enumerate(codes)
    ]
    report = LoadReport(scheme, path.name, _crs_label(features.crs), target, len(rows), repaired=repaired)
    with engine.begin() as conn:
        before = dict(
            conn.execute(select(areas.c.code, areas.c.geometry).where(areas.c.scheme == scheme)).all()
        )
        changed = [r["id"] for r in rows if r["code"] in before and before[r["code"]] != r["geometry"]]
        report.inserted = sum(1 for r in rows if r["code"] not in before)
        report.updated = len(changed)
        report.unchanged = len(rows) - report.inserted - report.updated
        for start in range(0, len(changed), 500):
            ids = changed[start : start + 500]
            cleared = conn.execute(delete(event_areas).where(event_areas.c.area_id.in_(ids)))
            report.assignments_cleared += cleared.rowcount
        if rows:
            conn.execute(_upsert(engine), rows)
    return report


def _read(path: Path, layer: str | int | None) -> _Features:
    if not path.exists():
        raise PeelianError(f"no such boundary file: {path}")
    try:
        if layer is None:
            layers = pyogrio.list_layers(path)
            if len(layers) > 1:
                names = ", ".join(str(name) for name, _ in layers)
                raise PeelianError(f"{path.name} holds several layers ({names}); choose one with --layer")
        meta, _fids, wkb, values = raw.read(path, layer=layer, force_2d=True)
    except (DataSourceError, DataLayerError) as exc:
        raise SourceFormatError(f"cannot read {path.name} as a boundary file: {exc}") from exc
    if not meta.get("crs"):
        raise PeelianError(
            f"{path.name} declares no coordinate reference system (a shapefile needs its .prj); "
            "add one, e.g. with: ogr2ogr -a_srs EPSG:27700 fixed.shp " + path.name
        )
    try:
        crs = CRS.from_user_input(meta["crs"])
    except CRSError as exc:
        raise PeelianError(f"{path.name}: unknown coordinate reference system: {exc}") from exc
    if wkb is None:
        raise SourceFormatError(f"{path.name} has no geometry column")
    names = [str(name) for name in meta["fields"]]
    return _Features(crs, shapely.from_wkb(wkb), dict(zip(names, values, strict=True)))


def _column(fields: dict[str, np.ndarray], name: str, path: Path) -> list[str | None]:
    if name not in fields:
        available = ", ".join(fields) or "none"
        raise PeelianError(f"{path.name} has no field {name!r}; its fields are: {available}")
    return [_text(v) for v in fields[name]]


def _codes(fields: dict[str, np.ndarray], code_field: str, path: Path) -> list[str]:
    codes = _column(fields, code_field, path)
    empty = [i + 1 for i, code in enumerate(codes) if code is None]
    if empty:
        raise PeelianError(
            f"{path.name}: {len(empty)} feature(s) have no {code_field}, e.g. feature(s) {_few(empty)}"
        )
    seen: dict[str, int] = {}
    for code in codes:
        seen[code] = seen.get(code, 0) + 1
    duplicates = sorted(code for code, n in seen.items() if n > 1)
    if duplicates:
        raise PeelianError(
            f"{path.name}: {code_field} is not unique; {len(duplicates)} code(s) repeat: {_few(duplicates)}"
        )
    return codes  # type: ignore[return-value]


def _polygons(geoms: np.ndarray, codes: list[str], path: Path) -> tuple[np.ndarray, int]:
    """Refuse features that are not areas, and repair invalid rings rather than lose the area."""
    missing = [codes[i] for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if missing:
        raise PeelianError(f"{path.name}: {len(missing)} feature(s) have no geometry: {_few(missing)}")
    kinds = shapely.get_type_id(geoms)
    wrong = [codes[i] for i in np.flatnonzero(~np.isin(kinds, [3, 6]))]  # Polygon, MultiPolygon
    if wrong:
        raise PeelianError(
            f"{path.name}: boundaries must be polygons; {len(wrong)} feature(s) are not: {_few(wrong)}"
        )
    invalid = ~shapely.is_valid(geoms)
    fixed = _repair(geoms)
    collapsed = [codes[i] for i in np.flatnonzero(shapely.is_empty(fixed))]
    if collapsed:
        raise PeelianError(f"{path.name}: feature(s) with no area after repair: {_few(collapsed)}")
    return fixed, int(invalid.sum())


def _repair(geoms: np.ndarray) -> np.ndarray:
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return geoms
    out = geoms.copy()
    # "structure" keeps polygons polygonal: no stray lines or points from collapsed slivers.
    out[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    return out


def _transformer(source: CRS, target: CRS) -> Transformer | None:
    if source.equals(target):
        return None
    return Transformer.from_crs(source, target, always_xy=True)


def _crs_label(crs: CRS) -> str:
    """``EPSG:27700`` where the file's CRS is recognisably one, else its name: WKT is unreadable."""
    authority = crs.to_authority(min_confidence=70)
    return ":".join(authority) if authority else crs.name


def _reproject(geoms: np.ndarray, transformer: Transformer | None, decimals: int | None = None) -> np.ndarray:
    def project(coords: np.ndarray) -> np.ndarray:
        if transformer is None:
            out = coords
        else:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            out = np.column_stack([x, y])
        return np.round(out, decimals) if decimals is not None else out

    if transformer is None and decimals is None:
        return geoms
    return shapely.transform(geoms, project)


def _upsert(engine: Engine):
    dialect: Callable = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(engine.dialect.name)
    if dialect is None:
        raise PeelianError(f"boundaries are not supported on {engine.dialect.name}")
    stmt = dialect(areas)
    kept = ("id", "scheme", "code")
    return stmt.on_conflict_do_update(
        index_elements=[areas.c.scheme, areas.c.code],
        set_={c.name: stmt.excluded[c.name] for c in areas.columns if c.name not in kept},
    )


def _text(value: Any) -> str | None:
    value = _json_value(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code field: 1234.0 is the code "1234"
    text = str(value).strip()
    return text or None


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _few(items: list, limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# ---------------------------------------------------------------------------- assigning


def assign_events(
    engine: Engine, scheme: str, batch_size: int = 200_000, reassign: bool = False
) -> AssignReport:
    """Put each located event not yet assigned in ``scheme`` into the area containing it.

    A point on a shared border intersects both areas; it goes to the one with the lowest code,
    so the answer is the same on every run. Events outside every area stay unassigned and are
    considered again next time (a later boundary load may cover them).
    """
    require_current(engine)
    started = time.perf_counter()
    with engine.connect() as conn:
        loaded = conn.execute(
            select(areas.c.id, areas.c.geometry).where(areas.c.scheme == scheme).order_by(areas.c.code)
        ).all()
    if not loaded:
        raise NotFound(f"no areas loaded for scheme {scheme!r}. Run: peelian geo load-boundaries")
    area_ids = np.array([row.id for row in loaded], dtype=object)
    tree = shapely.STRtree(shapely.from_wkb([row.geometry for row in loaded]))
    report = AssignReport(scheme, len(loaded))
    if reassign:
        with engine.begin() as conn:
            report.cleared = conn.execute(delete(event_areas).where(event_areas.c.scheme == scheme)).rowcount

    assigned = exists().where(and_(event_areas.c.event_id == events.c.id, event_areas.c.scheme == scheme))
    base = (
        select(events.c.id, events.c.x, events.c.y)
        .where(events.c.x.is_not(None), events.c.y.is_not(None), ~assigned)
        .order_by(events.c.id)
        .limit(batch_size)
    )
    last: str | None = None
    while True:
        # Keyset pages by id: events found outside stay unassigned, so an offset would skip rows.
        with engine.begin() as conn:
            query = base if last is None else base.where(events.c.id > last)
            batch = conn.execute(query).all()
            if not batch:
                break
            last = batch[-1].id
            ids = np.array([row.id for row in batch], dtype=object)
            xy = np.array([(row.x, row.y) for row in batch], dtype=float)
            hit = _locate(tree, xy)
            inside = hit >= 0
            if inside.any():
                conn.execute(
                    event_areas.insert(),
                    [
                        {"event_id": e, "area_id": a, "scheme": scheme}
                        for e, a in zip(ids[inside], area_ids[hit[inside]], strict=True)
                    ],
                )
        report.considered += len(batch)
        report.assigned += int(inside.sum())
        report.outside += int((~inside).sum())
        if len(batch) < batch_size:
            break
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _locate(tree: shapely.STRtree, xy: np.ndarray) -> np.ndarray:
    """Index of the first (lowest-index) tree geometry containing each point, or -1."""
    points = shapely.points(xy)
    point_idx, area_idx = tree.query(points, predicate="intersects")
    first = np.full(len(xy), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, point_idx, area_idx)
    first[first == np.iinfo(np.int64).max] = -1
    return first


# ---------------------------------------------------------------------------- listing


def list_areas(engine: Engine) -> list[dict[str, Any]]:
    """One row per scheme: how many areas, how many events assigned, where they came from."""
    require_current(engine)
    with engine.connect() as conn:
        loaded = conn.execute(
            select(
                areas.c.scheme,
                func.count().label("areas"),
                func.max(areas.c.loaded_at).label("loaded_at"),
                func.min(areas.c.source_name).label("source_name"),
            )
            .group_by(areas.c.scheme)
            .order_by(areas.c.scheme)
        ).all()
        counts = dict(
            conn.execute(select(event_areas.c.scheme, func.count()).group_by(event_areas.c.scheme)).all()
        )
    return [
        {
            "scheme": row.scheme,
            "areas": row.areas,
            "events_assigned": counts.get(row.scheme, 0),
            "source_name": row.source_name,
            "loaded_at": _aware(row.loaded_at),
        }
        for row in loaded
    ]


def _aware(value: Any) -> Any:
    """``max()`` bypasses the column type on SQLite, so the timestamp may come back as text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
