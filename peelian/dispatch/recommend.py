"""Who should go: the nearest available units by ETA for one incident, with drones listed apart.

A drone gives eyes on the scene while officers travel; it never counts as attendance, so an Immediate
call is met only when an officer or vehicle arrives within its target.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peelian.dispatch.grades import TARGET_S, Grade
from peelian.dispatch.roads import RoadNetwork
from peelian.dispatch.travel import DroneModel, RoadModel, distances
from peelian.errors import PeelianError

KINDS = ("officer", "vehicle", "drone")
STATUSES = ("available", "assigned", "en_route", "at_scene", "unavailable")
UNIT_COLUMNS = ("id", "kind", "status", "x", "y")
SITE_COLUMNS = ("id", "x", "y", "drones")


@dataclass(frozen=True)
class Recommendation:
    """Ground units (officers and vehicles) and drones, each fastest first, and the target outlook."""

    units: pd.DataFrame  # id, kind, distance_m, eta_s, within_target
    drones: pd.DataFrame  # id, source ("unit" or "site"), distance_m, eta_s
    target_s: float | None
    note: str

    def to_dict(self) -> dict:
        return {
            "units": self.units.to_dict("records"),
            "drones": self.drones.to_dict("records"),
            "target_s": self.target_s,
            "note": self.note,
        }


def check_units(units: pd.DataFrame) -> None:
    """Refuse, in plain words, a units frame the recommender cannot read."""
    missing = set(UNIT_COLUMNS) - set(units.columns)
    if missing:
        raise PeelianError(f"the units table lacks columns: {', '.join(sorted(missing))}")
    for column, allowed in (("kind", KINDS), ("status", STATUSES)):
        bad = sorted(set(units[column].astype(str)) - set(allowed))
        if bad:
            raise PeelianError(f"unknown unit {column} {', '.join(bad)}; use one of: {', '.join(allowed)}")


def _drone_options(x, y, units, sites, drone: DroneModel) -> pd.DataFrame:
    frames = []
    flying = units[(units["kind"] == "drone") & (units["status"] == "available")]
    if len(flying):
        d = distances(flying["x"], flying["y"], x, y)
        frames.append(pd.DataFrame({"id": flying["id"].astype(str), "source": "unit", "distance_m": d}))
    if sites is not None and len(sites):
        missing = set(SITE_COLUMNS) - set(sites.columns)
        if missing:
            raise PeelianError(f"the drone sites table lacks columns: {', '.join(sorted(missing))}")
        ready = sites[sites["drones"] > 0]
        d = distances(ready["x"], ready["y"], x, y)
        frames.append(pd.DataFrame({"id": ready["id"].astype(str), "source": "site", "distance_m": d}))
    if not frames:
        return pd.DataFrame({"id": [], "source": [], "distance_m": [], "eta_s": []})
    options = pd.concat(frames, ignore_index=True)
    options["eta_s"] = drone.seconds(options["distance_m"].to_numpy())
    return options[np.isfinite(options["eta_s"])].sort_values(
        ["eta_s", "id"], kind="stable", ignore_index=True
    )


def recommend(
    x: float,
    y: float,
    units: pd.DataFrame,
    grade: Grade | None = None,
    k: int = 5,
    sites: pd.DataFrame | None = None,
    roads: RoadModel = RoadModel(),
    drone: DroneModel = DroneModel(),
    network: RoadNetwork | None = None,
) -> Recommendation:
    """The ``k`` fastest available officers and vehicles to (x, y), by road network when one is given
    and by straight line times circuity otherwise; every drone that can reach it, listed separately."""
    check_units(units)
    ground = units[(units["kind"] != "drone") & (units["status"] == "available")]
    gx, gy = ground["x"].to_numpy(float), ground["y"].to_numpy(float)
    straight = distances(gx, gy, x, y)
    eta = network.seconds_to(x, y, gx, gy) if network is not None else roads.seconds(straight)
    order = np.lexsort((ground["id"].astype(str).to_numpy(), eta))[:k]
    order = order[np.isfinite(eta[order])]
    target = TARGET_S.get(grade) if grade is not None else None
    chosen = pd.DataFrame(
        {
            "id": ground["id"].astype(str).to_numpy()[order],
            "kind": ground["kind"].to_numpy()[order],
            "distance_m": straight[order],
            "eta_s": eta[order],
            "within_target": eta[order] <= target if target is not None else np.full(len(order), None),
        }
    )
    if chosen.empty:
        note = "no officer or vehicle is available: queue the call"
    elif target is not None and not chosen["within_target"].iloc[0]:
        note = f"no available unit can meet the {grade.label} target of {target / 60:.0f} minutes"
    else:
        note = "nearest available unit first"
    if grade is Grade.IMMEDIATE:
        note += "; a drone gives eyes on scene but does not count as attendance"
    return Recommendation(chosen, _drone_options(x, y, units, sites, drone), target, note)
