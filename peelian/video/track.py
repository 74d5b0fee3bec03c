"""Following each detection from frame to frame (a SORT-style tracker without appearance).

Each track predicts its next box from its recent velocity; detections are matched to
predictions by overlap (Hungarian assignment), falling back to foot distance for small or fast
movers. A track is confirmed after a few hits, so a flicker of noise never becomes a person,
and survives a short gap (an occluding pole, a missed frame) before it ends.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from peelian.video.detect import Box, Detection
from peelian.video.evaluate import iou_matrix


@dataclass
class Track:
    id: int
    label: str
    first: int
    last: int
    box: Box
    velocity: tuple[float, float] = (0.0, 0.0)
    hits: int = 1
    missed: int = 0
    confirmed: bool = False
    boxes: dict[int, Box] = field(default_factory=dict)

    def predicted(self) -> Box:
        x, y, w, h = self.box
        gap = self.missed + 1
        return (x + self.velocity[0] * gap, y + self.velocity[1] * gap, w, h)

    def foot(self, box: Box | None = None) -> tuple[float, float]:
        x, y, w, h = box or self.box
        return (x + w / 2, y + h)

    def update(self, frame: int, box: Box) -> None:
        gap = max(frame - self.last, 1)
        vx = ((box[0] + box[2] / 2) - (self.box[0] + self.box[2] / 2)) / gap
        vy = ((box[1] + box[3]) - (self.box[1] + self.box[3])) / gap
        self.velocity = (0.6 * self.velocity[0] + 0.4 * vx, 0.6 * self.velocity[1] + 0.4 * vy)
        self.box, self.last, self.missed = box, frame, 0
        self.hits += 1
        self.boxes[frame] = box


@dataclass
class Tracker:
    confirm_hits: int = 3
    max_missed: int = 10  # frames a track may go unseen before it ends
    min_iou: float = 0.2
    _next: int = 1
    active: list[Track] = field(default_factory=list)

    def step(self, frame: int, detections: list[Detection]) -> tuple[list[Track], list[Track]]:
        """Advance one frame: (tracks seen or coasting now, tracks that just ended)."""
        unmatched = set(range(len(detections)))
        by_label: dict[str, list[int]] = {}
        for i, d in enumerate(detections):
            by_label.setdefault(d.label, []).append(i)
        matched_tracks: set[int] = set()
        for label, det_ids in by_label.items():
            track_ids = [t for t, tr in enumerate(self.active) if tr.label == label]
            for t, d in self._match(track_ids, det_ids, detections):
                self.active[t].update(frame, detections[d].box)
                if self.active[t].hits >= self.confirm_hits:
                    self.active[t].confirmed = True
                matched_tracks.add(t)
                unmatched.discard(d)
        ended = []
        alive = []
        for t, track in enumerate(self.active):
            if t not in matched_tracks:
                track.missed += 1
            if track.missed > self.max_missed or (not track.confirmed and track.missed > 1):
                ended.append(track)
            else:
                alive.append(track)
        for d in sorted(unmatched):
            det = detections[d]
            track = Track(self._next, det.label, frame, frame, det.box, boxes={frame: det.box})
            track.confirmed = self.confirm_hits <= 1
            self._next += 1
            alive.append(track)
        self.active = alive
        return alive, [t for t in ended if t.confirmed]

    def finish(self) -> list[Track]:
        """Tracks still open when the footage ends."""
        done = [t for t in self.active if t.confirmed]
        self.active = []
        return done

    def _match(
        self, track_ids: list[int], det_ids: list[int], detections: list[Detection]
    ) -> list[tuple[int, int]]:
        if not track_ids or not det_ids:
            return []
        predicted = np.array([self.active[t].predicted() for t in track_ids], dtype=float)
        boxes = np.array([detections[d].box for d in det_ids], dtype=float)
        iou = iou_matrix(predicted, boxes)
        # foot distance in body heights: keeps small, fast or briefly overlapping people matched
        pf = np.stack([predicted[:, 0] + predicted[:, 2] / 2, predicted[:, 1] + predicted[:, 3]], axis=1)
        bf = np.stack([boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3]], axis=1)
        dist = np.linalg.norm(pf[:, None] - bf[None], axis=2) / np.maximum(predicted[:, 3:4], 1.0)
        cost = np.where(iou >= self.min_iou, 1 - iou, np.where(dist <= 0.5, 1 + dist, 10.0))
        rows, cols = linear_sum_assignment(cost)
        return [(track_ids[r], det_ids[c]) for r, c in zip(rows, cols, strict=True) if cost[r, c] < 10.0]
