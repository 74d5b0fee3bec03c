"""CCTV analytics on ``vtest.avi`` against 110 hand-labelled frames, beside two baselines.

    python -m benchmarks.video

Data: ``../shared/data/cctv_vtest/vtest.avi`` (768x576, 10 fps, 795 frames; see its PROVENANCE.md)
and ``tests/fixtures/cctv/vtest_people.csv`` (699 person boxes on 110 frames spread through the
clip, 31 marked ignore; how they were made is in the README beside them).

Measured: Peelian's pass (MOG2 motion, perspective-sized people, tracking, stillness hold, events
and thumbnails; the review copy is timed apart) over the whole clip, three times, the median time
giving frames/s and the real-time factor (footage seconds per processing second); person
precision and recall at IoU 0.5 and the per-frame counting error, on all labelled frames and on
each half (alternate labelled frames); peak RSS after the pass; hours of footage against hours
to watch. Baselines in the same run: the bare motion blobs (no perspective, no splitting or
joining), and OpenCV's HOG people detector (Dalal-Triggs, its built-in SVM; frames doubled in size
so people reach its 128-pixel window), run on the labelled frames only since it is slow.
Writes benchmarks/results/video.{json,md}. Target: >= 5x real time, recall >= 0.8 at precision >= 0.8.
"""

import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks.common import ROOT, peak_rss_mb, shared_data, write_result
from peelian.video import decode
from peelian.video.evaluate import Accuracy, Label, accuracy
from peelian.video.measure import measure, person_boxes, read_labels
from peelian.video.motion import Motion, analysis_scale
from peelian.video.pipeline import METHOD_VERSION
from peelian.video.proxy import write_review_copy

LABELS = ROOT.parent / "tests" / "fixtures" / "cctv" / "vtest_people.csv"
RUNS = 3
console = Console()


def bare_blobs(video: Path) -> tuple[dict[int, list], float]:
    """Every moving blob of a person's minimum size taken as one person."""
    motion = Motion.for_stillness(analysis_scale(768), 50)
    found, started = {}, time.perf_counter()
    for index, frame in decode.frames(video):
        mask = motion.apply(motion.reduce(frame))
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        s = motion.scale
        found[index] = [
            (x / s, y / s, w / s, h / s) for x, y, w, h, _ in stats[1:] if h / s >= 24 and w / s >= 6
        ]
    return found, time.perf_counter() - started


def hog(video: Path, frames: set[int]) -> tuple[dict[int, list], float]:
    detector = cv2.HOGDescriptor()
    detector.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    found, spent = {}, 0.0
    for index, frame in decode.frames(video):
        if index not in frames:
            continue
        started = time.perf_counter()
        big = cv2.resize(frame, None, fx=2.0, fy=2.0)
        rects, weights = detector.detectMultiScale(big, winStride=(8, 8), padding=(8, 8), scale=1.05)
        spent += time.perf_counter() - started
        found[index] = [
            tuple(v / 2 for v in r) for r, w in zip(rects, np.ravel(weights), strict=True) if w > 0.5
        ]
    return found, spent / len(frames)


def halves(labels: dict[int, list[Label]], boxes: dict[int, list]) -> tuple[Accuracy, Accuracy]:
    frames = sorted(labels)
    return tuple(accuracy({f: labels[f] for f in frames[k::2]}, boxes) for k in (0, 1))


def main() -> None:
    video = shared_data() / "cctv_vtest" / "vtest.avi"
    labels = read_labels(LABELS)
    runs = []
    for _ in range(RUNS):
        found, analysis = measure(video, labels)
        runs.append(analysis.elapsed)
    rss = peak_rss_mb()
    elapsed = statistics.median(runs)
    footage = analysis.footage_seconds
    first, second = halves(labels, person_boxes(analysis))
    started = time.perf_counter()
    write_review_copy(video, Path("/tmp/peelian-bench-review.webm"))
    review_copy_s = time.perf_counter() - started
    blobs, blobs_s = bare_blobs(video)
    hog_found, hog_per_frame = hog(video, set(labels))
    summary = analysis.summary()
    kinds: dict[str, int] = {}
    for event in analysis.events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    out = {
        "video": video.name,
        "frames": analysis.frames,
        "footage_seconds": footage,
        "method": METHOD_VERSION,
        "runs_seconds": [round(r, 3) for r in runs],
        "frames_per_second": round(analysis.frames / elapsed, 1),
        "realtime_factor": round(footage / elapsed, 2),
        "peak_rss_mb": round(rss),
        "accuracy": found.as_dict(),
        "accuracy_first_half": first.as_dict(),
        "accuracy_second_half": second.as_dict(),
        "review_seconds": summary["review_seconds"],
        "review_reduction": summary["review_reduction"],
        "events": kinds,
        "review_copy_seconds": round(review_copy_s, 2),
        "baseline_motion_blobs": {
            **accuracy(labels, blobs).as_dict(),
            "realtime_factor": round(footage / blobs_s, 2),
        },
        "baseline_hog": {
            **accuracy(labels, hog_found).as_dict(),
            "seconds_per_frame": round(hog_per_frame, 3),
            "realtime_factor": round(1 / (hog_per_frame * analysis.facts.fps), 3),
        },
    }
    write_result("video", out)
    (ROOT / "results" / "video.md").write_text(markdown(out))
    table = Table(
        "method",
        "precision",
        "recall",
        "count error",
        "x real time",
        title=f"{video.name}, {found.frames} labelled frames",
    )
    for name, acc, factor in _rows(out):
        table.add_row(
            name, f"{acc['precision']:.3f}", f"{acc['recall']:.3f}", f"{acc['count_mae']:.2f}", f"{factor:g}"
        )
    console.print(table)
    console.print(
        f"halves: precision {first.precision:.3f} / {second.precision:.3f}, recall {first.recall:.3f} / "
        f"{second.recall:.3f}; {out['frames_per_second']} frames/s; review copy {review_copy_s:.1f} s; "
        f"to watch {summary['review_seconds']:.1f} of {footage:.1f} s; events {kinds}"
    )
    print(
        f"RESULT realtime_factor={out['realtime_factor']} precision={found.precision:.4f} "
        f"recall={found.recall:.4f} peak_rss_mb={out['peak_rss_mb']} "
        f"review_reduction={summary['review_reduction']:.4f}"
    )


def _rows(out: dict) -> tuple:
    return (
        (f"Peelian ({out['method']})", out["accuracy"], out["realtime_factor"]),
        ("motion blobs", out["baseline_motion_blobs"], out["baseline_motion_blobs"]["realtime_factor"]),
        ("HOG (OpenCV)", out["baseline_hog"], out["baseline_hog"]["realtime_factor"]),
    )


def markdown(out: dict) -> str:
    return "\n".join(
        [
            f"# CCTV analytics on {out['video']} ({out['frames']} frames, {out['footage_seconds']} s)",
            "",
            "| method | precision | recall | count MAE | x real time |",
            "|---|---|---|---|---|",
            *(
                f"| {n} | {a['precision']} | {a['recall']} | {a['count_mae']} | {f} |"
                for n, a, f in _rows(out)
            ),
            "",
            f"Peak RSS {out['peak_rss_mb']} MB; review copy {out['review_copy_seconds']} s; to watch "
            f"{out['review_seconds']} s of {out['footage_seconds']} s (reduction {out['review_reduction']}).",
            "",
        ]
    )


if __name__ == "__main__":
    main()
