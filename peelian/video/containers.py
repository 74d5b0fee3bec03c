"""Which video container a file is, from its first bytes: a name or a declared type proves nothing.

Only containers that CCTV recorders and phones export are accepted; anything else (photos,
documents, archives, programs, audio) is refused before more than one chunk of it is kept.
"""

from peelian.errors import PeelianError

HEAD_BYTES = 512  # enough for every signature below (MPEG-TS needs three 188-byte packets)
KINDS = "AVI, MP4, MOV, MKV or WebM, MPEG-TS, MPEG-PS (MPG, VOB), WMV (ASF) or FLV"
_ASF = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
# ISO base media brands that are still images or sound, not video.
_NOT_VIDEO_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif",
                     b"avis", b"M4A ", b"M4B ", b"M4P ", b"crx "}  # fmt: skip
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide"}  # QuickTime files older than the ftyp box


class NotVideo(PeelianError):
    """The bytes are not a video container that is accepted."""


def _transport_stream(head: bytes, start: int, packet: int) -> bool:
    return len(head) > start + 2 * packet and all(head[start + i * packet] == 0x47 for i in range(3))


def sniff(head: bytes) -> str | None:
    """The media type the first bytes prove (give ``HEAD_BYTES`` of them), or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _NOT_VIDEO_BRANDS:
            return None
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if _transport_stream(head, 0, 188) or _transport_stream(head, 4, 192):  # TS, or M2TS with timecodes
        return "video/mp2t"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "video/mpeg"
    if head.startswith(_ASF):
        return "video/x-ms-asf"
    if head[:4] == b"FLV\x01" and len(head) > 4 and head[4] & 0x01:  # the flags byte says: has video
        return "video/x-flv"
    return None


def check(head: bytes) -> str:
    """The media type, or a refusal that names the kinds accepted."""
    media_type = sniff(head)
    if media_type is None:
        raise NotVideo(f"this is not a video file we accept: send the recording as exported, in {KINDS}")
    return media_type
