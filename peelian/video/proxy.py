"""A copy of the footage any browser can play (VP8 WebM, half size) for the review page. The
original stays as received; CCTV codecs such as MS-MPEG4 or DVR formats do not play in a browser.
"""

from pathlib import Path

import cv2

from peelian.errors import PeelianError
from peelian.video import decode

REVIEW_WIDTH = 384  # half PAL: enough to review by, and half the encoding time of 480


def write_review_copy(source: Path, target: Path, width: int = REVIEW_WIDTH) -> int:
    """Write the review copy at the source's frame rate; returns the frames written."""
    facts = decode.facts(source)
    scale = min(1.0, width / facts.width)
    size = (int(facts.width * scale) // 2 * 2, int(facts.height * scale) // 2 * 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.webm")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"VP80"), facts.fps, size)
    if not writer.isOpened():
        raise PeelianError("this OpenCV build cannot write VP8 WebM for the review copy")
    written = 0
    try:
        for _, frame in decode.frames(source):
            writer.write(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
            written += 1
    finally:
        writer.release()
    partial.replace(target)
    return written
