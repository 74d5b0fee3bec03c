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
BLOCK_CHARS = 1 << 20

csv.field_size_limit(min(sys.maxsize, FIELD_LIMIT))


@dataclass
class RawChunk:
    """Well-formed rows (lists of strings, one per header column) with their provenance."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    quarantined: list[QuarantineRow] = field(default_factory=list)
    hashes: list[str] | None = None  # content hashes of ``raws``, once computed
    skipped_keys: list[str] = field(default_factory=list)  # rows left out as unchanged

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.quarantined) + len(self.skipped_keys)


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
        records = _records(_blocks(text, max_bytes, source), delimiter)
        try:
            _, header, _, error = next(records)
        except StopIteration:
            raise SourceFormatError(f"{source.display} is empty: no header row") from None
        except UnicodeError as exc:
            raise SourceFormatError(f"{source.display}: unreadable header: {exc}") from exc
        if error is not None:
            raise SourceFormatError(f"{source.display}: unreadable header: {error}")
        header = _clean_header(header)
        if _UNDECODABLE.search("".join(header)):
            raise SourceFormatError(f"{source.display}: header is not valid {encoding}")
        width = len(header)
        chunk, count = RawChunk(header), 0
        for start, row, raw, error in records:
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
            count += 1
            if count == chunk_size:
                yield chunk
                chunk, count = RawChunk(header), 0
        if count:
            yield chunk


def _blocks(text: io.TextIOWrapper, max_bytes: int, source: SourceFile) -> Iterator[list[str]]:
    """Whole lines, about a megabyte at a time, refusing input past the size limit."""
    read = 0
    while block := text.readlines(BLOCK_CHARS):
        read += sum(map(len, block))
        if read > max_bytes:
            raise SourceFormatError(
                f"{source.display} is over the {max_bytes:,}-byte limit (PEELIAN_MAX_FILE_BYTES)"
            )
        yield block


def _records(
    blocks: Iterator[list[str]], delimiter: str
) -> Iterator[tuple[int, list | None, str, str | None]]:
    """(first line number, fields or None, original text, error or None) for each record.

    The C reader parses a whole block; the reader's line count tells which lines each record
    used, so its original text costs one list index. A quoted field still open at the end of a
    block carries over into the next one; blank lines are not records.
    """
    first, carry = 1, []  # file line number of lines[0]; lines of a record left open
    block = next(blocks, None)
    while block is not None:
        following = next(blocks, None)
        lines = carry + block if carry else block
        carry = []
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        done = 0
        while True:
            try:
                row, error = next(reader), None
            except StopIteration:
                break
            except csv.Error as exc:
                if following is not None and reader.line_num >= len(lines):
                    carry = lines[done:]
                    break
                row, error = None, f"malformed CSV: {exc}"
            end = reader.line_num
            if row == []:
                done = end
                continue
            raw = lines[done] if end == done + 1 else "".join(lines[done:end])
            yield first + done, row, raw.rstrip("\r\n"), error
            done = end
        first += len(lines) - len(carry)
        block = following
