"""What a reviewer wants to jump to, decided as the footage plays: someone appears, enters a
zone, lingers in one spot, or a vehicle pulls up and stops.

Each event keeps the frame it began and ended, the box at the moment it fired, and a small JPEG
of that moment, so the index can show it without touching the footage again.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from peelian.video.detect import Box
from peelian.video.track import Track

KINDS = ("person_appears", "vehicle_appears", "enters_zone", "loitering", "vehicle_stops")
THUMB_HEIGHT = 160


@dataclass
class Event:
    kind: str
    track: int
    label: str
    zone: str | None
    frame_from: int
    frame_to: int
    box: Box
    thumbnail: bytes
    score: float = 1.0


def thumbnail(frame: np.ndarray, box: Box) -> bytes:
    """The box and what is around it (half its size again each side), boxed, as a small JPEG."""
    x, y, w, h = box
    height, width = frame.shape[:2]
    x0, y0 = max(int(x - w / 2), 0), max(int(y - h / 4), 0)
    x1, y1 = min(int(x + w * 1.5), width), min(int(y + h * 1.25), height)
    crop = frame[y0:y1, x0:x1].copy()
    if crop.size == 0:
        crop = frame.copy()
        x0 = y0 = 0
    cv2.rectangle(crop, (int(x) - x0, int(y) - y0), (int(x + w) - x0, int(y + h) - y0), (0, 200, 255), 1)
    scale = THUMB_HEIGHT / max(crop.shape[0], 1)
    crop = cv2.resize(
        crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return data.tobytes() if ok else b""


@dataclass
class _State:
    inside: dict[str, bool] = field(default_factory=dict)
    anchor: tuple[float, float] | None = None
    anchor_frame: int = 0
    start: tuple[float, float] | None = None
    moved: bool = False
    announced: bool = False


@dataclass
class EventRules:
    fps: float
    zones: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    loiter_seconds: float = 20.0
    stop_seconds: float = 5.0
    still_radius: float = 0.75  # in heights (of the body or vehicle): movement inside this is standing still
    events: list[Event] = field(default_factory=list)
    _states: dict[int, _State] = field(default_factory=dict)
    _open: dict[tuple[int, str, str | None], Event] = field(default_factory=dict)
    _polygons: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self._polygons = {n: np.array(p, dtype=np.float32).reshape(-1, 1, 2) for n, p in self.zones.items()}

    def step(self, index: int, frame: np.ndarray, seen: list[Track], ended: list[Track]) -> None:
        for track in seen:
            if track.confirmed and track.last == index:
                self._track(index, frame, track)
        for track in ended:
            self._close_track(track)

    def finish(self, tracks: list[Track]) -> list[Event]:
        for track in tracks:
            self._close_track(track)
        return sorted(self.events, key=lambda e: (e.frame_from, e.track, e.kind))

    def _track(self, index: int, frame: np.ndarray, track: Track) -> None:
        state = self._states.setdefault(track.id, _State())
        foot = track.foot()
        if not state.announced:
            state.announced = True
            self._fire(f"{track.label}_appears", track, None, track.first, index, frame)
        for zone, polygon in self._polygons.items():
            now = cv2.pointPolygonTest(polygon, foot, False) >= 0
            if now and not state.inside.get(zone, False):
                self._fire("enters_zone", track, zone, index, index, frame)
            elif not now and state.inside.get(zone, False):
                self._open.pop((track.id, "enters_zone", zone), None)
            state.inside[zone] = now
        self._stillness(index, frame, track, state, foot)
        for (track_id, _, _), event in self._open.items():
            if track_id == track.id:
                event.frame_to = index

    def _stillness(self, index: int, frame: np.ndarray, track: Track, state: _State, foot) -> None:
        size = track.box[3]  # heights: a vehicle's width changes as it turns or enters the frame
        state.start = state.start or foot
        if np.hypot(foot[0] - state.start[0], foot[1] - state.start[1]) > 0.5 * size:
            state.moved = True
        if (
            state.anchor is None
            or np.hypot(foot[0] - state.anchor[0], foot[1] - state.anchor[1]) > self.still_radius * size
        ):
            state.anchor, state.anchor_frame = foot, index
            self._open.pop((track.id, "loitering", None), None)
            self._open.pop((track.id, "vehicle_stops", None), None)
            return
        still = (index - state.anchor_frame) / self.fps
        if track.label == "person" and still >= self.loiter_seconds:
            self._fire("loitering", track, None, state.anchor_frame, index, frame)
        elif track.label == "vehicle" and state.moved and still >= self.stop_seconds:
            self._fire("vehicle_stops", track, None, state.anchor_frame, index, frame)

    def _fire(
        self, kind: str, track: Track, zone: str | None, start: int, index: int, frame: np.ndarray
    ) -> None:
        key = (track.id, kind, zone)
        if key in self._open:
            return
        event = Event(kind, track.id, track.label, zone, start, index, track.box, thumbnail(frame, track.box))
        self._open[key] = event
        self.events.append(event)

    def _close_track(self, track: Track) -> None:
        for key in [k for k in self._open if k[0] == track.id]:
            self._open[key].frame_to = max(self._open[key].frame_to, track.last)
            del self._open[key]
        self._states.pop(track.id, None)
