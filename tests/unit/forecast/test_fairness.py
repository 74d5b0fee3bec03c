"""The fairness report on three hand-built areas: shares of area, crime, flagged cells and, where
the boundary file carries one, of population, with the ratios an ethics panel reads."""

import json

import numpy as np
import pytest
import shapely

from peelian.errors import PeelianError
from peelian.forecast import fairness
from peelian.forecast.grid import Grid
from peelian.forecast.history import History
from peelian.geo.boundaries import load_boundaries

X0, Y0 = 530_000, 180_000  # three 1 km squares side by side, A, B and C, in north London


def boundaries(tmp_path, name: str, populations: dict[str, object]) -> object:
    """A GeoJSON of the three squares (in British National Grid), with the given attributes."""
    features = []
    for i, code in enumerate("ABC"):
        box = shapely.box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000)
        properties = {"code": code, "borough": "Camden"}
        if code in populations:
            properties[name] = populations[code]
        features.append({"type": "Feature", "properties": properties, "geometry": box.__geo_interface__})
    data = {"type": "FeatureCollection", "features": features,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}}  # fmt: skip
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps(data))
    return path


def forecast_on_squares():
    """16 cells of 250 m per square; two flagged in A and two in B; crime recorded 3:1:0."""
    grid = Grid.over(shapely.box(X0, Y0, X0 + 3000, Y0 + 1000), 250)
    x, _ = grid.centres()
    square = ((x - X0) // 1000).astype(int)
    in_a, in_b = np.flatnonzero(square == 0), np.flatnonzero(square == 1)
    flagged = np.array([in_a[0], in_a[1], in_b[0], in_b[1]])
    risk = np.zeros(grid.n_cells)
    risk[flagged] = [4.0, 2.0, 1.0, 1.0]
    recent = np.zeros(grid.n_cells)
    recent[in_a[:3]], recent[in_b[0]] = 1.0, 1.0
    edges = np.array(["2021-01-01", "2021-02-01"], dtype="datetime64[s]")
    return History(grid, edges, np.zeros((1, grid.n_cells))), risk, flagged, recent


def by_code(frame):
    return frame.set_index("code")


def test_population_shares_and_ratio_on_a_hand_built_case(sqlite_store, tmp_path):
    load_boundaries(sqlite_store, boundaries(tmp_path, "USUALRES", {"A": 3000, "B": "1,000", "C": "n/a"}),
                    "squares", "code")  # fmt: skip
    history, risk, flagged, recent = forecast_on_squares()
    frame = fairness.report(sqlite_store, "squares", history, risk, flagged, recent)
    rows = by_code(frame)
    for column in ("share_of_area", "share_of_recorded_crime", "share_of_flagged_cells", "share_of_dosage"):
        assert frame[column].sum() == pytest.approx(1.0)
    assert rows["share_of_area"].tolist() == pytest.approx([1 / 3] * 3)
    assert rows.loc[["A", "B"], "share_of_flagged_cells"].tolist() == [0.5, 0.5]
    assert rows.loc[["A", "B"], "share_of_dosage"].tolist() == [0.75, 0.25]
    # C's population is not a number: its share is empty, and A and B share the whole (3:1).
    assert rows.loc[["A", "B"], "share_of_population"].tolist() == [0.75, 0.25]
    assert np.isnan(rows.loc["C", "share_of_population"]) and np.isnan(rows.loc["C", "flagged_to_population"])
    assert frame["share_of_population"].sum() == pytest.approx(1.0)  # NaN is left out of the sum
    assert rows.loc[["A", "B"], "flagged_to_population"].tolist() == pytest.approx([0.5 / 0.75, 0.5 / 0.25])
    assert rows.loc[["A", "B"], "flagged_to_crime"].tolist() == pytest.approx([0.5 / 0.75, 0.5 / 0.25])
    assert frame.attrs["population"] == {"attribute": "USUALRES", "areas": 3, "missing": 1, "complete": False}
    note = fairness.population_note(frame)
    assert note.startswith("incomplete") and "1 of 3 areas" in note


def test_named_population_attribute_is_matched_ignoring_case(sqlite_store, tmp_path):
    load_boundaries(sqlite_store, boundaries(tmp_path, "Residents", {"A": 200, "B": 200, "C": 600}),
                    "squares", "code")  # fmt: skip
    history, risk, flagged, recent = forecast_on_squares()
    frame = fairness.report(sqlite_store, "squares", history, risk, flagged, recent, "residents")
    rows = by_code(frame)
    assert rows["share_of_population"].tolist() == pytest.approx([0.2, 0.2, 0.6])
    assert rows["flagged_to_population"].tolist() == pytest.approx([2.5, 2.5, 0.0])
    assert fairness.population_note(frame) == "from attribute 'Residents', for all 3 areas"
    with pytest.raises(PeelianError, match="no attribute 'people'; their attributes are: Residents, borough"):
        fairness.report(sqlite_store, "squares", history, risk, flagged, recent, "people")


def test_without_population_the_columns_are_left_out(sqlite_store, tmp_path):
    load_boundaries(sqlite_store, boundaries(tmp_path, "density", {"A": 1.5, "B": 2.5, "C": 3.5}),
                    "squares", "code")  # fmt: skip
    history, risk, flagged, recent = forecast_on_squares()
    frame = fairness.report(sqlite_store, "squares", history, risk, flagged, recent)
    assert "share_of_population" not in frame and "flagged_to_population" not in frame
    assert frame.attrs["population"] is None
    assert fairness.population_note(frame).startswith("none")
    assert frame["share_of_flagged_cells"].sum() == pytest.approx(1.0)


def test_population_values_read_as_numbers_or_nothing():
    attributes = [
        {"POP": 10},
        {"pop": "1,234"},
        {"Pop": True},
        {"POP": -5},
        {"POP": None},
        None,
        {"POP": 2.5},
    ]
    name, values = fairness.population(attributes)
    assert name in {"POP", "pop", "Pop"}
    assert values[[0, 1, 6]].tolist() == [10, 1234, 2.5]
    assert np.isnan(values[2:6]).all()  # a flag, a negative count, nothing, no attributes at all
    # A guessed name holding no numbers at all is not a population; a named one is used as it is.
    assert fairness.population([{"pop": "high"}, {"pop": "low"}]) == (None, pytest.approx([]))
    name, values = fairness.population([{"pop": "high"}], "POP")
    assert name == "pop" and np.isnan(values).all()
    assert fairness.population([{"population": 5, "pop": 7}])[1].tolist() == [5]  # the first name tried wins
