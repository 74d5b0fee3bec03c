"""Small synthetic CCTV scenes for tests: a fixed camera over a textured yard, people drawn as
upright figures whose height grows with how low they stand (as a real camera sees them), one
who lingers by the door, and a van that drives in and stops. Written as MJPEG AVI with OpenCV.
"""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 384, 288, 10.0
DOOR = [(250, 60), (330, 60), (330, 150), (250, 150)]  # the lingering figure stands in here


@dataclass(frozen=True)
class Figure:
    start: int  # first frame on screen
    end: int
    x0: float
    x1: float  # walks from x0 to x1 between start and end
    foot_y: float

    def box(self, frame: int) -> tuple[int, int, int, int] | None:
        if not self.start <= frame <= self.end:
            return None
        t = (frame - self.start) / max(self.end - self.start, 1)
        height = 0.3 * self.foot_y + 10
        width = 0.38 * height
        x = self.x0 + (self.x1 - self.x0) * t
        return int(x - width / 2), int(self.foot_y - height), int(width), int(height)


PEOPLE = (
    Figure(20, 140, -10, 400, 200),
    Figure(60, 190, 390, -10, 260),
    Figure(100, 400, 290, 292, 140),  # lingers at the door for 30 s
    Figure(230, 330, 40, 200, 120),
)
VAN = (150, 330, -300.0, 60.0, 285.0, 20)  # start, end, x from, x stop, foot y, frames to stop


def _van_box(frame: int) -> tuple[int, int, int, int] | None:
    start, end, x0, x1, foot, drive = VAN
    if not start <= frame <= end:
        return None
    t = min((frame - start) / drive, 1.0)
    x = x0 + (x1 - x0) * t
    return int(x), int(foot - 110), 300, 110


def write_scene(path: Path, frames: int = 420) -> Path:
    """The scene as an AVI; returns its path."""
    rng = np.random.default_rng(7)
    yard = rng.integers(90, 140, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    yard = cv2.GaussianBlur(yard, (5, 5), 0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    for index in range(frames):
        frame = yard.copy()
        noise = rng.integers(-4, 5, frame.shape, dtype=np.int16)
        frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        van = _van_box(index)
        if van:
            x, y, w, h = van
            cv2.rectangle(frame, (x, y), (x + w, y + h), (230, 230, 235), -1)
            for k in range(6):  # windows, panels and wheels: a van is not one flat colour
                cv2.rectangle(
                    frame, (x + 10 + 48 * k, y + 12), (x + 40 + 48 * k, y + 40), (70 + 25 * k, 60, 50), -1
                )
            cv2.line(frame, (x, y + 70), (x + w, y + 70), (40, 40, 200), 4)
            for wheel in (x + 50, x + w - 50):
                cv2.circle(frame, (wheel, y + h), 16, (20, 20, 20), -1)
        for person in PEOPLE:
            box = person.box(index)
            if box:
                x, y, w, h = box
                cv2.rectangle(frame, (x, y + h // 5), (x + w, y + h), (40, 30, 60), -1)
                cv2.circle(frame, (x + w // 2, y + h // 10), max(h // 10, 2), (60, 80, 120), -1)
        writer.write(frame)
    writer.release()
    return path
