"""What every synthetic source system shares: its output, the keys its rows will have in the store,
and small formatting helpers.

The ground truth must name each person and vehicle row exactly as the mapped adapter keys it
(``peelian.ingest.mapped``): ``person:<id>`` for a person section with id columns,
``person@<row key>/<section>`` for one without (one person per row), and ``vehicle:<vrm>`` for a
vehicle keyed by its registration as recorded.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peelian.synth import vocab
from peelian.synth.noise import corrupt, mistype_plate
from peelian.synth.people import Vehicles


@dataclass(frozen=True)
class Records:
    """One source system's extract and its ground truth."""

    system: str  # the mapping's source.system, e.g. "synth.custody"
    frame: pd.DataFrame  # the CSV, columns in file order, all text
    persons: pd.DataFrame  # person_key, true_person: one row per person record
    vehicles: pd.DataFrame  # object_key, true_vehicle: one row per distinct vehicle record


def person_keys(ids) -> np.ndarray:
    """Store keys of persons keyed by an id column (``key = ["..."]`` in the mapping)."""
    return np.array([f"person:{i}" for i in ids], dtype=object)


def row_person_keys(row_keys, section: int) -> np.ndarray:
    """Store keys of persons with no id (``key = []``): the row's key and the section's number."""
    return np.array([f"person@{k}/{section}" for k in row_keys], dtype=object)


def truth(keys: np.ndarray, true_ids: np.ndarray, present: np.ndarray | None = None) -> pd.DataFrame:
    keep = np.ones(len(keys), dtype=bool) if present is None else present
    return pd.DataFrame({"person_key": keys[keep], "true_person": true_ids[keep]})


def no_vehicles() -> pd.DataFrame:
    return pd.DataFrame({"object_key": [], "true_vehicle": []}, dtype=object)


def vehicle_truth(vrms: np.ndarray, true_ids: np.ndarray) -> pd.DataFrame:
    """One row per distinct registration as recorded (the adapter keys vehicles by it)."""
    recorded = vrms != ""
    frame = pd.DataFrame(
        {"object_key": [f"vehicle:{v}" for v in vrms[recorded]], "true_vehicle": true_ids[recorded]}
    )
    return frame.drop_duplicates("object_key", ignore_index=True)


class Plates:
    """Registrations as recorded, each owned by one true vehicle.

    A misread that happens to spell another vehicle's plate would make the ground truth ambiguous
    (one key, two vehicles), so such a misread is recorded as the true plate instead. Plates are
    compared without spaces.
    """

    def __init__(self, true_vrms: np.ndarray) -> None:
        self.owner = {v.replace(" ", ""): i for i, v in enumerate(true_vrms.tolist())}

    def settle(self, vehicle: np.ndarray, recorded: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """``recorded`` plates of ``vehicle`` (indices; -1 for none), with ``fallback`` (the true
        plate as the system writes it) wherever the recorded one belongs to another vehicle."""
        out = recorded.copy()
        for i, (v, text) in enumerate(zip(vehicle.tolist(), recorded.tolist(), strict=True)):
            if v < 0 or not text:
                continue
            if self.owner.setdefault(text.replace(" ", ""), v) != v:
                out[i] = fallback[i]
        return out


def in_time_order(when: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """``when`` and the columns sorted by time: ids numbered in this order reveal nothing of the
    true person behind a row."""
    order = np.argsort(when, kind="stable")
    return (when[order], *(c[order] for c in columns))


def strftime(when: np.ndarray, fmt: str, present: np.ndarray | None = None) -> np.ndarray:
    text = pd.DatetimeIndex(when.astype("datetime64[s]")).strftime(fmt).to_numpy(dtype=object)
    return text if present is None else np.where(present, text, "")


def dates(values: list, fmt: str) -> np.ndarray:
    """Python dates (or None) as text in ``fmt``; None as blank."""
    return np.array([d.strftime(fmt) if d is not None else "" for d in values], dtype=object)


def title(values: np.ndarray) -> np.ndarray:
    """Names in title case (O'Brien, Smith-Jones), as most systems show them."""
    return np.array([v.title() for v in values], dtype=object)


def near_town(town: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random lon/lat around each town's centre."""
    lon0, lat0, spread = (np.take([t[k] for t in vocab.TOWNS], town) for k in (3, 4, 5))
    lon = lon0 + rng.normal(0, spread, len(town)) * 1.6  # a degree of longitude is ~0.6 of latitude's here
    lat = lat0 + rng.normal(0, spread, len(town))
    return lon.round(6), lat.round(6)


def mobile(phones: np.ndarray, style: str) -> np.ndarray:
    """UK mobiles (07xxxxxxxxx) as a system writes them: "spaced" 07700 900123, or "+44" +44 7700
    900123."""
    if style == "spaced":
        return np.array([f"{p[:5]} {p[5:]}" if p else "" for p in phones], dtype=object)
    return np.array([f"+44 {p[1:5]} {p[5:]}" if p else "" for p in phones], dtype=object)


def sequence(prefix: str, count: int, width: int = 7) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, count + 1)], dtype=object)


def town_names(town: np.ndarray) -> np.ndarray:
    return np.array([t[0] for t in vocab.TOWNS], dtype=object)[town]


def address_lines(address: np.ndarray, town: np.ndarray) -> np.ndarray:
    """The home as most systems write it ("12 Oak Road, Leeds"), the postcode apart."""
    return np.array(
        [f"{a.title()}, {t.title()}" if a else "" for a, t in zip(address, town_names(town), strict=True)],
        dtype=object,
    )


def draw(options: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values picked uniformly from ``options``."""
    return np.array(options, dtype=object)[rng.integers(len(options), size=n)]


def typed_vehicles(
    vehicles: Vehicles, vehicle: np.ndarray, plates: Plates, typo_rate: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Registration as an officer typed it (``typo_rate`` of them mistyped), make, model and colour
    of each row's vehicle (an index, -1 for none; blank there)."""
    true = or_blank(vehicles.vrm, vehicle)
    return {
        "vrm": plates.settle(vehicle, corrupt(true, typo_rate, mistype_plate, rng), true),
        **{k: or_blank(getattr(vehicles, k), vehicle) for k in ("make", "model", "colour")},
    }


def or_blank(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]``, blank where ``idx`` is -1 (``values`` may be empty)."""
    return np.append(values.astype(object), "")[idx]
