"""Replay a stream of incidents through a fleet: how fast would officers, and drones, have got there?

Event-driven, one pass in time order. Policy:

- Each dispatched incident (a grade with a service time) takes the nearest free officer by the road
  model's ETA. When none is free it waits in a queue served by grade, then by time of call; the next
  officer to clear takes the head of the queue.
- An officer is busy for the travel plus the grade's time on scene (``SERVICE_S``) and then clears at
  that incident, free from there (officers drift towards demand, as real patrols do between calls).
- Resolve-without-deployment incidents send nobody.
- Drones fly, in parallel, to incidents of ``drone_grades``: the nearest site within range that has a
  drone on its pad launches it; a sortie keeps the drone for the flight out and back, its time on task
  and the site's turnaround (battery swap or charge). No drone free in range: no drone.

Response time runs from the call to the first officer on scene; drones never count as attendance.
"""

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peelian.dispatch.grades import Grade
from peelian.dispatch.travel import DroneModel, RoadModel
from peelian.errors import PeelianError

# Time on scene, seconds, until the officer is free for the next call. Illustrative planning values:
# urgent incidents hold officers longest (first aid, arrests, statements, scene preservation).
SERVICE_S = {Grade.IMMEDIATE: 90 * 60.0, Grade.PRIORITY: 60 * 60.0, Grade.SCHEDULED: 45 * 60.0}
DEFAULT_TURNAROUND_S = 15 * 60.0  # battery swap and checks before a drone flies again


@dataclass(frozen=True)
class DroneSites:
    """Where drones wait: positions (metres), drones per site and each site's turnaround after a sortie."""

    x: np.ndarray
    y: np.ndarray
    drones: np.ndarray
    turnaround_s: np.ndarray

    @classmethod
    def at(cls, x, y, drones: int = 1, turnaround_s: float = DEFAULT_TURNAROUND_S) -> "DroneSites":
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return cls(x, y, np.full(len(x), drones), np.full(len(x), turnaround_s))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> "DroneSites":
        """From columns ``x``, ``y`` and optional ``drones`` (default 1) and ``turnaround_s``."""
        if not {"x", "y"} <= set(frame.columns):
            raise PeelianError("the drone sites table needs columns x and y")
        n = len(frame)
        drones = frame["drones"].to_numpy(int) if "drones" in frame else np.ones(n, int)
        turn = (
            frame["turnaround_s"].to_numpy(float)
            if "turnaround_s" in frame
            else np.full(n, DEFAULT_TURNAROUND_S)
        )
        return cls(frame["x"].to_numpy(float), frame["y"].to_numpy(float), drones, turn)


@dataclass(frozen=True)
class Fleet:
    officer_x: np.ndarray
    officer_y: np.ndarray
    sites: DroneSites | None = None


@dataclass(frozen=True)
class Policy:
    roads: RoadModel = field(default_factory=RoadModel)
    drone: DroneModel = field(default_factory=DroneModel)
    service_s: Mapping[Grade, float] = field(default_factory=lambda: dict(SERVICE_S))
    drone_grades: tuple[Grade, ...] = (Grade.IMMEDIATE, Grade.PRIORITY)


@dataclass(frozen=True)
class Replay:
    """Per incident, in the input's order: seconds from the call (``nan`` where nothing went)."""

    response_s: np.ndarray  # first officer on scene
    wait_s: np.ndarray  # in the queue before an officer was assigned
    unit: np.ndarray  # officer index, -1 for none
    drone_s: np.ndarray  # drone overhead

    def drone_share(self, mask: np.ndarray, within_s: float = 120.0) -> float:
        """Share of the masked incidents that a drone reached within ``within_s``."""
        mask = np.asarray(mask, dtype=bool)
        return float(np.sum(self.drone_s[mask] <= within_s) / max(int(mask.sum()), 1))


