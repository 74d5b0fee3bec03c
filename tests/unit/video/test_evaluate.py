"""Scoring detections against labels: one-to-one matching at IoU 0.5, people too hidden to judge
neither rewarding nor penalising, and the per-frame counting error."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelian.video.evaluate import Label, accuracy, frame_matches, iou_matrix

boxes = st.tuples(st.floats(0, 500), st.floats(0, 500), st.floats(1, 200), st.floats(1, 200))


def test_iou_of_known_boxes():
    a = np.array([[0, 0, 10, 10]], dtype=float)
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5]], dtype=float)
    assert iou_matrix(a, b)[0] == pytest.approx([1.0, 50 / 150, 0.0])


@given(st.lists(boxes, min_size=1, max_size=5), st.lists(boxes, min_size=1, max_size=5))
def test_iou_is_symmetric_and_bounded(first, second):
    a, b = np.array(first), np.array(second)
    forward, backward = iou_matrix(a, b), iou_matrix(b, a)
    assert np.allclose(forward, backward.T)
    assert ((forward >= 0) & (forward <= 1 + 1e-9)).all()


def test_each_label_matches_at_most_one_detection():
    labels = [Label((0, 0, 20, 50))]
    # two detections on one person: one match, one false alarm
    assert frame_matches(labels, [(0, 0, 20, 50), (1, 1, 20, 50)]) == (1, 2, 1)
    # a box overlapping less than half is a miss and a false alarm
    assert frame_matches(labels, [(15, 0, 20, 50)]) == (1, 1, 0)


def test_ignored_people_neither_reward_nor_penalise():
    labels = [Label((0, 0, 20, 50)), Label((100, 0, 10, 20), ignore=True)]
    assert frame_matches(labels, [(0, 0, 20, 50), (100, 0, 10, 20)]) == (1, 1, 1)
    assert frame_matches(labels, [(0, 0, 20, 50)]) == (1, 1, 1)


def test_accuracy_over_frames_counts_empty_frames_and_count_error():
    labels = {0: [Label((0, 0, 20, 50))], 5: [Label((0, 0, 20, 50)), Label((50, 0, 20, 50))]}
    found = accuracy(labels, {0: [(0, 0, 20, 50), (200, 200, 20, 50)]})
    assert (found.labelled, found.detected, found.matched) == (3, 2, 1)
    assert found.precision == 0.5 and found.recall == pytest.approx(1 / 3)
    assert found.count_mae == pytest.approx((1 + 2) / 2) and found.count_bias == pytest.approx((1 - 2) / 2)
