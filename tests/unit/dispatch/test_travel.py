"""ETAs by straight line and by a tiny road network; drone range; recommendations for one incident."""

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from peelian.dispatch import DroneModel, Grade, RoadModel, RoadNetwork, load_road_network, recommend
from peelian.errors import PeelianError

TEN_MPS = 36.0  # km/h


def test_straight_line_eta_is_distance_times_circuity_over_speed():
    assert RoadModel(circuity=1.5, speed_kph=TEN_MPS).seconds(1000.0) == pytest.approx(150.0)
    assert RoadModel().seconds(np.array([0.0, 1000.0])) == pytest.approx([0.0, 1000 * 1.35 / (40 / 3.6)])


def test_drones_launch_then_fly_straight_only_within_range():
    drone = DroneModel(launch_s=30, speed_kph=TEN_MPS, range_m=1500)
    assert drone.seconds(np.array([0.0, 900.0, 1500.0, 1500.1])).tolist() == [30.0, 120.0, 180.0, np.inf]
    assert drone.reach_m(120) == pytest.approx(900.0)
    assert drone.reach_m(1000) == 1500.0 and drone.reach_m(10) == 0.0
    assert DroneModel().reach_m(120) == pytest.approx(1500.0)


def square_roads() -> pd.DataFrame:
    """Three fast sides of a 1 km square and one slow one: the long way round is quicker."""
    return pd.DataFrame(
        {
            "x1": [0, 1000, 1000, 0],
            "y1": [1000, 1000, 0, 0],
            "x2": [1000, 1000, 0, 0],
            "y2": [1000, 0, 0, 1000],
            "speed_kph": [TEN_MPS, TEN_MPS, TEN_MPS, 3.6],
        }
    )


def test_road_eta_takes_the_quickest_route_and_snaps_points_to_nodes(tmp_path):
    roads = RoadNetwork.from_edges(square_roads(), speed_kph=TEN_MPS)
    assert roads.graph.vcount() == 4 and roads.graph.ecount() == 4
    # From (0, 1000) to (0, 0): 3 km round at 10 m/s beats 1 km at 1 m/s; 10 m off-network adds 1 s.
    assert roads.seconds_to(0, -10, [0.0, 1000.0], [1000.0, 0.0]) == pytest.approx([301.0, 101.0])
    path = tmp_path / "roads.csv"
    square_roads().to_csv(path, index=False)
    assert load_road_network(path, TEN_MPS).seconds_to(0, 0, [0.0], [1000.0]) == pytest.approx([300.0])
    graph = ig.Graph(n=3, edges=[(0, 1), (1, 2)])
    graph.vs["x"], graph.vs["y"], graph.es["length"] = [0.0, 500.0, 500.0], [0.0, 0.0, 500.0], [500.0, 500.0]
    graph.write_graphml(str(tmp_path / "roads.graphml"))
    by_graphml = load_road_network(tmp_path / "roads.graphml", TEN_MPS)
    assert by_graphml.seconds_to(500, 500, [0.0], [0.0]) == pytest.approx([100.0])
    with pytest.raises(PeelianError, match="lacks columns: x2"):
        RoadNetwork.from_edges(pd.DataFrame({"x1": [0], "y1": [0], "y2": [1]}))


def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["A1", "A2", "V1", "D1"],
            "kind": ["officer", "officer", "vehicle", "drone"],
            "status": ["available", "assigned", "available", "available"],
            "x": [1000.0, 10.0, 500.0, 0.0],
            "y": [0.0, 0.0, 0.0, 0.0],
        }
    )


def test_recommend_lists_free_ground_units_by_eta_and_drones_apart():
    sites = pd.DataFrame({"id": ["S1", "S2"], "x": [0.0, 9000.0], "y": [600.0, 0.0], "drones": [1, 2]})
    roads, drone = RoadModel(1.0, TEN_MPS), DroneModel(30, TEN_MPS, 3000)
    found = recommend(0, 0, units(), Grade.IMMEDIATE, k=5, sites=sites, roads=roads, drone=drone)
    assert found.units["id"].tolist() == ["V1", "A1"]  # A2 is busy; the drone is not attendance
    assert found.units["eta_s"].tolist() == pytest.approx([50.0, 100.0])
    assert found.units["within_target"].all() and found.target_s == 900
    assert found.drones["id"].tolist() == ["D1", "S1"]  # S2 is out of range
    assert found.drones["eta_s"].tolist() == pytest.approx([30.0, 90.0])
    assert "does not count as attendance" in found.note
    network = RoadNetwork.from_edges(square_roads(), speed_kph=TEN_MPS)
    by_road = recommend(0, 1000, units(), k=1, network=network)
    assert by_road.units["id"].tolist() == ["A1"] and by_road.units["eta_s"].iloc[0] == pytest.approx(200.0)
    alone = units().assign(status="unavailable")
    assert "queue the call" in recommend(0, 0, alone, Grade.PRIORITY).note
    with pytest.raises(PeelianError, match="unknown unit status on_break"):
        recommend(0, 0, units().assign(status="on_break"))
