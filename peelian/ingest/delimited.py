"""Streaming CSV reading that keeps each record's original text and line number.

Rows that cannot be trusted at this level (bad encoding, wrong column count, broken quoting) are
returned as quarantine rows with the original text; nothing is dropped.
"""

import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from peelian.errors import SourceFormatError
from peelian.ingest.quarantine import QuarantineRow, escape_raw
from peelian.ingest.sources import SourceFile

_UNDECODABLE = re.compile("[\udc80-\udcff]")
FIELD_LIMIT = 1 << 20  # one field over 1 MiB is hostile or broken, not a crime record

csv.field_size_limit(min(sys.maxsize, FIELD_LIMIT))


@dataclass
class RawChunk:
    """Well-formed rows (lists of strings, one per header column) with their provenance."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    quarantined: list[QuarantineRow] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.quarantined)


def read_header(source: SourceFile, encoding: str = "utf-8", delimiter: str = ",") -> list[str]:
    with source.open() as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        return _clean_header(next(csv.reader(text, delimiter=delimiter), []))


def _clean_header(header: list[str]) -> list[str]:
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return [h.strip() for h in header]


def read_chunks(
    source: SourceFile,
    chunk_size: int,
    max_bytes: int,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Iterator[RawChunk]:
    """Yield chunks of at most ``chunk_size`` rows (good and quarantined together)."""
    with source.open() as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        pending: list[str] = []
        consumed = [0, 0]  # lines, characters

        def lines() -> Iterator[str]:
            for line in text:
                consumed[0] += 1
                consumed[1] += len(line)
                if consumed[1] > max_bytes:
                    raise SourceFormatError(
                        f"{source.display} is over the {max_bytes:,}-byte limit (PEELIAN_MAX_FILE_BYTES)"
                    )
                pending.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=delimiter, strict=True)
        try:
            header = _clean_header(next(reader))
        except StopIteration:
            raise SourceFormatError(f"{source.display} is empty: no header row") from None
        except (csv.Error, UnicodeError) as exc:
            raise SourceFormatError(f"{source.display}: unreadable header: {exc}") from exc
        if _UNDECODABLE.search("".join(header)):
            raise SourceFormatError(f"{source.display}: header is not valid {encoding}")
        pending.clear()
        width = len(header)
        chunk = RawChunk(header)
        while True:
            start = consumed[0] + 1
            try:
                row = next(reader)
                error = None
            except StopIteration:
                break
            except csv.Error as exc:
                row, error = None, f"malformed CSV: {exc}"
            raw = "".join(pending).rstrip("\r\n")
            pending.clear()
            if row is not None and not row:
                continue  # a blank line is not a record
            code = "malformed_csv"
            # isascii() is a fast C scan; only non-ASCII rows can hold undecodable bytes.
            if error is None and not raw.isascii() and _UNDECODABLE.search(raw):
                code, error = "bad_encoding", f"not valid {encoding} text"
            elif error is None and len(row) != width:
                code, error = "column_count", f"wrong column count: expected {width}, found {len(row)}"
            if error is not None:
                chunk.quarantined.append(QuarantineRow(start, code, error, escape_raw(raw)))
            else:
                chunk.rows.append(row)
                chunk.lines.append(start)
                chunk.raws.append(raw)
            if chunk.rows_read >= chunk_size:
                yield chunk
                chunk = RawChunk(header)
        if chunk.rows_read:
            yield chunk
