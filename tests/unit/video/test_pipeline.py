"""The analysis pass on a scene whose truth is known: people found where they are drawn, one
person per track, a lingerer kept in view after the background model has learnt them, a van
that pulls up and stops, a zone entered, and the quiet end left out of the review time."""

from collections import Counter

import pytest

from peelian.errors import PeelianError
from peelian.video.evaluate import Label, accuracy
from peelian.video.measure import person_boxes, read_labels
from peelian.video.pipeline import Options, analyse
from tests.video_scenes import DOOR, FPS, PEOPLE, write_scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    path = write_scene(tmp_path_factory.mktemp("scene") / "yard.avi", frames=460)
    return path, analyse(path, Options(zones={"door": DOOR}, keep_detections=True))


def test_people_are_found_where_they_are_drawn(scene):
    _, result = scene
    # judged from the second person onwards: the first frames teach the camera's perspective
    truth = {f: [Label(p.box(f)) for p in PEOPLE if p.box(f)] for f in range(60, 330, 5)}
    truth = {f: labels for f, labels in truth.items() if labels}
    found = accuracy(truth, person_boxes(result))
    assert found.precision >= 0.8 and found.recall >= 0.8, found


def test_events_and_tracks(scene):
    _, result = scene
    kinds = Counter(e.kind for e in result.events)
    assert kinds["enters_zone"] >= 1 and kinds["loitering"] == 1 and kinds["vehicle_stops"] == 1
    assert kinds["vehicle_appears"] == 1
    loiter = next(e for e in result.events if e.kind == "loitering")
    lingerer = PEOPLE[2]
    # fires once the figure has stood still for the rule's 20 s, and lasts while it stays
    assert loiter.frame_to >= lingerer.end - FPS and loiter.frame_to <= lingerer.end + 3 * FPS
    door = next(e for e in result.events if e.kind == "enters_zone")
    assert door.zone == "door" and door.track == loiter.track
    assert all(e.thumbnail[:3] == b"\xff\xd8\xff" for e in result.events)


def test_review_time_leaves_out_the_quiet_end(scene):
    _, result = scene
    summary = result.summary()
    assert summary["footage_seconds"] == 46.0
    last_activity = max(p.end for p in PEOPLE) / FPS
    assert summary["segments"][-1][1] <= last_activity + 2.5
    assert 0 < summary["review_reduction"] < 1
    assert len(summary["people_per_second"]) == 46


def test_not_a_video_is_a_clear_error(tmp_path):
    bad = tmp_path / "clip.avi"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00AVI garbage" * 10)
    with pytest.raises(PeelianError, match="cannot be decoded"):
        analyse(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frame,x,y,w\n1,2,3,4\n", "header must be"),
        ("frame,x,y,w,h,ignore\n1,2,3,four,5,0\n", "whole number"),
        ("frame,x,y,w,h,ignore\n1,2,3,0,5,0\n", "w and h > 0"),
        ("frame,x,y,w,h,ignore\n", "no labels"),
        ("frame,x,y,w,h,ignore\n1,2,3,4,5,2\n", "ignore 0 or 1"),
    ],
)
def test_labels_files_are_checked(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(PeelianError, match=message):
        read_labels(path)
