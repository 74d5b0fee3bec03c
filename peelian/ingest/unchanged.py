"""Finds rows identical to their latest stored version before they are normalised.

Re-ingesting a month that a force republished with a handful of changed outcomes is the common
case; normalising thousands of unchanged rows only to discard them at the writer is most of its
cost. The parser asks this filter first and hands on only the rows that are new or changed.

The parsers look ahead of the writer, so an earlier batch of the same ingest may not be written
yet when a row is judged. ``SkipLedger``, in the writing process, catches exactly those cases (a
skipped key that an earlier batch carried) and has them parsed again and written; the writer
stays the authority for every row it receives.
"""

import numpy as np

from peelian.db import make_engine
from peelian.db.bulk import bulk_ops
from peelian.ingest.batch import Batch
from peelian.ingest.delimited import RawChunk
from peelian.ingest.writer import latest_versions
from peelian.pole.ids import content_hashes


class UnchangedFilter:
    """One per parsing process; opens its own read connection to the store."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)

    def close(self) -> None:
        self._engine.dispose()

    def __call__(self, system: str, keys: list[str], hashes: list[str]) -> np.ndarray:
        """True for rows equal to the latest stored version of their key."""
        with self._engine.begin() as conn:
            latest = latest_versions(bulk_ops(conn), system, keys)
        return np.array(
            [(head := latest.get(k)) is not None and head[1] == h for k, h in zip(keys, hashes, strict=True)],
            dtype=bool,
        )


class SkipLedger:
    """Keys this ingest has handed to the writer so far, to vet the parsers' skips."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def doubtful(self, system: str, batch: Batch) -> set[str]:
        """Skipped keys an earlier batch carried: judged before that batch was written."""
        doubtful = {k for k in batch.skipped_keys if hash((system, k)) in self._seen}
        self._seen.update(hash((system, k)) for k in batch.skipped_keys)
        self._seen.update(hash((system, k)) for k in batch.records["natural_key"].tolist())
        return doubtful


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
        skipped_keys=chunk.skipped_keys + [keys[i] for i in np.flatnonzero(skip).tolist()],
    )
    return rest, [keys[i] for i in picked]
