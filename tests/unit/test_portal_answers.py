"""The portal's checks on what the public send: answers, the 999 interrupt, evidence files."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelian.errors import PeelianError
from peelian.portal import Emergency, check, danger, parse
from peelian.portal.uploads import MAX_FILE_BYTES, safe_name, sniff

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
BASE = {
    "category": "vehicle_of",
    "account": "My car was taken from the drive overnight.",
    "postcode": "sw1a 1aa",
    "time_from": "2026-11-20T22:00",
    "time_to": "2026-11-21T07:00",
    "name": "Sam Patel",
    "phone": "07700 900123",
    "vehicle_registration": "ab12 cde",
    "item1_description": "ignored: not a property crime",
}


def test_answers_are_checked_and_normalised():
    answers = parse(BASE, NOW)
    assert answers.postcode == "SW1A 1AA" and answers.vehicle_registration == "AB12 CDE"
    assert answers.time_from == datetime(2026, 11, 20, 22, tzinfo=UTC)
    assert answers.recorded_category == "Theft of motor vehicle"
    assert answers.items == []  # the branch for property does not apply to a stolen car
    theft = parse(BASE | {"category": "theft", "item1_description": "Phone", "item1_value": "£450"}, NOW)
    assert [(i.description, i.value) for i in theft.items] == [("Phone", "£450")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "murder"}, "from the list"),
        ({"account": ""}, "tell us what happened"),
        ({"postcode": "12345"}, "not a UK postcode"),
        ({"postcode": "", "location": ""}, "say where"),
        ({"time_from": "2027-01-01T00:00"}, "future"),
        ({"time_from": "yesterday"}, "not a date"),
        ({"time_to": "2026-11-20T21:00"}, "before the earliest"),
        ({"phone": ""}, "email address or a phone number"),
        ({"phone": "call me maybe"}, "phone number"),
        ({"lat": "51.5"}, "both latitude and longitude"),
        ({"lat": "10", "lon": "0"}, "outside the area"),
        ({"account": "x" * 5001}, "too long"),
        ({"vehicle_registration": "<b>"}, "letters, numbers"),
    ],
)
def test_bad_answers_are_refused_with_a_reason(change, message):
    with pytest.raises(PeelianError, match=message):
        parse(BASE | change, NOW)


def test_the_999_interrupt():
    assert danger(BASE) == []
    with pytest.raises(Emergency) as stopped:
        parse(BASE | {"danger_now": "yes", "injured": "yes"}, NOW)
    assert len(stopped.value.reasons) == 2
    assert danger(BASE | {"account": "They are still here, help"})
    assert not danger(BASE | {"account": "they were still there yesterday"})


def test_files_are_known_by_their_bytes():
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert check("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00").media_type == "image/png"
    for name, content in [("photo.jpg", b"MZ\x90\x00"), ("a.pdf", b"<html><script>"), ("e.jpg", b"")]:
        with pytest.raises(PeelianError):
            check(name, content)
    with pytest.raises(PeelianError, match="larger than"):
        check("big.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_FILE_BYTES)


@given(st.text(max_size=300))
def test_safe_names_hold_no_path_or_markup(name):
    shown = safe_name(name)
    assert shown and len(shown) <= 100
    assert not set(shown) & set("/\\<>\"'&\x00")
