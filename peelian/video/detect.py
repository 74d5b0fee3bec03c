"""People and vehicles from moving blobs, sized against the camera's own perspective.

A fixed camera sees a person's height grow steadily with how low their feet are in the frame.
The detector learns that line from the upright, single-person blobs it sees, then uses it to
split a blob holding several people walking together, join a body cut in two by a lamp post or
sign, call a wide blob much bigger than a person a vehicle, and drop what is too small to be
either. No trained weights: everything comes from the footage itself.
"""

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x, y, w, h in full-frame pixels


@dataclass(frozen=True)
class Detection:
    box: Box
    label: str  # person or vehicle
    score: float


class Detector(Protocol):
    """A detector sees the full frame and the motion mask (reduced by ``scale``)."""

    name: str

    def detect(self, frame: np.ndarray, mask: np.ndarray, scale: float) -> list[Detection]: ...


@dataclass
class Perspective:
    """Person height in pixels as a straight line in the foot's row, fitted to recent upright blobs."""

    samples: deque = field(default_factory=lambda: deque(maxlen=400))
    slope: float | None = None
    intercept: float = 0.0
    _since_fit: int = 0

    def add(self, foot_y: float, height: float) -> None:
        self.samples.append((foot_y, height))
        self._since_fit += 1
        if len(self.samples) >= 30 and self._since_fit >= 10:
            self._fit()

    def _fit(self) -> None:
        """Least squares, then again on the points within 25% of the first line (drops pairs and
        partial bodies that slipped in as single people)."""
        ys, hs = np.array(self.samples, dtype=float).T
        if np.ptp(ys) < 20:
            return
        slope, intercept = np.polyfit(ys, hs, 1)
        keep = np.abs(hs - (slope * ys + intercept)) <= 0.25 * np.maximum(slope * ys + intercept, 1)
        if keep.sum() >= 20:
            slope, intercept = np.polyfit(ys[keep], hs[keep], 1)
        if slope > 0:
            self.slope, self.intercept = float(slope), float(intercept)
        self._since_fit = 0

    def height(self, foot_y: float) -> float | None:
        if self.slope is None:
            return None
        return max(self.slope * foot_y + self.intercept, 8.0)


@dataclass
class MotionDetector:
    """Blobs from the motion mask, split, joined and labelled by the learnt perspective."""

    name: str = "motion"
    min_height: float = 24.0  # full-frame pixels: smaller than this is not judged
    min_fill: float = 0.25  # share of a box that must be moving
    person_aspect: float = 0.42  # width over height of a walking adult, arms and stride included
    perspective: Perspective = field(default_factory=Perspective)

    def detect(self, frame: np.ndarray, mask: np.ndarray, scale: float) -> list[Detection]:
        _count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        blobs = [
            [x / scale, y / scale, w / scale, h / scale, area / scale**2]
            for x, y, w, h, area in stats[1:]
            if h / scale >= self.min_height / 3
        ]
        blobs = self._join_fragments(blobs)
        found: list[Detection] = []
        for x, y, w, h, area in blobs:
            fill = area / max(w * h, 1.0)
            if fill < self.min_fill:
                continue
            expected = self.perspective.height(y + h)
            if expected is None:
                if h >= self.min_height and 1.6 <= h / max(w, 1) <= 4.5:
                    self.perspective.add(y + h, h)
                    found.append(Detection((x, y, w, h), "person", fill))
                continue
            found.extend(self._classify(mask, scale, (x, y, w, h), area, expected))
        return found

    def _join_fragments(self, blobs: list[list[float]]) -> list[list[float]]:
        """Join blobs one above the other with a small gap: one body cut by a thin occluder."""
        blobs = sorted(blobs, key=lambda b: b[1])
        joined: list[list[float]] = []
        for blob in blobs:
            x, y, w, h, area = blob
            for other in joined:
                ox, oy, ow, oh, _ = other
                overlap = min(x + w, ox + ow) - max(x, ox)
                gap = y - (oy + oh)
                expected = self.perspective.height(y + h) or 2.5 * max(w, ow)
                if (
                    overlap >= 0.5 * min(w, ow)
                    and gap <= 0.2 * expected
                    and max(y + h, oy + oh) - min(y, oy) <= 1.15 * expected
                ):
                    nx, ny = min(x, ox), min(y, oy)
                    other[:] = [nx, ny, max(x + w, ox + ow) - nx, max(y + h, oy + oh) - ny, other[4] + area]
                    break
            else:
                joined.append(list(blob))
        return joined

    def _classify(
        self, mask: np.ndarray, scale: float, box: Box, area: float, expected: float
    ) -> list[Detection]:
        _x, y, w, h = box
        if h < max(self.min_height, 0.45 * expected):
            return []
        person_w = self.person_aspect * expected
        if w >= 2.2 * person_w and h <= 1.3 * expected and w >= 1.4 * h and area >= 2.5 * person_w * expected:
            return [Detection(box, "vehicle", min(1.0, area / (w * h)))]
        if 0.75 * expected <= h <= 1.3 * expected and w <= 1.5 * person_w:
            self.perspective.add(y + h, h)
        pieces = max(1, round(w / person_w)) if w > 1.5 * person_w else 1
        if pieces == 1:
            return [Detection(box, "person", min(1.0, area / (w * h)))]
        return [Detection(b, "person", s) for b, s in _split(mask, scale, box, pieces)]


def _split(mask: np.ndarray, scale: float, box: Box, pieces: int) -> list[tuple[Box, float]]:
    """Cut a blob of several people side by side at the emptiest columns between them."""
    x, y, w, h = box
    x0, y0 = int(x * scale), int(y * scale)
    x1, y1 = max(x0 + 1, round((x + w) * scale)), max(y0 + 1, round((y + h) * scale))
    region = mask[y0:y1, x0:x1]
    profile = region.sum(axis=0).astype(float)
    if len(profile) < pieces * 2:
        return [(box, 1.0)]
    cuts = []
    width = len(profile)
    for k in range(1, pieces):
        centre = k * width / pieces
        lo, hi = (
            int(max(1, centre - width / (3 * pieces))),
            int(min(width - 1, centre + width / (3 * pieces))),
        )
        cuts.append(lo + int(np.argmin(profile[lo:hi])) if hi > lo else int(centre))
    edges = [0, *cuts, width]
    found = []
    for a, b in itertools.pairwise(edges):
        part = region[:, a:b]
        rows = np.flatnonzero(part.any(axis=1))
        if b <= a or len(rows) == 0:
            continue
        top, bottom = rows[0], rows[-1] + 1
        fill = float(part[top:bottom].mean())
        found.append((((x0 + a) / scale, (y0 + top) / scale, (b - a) / scale, (bottom - top) / scale), fill))
    return found
