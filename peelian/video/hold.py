"""Keeping still things in view. The motion model takes anything that keeps still for a few
seconds into the scenery: a person waiting, a van that has parked, which are exactly what the
loitering and stopping events must see.

When a tracked thing comes to a stop, a picture of the empty scene at that spot is kept, taken
from the background model before it has learnt the newcomer. While the tracker then has no
detection for it, the spot is compared with that picture; as long as enough of it still differs,
the thing is taken to be there. When it leaves, the spot matches the picture again and the
track ends as usual.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from peelian.video.detect import Box, Detection
from peelian.video.evaluate import iou_matrix, mostly_inside
from peelian.video.track import Track

STILL_SPEED = 0.25  # heights a second (of the body or vehicle): slower than this is standing still
CHANGED = 25  # grey levels a pixel must differ from the empty scene to count as covered
COVERED = 0.35  # share of the box that must still be covered


@dataclass
class _Spot:
    box: Box
    empty: np.ndarray  # the empty scene under the box, reduced and grey
    since: int


@dataclass
class Hold:
    fps: float
    scale: float
    max_seconds: float = 600.0
    _spots: dict[int, _Spot] = field(default_factory=dict)

    def _crop(self, image: np.ndarray, box: Box) -> np.ndarray:
        x, y, w, h = (round(v * self.scale) for v in box)
        height, width = image.shape[:2]
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + max(w, 1), width), min(y + max(h, 1), height)
        crop = image[y0:y1, x0:x1]
        return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop

    def _still(self, track: Track) -> bool:
        return float(np.hypot(*track.velocity)) * self.fps < STILL_SPEED * max(track.box[3], 1.0)

    def step(
        self, index: int, small: np.ndarray, background, tracks: list[Track], found: list[Detection]
    ) -> list[Detection]:
        """The frame's detections with still, confirmed tracks the detector no longer sees added
        (``background`` is called at most once, and only when a track has just stopped). A stopped
        vehicle melts into the background piece by piece, and the pieces look like people: a
        detection lying mostly inside a stopped vehicle is taken as part of it."""
        empty_scene = None
        held: list[Detection] = []
        parked: list[Box] = []
        live = set()
        for track in tracks:
            if not track.confirmed:
                continue
            live.add(track.id)
            spot = self._spots.get(track.id)
            if (
                spot is not None
                and track.last == index - 1
                and iou_matrix(np.array([spot.box], dtype=float), np.array([track.box], dtype=float))[0, 0]
                < 0.5
            ):
                del self._spots[track.id]  # it crept away from where it stopped: look again
                spot = None
            if spot is None:
                # a box shrinking as the thing melts into the background looks like movement, so
                # speed only decides when to take the picture; creeping away is what drops it
                if track.last == index - 1 and self._still(track):
                    if empty_scene is None:
                        empty_scene = background()
                    self._spots[track.id] = _Spot(track.box, self._crop(empty_scene, track.box), index)
                continue
            same = np.array([d.box for d in found if d.label == track.label], dtype=float).reshape(-1, 4)
            seen = len(same) and iou_matrix(np.array([track.box], dtype=float), same).max() >= 0.3
            if seen or (index - spot.since) / self.fps > self.max_seconds:
                if seen and track.label == "vehicle":
                    parked.append(spot.box)
                continue
            now = self._crop(small, spot.box)
            if now.shape != spot.empty.shape or now.size == 0:
                continue
            covered = float((cv2.absdiff(now, spot.empty) > CHANGED).mean())
            if covered >= COVERED:
                held.append(Detection(spot.box, track.label, round(covered, 3)))
                if track.label == "vehicle":
                    parked.append(spot.box)
        for gone in set(self._spots) - live:
            del self._spots[gone]
        areas = np.array(parked, dtype=float).reshape(-1, 4)
        inside = mostly_inside([d.box for d in found], areas, 0.7)
        return [d for d, part in zip(found, inside, strict=True) if d.label == "vehicle" or not part] + held
