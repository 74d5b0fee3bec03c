"""Scoring a detector on hand-labelled footage: the labels file format and the measurement that
the benchmark, the tests and switching on an ONNX model all share.

Labels are CSV with a header ``frame,x,y,w,h,ignore``: 0-based frame in decode order, the box's
top-left corner, width and height in frame pixels, and 1 where the person is too small or too
hidden to judge.
"""

import csv
from pathlib import Path

from peelian.errors import PeelianError
from peelian.video.detect import Detector
from peelian.video.evaluate import Accuracy, Label, accuracy
from peelian.video.pipeline import Analysis, Options, analyse

COLUMNS = ("frame", "x", "y", "w", "h", "ignore")
MAX_LABELS = 1_000_000


def read_labels(path: Path) -> dict[int, list[Label]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise PeelianError(f"{path.name}: the header must be {','.join(COLUMNS)}")
            labels: dict[int, list[Label]] = {}
            for line, row in enumerate(reader, start=2):
                if line > MAX_LABELS:
                    raise PeelianError(f"{path.name}: more than {MAX_LABELS} labels")
                try:
                    frame, x, y, w, h, ignore = (int(row[c]) for c in COLUMNS)
                except (TypeError, ValueError):
                    raise PeelianError(f"{path.name} line {line}: every column is a whole number") from None
                if frame < 0 or w <= 0 or h <= 0 or ignore not in (0, 1):
                    raise PeelianError(f"{path.name} line {line}: frame >= 0, w and h > 0, ignore 0 or 1")
                labels.setdefault(frame, []).append(Label((x, y, w, h), bool(ignore)))
    except (OSError, UnicodeDecodeError) as exc:
        raise PeelianError(f"cannot read labels {path}: {exc}") from None
    if not labels:
        raise PeelianError(f"{path.name}: no labels")
    return labels


def person_boxes(analysis: Analysis) -> dict[int, list]:
    return {f: [d.box for d in found if d.label == "person"] for f, found in analysis.detections.items()}


def measure(
    video: Path, labels: dict[int, list[Label]], detector: Detector | None = None
) -> tuple[Accuracy, Analysis]:
    """Person detection precision and recall at IoU 0.5 on the labelled frames, and the analysis."""
    result = analyse(video, Options(keep_detections=True), detector)
    if max(labels) >= result.frames:
        raise PeelianError(f"the labels name frame {max(labels)} but the video has {result.frames} frames")
    return accuracy(labels, person_boxes(result)), result
