"""Risk-terrain layers: static per-cell covariates from a user's GeoJSON of places (pubs, cash
machines, bus stops, off-licences) for the boosted model.

Each layer gives every grid cell two features, named from the file's stem: the distance in metres
from the cell's centre to the nearest place (``pubs_distance_m``), and the places' density around
it (``pubs_density_400m``): a quartic-kernel density, places per km², with the radius as its
bandwidth (a place at the centre adds 3 / (pi r²), one at the radius edge nothing).

Points count as themselves and a MultiPoint as each of its points; a line or polygon counts as one
place: the middle of a line, the centroid of a polygon (a point inside it where the centroid falls
outside, as in a U-shaped building). Coordinates are RFC 7946 lon/lat unless the file carries the
older ``crs`` member (e.g. ``urn:ogc:def:crs:EPSG::27700``). Features without usable geometry are
skipped and counted, not fatal; a file with none at all is refused.

A cell's value may be NaN (a layer that does not cover it): the boosted model sends missing values
down its trees' default branches, so a gap lowers what the layer adds and does not stop a forecast.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from peelian.errors import PeelianError, SourceFormatError
from peelian.forecast.grid import Grid
from peelian.forecast.history import History

try:  # scipy comes with LightGBM; shapely's tree answers the same questions where it is absent
    from scipy.spatial import cKDTree
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    cKDTree = None

MAX_BYTES = 200 * 1024 * 1024  # a GeoJSON of points this large is a mistake, and would fill memory
RADIUS_M = 400.0  # about five minutes' walk: the usual reach of a risk-terrain layer
CHUNK = 250_000  # cells per neighbour query, to bound memory on fine grids
_BAD_GEOMETRY = (shapely.errors.GEOSException, ValueError, TypeError, KeyError, AttributeError, IndexError)


@dataclass(frozen=True)
class Layer:
    """Places from one file, projected into the store CRS."""

    name: str  # the features' stem, from the file name
    x: np.ndarray
    y: np.ndarray
    source: str  # the file's name
    features: int  # features in the file
    skipped: int  # of them, those without usable geometry

    @property
    def points(self) -> int:
        return len(self.x)

    def summary(self) -> str:
        skipped = f"; {self.skipped:,} feature(s) skipped: no usable geometry" if self.skipped else ""
        return f"terrain layer {self.name!r} from {self.source}: {self.points:,} place(s){skipped}"


def layer_name(path: Path) -> str:
    """``Pubs (2024).geojson`` -> ``pubs_2024``: lower case, words joined by underscores."""
    name = re.sub(r"[^0-9a-z]+", "_", Path(path).stem.lower()).strip("_")
    if not name:
        return "layer"
    return f"layer_{name}" if name[0].isdigit() else name


def feature_names(name: str, radius_m: float = RADIUS_M) -> tuple[str, str]:
    return f"{name}_distance_m", f"{name}_density_{radius_m:g}m"


def read(path: Path, crs: str, name: str | None = None) -> Layer:
    """The places in a GeoJSON FeatureCollection, in the store CRS ``crs``."""
    path = Path(path)
    if not path.is_file():
        raise PeelianError(f"terrain file {path} not found")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PeelianError(
            f"terrain file {path.name} is {size / 2**20:,.0f} MiB; the limit is {MAX_BYTES // 2**20} MiB "
            "(keep only the places' geometry, or points instead of outlines)"
        )
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceFormatError(f"terrain file {path.name} is not JSON: {exc}") from None
    kind = data.get("type") if isinstance(data, dict) else type(data).__name__
    if kind != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise SourceFormatError(
            f"terrain file {path.name} must be a GeoJSON FeatureCollection with a list of features "
            f"(it is {kind!r})"
        )
    source = _source_crs(data.get("crs"), path)
    geoms, skipped = _geometries(data["features"])
    if not geoms:
        raise SourceFormatError(
            f"terrain file {path.name} has no usable point, line or polygon geometry "
            f"({len(data['features']):,} feature(s), none usable)"
        )
    shapes = np.array([g for _, g in geoms], dtype=object)
    _check_range(shapes, [i for i, _ in geoms], source, path)
    x, y = _places(shapes)
    target = CRS.from_user_input(crs)
    if not source.equals(target):
        x, y = Transformer.from_crs(source, target, always_xy=True).transform(x, y)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if not (np.isfinite(x) & np.isfinite(y)).all():
            raise PeelianError(f"terrain file {path.name}: some places cannot be projected into {crs}")
    return Layer(name or layer_name(path), x, y, path.name, len(data["features"]), skipped)


def _source_crs(member, path: Path) -> CRS:
    """RFC 7946 lon/lat, unless the file names another CRS in the pre-2016 ``crs`` member."""
    if member is None:
        return CRS.from_epsg(4326)
    properties = member.get("properties") if isinstance(member, dict) else None
    if not isinstance(properties, dict):
        raise SourceFormatError(f"terrain file {path.name}: its 'crs' member is not readable")
    if member.get("type") == "EPSG" and "code" in properties:  # the 2008 draft's form
        text = f"EPSG:{properties['code']}"
    else:
        text = str(properties.get("name", ""))
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise PeelianError(
            f"terrain file {path.name}: unknown coordinate reference system {text!r} in its 'crs' member"
        ) from None


def _geometries(features: list) -> tuple[list[tuple[int, shapely.Geometry]], int]:
    """(feature number, geometry) of each feature with a usable geometry; how many had none."""
    out, skipped = [], 0
    for number, feature in enumerate(features, 1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        try:
            shape = shapely.geometry.shape(geometry) if isinstance(geometry, dict) else None
        except _BAD_GEOMETRY:
            shape = None
        if shape is None or shape.is_empty or not np.isfinite(shapely.get_coordinates(shape)).all():
            skipped += 1
            continue
        out.append((number, shape))
    return out, skipped


def _check_range(shapes: np.ndarray, numbers: list[int], crs: CRS, path: Path) -> None:
    if not crs.is_geographic:
        return
    bounds = shapely.bounds(shapes)
    bad = np.flatnonzero(
        (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    )
    if len(bad):
        first = bad[0]
        raise PeelianError(
            f"terrain file {path.name}: {len(bad):,} feature(s) have coordinates outside longitude -180..180 "
            f"and latitude -90..90, e.g. feature {numbers[first]} near ({bounds[first, 0]:g}, "
            f"{bounds[first, 1]:g}). GeoJSON is lon/lat: convert the file, or name its CRS in a 'crs' "
            "member (e.g. EPSG:27700)"
        )


def _places(shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point per place: points as they are, MultiPoints' parts, lines' middles, areas' centroids."""
    kinds = shapely.get_type_id(shapes)
    points = [shapes[kinds == 0], shapely.get_parts(shapes[kinds == 4])]
    lines = shapes[np.isin(kinds, [1, 2])]  # LineString, LinearRing
    points.append(shapely.line_interpolate_point(lines, 0.5, normalized=True))
    others = shapes[~np.isin(kinds, [0, 1, 2, 4])]
    centres = shapely.centroid(others)
    outside = ~shapely.intersects(others, centres)
    centres[outside] = shapely.point_on_surface(others[outside])
    points.append(centres)
    xy = shapely.get_coordinates(np.concatenate(points))
    return xy[:, 0].astype(float), xy[:, 1].astype(float)


