"""Evidence files from the public: what a file is comes from its bytes, never its name.

A photo called ``receipt.jpg`` that starts like a Windows program is refused, as is anything
not on the short list of kinds an officer can open safely (photos, PDF documents, phone video).
"""

import hashlib
import re
from dataclasses import dataclass

from peelian.errors import PeelianError

MAX_FILE_BYTES = 10 * 1024**2
MAX_FILES = 5  # per report, counting later additions

_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Evidence:
    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(head: bytes) -> str | None:
    """The media type the first bytes prove, or None for any kind not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"heim", b"heis"):
            return "image/heic"
        if brand in (b"qt  ",):
            return "video/quicktime"
        return "video/mp4"
    return None


def safe_name(name: str | None) -> str:
    """A file name to show staff: no path, no markup or control characters, not too long."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = _NAME.sub("_", base).strip(" ._") or "evidence"
    return cleaned[-100:]


def check(name: str | None, content: bytes) -> Evidence:
    """The file as evidence, or a plain refusal saying why."""
    shown = safe_name(name)
    if not content:
        raise PeelianError(f"{shown} is empty")
    if len(content) > MAX_FILE_BYTES:
        raise PeelianError(f"{shown} is larger than {MAX_FILE_BYTES // 1024**2} MB")
    media_type = sniff(content[:16])
    if media_type is None:
        raise PeelianError(
            f"{shown} is not a photo (JPEG, PNG, GIF, WebP, HEIC), a PDF or a phone video (MP4, MOV)"
        )
    return Evidence(shown, media_type, content)
