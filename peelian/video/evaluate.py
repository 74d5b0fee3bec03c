"""Detection accuracy against hand labels: precision and recall at an IoU threshold, and the error
in the number of people counted per frame.

Labels marked ``ignore`` (a person barely visible or too small to judge) neither reward nor
penalise: a detection on one is dropped, and missing one is no miss.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

Box = tuple[float, float, float, float]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class Label:
    box: Box
    ignore: bool = False


@dataclass(frozen=True)
class Accuracy:
    frames: int
    labelled: int
    detected: int
    matched: int
    precision: float
    recall: float
    count_mae: float
    count_bias: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def overlap_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection areas of two (n, 4) x-y-w-h arrays."""
    a, b = np.asarray(a, dtype=float).reshape(-1, 4), np.asarray(b, dtype=float).reshape(-1, 4)
    iw = np.minimum(a[:, None, 0] + a[:, None, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, None, 0], b[:, 0])
    ih = np.minimum(a[:, None, 1] + a[:, None, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, None, 1], b[:, 1])
    return np.clip(iw, 0, None) * np.clip(ih, 0, None)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union of two (n, 4) x-y-w-h arrays."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    inter = overlap_matrix(a, b)
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def mostly_inside(boxes: np.ndarray, areas: np.ndarray, share: float) -> np.ndarray:
    """Which boxes have at least ``share`` of their own area inside one of ``areas``."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if len(areas) == 0 or len(boxes) == 0:
        return np.zeros(len(boxes), dtype=bool)
    own = boxes[:, 2] * boxes[:, 3]
    return (overlap_matrix(boxes, areas) >= share * own[:, None]).any(axis=1)


def frame_matches(
    labels: Iterable[Label], detections: Iterable[Box], threshold: float = 0.5
) -> tuple[int, int, int]:
    """(labelled people, counted detections, one-to-one matches) in one frame."""
    labels = list(labels)
    truth = np.array([lb.box for lb in labels if not lb.ignore], dtype=float).reshape(-1, 4)
    ignored = np.array([lb.box for lb in labels if lb.ignore], dtype=float).reshape(-1, 4)
    dets = np.array(list(detections), dtype=float).reshape(-1, 4)
    iou = iou_matrix(dets, truth)
    matched = 0
    used = np.zeros(len(dets), dtype=bool)
    if iou.size:
        rows, cols = linear_sum_assignment(-iou)
        good = iou[rows, cols] >= threshold
        matched = int(good.sum())
        used[rows[good]] = True
    spare = ~used
    spare[spare] = ~mostly_inside(dets[spare], ignored, 0.5)  # on an ignored person: not counted
    return len(truth), matched + int(spare.sum()), matched


def accuracy(
    labels: Mapping[int, list[Label]], detections: Mapping[int, list[Box]], threshold: float = 0.5
) -> Accuracy:
    """Score detections on every labelled frame (a labelled frame with no detections counts)."""
    totals = np.zeros(3, dtype=int)
    errors = []
    for frame, frame_labels in labels.items():
        n_true, n_det, n_match = frame_matches(frame_labels, detections.get(frame, []), threshold)
        totals += (n_true, n_det, n_match)
        errors.append(n_det - n_true)
    labelled, detected, matched = (int(v) for v in totals)
    err = np.array(errors, dtype=float) if errors else np.zeros(1)
    return Accuracy(
        frames=len(labels),
        labelled=labelled,
        detected=detected,
        matched=matched,
        precision=matched / detected if detected else 0.0,
        recall=matched / labelled if labelled else 0.0,
        count_mae=float(np.abs(err).mean()),
        count_bias=float(err.mean()),
    )
