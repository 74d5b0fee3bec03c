"""Coordinate handling: WGS84 in, projected store coordinates out, with a validity envelope."""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from peelian.errors import ConfigError


@dataclass(frozen=True)
class Projector:
    """Projects lon/lat to the store CRS and knows where that CRS is valid."""

    crs: str
    west: float
    south: float
    east: float
    north: float

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _to_store(self.crs).transform(lon, lat)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_wgs84(self, x: np.ndarray, y: np.ndarray, source_crs: str | None = None):
        lon, lat = _to_wgs84(source_crs or self.crs).transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def in_area(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True inside the CRS's area of use: a projected grid is meaningless far outside it."""
        return (lon >= self.west) & (lon <= self.east) & (lat >= self.south) & (lat <= self.north)


def _parse(crs: str) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise ConfigError(f"unknown coordinate reference system {crs!r}: {exc}") from exc


@lru_cache(maxsize=8)
def projector(crs: str) -> Projector:
    parsed = _parse(crs)
    if not parsed.is_projected:
        raise ConfigError(f"{crs} is not a projected CRS: grids and distances need metres or feet")
    area = parsed.area_of_use
    if area is None:
        return Projector(crs, -180.0, -90.0, 180.0, 90.0)
    # A margin of 0.5 degree: the published envelope is tight and data on a border is legitimate.
    return Projector(crs, area.west - 0.5, area.south - 0.5, area.east + 0.5, area.north + 0.5)


@lru_cache(maxsize=8)
def _to_store(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", _parse(crs), always_xy=True)


@lru_cache(maxsize=8)
def _to_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs(_parse(crs), "EPSG:4326", always_xy=True)
