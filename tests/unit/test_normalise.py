from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peelian.geo.crs import projector
from peelian.ingest.normalise import Rejections, coordinates, local_datetimes, month_window

NOW = datetime(2026, 11, 21, tzinfo=UTC)
BNG = projector("EPSG:27700")


def _s(*values):
    return pd.Series(list(values), dtype="string")


def test_month_window_is_the_whole_month_and_rejects_bad_months():
    rej = Rejections(5)
    start, end = month_window(_s("2015-06", "2015-12", "2015-13", "", "2099-01"), rej, NOW)
    assert start[0] == pd.Timestamp("2015-06-01", tz="UTC")
    assert end[0] == pd.Timestamp("2015-07-01", tz="UTC")
    assert end[1] == pd.Timestamp("2016-01-01", tz="UTC")
    assert list(rej.code) == [None, None, "bad_date", "missing_date", "date_out_of_range"]
    assert "2015-13" in rej.reason[2]


@given(year=st.integers(1900, 2026), month=st.integers(1, 12))
def test_month_window_property(year, month):
    rej = Rejections(1)
    start, end = month_window(_s(f"{year:04d}-{month:02d}"), rej, NOW)
    if (year, month) > (2026, 11):
        assert rej.code[0] == "date_out_of_range"
        return
    assert rej.ok.all()
    assert start[0].day == 1 and end[0].day == 1
    assert 28 <= (end[0] - start[0]).days <= 31


@given(st.lists(st.text(max_size=30), max_size=10))
def test_month_window_never_raises(values):
    rej = Rejections(len(values))
    month_window(pd.Series(values, dtype="string"), rej, NOW)
    assert all((c is None) or c in {"bad_date", "missing_date", "date_out_of_range"} for c in rej.code)


def test_chicago_local_time_to_utc_across_daylight_saving():
    rej = Rejections(4)
    utc = local_datetimes(
        _s(
            "01/15/2016 12:00:00 PM",
            "07/15/2016 12:00:00 PM",
            "11/06/2016 01:30:00 AM",
            "13/01/2016 01:00:00 AM",
        ),
        "%m/%d/%Y %I:%M:%S %p",
        "America/Chicago",
        rej,
        NOW,
    )
    assert utc[0] == pd.Timestamp("2016-01-15 18:00", tz="UTC")  # CST = UTC-6
    assert utc[1] == pd.Timestamp("2016-07-15 17:00", tz="UTC")  # CDT = UTC-5
    assert utc[2] == pd.Timestamp("2016-11-06 06:30", tz="UTC")  # ambiguous hour read as CDT
    assert list(rej.code) == [None, None, None, "bad_date"]


def test_coordinates_validate_and_project():
    rej = Rejections(6)
    _lon, _lat, x, y = coordinates(
        _s("-0.127758", "", "abc", "200", "0", "-87.6"),
        _s("51.507351", "51.5", "51.5", "51.5", "0", "41.8"),
        BNG,
        rej,
    )
    # Trafalgar Square in British National Grid metres
    assert x[0] == pytest.approx(530_000, abs=200) and y[0] == pytest.approx(180_400, abs=200)
    assert list(rej.code) == [
        None,
        "missing_coordinates",
        "bad_coordinates",
        "coordinates_out_of_range",
        "coordinates_out_of_range",
        "coordinates_out_of_range",
    ]
    assert np.isnan(x[1:]).all()
    assert "EPSG:27700" in rej.reason[5]


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=10))
def test_coordinates_never_raise(pairs):
    rej = Rejections(len(pairs))
    lons = pd.Series([p[0] for p in pairs], dtype="string")
    lats = pd.Series([p[1] for p in pairs], dtype="string")
    _lon, _lat, x, _y = coordinates(lons, lats, BNG, rej)
    assert np.isfinite(x[rej.ok]).all()
