"""Reading footage frame by frame, with the facts a reviewer needs (rate, size, length).

Frames are numbered in decode order from 0; seeking is avoided because many CCTV codecs (MS-MPEG4
in AVI, for one) land on the wrong frame.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from peelian.errors import PeelianError

MAX_FPS = 120.0


@dataclass(frozen=True)
class VideoFacts:
    fps: float
    frames: int
    width: int
    height: int
    fourcc: str

    @property
    def seconds(self) -> float:
        return self.frames / self.fps


def _open(path: Path) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise PeelianError(f"{path.name}: cannot be decoded as video")
    return cap


def facts(path: Path) -> VideoFacts:
    """What the container declares; the frame count is confirmed by ``frames`` as it reads."""
    cap = _open(path)
    try:
        fps = cap.get(cv2.CAP_PROP_FPS)
        code = int(cap.get(cv2.CAP_PROP_FOURCC))
        fourcc = "".join(chr((code >> 8 * i) & 0xFF) for i in range(4)).strip("\0 ") or "?"
        result = VideoFacts(
            fps=fps if 0 < fps <= MAX_FPS else 25.0,
            frames=max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0),
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fourcc=fourcc,
        )
    finally:
        cap.release()
    if result.width <= 0 or result.height <= 0:
        raise PeelianError(f"{path.name}: the video declares no picture size")
    return result


def frames(path: Path) -> Iterator[tuple[int, np.ndarray]]:
    """(index, BGR frame) in decode order until the stream ends or a frame will not decode."""
    cap = _open(path)
    try:
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield index, frame
            index += 1
    finally:
        cap.release()
