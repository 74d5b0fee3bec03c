"""Vectorised normalisers shared by every adapter.

Each takes pandas Series of source text and returns clean values plus the rows it rejects, with a
reason a data owner can act on. Rows are rejected, not repaired: guessing would invent facts.
"""

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from peelian.geo.crs import Projector

EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")


class Rejections:
    """First reason per row wins; ``ok`` marks rows with no reason."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.code)

    def flag(self, mask, code: str, template: str, values: pd.Series | None = None) -> None:
        """Reject rows in ``mask``; ``template`` may use ``{value}`` (the offending source text)."""
        hit = np.asarray(mask, dtype=bool) & self.ok
        if not hit.any():
            return
        self.code[hit] = code
        if values is None or "{value" not in template:
            self.reason[hit] = template
        else:
            self.reason[hit] = [template.format(value=v) for v in values.to_numpy()[hit]]


def text(series: pd.Series) -> pd.Series:
    """Stripped text, with blanks as missing."""
    s = series.astype("string").str.strip()
    return s.mask(s == "")


def month_window(month: pd.Series, rejections: Rejections, now: datetime | None = None):
    """``YYYY-MM`` to a [first of month, first of next month) UTC window; no day is invented."""
    value = text(month)
    start = pd.to_datetime(value, format="%Y-%m", errors="coerce", utc=True)
    rejections.flag(value.isna(), "missing_date", "missing month")
    rejections.flag(start.isna(), "bad_date", "unparsable month {value!r} (expected YYYY-MM)", value)
    _flag_out_of_range(start, rejections, value, now)
    end = start + pd.offsets.MonthBegin(1)
    return start, end


def local_datetimes(
    series: pd.Series, fmt: str, tz: str, rejections: Rejections, now: datetime | None = None
) -> pd.Series:
    """Local wall-clock text to UTC (see ``localise`` for the clock-change rules)."""
    value = text(series)
    local = pd.to_datetime(value, format=fmt, errors="coerce")
    rejections.flag(value.isna(), "missing_date", "missing date")
    rejections.flag(local.isna(), "bad_date", f"unparsable date {{value!r}} (expected {fmt})", value)
    utc = localise(local, tz)
    _flag_out_of_range(utc, rejections, value, now)
    return utc


def localise(local: pd.Series, tz: str) -> pd.Series:
    """Naive local times to UTC. An ambiguous autumn hour is read as daylight time, the earlier
    instant. A time in the spring gap (02:30 when clocks jump 02:00 -> 03:00) is read as the
    writer's standard-time clock meant it, one hour on (03:30), keeping its minutes."""
    aware = local.dt.tz_localize(
        tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent=pd.Timedelta(hours=1)
    )
    return aware.dt.tz_convert("UTC")


def _flag_out_of_range(utc: pd.Series, rejections: Rejections, value: pd.Series, now) -> None:
    latest = pd.Timestamp(now or datetime.now(UTC)) + pd.Timedelta(days=1)
    rejections.flag(
        (utc < EARLIEST) | (utc > latest),
        "date_out_of_range",
        "date {value!r} is before 1900 or in the future",
        value,
    )


def coordinates(
    lon_text: pd.Series, lat_text: pd.Series, projector: Projector, rejections: Rejections
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate WGS84 lon/lat text and project to the store CRS."""
    lon_s, lat_s = text(lon_text), text(lat_text)
    lon = pd.to_numeric(lon_s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(lat_s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    pair = lon_s.fillna("") + ", " + lat_s.fillna("")
    rejections.flag(lon_s.isna() | lat_s.isna(), "missing_coordinates", "missing longitude/latitude")
    rejections.flag(
        np.isnan(lon) | np.isnan(lat), "bad_coordinates", "unparsable coordinates ({value})", pair
    )
    valid_wgs84 = (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & ~((lon == 0) & (lat == 0))
    inside = valid_wgs84 & projector.in_area(lon, lat)
    rejections.flag(
        ~inside,
        "coordinates_out_of_range",
        f"coordinates ({{value}}) are outside the area of {projector.crs}",
        pair,
    )
    x, y = np.full(len(lon), np.nan), np.full(len(lon), np.nan)
    if inside.any():
        x[inside], y[inside] = projector.project(lon[inside], lat[inside])
    return lon, lat, x, y
