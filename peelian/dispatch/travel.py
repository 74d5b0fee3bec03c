"""Travel times without a road network: straight-line distance for drones, stretched by circuity for cars.

Defaults, and why:

- Circuity 1.35: road distance over straight-line distance is about 1.2-1.4 in cities (Ballou, Rahardja
  & Sakai 2002 give 1.2-1.4 by country; Boscoe, Henry & Zdeb 2012 find about 1.4 for US drives).
- Car speed 40 km/h: an average blue-light speed in urban traffic, including junctions and setting off.
- Drone: 30 s from the call to take-off (dock opening, pre-flight checks), 60 km/h cruise, 3 km range
  from its launch site, as drone-as-first-responder docks (e.g. DJI Dock 2, Skydio X10) are run today.
  So a drone reaches anywhere within 1.5 km of its site in 2 minutes.
"""

from dataclasses import dataclass

import numpy as np

KPH = 1000 / 3600  # metres per second in one km/h


@dataclass(frozen=True)
class RoadModel:
    """Cars and officers: straight-line distance times circuity, at a steady speed."""

    circuity: float = 1.35
    speed_kph: float = 40.0

    def seconds(self, metres: np.ndarray | float) -> np.ndarray:
        return np.asarray(metres, dtype=float) * self.circuity / (self.speed_kph * KPH)


@dataclass(frozen=True)
class DroneModel:
    """Drones: a launch delay then a straight flight, only within range of the launch site."""

    launch_s: float = 30.0
    speed_kph: float = 60.0
    range_m: float = 3000.0
    on_scene_s: float = 600.0  # time on task over the incident before flying home

    def seconds(self, metres: np.ndarray | float) -> np.ndarray:
        """Time from the call to the drone overhead; ``inf`` beyond range."""
        metres = np.asarray(metres, dtype=float)
        return np.where(metres <= self.range_m, self.launch_s + metres / (self.speed_kph * KPH), np.inf)

    def reach_m(self, seconds: float) -> float:
        """How far a drone gets in ``seconds`` from the call (never beyond its range)."""
        return float(np.clip((seconds - self.launch_s) * self.speed_kph * KPH, 0.0, self.range_m))

    def busy_s(self, metres: float, turnaround_s: float) -> float:
        """How long one sortie keeps the drone from the next: out, on task, back, and the turnaround."""
        return self.launch_s + 2 * metres / (self.speed_kph * KPH) + self.on_scene_s + turnaround_s


def distances(x: np.ndarray, y: np.ndarray, px: float, py: float) -> np.ndarray:
    """Straight-line metres from each of (x, y) to the point (px, py)."""
    return np.hypot(np.asarray(x, dtype=float) - px, np.asarray(y, dtype=float) - py)
