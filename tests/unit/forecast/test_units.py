"""Areal units: the grid's risk shared into LSOAs by overlap, crimes counted in the unit holding
them, and units flagged densest first until the coverage's share of the area is reached."""

import numpy as np
import pytest
from scipy import sparse

from peelian import demo
from peelian.db import make_engine
from peelian.errors import NotFound
from peelian.forecast import units as units_module
from peelian.forecast.backtest import backtest, oracle_hit_rate, report
from peelian.forecast.metrics import COVERAGES, captured_at
from peelian.forecast.models.classic import PriorCounts
from peelian.forecast.study import Study, load
from peelian.forecast.units import Units, flagged


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("units") / "demo.db"
    demo.build(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def test_lsoas_share_the_grid_and_count_every_crime_once(demo_engine):
    history = load(demo_engine, Study("Burglary", "month", 250.0, "lsoa11"))
    units = units_module.build(demo_engine, "lsoa11", history)
    assert units.n_units == 400 and units.counts.shape == (len(history.counts), 400)
    # Each cell's area is shared out at most once; cells wholly inside the study area fully.
    per_cell = np.asarray(units.overlap.sum(axis=0)).ravel()
    assert per_cell.max() <= 1 + 1e-6 and np.median(per_cell) > 0.999
    # Every crime counts in exactly one unit (or in none, counted as outside).
    assert units.counts.sum() + units.outside == pytest.approx(len(history.points.x))
    assert units.outside < 0.01 * len(history.points.x)
    # A flat forecast of one crime per km² gives each unit its own area, near enough.
    flat = np.full(history.grid.n_cells, history.grid.size**2 / 1e6)
    assert np.allclose(units.risk(flat), units.area_km2, rtol=0.02, atol=0.003)
    with pytest.raises(NotFound, match="no boundaries of scheme 'beats'"):
        units_module.build(demo_engine, "beats", history)


def test_units_are_flagged_densest_first_by_share_of_area():
    area = np.array([1.0, 4.0, 2.0, 3.0])  # km², 10 in all
    touching = sparse.csr_matrix(
        np.eye(4) + np.array([[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]])
    )
    made = Units("test", list("abcd"), [None] * 4, np.array([None] * 4), area,
                 sparse.csr_matrix((4, 1)), np.zeros((1, 4)), 0, touching)  # fmt: skip
    risk = np.array([3.0, 8.0, 1.0, 9.0])  # densities 3, 2, 0.5, 3
    assert flagged(made, risk, 0.1).tolist() == [0]  # a: 1 km², exactly 10%
    assert flagged(made, risk, 0.2).tolist() == [0, 3]  # then d (tied density, later), overshooting
    assert flagged(made, risk, 1.0).tolist() == [0, 3, 1, 2]
    # Patrol areas join touching units: a with d; b alone until c joins it.
    assert sorted(sorted(g.tolist()) for g in made.groups(np.array([0, 3, 1]))) == [[0, 3], [1]]
    assert sorted(sorted(g.tolist()) for g in made.groups(np.array([0, 1, 2, 3]))) == [[0, 3], [1, 2]]


def test_area_weighted_capture_fills_the_area_densest_first():
    area = np.array([1.0, 4.0, 2.0, 3.0])
    risk = np.array([3.0, 8.0, 1.0, 9.0])  # densities 3, 2, 0.5, 3: a and d tie, then b, then c
    actual = np.array([2.0, 4.0, 1.0, 3.0])
    # 10% of 10 km² is a's 1 km² of the tied 4 km² (a, d): a quarter of their 5 crimes.
    # 60%: a and d whole (5), then 2 of b's 4 km² (half its 4 crimes).
    got = captured_at(risk, actual, [0.1, 0.6, 1.0], area)
    assert got.tolist() == pytest.approx([1.25, 7.0, 10.0])
    # Equal areas rank as plain cells do.
    assert captured_at(risk, actual, [0.5], np.full(4, 2.0)) == pytest.approx(
        captured_at(risk, actual, [0.5])
    )


def test_backtest_on_units_scores_against_unit_counts(demo_engine):
    history = load(demo_engine, Study("Burglary", "month", 250.0, "lsoa11"))
    units = units_module.build(demo_engine, "lsoa11", history)
    targets = range(len(history.counts) - 3, len(history.counts))
    results = backtest(history, [PriorCounts(12)], targets, units=units)
    (result,) = results
    assert [s["total"] for s in result.steps] == pytest.approx([units.counts[t].sum() for t in targets])
    for coverage in COVERAGES:
        assert 0 < result.hit_rate(coverage) <= oracle_hit_rate(result, coverage) + 1e-9
    found = report(history, results, units=units)
    assert found["units"] == {"scheme": "lsoa11", "count": 400, "outside": units.outside}
    assert 1 <= found["models"][0]["compactness"] <= len(result.steps[0]["top"])
