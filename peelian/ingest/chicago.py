"""City of Chicago Data Portal "Crimes" CSV exports (one file, optionally gzipped)."""

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from peelian.ingest.adapter import ParseContext, require_columns
from peelian.ingest.batch import Batch, split_valid
from peelian.ingest.delimited import read_chunks
from peelian.ingest.keys import Ordinals
from peelian.ingest.normalise import Rejections, coordinates, local_datetimes, text
from peelian.ingest.sources import SourceFile, discover
from peelian.ingest.unchanged import UnchangedFilter, drop_unchanged
from peelian.pole.model import EventType, LocationKind, TimePrecision

FILE_NAME = re.compile(r"\.csv(\.gz)?$", re.IGNORECASE)
REQUIRED = [
    "ID", "Case Number", "Date", "Block", "IUCR", "Primary Type", "Description",
    "Location Description", "Arrest", "Domestic", "Beat", "Latitude", "Longitude",
]  # fmt: skip
DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"
TIMEZONE = "America/Chicago"
SOURCE_SYSTEM = "chicago.cpd"
# Kept on the event as attributes: the analyst's filters beyond the POLE core.
ATTRIBUTES = {
    "Case Number": "case_number", "IUCR": "iucr", "FBI Code": "fbi_code",
    "Location Description": "location_description", "Arrest": "arrest", "Domestic": "domestic",
    "District": "district", "Ward": "ward", "Community Area": "community_area",
    "X Coordinate": "x_coordinate_ft", "Y Coordinate": "y_coordinate_ft", "Updated On": "updated_on",
}  # fmt: skip


class ChicagoAdapter:
    name = "chicago"

    def discover(self, path: Path) -> list[SourceFile]:
        return discover(path, lambda name: FILE_NAME.search(name) is not None)

    def source_system(self, source: SourceFile) -> str:
        return SOURCE_SYSTEM

    def batches(
        self, source: SourceFile, ctx: ParseContext, unchanged: UnchangedFilter | None = None
    ) -> Iterator[Batch]:
        ordinals = Ordinals()
        for chunk in read_chunks(source, ctx.chunk_size, ctx.max_bytes):
            require_columns(source, chunk.header, REQUIRED, "Chicago Data Portal crimes")
            keys = ordinals.apply(_natural_keys(chunk.rows, chunk.header))
            chunk, keys = drop_unchanged(chunk, keys, SOURCE_SYSTEM, unchanged)
            frame = pd.DataFrame(chunk.rows, columns=chunk.header, dtype="string")
            yield self._batch(chunk, frame, keys, ctx)

    def _batch(self, chunk, frame: pd.DataFrame, keys: list[str], ctx: ParseContext) -> Batch:
        rejections = Rejections(len(frame))
        case = text(frame["Case Number"])
        crime_id = text(frame["ID"])
        rejections.flag(case.isna() & crime_id.isna(), "missing_key", "neither ID nor Case Number given")
        start = local_datetimes(frame["Date"], DATE_FORMAT, TIMEZONE, rejections, ctx.now)
        lon, lat, x, y = coordinates(frame["Longitude"], frame["Latitude"], ctx.projector, rejections)
        category = text(frame["Primary Type"])
        rejections.flag(category.isna(), "missing_category", "missing Primary Type")

        block = text(frame["Block"])
        beat = text(frame["Beat"]).str.zfill(4)
        present = [c for c in ATTRIBUTES if c in frame.columns]
        attributes = frame[present].rename(columns=ATTRIBUTES).replace({"": None})
        for flag in ("arrest", "domestic"):
            attributes[flag] = attributes[flag].str.lower().map({"true": True, "false": False})
        attribute_json = pd.Series(attributes.to_json(orient="records", lines=True).splitlines())
        row = np.arange(len(frame))
        events = pd.DataFrame({
            "_row": row, "event_type": EventType.CRIME.value, "category": category,
            "subcategory": text(frame["Description"]), "time_from": start,
            "time_to": start + pd.Timedelta(minutes=1), "time_precision": TimePrecision.MINUTE.value,
            "lon": lon, "lat": lat, "x": x, "y": y, "location_key": "block:" + block.fillna(""),
            "location_text": block, "area_code": beat, "area_name": None,
            "outcome": np.where(attributes["arrest"] == True, "Arrest made", None),  # noqa: E712
            "force": "Chicago Police Department", "attributes": attribute_json,
        })  # fmt: skip
        # Coordinates are shifted within the block for privacy, so a block is one place: the
        # first point seen stands for it.
        locations = pd.DataFrame({
            "_row": row, "natural_key": events["location_key"], "kind": LocationKind.BLOCK.value,
            "name": block, "postcode": None, "lon": lon, "lat": lat, "x": x, "y": y, "area_code": beat,
        })  # fmt: skip
        return split_valid(chunk, keys, rejections, {"events": events, "locations": locations})


def _natural_keys(rows: list[list[str]], header: list[str]) -> list[str]:
    """The portal ID; rows from 2001-2011 exports carry none, and their case number stands in."""
    crime_id, case = header.index("ID"), header.index("Case Number")
    return [row[crime_id].strip() or "case:" + row[case].strip() for row in rows]
