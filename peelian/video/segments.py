"""The parts of the footage worth watching: where a tracked person or vehicle is on screen,
with a little lead-in and lead-out, and short quiet gaps bridged so the reviewer is not jolted
from cut to cut. Their total is the review time the report sets against the footage's length.
"""

from collections.abc import Iterable


def active_segments(
    active_frames: Iterable[int],
    fps: float,
    total_frames: int,
    pad_seconds: float = 1.0,
    bridge_seconds: float = 3.0,
) -> list[tuple[float, float]]:
    """(start, end) in seconds into the footage, sorted and disjoint."""
    pad, bridge = pad_seconds * fps, bridge_seconds * fps
    segments: list[list[float]] = []
    for frame in sorted(set(active_frames)):
        start, end = max(frame - pad, 0), min(frame + 1 + pad, total_frames)
        if segments and start - segments[-1][1] <= bridge:
            segments[-1][1] = max(segments[-1][1], end)
        else:
            segments.append([start, end])
    return [(round(s / fps, 3), round(e / fps, 3)) for s, e in segments]


def seconds(segments: Iterable[tuple[float, float]]) -> float:
    return float(sum(end - start for start, end in segments))
