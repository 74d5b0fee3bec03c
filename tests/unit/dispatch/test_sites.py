"""Drone site placement: greedy plus swaps covers at least what the k-means placement does."""

import numpy as np
import pytest

from peelian.dispatch import Demand, naive, optimise
from peelian.errors import PeelianError


def clusters() -> Demand:
    """A big cluster, a middling one 10 km east and a small one between them, each 100 m across."""
    rng = np.random.default_rng(1)
    centres = [(0.0, 0.0)] * 100 + [(10000.0, 0.0)] * 60 + [(5000.0, 0.0)] * 50
    xy = np.array(centres) + rng.uniform(-50, 50, (len(centres), 2))
    return Demand.pool(xy[:, 0], xy[:, 1], cell_m=10.0)


def test_optimised_sites_cover_the_two_biggest_clusters_and_beat_naive():
    demand = clusters()
    assert demand.weight.sum() == 210
    placed = optimise(demand, 2, reach_m=500.0, spacing_m=100.0)
    assert placed.coverage == pytest.approx(160 / 210)
    assert demand.covered(placed.x, placed.y, 500.0) == placed.coverage
    baseline = naive(demand, 2, reach_m=500.0)
    assert placed.coverage >= baseline.coverage
    assert optimise(demand, 3, reach_m=500.0, spacing_m=100.0).coverage == 1.0


def test_pooling_keeps_weight_and_refuses_no_incidents():
    demand = Demand.pool(np.array([0.0, 1.0, 100.0]), np.array([0.0, 1.0, 0.0]), cell_m=50.0)
    assert sorted(demand.weight.tolist()) == [1.0, 2.0]
    with pytest.raises(PeelianError, match="no incidents"):
        Demand.pool(np.array([]), np.array([]))
    with pytest.raises(PeelianError, match="at least one"):
        optimise(demand, 0, 500.0)
