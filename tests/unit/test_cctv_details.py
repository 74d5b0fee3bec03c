"""What a sender says about footage is checked once, on the way in, into the shape readers trust."""

import pytest

from peelian.errors import PeelianError
from peelian.video.details import clean

SQUARE = [[0, 0], [100, 0], [100, 80], [0, 80]]


def test_a_full_description_is_kept_in_shape():
    found = clean({
        "camera": "  Till camera 2 ", "location": "Corner Shop, 1 High St", "owner": "A. Shopkeeper",
        "lon": -0.1, "lat": 51.5, "camera_start": "2026-03-01T21:15:00+01:00", "clock_offset_s": -125.5,
        "zones": {"door": SQUARE},
    })  # fmt: skip
    assert found["camera"] == "Till camera 2" and found["lon"] == -0.1 and found["lat"] == 51.5
    assert found["camera_start"] == "2026-03-01T21:15:00+01:00"
    assert found["clock_offset_s"] == -125.5 and found["zones"] == {
        "door": [[0.0, 0.0], [100.0, 0.0], [100.0, 80.0], [0.0, 80.0]]
    }


def test_nothing_given_is_a_clock_in_step_and_no_zones():
    assert clean(None) == {"camera": None, "location": None, "owner": None, "lon": None, "lat": None,
                           "camera_start": None, "clock_offset_s": 0.0, "zones": {}}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"colour": "red"}, "unknown detail 'colour'"),
        ({"camera": "x" * 201}, "camera must be one line"),
        ({"location": "two\nlines"}, "location must be one line"),
        ({"owner": 7}, "owner must be text"),
        ({"lon": 1.0}, "both lon and lat"),
        ({"lon": 200, "lat": 0}, "lon must be between -180 and 180"),
        ({"lon": 0, "lat": float("nan")}, "lat must be a number"),
        ({"lon": True, "lat": 0}, "lon must be a number"),
        ({"clock_offset_s": "60"}, "clock_offset_s must be a number"),
        ({"clock_offset_s": 400 * 86_400}, "clock_offset_s must be between"),
        ({"camera_start": "2026-03-01T21:15:00"}, "with its UTC offset"),
        ({"camera_start": "yesterday"}, "with its UTC offset"),
        ({"zones": {"door": [[0, 0], [1, 1]]}}, "needs 3 to 50 points"),
        ({"zones": {"door": [[0, 0, 0]] * 3}}, "each point is"),
        ({"zones": {"<script>": SQUARE}}, "a zone name is"),
        ({"zones": {f"z{i}": SQUARE for i in range(21)}}, "at most 20 named polygons"),
        ({"zones": {"door": [[0, 0]] * 51}}, "needs 3 to 50 points"),
        ({"zones": {"door": [[-1, 0], [1, 0], [1, 1]]}}, "between 0 and"),
        ({"zones": [SQUARE]}, "at most 20 named polygons"),
    ],
)
def test_bad_details_are_refused_saying_why(raw, message):
    with pytest.raises(PeelianError, match=message.replace("(", r"\(")):
        clean(raw)
