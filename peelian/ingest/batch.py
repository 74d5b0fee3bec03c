"""What an adapter hands the store: normalised POLE frames for one chunk of source rows.

Frames are keyed by ``_row`` (the row's position in ``records``) so the writer can keep only the
rows that are new or changed. Entities are named by natural keys; the writer turns keys into ids.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peelian.ingest.quarantine import QuarantineRow
from peelian.pole.ids import content_hashes

if TYPE_CHECKING:
    from peelian.ingest.delimited import RawChunk
    from peelian.ingest.normalise import Rejections

Frames = dict[str, pd.DataFrame | None]
RECORD_COLUMNS = ["natural_key", "content_hash", "raw", "line_number"]

EVENT_COLUMNS = [
    "event_type",
    "category",
    "subcategory",
    "time_from",
    "time_to",
    "time_precision",
    "lon",
    "lat",
    "x",
    "y",
    "location_key",
    "location_text",
    "area_code",
    "area_name",
    "outcome",
    "force",
    "attributes",
]
LOCATION_COLUMNS = ["natural_key", "kind", "name", "postcode", "lon", "lat", "x", "y", "area_code"]
PERSON_COLUMNS = [
    "natural_key",
    "forename",
    "surname",
    "full_name",
    "dob",
    "gender",
    "ethnicity",
    "age_range",
    "attributes",
]
OBJECT_COLUMNS = ["natural_key", "kind", "identifier", "make", "model", "colour", "description", "attributes"]
LINK_COLUMNS = ["subject_type", "subject_key", "role", "object_type", "object_key"]
FRAME_COLUMNS = {
    "events": EVENT_COLUMNS,
    "locations": LOCATION_COLUMNS,
    "persons": PERSON_COLUMNS,
    "objects": OBJECT_COLUMNS,
    "links": LINK_COLUMNS,
}


@dataclass
class Batch:
    """One chunk of a source file, normalised. Every optional frame carries a ``_row`` column."""

    records: pd.DataFrame
    rows_read: int
    events: pd.DataFrame | None = None
    locations: pd.DataFrame | None = None
    persons: pd.DataFrame | None = None
    objects: pd.DataFrame | None = None
    links: pd.DataFrame | None = None
    quarantined: list[QuarantineRow] = field(default_factory=list)
    columns: list[str] | None = None  # the source header, kept on the ingest run for reading raw rows
    skipped_keys: list[str] = field(default_factory=list)  # rows the parser left out as unchanged

    def only(self, keys: set[str]) -> "Batch | None":
        """The rows with these natural keys, counted as read already (for a replayed row)."""
        picked = np.flatnonzero(self.records["natural_key"].isin(keys).to_numpy())
        if not len(picked):
            return None
        position = np.full(len(self.records), -1)
        position[picked] = np.arange(len(picked))
        frames = {name: getattr(self, name) for name in FRAME_COLUMNS}
        records = self.records.iloc[picked].reset_index(drop=True)
        return Batch(records=records, rows_read=0, **_renumbered(frames, position))

    def __post_init__(self) -> None:
        for name, required in FRAME_COLUMNS.items():
            frame = getattr(self, name)
            if frame is not None and (missing := {"_row", *required} - set(frame.columns)):
                raise ValueError(f"{name} frame lacks {sorted(missing)}")
        if not self.records.index.equals(pd.RangeIndex(len(self.records))):
            raise ValueError("records must be indexed 0..n-1: frames refer to rows by position")
        missing = set(RECORD_COLUMNS) - set(self.records.columns)
        if missing:
            raise ValueError(f"records frame lacks {sorted(missing)}")
        if self.records["natural_key"].duplicated().any():
            dupes = self.records.loc[self.records["natural_key"].duplicated(), "natural_key"].head(3)
            raise ValueError(f"natural keys repeat within a batch: {list(dupes)}")


def split_valid(
    chunk: "RawChunk",
    keys: list[str],
    rejections: "Rejections",
    frames: Frames,
) -> Batch:
    """Build a batch from a checked chunk: rows with a rejection reason go to quarantine.

    ``frames`` may hold several rows per source row; each names its source row in ``_row``
    (position in the chunk) and is renumbered to positions among the kept rows.
    """
    raws, lines = chunk.raws, chunk.lines
    ok = rejections.ok
    quarantined = list(chunk.quarantined) + [
        QuarantineRow(lines[i], rejections.code[i], rejections.reason[i], raws[i])
        for i in (~ok).nonzero()[0].tolist()
    ]
    kept = ok.nonzero()[0]
    position = np.full(len(raws), -1)
    position[kept] = np.arange(len(kept))
    hashes = chunk.hashes if chunk.hashes is not None else content_hashes(raws)
    records = pd.DataFrame(
        {
            "natural_key": [keys[i] for i in kept],
            "content_hash": [hashes[i] for i in kept],
            "raw": [raws[i] for i in kept],
            "line_number": [lines[i] for i in kept],
        }
    )
    return Batch(
        records=records,
        rows_read=chunk.rows_read,
        quarantined=quarantined,
        columns=chunk.header,
        skipped_keys=chunk.skipped_keys,
        **_renumbered(frames, position),
    )


def _renumbered(frames: Frames, position: np.ndarray) -> Frames:
    """Frames keep the rows whose ``_row`` maps to a position >= 0, renumbered to it."""
    out: Frames = {}
    for name, frame in frames.items():
        if frame is None:
            out[name] = None
            continue
        rows = position[frame["_row"].to_numpy()]
        out[name] = frame[rows >= 0].assign(_row=rows[rows >= 0]).reset_index(drop=True)
    return out