def replay(
    times: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    grades: np.ndarray,
    fleet: Fleet,
    policy: Policy = Policy(),
    progress: Callable[[int], None] | None = None,
) -> Replay:
    """Run the incidents (seconds, metres, ``Grade`` values) through the fleet; ``progress(done)`` is
    called every few thousand incidents."""
    times, x, y = (np.asarray(a, dtype=float) for a in (times, x, y))
    grades = np.asarray(grades, dtype=int)
    if not (len(times) == len(x) == len(y) == len(grades)):
        raise PeelianError("incident times, positions and grades must be the same length")
    if len(fleet.officer_x) == 0:
        raise PeelianError("the fleet has no officers")
    n = len(times)
    order = np.argsort(times, kind="stable")
    service = np.full(len(Grade), np.nan)
    for grade, seconds in policy.service_s.items():
        service[grade] = seconds
    response, wait, unit = np.full(n, np.nan), np.full(n, np.nan), np.full(n, -1)
    drone_s = _fly_drones(times, x, y, grades, order, fleet.sites, policy)

    px, py = np.array(fleet.officer_x, dtype=float), np.array(fleet.officer_y, dtype=float)
    free_x, free_y = px.copy(), py.copy()  # inf while busy, so the nearest free officer is one argmin
    per_m = policy.roads.circuity / (policy.roads.speed_kph * 1000 / 3600)
    clearing: list[tuple[float, int]] = []  # (free at, officer)
    queue: list[tuple[int, float, int]] = []  # (grade, call time, incident)

    def assign(officer: int, i: int, at: float) -> None:
        arrive = at + np.hypot(px[officer] - x[i], py[officer] - y[i]) * per_m
        response[i], wait[i], unit[i] = arrive - times[i], at - times[i], officer
        px[officer], py[officer] = x[i], y[i]
        free_x[officer] = free_y[officer] = np.inf
        heapq.heappush(clearing, (arrive + service[grades[i]], officer))

    def clear_until(t: float) -> None:
        while clearing and clearing[0][0] <= t:
            at, officer = heapq.heappop(clearing)
            if queue:
                assign(officer, heapq.heappop(queue)[2], at)
            else:
                free_x[officer], free_y[officer] = px[officer], py[officer]

    for done, i in enumerate(order):
        t = times[i]
        clear_until(t)
        if np.isnan(service[grades[i]]):
            continue
        d2 = (free_x - x[i]) ** 2 + (free_y - y[i]) ** 2
        officer = int(np.argmin(d2))
        if np.isinf(d2[officer]):
            heapq.heappush(queue, (int(grades[i]), t, int(i)))
        else:
            assign(officer, int(i), t)
        if progress is not None and done % 5000 == 0:
            progress(done)
    clear_until(np.inf)
    if progress is not None:
        progress(n)
    return Replay(response, wait, unit, drone_s)


def _fly_drones(times, x, y, grades, order, sites: DroneSites | None, policy: Policy) -> np.ndarray:
    """Seconds to the first drone overhead for each incident; ``nan`` where none could fly."""
    out = np.full(len(times), np.nan)
    if sites is None or not len(sites.x):
        return out
    drone = policy.drone
    eligible = np.isin(grades, [int(g) for g in policy.drone_grades])
    # Pads: one row per site, one column per drone; a missing drone is never free.
    pads = np.full((len(sites.x), max(int(sites.drones.max()), 1)), np.inf)
    for s, count in enumerate(sites.drones):
        pads[s, :count] = -np.inf
    for i in order[eligible[order]]:
        dist = np.hypot(sites.x - x[i], sites.y - y[i])
        slot = pads.argmin(axis=1)
        ready = (pads[np.arange(len(slot)), slot] <= times[i]) & (dist <= drone.range_m)
        if not ready.any():
            continue
        site = int(np.flatnonzero(ready)[np.argmin(dist[ready])])
        out[i] = float(drone.seconds(dist[site]))
        pads[site, slot[site]] = times[i] + drone.busy_s(dist[site], sites.turnaround_s[site])
    return out
