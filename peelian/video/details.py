"""What the sender says about footage: the camera, where it is, whose it is, and how far its clock
is out. Checked once, on the way in, so that every later reader (the analytics above all) can
trust the shape: event times are corrected by the clock offset, and zones are drawn in pixels.
"""

import math
import re
from datetime import datetime
from typing import Any

from peelian.errors import PeelianError

TEXT_FIELDS = ("camera", "location", "owner")
FIELDS = (*TEXT_FIELDS, "lon", "lat", "camera_start", "clock_offset_s", "zones")
MAX_TEXT = 200
MAX_OFFSET_S = 366 * 86_400  # a camera a whole year out is misconfigured, not merely drifting
MAX_ZONES, MAX_POINTS, MAX_PIXEL = 20, 50, 100_000
ZONE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(name: str, value: Any) -> str | None:
    """Trimmed text of at most ``MAX_TEXT`` characters on one line (None when blank)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise PeelianError(f"{name} must be text")
    value = value.strip()
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise PeelianError(f"{name} must be one line of at most {MAX_TEXT} characters")
    return value or None


def _number(name: str, value: Any, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PeelianError(f"{name} must be a number")
    if not low <= value <= high:
        raise PeelianError(f"{name} must be between {low:g} and {high:g}")
    return float(value)


def _moment(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PeelianError(
            "camera_start must be a date and time with its UTC offset, e.g. 2026-03-01T21:15:00+00:00"
        )
    return moment.isoformat()


def zones(value: Any) -> dict[str, list[list[float]]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_ZONES:
        raise PeelianError(f"zones must be at most {MAX_ZONES} named polygons")
    zones = {}
    for name, points in value.items():
        if not isinstance(name, str) or not ZONE_NAME.match(name):
            raise PeelianError("a zone name is 1-60 letters, digits, spaces, '.', '_' or '-'")
        if not isinstance(points, list) or not 3 <= len(points) <= MAX_POINTS:
            raise PeelianError(f"zone {name!r} needs 3 to {MAX_POINTS} points")
        if not all(isinstance(p, list | tuple) and len(p) == 2 for p in points):
            raise PeelianError(f"zone {name!r}: each point is [x, y] in frame pixels")
        zones[name] = [[_number("a zone point", c, 0, MAX_PIXEL) for c in p] for p in points]
    return zones


def clean(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The details as stored: known fields only, text trimmed, numbers in range, the camera's
    start time with its offset, the clock offset (camera minus true time) in seconds."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise PeelianError("details must be an object")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise PeelianError(f"unknown detail {unknown[0][:40]!r}: give only {', '.join(FIELDS)}")
    found: dict[str, Any] = {name: one_line(name, raw.get(name)) for name in TEXT_FIELDS}
    found["lon"] = _number("lon", raw.get("lon"), -180, 180)
    found["lat"] = _number("lat", raw.get("lat"), -90, 90)
    if (found["lon"] is None) != (found["lat"] is None):
        raise PeelianError("give both lon and lat, or neither")
    found["camera_start"] = _moment(raw.get("camera_start"))
    offset = _number("clock_offset_s", raw.get("clock_offset_s"), -MAX_OFFSET_S, MAX_OFFSET_S)
    found["clock_offset_s"] = offset or 0.0
    found["zones"] = zones(raw.get("zones"))
    return found