def measure(layer: Layer, grid: Grid, crs: str, radius_m: float = RADIUS_M) -> np.ndarray:
    """(cells, 2): distance in metres from each cell centre to the nearest place, and the places'
    quartic-kernel density within ``radius_m`` (places per km²)."""
    if radius_m <= 0:
        raise PeelianError("the terrain radius must be positive, e.g. 400 (metres)")
    metres = _metres_per_unit(crs)
    radius = radius_m / metres  # in the store CRS's units
    cx, cy = grid.centres()
    distance, cell, near = _neighbours(layer.x, layer.y, cx, cy, radius)
    u = near / radius
    weights = 3.0 / (np.pi * (radius_m / 1000.0) ** 2) * (1.0 - u**2) ** 2
    density = np.bincount(cell, weights=weights, minlength=grid.n_cells)
    return np.column_stack([distance * metres, density])


def covariates(layers: list[Layer], grid: Grid, crs: str, radius_m: float = RADIUS_M):
    """Every layer's features side by side: ((cells, 2 * layers), their names)."""
    names = [layer.name for layer in layers]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise PeelianError(f"two terrain layers are both named {', '.join(repeated)}: rename one file")
    values = [measure(layer, grid, crs, radius_m) for layer in layers]
    out = np.hstack(values) if values else np.empty((grid.n_cells, 0))
    return out, tuple(n for layer in layers for n in feature_names(layer.name, radius_m))


def attach(models: list, history: History, layers: list[Layer], crs: str, radius_m: float = RADIUS_M) -> int:
    """Give every model that takes terrain (the boosted one) the layers' features of each cell;
    how many models took them."""
    takers = [m for m in models if hasattr(m, "set_terrain")]
    if not layers or not takers:
        return 0
    values, names = covariates(layers, history.grid, crs, radius_m)
    for model in takers:
        model.set_terrain(values, names)
    return len(takers)


def _metres_per_unit(crs: str) -> float:
    parsed = CRS.from_user_input(crs)
    if parsed.is_geographic:
        raise PeelianError(f"terrain distances need a projected store CRS, not {crs}")
    return float(parsed.axis_info[0].unit_conversion_factor) if parsed.axis_info else 1.0


def _neighbours(px: np.ndarray, py: np.ndarray, cx: np.ndarray, cy: np.ndarray, radius: float):
    """Per cell centre its nearest place's distance; and every (cell, distance) pair within ``radius``."""
    places = np.column_stack([px, py])
    centres = np.column_stack([cx, cy])
    nearest, cells, distances = np.empty(len(centres)), [], []
    if cKDTree is not None:
        tree = cKDTree(places)
        for start in range(0, len(centres), CHUNK):
            chunk = centres[start : start + CHUNK]
            nearest[start : start + CHUNK] = tree.query(chunk, k=1)[0]
            pairs = cKDTree(chunk).sparse_distance_matrix(tree, radius, output_type="ndarray")
            cells.append(pairs["i"] + start)
            distances.append(pairs["v"])
    else:
        tree = shapely.STRtree(shapely.points(places))
        for start in range(0, len(centres), CHUNK):
            chunk = shapely.points(centres[start : start + CHUNK])
            (which, _), found = tree.query_nearest(chunk, return_distance=True, all_matches=False)
            nearest[start + which] = found
            which, point = tree.query(chunk, predicate="dwithin", distance=radius)
            cells.append(which + start)
            distances.append(shapely.distance(chunk[which], tree.geometries[point]))
    cell, near = np.concatenate(cells).astype(np.int64), np.concatenate(distances)
    keep = near <= radius  # the kernel is zero at and beyond the radius either way
    return nearest, cell[keep], near[keep]
