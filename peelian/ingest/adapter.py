"""The contract every source adapter meets, and what the pipeline gives it."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from peelian.errors import SourceFormatError
from peelian.geo.crs import Projector
from peelian.ingest.batch import Batch
from peelian.ingest.sources import SourceFile


@dataclass(frozen=True)
class ParseContext:
    projector: Projector
    chunk_size: int
    max_bytes: int
    now: datetime


class Adapter(Protocol):
    """Parses one source format. Pure: reads files, returns batches; never touches the store."""

    name: str

    def discover(self, path: Path) -> list[SourceFile]: ...

    def source_system(self, source: SourceFile) -> str: ...

    def batches(self, source: SourceFile, ctx: ParseContext) -> Iterator[Batch]: ...


def require_columns(source: SourceFile, header: list[str], required: list[str], what: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(
            f"{source.display} is not a {what} file: missing column(s) {', '.join(missing)}"
        )
