"""One pass over the footage: decode, motion, detection, tracking, events and the active parts.

The pass streams: memory does not grow with the footage's length except for the events and,
when asked (for scoring against labels), the detections of every frame.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peelian.video import decode
from peelian.video.detect import Detection, Detector, MotionDetector
from peelian.video.events import Event, EventRules
from peelian.video.hold import Hold
from peelian.video.motion import Motion, analysis_scale
from peelian.video.segments import active_segments, seconds
from peelian.video.track import Tracker

METHOD_VERSION = "motion-perspective-1"


@dataclass(frozen=True)
class Options:
    zones: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    loiter_seconds: float = 20.0
    stop_seconds: float = 5.0
    background_seconds: float = 5.0  # stillness after which the motion model takes a thing as scenery
    keep_detections: bool = False


@dataclass
class Analysis:
    facts: decode.VideoFacts
    frames: int
    events: list[Event]
    segments: list[tuple[float, float]]
    people_per_second: list[int]
    detector: str
    elapsed: float
    detections: dict[int, list[Detection]] = field(default_factory=dict)

    @property
    def footage_seconds(self) -> float:
        return self.frames / self.facts.fps

    @property
    def review_seconds(self) -> float:
        return seconds(self.segments)

    def summary(self) -> dict:
        """The facts stored with the footage and shown in reports."""
        footage, review = self.footage_seconds, self.review_seconds
        return {
            "method": METHOD_VERSION,
            "detector": self.detector,
            "fps": self.facts.fps,
            "frames": self.frames,
            "width": self.facts.width,
            "height": self.facts.height,
            "codec": self.facts.fourcc,
            "footage_seconds": round(footage, 2),
            "review_seconds": round(review, 2),
            "review_reduction": round(1 - review / footage, 4) if footage else 0.0,
            "segments": self.segments,
            "people_per_second": self.people_per_second,
            "events": len(self.events),
            "processing_seconds": round(self.elapsed, 2),
        }


def analyse(
    path: Path,
    options: Options | None = None,
    detector: Detector | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    options = options or Options()
    facts = decode.facts(path)
    motion = Motion.for_stillness(analysis_scale(facts.width), options.background_seconds * facts.fps)
    detector = detector or MotionDetector()
    tracker = Tracker(confirm_hits=max(3, round(0.4 * facts.fps)), max_missed=max(round(2 * facts.fps), 2))
    hold = Hold(facts.fps, motion.scale)
    rules = EventRules(facts.fps, options.zones, options.loiter_seconds, options.stop_seconds)
    kept: dict[int, list[Detection]] = {}
    active: list[int] = []
    per_second: list[int] = []
    started = time.perf_counter()
    index = -1
    for index, frame in decode.frames(path):
        small = motion.reduce(frame)
        found = detector.detect(frame, motion.apply(small), motion.scale)
        found = hold.step(index, small, motion.background, tracker.active, found)
        if options.keep_detections:
            kept[index] = found
        seen, ended = tracker.step(index, found)
        rules.step(index, frame, seen, ended)
        on_screen = [t for t in seen if t.confirmed and t.last == index]
        if on_screen:
            active.append(index)
        second = int(index / facts.fps)
        if second >= len(per_second):
            per_second.append(0)
        per_second[second] = max(per_second[second], sum(t.label == "person" for t in on_screen))
        if progress and index % 50 == 0:
            progress(index, facts.frames)
    frames = index + 1
    events = rules.finish(tracker.finish())
    if progress:
        progress(frames, frames)
    return Analysis(
        facts=facts,
        frames=frames,
        events=events,
        segments=active_segments(active, facts.fps, frames),
        people_per_second=per_second,
        detector=detector.name,
        elapsed=time.perf_counter() - started,
        detections=kept,
    )
