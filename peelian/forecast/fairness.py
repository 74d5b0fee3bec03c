"""Who a forecast sends patrols to: per area, its share of the flagged cells and of the forecast
"dosage" (expected crimes in them), against its share of the study area, of recorded crime and,
where the boundaries carry a population attribute, of the people who live there.

An area flagged far beyond its share of crime is one to look at before acting: the gap may be
real, or an artefact of where crime gets recorded. Population comes from the boundary file's own
attributes (``peelian geo load`` keeps them); where an area's is missing or not a number its share
is left empty and the report says so, rather than inventing a figure.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, select

from peelian.db.schema import areas
from peelian.errors import NotFound, PeelianError
from peelian.forecast.history import History

# Tried in order, ignoring case, when no population attribute is named.
POPULATION_NAMES = ("population", "pop", "usualres", "all_ages", "usual_residents", "total_population",
                    "pop_total", "total_pop")  # fmt: skip


def population(
    attributes: Sequence[dict[str, Any] | None], name: str | None = None
) -> tuple[str | None, np.ndarray]:
    """The population attribute's key and each area's value (NaN where missing or not a number).

    ``name`` is matched ignoring case; without it the usual names are tried. ``(None, [])`` when the
    areas have no such attribute, or (when guessed) none holds a number."""
    keys = {key.lower(): key for attrs in attributes if attrs for key in attrs}
    if name is not None:
        if name.lower() not in keys:
            found = ", ".join(sorted(set(keys.values()))) or "none"
            raise PeelianError(f"the areas have no attribute {name!r}; their attributes are: {found}")
        candidates = [name.lower()]
    else:
        candidates = [c for c in POPULATION_NAMES if c in keys]
    for candidate in candidates:
        values = np.array([_number(_get(attrs, candidate)) for attrs in attributes], dtype=float)
        if name is not None or np.isfinite(values).any():
            return keys[candidate], values
    return None, np.array([])


def _get(attrs: dict[str, Any] | None, lower: str) -> Any:
    return next((v for k, v in (attrs or {}).items() if k.lower() == lower), None)


def _number(value: Any) -> float:
    """A count of people: a number, or text of one ("1,234"); anything else, or negative, is NaN."""
    if isinstance(value, str):
        value = value.replace(",", "").strip()
        try:
            value = float(value)
        except ValueError:
            return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value) if math.isfinite(value) and value >= 0 else math.nan


def report(engine: Engine, scheme: str, history: History, risk: np.ndarray, flagged: np.ndarray,
           recent: np.ndarray, population_attribute: str | None = None) -> pd.DataFrame:  # fmt: skip
    """One row per area of ``scheme``; cells go to the area holding their centre.

    ``frame.attrs["population"]`` says which attribute gave the population, and for how many
    areas it was missing (``None`` when the areas have none)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(areas.c.code, areas.c.name, areas.c.geometry, areas.c.attributes).where(
                areas.c.scheme == scheme
            )
        ).all()
    if not rows:
        raise NotFound(f"no boundaries of scheme {scheme!r} are loaded")
    shapes = shapely.from_wkb([r.geometry for r in rows])
    x, y = history.grid.centres()
    cell, area = shapely.STRtree(shapes).query(shapely.points(x, y), predicate="within")
    owner = np.full(history.grid.n_cells, -1)
    owner[cell] = area
    chosen = np.zeros(history.grid.n_cells, bool)
    chosen[flagged] = True
    placed = owner >= 0

    def share(values: np.ndarray) -> np.ndarray:
        per_area = np.bincount(owner[placed], weights=values[placed], minlength=len(rows))
        total = per_area.sum()
        return per_area / total if total > 0 else per_area

    frame = pd.DataFrame({
        "code": [r.code for r in rows],
        "name": [r.name for r in rows],
        "share_of_area": share(np.ones(history.grid.n_cells)),
        "share_of_recorded_crime": share(recent),
        "share_of_flagged_cells": share(chosen.astype(float)),
        "share_of_dosage": share(np.where(chosen, risk, 0.0)),
    })  # fmt: skip
    crime = frame["share_of_recorded_crime"]
    frame["flagged_to_crime"] = np.where(
        crime > 0, frame["share_of_flagged_cells"] / crime.where(crime > 0), np.nan
    )
    attribute, people = population([r.attributes for r in rows], population_attribute)
    frame.attrs["population"] = None
    if attribute is not None:
        known = np.isfinite(people)
        total = people[known].sum()
        frame["share_of_population"] = people / total if total > 0 else np.where(known, 0.0, np.nan)
        pop = frame["share_of_population"]
        frame["flagged_to_population"] = np.where(
            pop > 0, frame["share_of_flagged_cells"] / pop.where(pop > 0), np.nan
        )
        missing = int((~known).sum())
        frame.attrs["population"] = {"attribute": attribute, "areas": len(rows), "missing": missing,
                                     "complete": missing == 0}  # fmt: skip
    return frame.sort_values("share_of_dosage", ascending=False, ignore_index=True)


def population_note(frame: pd.DataFrame) -> str:
    """One line on where the report's population figures came from, and whether they are complete."""
    about = frame.attrs.get("population")
    if about is None:
        return "none: the boundaries carry no population attribute, so shares are not compared with it"
    if about["complete"]:
        return f"from attribute {about['attribute']!r}, for all {about['areas']:,} areas"
    return (f"incomplete: attribute {about['attribute']!r} is missing or not a number for "
            f"{about['missing']:,} of {about['areas']:,} areas; their share of population is left empty "
            "and the others' shares are of the areas that have it")  # fmt: skip
