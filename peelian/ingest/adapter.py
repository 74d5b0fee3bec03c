"""The contract every source adapter meets, and what the pipeline gives it."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from peelian.errors import SourceFormatError
from peelian.geo.crs import Projector
from peelian.ingest.batch import Batch
from peelian.ingest.sources import SourceFile

if TYPE_CHECKING:
    from peelian.ingest.unchanged import UnchangedFilter


@dataclass(frozen=True)
class ParseContext:
    projector: Projector
    chunk_size: int
    max_bytes: int
    now: datetime
    store_url: str | None = None  # for the parser's own read-only look-ups (``unchanged``)


class Adapter(Protocol):
    """Parses one source format. Pure: reads files, returns batches; never touches the store."""

    name: str

    def discover(self, path: Path) -> list[SourceFile]: ...

    def source_system(self, source: SourceFile) -> str: ...

    def batches(
        self, source: SourceFile, ctx: ParseContext, unchanged: "UnchangedFilter | None" = None
    ) -> Iterator[Batch]:
        """Batches of the file in order; rows ``unchanged`` marks are counted, not normalised."""
        ...


def require_columns(source: SourceFile, header: list[str], required: list[str], what: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(
            f"{source.display} is not a {what} file: missing column(s) {', '.join(missing)}"
        )
