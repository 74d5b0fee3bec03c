"""Source files: find them (folders, archives, compressed files), fingerprint and open them."""

import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from peelian.errors import SourceFormatError


@dataclass(frozen=True)
class SourceFile:
    """One readable unit: a plain file, a .gz file, or a member of a zip archive."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def display(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def open(self) -> BinaryIO:
        """Open for reading decompressed bytes."""
        if self.member is not None:
            archive = zipfile.ZipFile(self.path)
            raw = archive.open(self.member)
            return gzip.open(raw) if self.member.endswith(".gz") else raw  # type: ignore[return-value]
        if self.path.suffix == ".gz":
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")

    def fingerprint(self) -> tuple[str, int]:
        """SHA-256 and size of the stored bytes (compressed as shipped), for provenance."""
        digest, size = hashlib.sha256(), 0
        with self._stored() as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size

    def _stored(self) -> BinaryIO:
        if self.member is not None:
            return zipfile.ZipFile(self.path).open(self.member)  # type: ignore[return-value]
        return open(self.path, "rb")


def discover(path: Path, accept: Callable[[str], bool]) -> list[SourceFile]:
    """Every file under ``path`` (a file, folder or zip archive) whose name ``accept``s, sorted."""
    if not path.exists():
        raise SourceFormatError(f"{path} does not exist")
    found: list[SourceFile] = []
    for candidate in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if not candidate.is_file():
            continue
        if zipfile.is_zipfile(candidate) and candidate.suffix.lower() == ".zip":
            found.extend(_zip_members(candidate, accept))
        elif accept(candidate.name):
            found.append(SourceFile(candidate))
    if not found and path.is_file():
        raise SourceFormatError(f"{path} is not a file this adapter reads")
    return found


def _zip_members(path: Path, accept: Callable[[str], bool]) -> Iterator[SourceFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if not n.endswith("/"))
    except zipfile.BadZipFile as exc:
        raise SourceFormatError(f"{path} is not a readable zip archive: {exc}") from exc
    for name in names:
        if accept(Path(name).name):
            yield SourceFile(path, name)


def read_limited(stream: BinaryIO, limit: int) -> io.BytesIO:
    """Read a whole (decompressed) stream, refusing more than ``limit`` bytes (zip bombs, runaway exports)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise SourceFormatError(f"source is larger than the {limit:,}-byte limit (PEELIAN_MAX_FILE_BYTES)")
    return io.BytesIO(data)
