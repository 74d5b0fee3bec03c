"""Finds rows identical to their latest stored version before they are normalised.

Re-ingesting a month that a force republished with a handful of changed outcomes is the common
case; normalising thousands of unchanged rows only to discard them at the writer is most of its
cost. The parser asks this filter first and hands on only the rows that are new or changed.

A key is trusted only the first time it appears in an ingest: the writer commits behind the
parser, so an earlier file in the same ingest may still be about to write it. The writer stays the
authority for every row it receives.
"""

import numpy as np

from peelian.db import make_engine
from peelian.db.bulk import bulk_ops
from peelian.ingest.delimited import RawChunk
from peelian.ingest.writer import latest_versions
from peelian.pole.ids import content_hashes


class UnchangedFilter:
    """One per ingest, in the process that parses; opens its own read connection."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        self._seen: set[int] = set()

    def close(self) -> None:
        self._engine.dispose()

    def __call__(self, system: str, keys: list[str], hashes: list[str]) -> np.ndarray:
        """True for rows to skip: first seen in this ingest and equal to the stored latest version."""
        marks = [hash((system, k)) for k in keys]
        first = np.array([m not in self._seen for m in marks], dtype=bool)
        self._seen.update(marks)
        with self._engine.begin() as conn:
            latest = latest_versions(bulk_ops(conn), system, keys)
        same = np.array(
            [(head := latest.get(k)) is not None and head[1] == h for k, h in zip(keys, hashes, strict=True)],
            dtype=bool,
        )
        return first & same


def drop_unchanged(
    chunk: RawChunk, keys: list[str], system: str, unchanged: UnchangedFilter | None
) -> tuple[RawChunk, list[str]]:
    """The chunk and its keys without the rows the filter skips; hashes are kept on the chunk."""
    chunk.hashes = content_hashes(chunk.raws)
    if unchanged is None or not keys:
        return chunk, keys
    skip = unchanged(system, keys, chunk.hashes)
    if not skip.any():
        return chunk, keys
    keep = ~skip
    picked = np.flatnonzero(keep).tolist()
    rest = RawChunk(
        chunk.header,
        rows=[chunk.rows[i] for i in picked],
        lines=[chunk.lines[i] for i in picked],
        raws=[chunk.raws[i] for i in picked],
        quarantined=chunk.quarantined,
        hashes=[chunk.hashes[i] for i in picked],
        skipped=chunk.skipped + int(skip.sum()),
    )
    return rest, [keys[i] for i in picked]
