"""The labelled clip: the labels fit the footage, and the analysis still finds the people in it
(the benchmark measures the same, with speed and baselines; this guards against regressions)."""

from pathlib import Path

import pytest

from peelian.video import decode
from peelian.video.measure import measure, read_labels

LABELS = Path(__file__).parents[1] / "fixtures" / "cctv" / "vtest_people.csv"
pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def video(shared_data) -> Path:
    path = shared_data / "cctv_vtest" / "vtest.avi"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def test_labels_fit_the_footage(video):
    labels = read_labels(LABELS)
    facts = decode.facts(video)
    assert len(labels) == 110 and max(labels) < facts.frames
    boxes = [lb.box for frame in labels.values() for lb in frame]
    assert all(x >= 0 and y >= 0 and x + w <= facts.width and y + h <= facts.height for x, y, w, h in boxes)


def test_people_are_found_with_the_issue_s_accuracy(video):
    found, analysis = measure(video, read_labels(LABELS))
    assert found.precision >= 0.8 and found.recall >= 0.8, found
    assert analysis.frames == 795
    assert sum(e.kind == "person_appears" for e in analysis.events) >= 10
