"""Travel times over a road network: shortest paths on an igraph graph weighted by seconds.

A network is loaded from a CSV edge list (``x1, y1, x2, y2`` in projected metres, optional
``length_m`` and ``speed_kph``) or from GraphML (vertex attributes ``x``, ``y``; edge attributes
``length`` in metres and optional ``speed_kph``). Roads are two-way. Points off the network join it at
the nearest node (a k-d tree), walking or driving that gap in a straight line at the network's default
speed, so a unit parked in a yard still gets a sensible time.
"""

from dataclasses import dataclass
from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from peelian.dispatch.travel import KPH
from peelian.errors import PeelianError

DEFAULT_SPEED_KPH = 40.0  # as ``travel.RoadModel``: urban blue-light average


@dataclass(frozen=True)
class RoadNetwork:
    graph: ig.Graph  # undirected; edge attribute "seconds"
    xy: np.ndarray  # (nodes, 2) metres
    tree: cKDTree
    speed_kph: float = DEFAULT_SPEED_KPH

    @classmethod
    def from_edges(
        cls, edges: pd.DataFrame, speed_kph: float = DEFAULT_SPEED_KPH, precision_m: float = 0.01
    ) -> "RoadNetwork":
        """Build from ``x1, y1, x2, y2`` (and optional ``length_m``, ``speed_kph``); equal ends join."""
        missing = {"x1", "y1", "x2", "y2"} - set(edges.columns)
        if missing:
            raise PeelianError(f"the road edge list lacks columns: {', '.join(sorted(missing))}")
        if edges.empty:
            raise PeelianError("the road edge list is empty")
        ends = np.vstack([edges[["x1", "y1"]].to_numpy(float), edges[["x2", "y2"]].to_numpy(float)])
        _, first, node = np.unique(
            np.round(ends / precision_m), axis=0, return_index=True, return_inverse=True
        )
        n = len(edges)
        node = node.ravel()
        length = (
            edges["length_m"].to_numpy(float) if "length_m" in edges else np.hypot(*(ends[:n] - ends[n:]).T)
        )
        speed = edges["speed_kph"].to_numpy(float) if "speed_kph" in edges else np.full(n, speed_kph)
        return cls._build(ends[first], np.column_stack([node[:n], node[n:]]), length, speed, speed_kph)

    @classmethod
    def _build(cls, xy, pairs, length, speed, speed_kph) -> "RoadNetwork":
        if np.any(speed <= 0) or np.any(length < 0) or not np.all(np.isfinite(length)):
            raise PeelianError("road lengths must be finite and non-negative and speeds positive")
        graph = ig.Graph(n=len(xy), edges=pairs.tolist(), directed=False)
        graph.es["seconds"] = (length / (speed * KPH)).tolist()
        return cls(graph, xy, cKDTree(xy), speed_kph)

    def seconds_to(self, px: float, py: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Seconds from each of (x, y) to the point (px, py) by road; ``inf`` where no road joins them."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        gap_to, target = self.tree.query([px, py])
        gap_from, sources = self.tree.query(np.column_stack([x, y]))
        by_road = np.asarray(self.graph.distances(source=[int(target)], weights="seconds")[0])[sources]
        return by_road + (gap_from + gap_to) / (self.speed_kph * KPH)

    def route(self, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
        """The quickest way from (x1, y1) to (x2, y2) as points: the start, the road nodes, the end
        (just the two ends where no road joins them)."""
        _, start = self.tree.query([x1, y1])
        _, end = self.tree.query([x2, y2])
        path = self.graph.get_shortest_path(int(start), int(end), weights="seconds")
        middle = self.xy[path] if path else np.empty((0, 2))
        return np.vstack([[x1, y1], middle, [x2, y2]])


def load_road_network(path: Path, speed_kph: float = DEFAULT_SPEED_KPH) -> RoadNetwork:
    """Read a CSV edge list or a GraphML file (see the module's docstring for the columns)."""
    if not path.is_file():
        raise PeelianError(f"no road network file at {path}")
    if path.suffix.lower() == ".graphml":
        graph = ig.Graph.Read_GraphML(str(path))
        names = set(graph.vs.attributes())
        if not {"x", "y"} <= names or "length" not in graph.es.attributes():
            raise PeelianError(f"{path.name}: GraphML needs vertex attributes x, y and edge attribute length")
        xy = np.column_stack([graph.vs["x"], graph.vs["y"]]).astype(float)
        pairs = np.array(graph.get_edgelist(), dtype=int).reshape(-1, 2)
        length = np.asarray(graph.es["length"], dtype=float)
        has_speed = "speed_kph" in graph.es.attributes()
        speed = (
            np.asarray(graph.es["speed_kph"], dtype=float) if has_speed else np.full(len(pairs), speed_kph)
        )
        return RoadNetwork._build(xy, pairs, length, speed, speed_kph)
    return RoadNetwork.from_edges(pd.read_csv(path), speed_kph)
