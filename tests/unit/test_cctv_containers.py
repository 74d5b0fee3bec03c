"""Video containers are known by their first bytes; anything else is refused with the kinds named."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelian.video.containers import HEAD_BYTES, KINDS, NotVideo, check, sniff

TS_PACKET = b"\x47" + b"\x00" * 187
HEADS = {
    "avi": (b"RIFF\x10\x00\x00\x00AVI LIST", "video/x-msvideo"),
    "mp4": (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"),
    "mov": (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", "video/quicktime"),
    "old mov": (b"\x00\x00\x00\x08wide\x00\x01\x00\x00mdat", "video/quicktime"),
    "mkv": (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"),
    "webm": (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
    "ts": (TS_PACKET * 3, "video/mp2t"),
    "m2ts": ((b"\x00\x00\x00\x00" + TS_PACKET) * 3, "video/mp2t"),
    "mpeg-ps": (b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01", "video/mpeg"),
    "wmv": (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + b"\x00" * 8, "video/x-ms-asf"),
    "flv": (b"FLV\x01\x05\x00\x00\x00\x09", "video/x-flv"),
}
NOT_VIDEO = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "png": b"\x89PNG\r\n\x1a\n",
    "pdf": b"%PDF-1.7\n",
    "zip": b"PK\x03\x04\x14\x00",
    "windows program": b"MZ\x90\x00\x03\x00",
    "heic photo": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",
    "avif photo": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00",
    "m4a sound": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    "wav sound": b"RIFF\x24\x08\x00\x00WAVEfmt ",
    "webp photo": b"RIFF\x24\x08\x00\x00WEBPVP8 ",
    "flv with sound only": b"FLV\x01\x04\x00\x00\x00\x09",
    "one ts packet": TS_PACKET + b"\x00" * 200,
    "empty": b"",
}
SIGNATURE_STARTS = {b"R", b"\x1a", b"\x47", b"\x00", b"\x30", b"F"}


@pytest.mark.parametrize("kind", HEADS)
def test_each_container_is_known(kind):
    head, media_type = HEADS[kind]
    assert sniff(head.ljust(HEAD_BYTES, b"\x00")) == media_type == check(head.ljust(HEAD_BYTES, b"\x00"))


@pytest.mark.parametrize("kind", NOT_VIDEO)
def test_what_is_not_video_is_refused_with_the_kinds_accepted(kind):
    assert sniff(NOT_VIDEO[kind]) is None
    with pytest.raises(NotVideo, match="not a video file") as refused:
        check(NOT_VIDEO[kind])
    assert KINDS in str(refused.value) and "MP4" in KINDS and "AVI" in KINDS


@given(st.binary(max_size=HEAD_BYTES))
def test_random_bytes_without_a_signature_are_refused(head):
    boxed = head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide")
    if not (head[:1] in SIGNATURE_STARTS or head[4:5] == b"\x47" or boxed):
        assert sniff(head) is None


@given(st.sampled_from(sorted(set(NOT_VIDEO) - {"empty"})), st.binary(max_size=HEAD_BYTES))
def test_other_files_stay_refused_whatever_follows_their_signature(kind, rest):
    assert sniff(NOT_VIDEO[kind] + rest) is None
