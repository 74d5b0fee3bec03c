"""Who a forecast sends patrols to: per area, its share of the flagged cells and of the forecast
"dosage" (expected crimes in them), against its share of the study area and of recorded crime.

An area flagged far beyond its share of crime is one to look at before acting: the gap may be
real, or an artefact of where crime gets recorded.
"""

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, select

from peelian.db.schema import areas
from peelian.errors import NotFound
from peelian.forecast.history import History


def report(engine: Engine, scheme: str, history: History, risk: np.ndarray, flagged: np.ndarray,
           recent: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """One row per area of ``scheme``; cells go to the area holding their centre."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(areas.c.code, areas.c.name, areas.c.geometry).where(areas.c.scheme == scheme)
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
    return frame.sort_values("share_of_dosage", ascending=False, ignore_index=True)
