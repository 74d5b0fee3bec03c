"""data.police.uk street-level crime CSVs (``YYYY-MM-<force>-street.csv[.gz]``, folders or archive zips)."""

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from peelian.ingest.adapter import ParseContext, require_columns
from peelian.ingest.batch import Batch, split_valid
from peelian.ingest.delimited import read_chunks
from peelian.ingest.keys import Ordinals
from peelian.ingest.normalise import Rejections, coordinates, month_window, text
from peelian.ingest.sources import SourceFile, discover
from peelian.ingest.unchanged import UnchangedFilter, drop_unchanged
from peelian.pole.ids import digests
from peelian.pole.model import EventType, LocationKind, TimePrecision

FILE_NAME = re.compile(r"^\d{4}-\d{2}-(?P<force>[a-z0-9-]+?)-street\.csv(\.gz)?$")
REQUIRED = [
    "Crime ID",
    "Month",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
]
SOURCE_SYSTEM = "police.uk"
KEYLESS_PARTS = ["Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type"]


class PoliceUkAdapter:
    name = "police-uk"

    def discover(self, path: Path) -> list[SourceFile]:
        return discover(path, lambda name: FILE_NAME.match(name) is not None)

    def source_system(self, source: SourceFile) -> str:
        return SOURCE_SYSTEM

    def batches(
        self, source: SourceFile, ctx: ParseContext, unchanged: UnchangedFilter | None = None
    ) -> Iterator[Batch]:
        force = FILE_NAME.match(source.name)["force"]
        ordinals = Ordinals()
        for chunk in read_chunks(source, ctx.chunk_size, ctx.max_bytes):
            require_columns(source, chunk.header, REQUIRED, "data.police.uk street-level crime")
            keys = ordinals.apply(_natural_keys(chunk.rows, chunk.header, force))
            chunk, keys = drop_unchanged(chunk, keys, SOURCE_SYSTEM, unchanged)
            frame = pd.DataFrame(chunk.rows, columns=chunk.header, dtype="string")
            yield self._batch(chunk, frame, keys, ctx)

    def _batch(self, chunk, frame: pd.DataFrame, keys: list[str], ctx: ParseContext) -> Batch:
        rejections = Rejections(len(frame))
        start, end = month_window(frame["Month"], rejections, ctx.now)
        lon, lat, x, y = coordinates(frame["Longitude"], frame["Latitude"], ctx.projector, rejections)
        crime_type = text(frame["Crime type"])
        rejections.flag(crime_type.isna(), "missing_category", "missing crime type")
        location = text(frame["Location"])

        location_key = (
            frame["Longitude"].str.strip() + "|" + frame["Latitude"].str.strip() + "|" + location.fillna("")
        )
        context = text(frame["Context"]) if "Context" in frame else pd.Series(pd.NA, index=frame.index)
        row = np.arange(len(frame))
        events = pd.DataFrame(
            {
                "_row": row,
                "event_type": EventType.CRIME.value,
                "category": crime_type,
                "subcategory": None,
                "time_from": start,
                "time_to": end,
                "time_precision": TimePrecision.MONTH.value,
                "lon": lon,
                "lat": lat,
                "x": x,
                "y": y,
                "location_key": location_key,
                "location_text": location,
                "area_code": text(frame["LSOA code"]),
                "area_name": text(frame["LSOA name"]),
                "outcome": text(frame["Last outcome category"]),
                "force": text(frame["Falls within"]),
                "attributes": context.map(lambda c: {"context": c}, na_action="ignore"),
            }
        )
        locations = pd.DataFrame(
            {
                "_row": row,
                "natural_key": location_key,
                "kind": LocationKind.POINT.value,
                "name": location,
                "postcode": None,
                "lon": lon,
                "lat": lat,
                "x": x,
                "y": y,
                "area_code": events["area_code"],
            }
        )
        return split_valid(chunk, keys, rejections, {"events": events, "locations": locations})


def _natural_keys(rows: list[list[str]], header: list[str], force: str) -> list[str]:
    """Crime ID where given; before 2011-12 there is none, so key the row by what it says."""
    crime_id = header.index("Crime ID")
    keys = [row[crime_id].strip() for row in rows]
    missing = [i for i, key in enumerate(keys) if not key]
    if missing:
        parts = [header.index(c) for c in KEYLESS_PARTS]
        joined = ["|".join(rows[i][p] for p in parts) for i in missing]
        for i, digest in zip(missing, digests(SOURCE_SYSTEM, joined), strict=True):
            keys[i] = f"{force}:{digest}"
    return keys
