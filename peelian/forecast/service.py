"""One forecast as one object: what ``peelian forecast predict`` writes to files and the web app's
forecast page draws, with its reasons, the crimes behind each cell, and its own backtest.

The web page asks for the same forecast several times (map, cell details, backtest), and a city's
forecast takes seconds, so ``ForecastCache`` keeps the last few until an ingest changes the store.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from peelian.db import store_crs
from peelian.db.schema import events
from peelian.errors import NotFound, PeelianError
from peelian.forecast import card, catalogue, outputs, shifts
from peelian.forecast import units as units_module
from peelian.forecast.backtest import ModelResult, backtest
from peelian.forecast.counts import SHIFT_STARTS_H
from peelian.forecast.history import History
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.study import Study, load, period_start
from peelian.forecast.units import Units
from peelian.governance import leads
from peelian.pole.queries import store_state

MIN_PERIODS = 2  # the boosted model trains on periods after the first, so it needs two at least
Prepare = Callable[[list, History], None]  # gives models their covariates (weather, terrain)


@dataclass(frozen=True)
class Spec:
    study: Study
    model: str = "boosted"
    coverage: float = 0.05  # share of the study area to flag
    units: str | None = None  # rank this boundary scheme's areas (LSOAs, beats) instead of grid cells


@dataclass(frozen=True)
class Forecast:
    spec: Spec
    history: History
    model: Any
    target: int  # the period forecast: the one after the last with data
    risk: np.ndarray  # expected crimes per cell
    cells: np.ndarray  # the flagged cells, riskiest first
    frame: pd.DataFrame  # one row per flagged cell (see ``outputs.table``)
    contributions: np.ndarray | None  # per cell and feature, where the model can say
    crs: str
    about: dict[str, Any]
    units: Units | None = None  # with areal units: the frame's rows are units, not cells
    chosen_units: np.ndarray | None = None  # the flagged units (positions in ``units``), densest first

    def shapes(self) -> np.ndarray:
        """Each of the frame's rows as a polygon in the store CRS: its cell's square, or its unit."""
        if self.units is None:
            return self.history.grid.polygons()[self.frame["cell"].to_numpy()]
        return self.units.shapes[self.chosen_units]

    def reason(self, cell: int) -> str:
        return _reasons(self.model, self.contributions, np.array([cell]))[0]


def _reasons(
    model: Any, contributions: np.ndarray | None, cells: np.ndarray, place: str = "cell"
) -> list[str]:
    """Each cell's top contributions where the model gives them, else what every such model weighs."""
    names = model.feature_names if contributions is not None else []
    return outputs.reasons(contributions, names, cells, f"{model.name}: past crimes in and near the {place}")


def make(engine: Engine, spec: Spec, prepare: Prepare | None = None) -> Forecast:
    """Forecast the period after the data ends and pick the cells to flag."""
    study = spec.study
    history = load(engine, study)
    if len(history.counts) < MIN_PERIODS:
        raise PeelianError(
            f"only {len(history.counts)} {study.period}(s) of data: need {MIN_PERIODS} or more"
        )
    model = catalogue.build(spec.model, study.period)
    if prepare:
        prepare([model], history)
    target = len(history.counts)
    risk = model.forecast(history, target)
    contributions = model.explain(history, target) if isinstance(model, Boosted) else None
    crs = store_crs(engine)
    if spec.units:
        return _in_units(engine, spec, history, model, target, risk, contributions, crs)
    cells = outputs.top_cells(history, risk, spec.coverage)
    why = _reasons(model, contributions, cells)
    about = _about(spec, history, model, target)
    frame = outputs.table(history, risk, cells, why, crs)
    return Forecast(spec, history, model, target, risk, cells, frame, contributions, crs, about)


def by_shift(forecast: Forecast) -> list[Forecast]:
    """A day's forecast as one forecast per patrol shift, each with its own flagged cells."""
    if forecast.spec.study.period != "day" or forecast.units is not None:
        raise PeelianError("splitting by shift is for daily forecasts on the grid (--period day, no --units)")
    history, spec = forecast.history, forecast.spec
    per_shift = shifts.split(forecast.risk, shifts.profile(history, forecast.target))
    out = []
    for name, hours, risk in zip(shifts.NAMES, SHIFT_STARTS_H, per_shift, strict=True):
        cells = outputs.top_cells(history, risk, spec.coverage)
        share = risk[cells] / np.maximum(forecast.risk[cells], 1e-12)
        reasons = _reasons(forecast.model, forecast.contributions, cells)
        why = [f"{r}; {s:.0%} of its crime in the {name} shift" for r, s in zip(reasons, share, strict=True)]
        frame = outputs.table(history, risk, cells, why, forecast.crs)
        about = forecast.about | {"shift": name, "shift_starts": f"{hours:02d}:00 {history.zone}"}
        out.append(replace(forecast, risk=risk, cells=cells, frame=frame, about=about))
    return out


def _about(spec: Spec, history: History, model: Any, target: int) -> dict[str, Any]:
    study, starts = spec.study, period_start(history, target).isoformat()
    return {"model": model.name, "period": study.period, "period_start": starts,
            "cell_m": study.cell_m, "grid_offset_m": list(study.offset), "category": study.category,
            "scheme": study.scheme, "area": study.area,
            "units": spec.units, "coverage": spec.coverage, "data_from": period_start(history, 0).isoformat(),
            "periods_of_data": target, "timezone": history.zone,
            "warnings": _warnings(study.category)}  # fmt: skip


def _in_units(engine, spec, history, model, target, risk, contributions, crs) -> Forecast:
    """The grid's forecast shared into areal units; units flagged densest first. Each unit's reasons
    are its riskiest cell's, and the flagged cells (for maps and the fairness report) are those
    lying mostly in flagged units."""
    units = units_module.build(engine, spec.units, history)
    unit_risk = units.risk(risk)
    chosen = units_module.flagged(units, unit_risk, spec.coverage)
    share = units.overlap[chosen].multiply(risk[np.newaxis, :]).tocsr()
    riskiest = np.asarray(share.argmax(axis=1)).ravel()
    why = _reasons(model, contributions, riskiest, "unit")
    frame = outputs.unit_table(units, unit_risk, chosen, why, crs)
    inside = np.asarray(units.overlap[chosen].sum(axis=0)).ravel() > 0.5
    cells = np.flatnonzero(inside)[np.argsort(-risk[inside], kind="stable")]
    about = _about(spec, history, model, target) | {"units_outside": units.outside}
    return Forecast(
        spec, history, model, target, risk, cells, frame, contributions, crs, about, units, chosen
    )


def _warnings(category: str | None) -> list[str]:
    return [card.FEEDBACK_WARNING] if card.feedback_loop_risk(category) else []


def propose(
    engine: Engine, forecast: Forecast, count: int, created_by: str, about: dict[str, Any] | None = None
) -> list[str]:
    """The riskiest patrol areas become hotspot leads: nobody acts on them until a person accepts.
    ``about`` (default: the forecast's) is each lead's provenance: model, data window, card."""
    about, ids = about or forecast.about, []
    for area, group in list(forecast.frame.groupby("patrol_area"))[:count]:
        expected = float(group["expected_crimes"].sum())
        when = f"{about['period']} from {about['period_start'][:10]}"
        places = f"{len(group)} {'units' if forecast.units else 'cells'}"
        title = f"Hotspot: patrol area {area} ({places}), {when}"
        explanation = (f"{about['model']} expects {expected:.1f} {about['category'] or 'crime'}(s) here; "
                       f"top reasons: {group['why'].iloc[0]}.")  # fmt: skip
        explanation += "".join(f" Warning: {warning}" for warning in about.get("warnings", []))
        where = (
            {"units": group["unit"].tolist(), "scheme": forecast.units.scheme}
            if forecast.units
            else {"cells": group["cell"].tolist()}
        )
        subjects = where | {"centre": [float(group["lon"].mean()), float(group["lat"].mean())]}
        ids.append(
            leads.propose(engine, "hotspot", title, explanation, about, subjects, expected, created_by)
        )
    return ids


def card_for_lead(written: dict[str, Any]) -> dict[str, Any]:
    """A model card for a lead's provenance: what the card says, less the data block the
    provenance already holds."""
    return {k: v for k, v in written.items() if k != "data"}


def recent_backtest(
    history: History, spec: Spec, last: int, prepare: Prepare | None = None, units: Units | None = None
) -> list[ModelResult]:
    """The chosen model beside prior counts (the bar to beat) over the last ``last`` periods of data,
    scored on the grid's cells or on ``units``."""
    periods, period = len(history.counts), spec.study.period
    if periods <= last:
        raise PeelianError(
            f"only {periods} {period}(s) of data: too few to backtest the last {last} from the ones before"
        )
    models = [catalogue.build(name, period) for name in dict.fromkeys((spec.model, "prior"))]
    if prepare:
        prepare(models, history)
    return backtest(history, models, range(periods - last, periods), units=units)


def cell_detail(engine: Engine, forecast: Forecast, cell: int, limit: int = 20) -> dict[str, Any]:
    """Why a cell is ranked where it is: its forecast, reasons, recent counts and latest crimes."""
    history, study = forecast.history, forecast.spec.study
    if not 0 <= cell < history.grid.n_cells:
        raise NotFound(f"no cell {cell} in this forecast (0 to {history.grid.n_cells - 1})")
    window = catalogue.WINDOW[study.period]
    recent = history.window(forecast.target, window)[:, cell]
    risk = forecast.risk  # its place in the ranking, ties broken by position as the ranking does
    rank = int((risk > risk[cell]).sum() + (risk[:cell] == risk[cell]).sum()) + 1
    x, y = (values[cell] for values in history.grid.centres())
    half = history.grid.size / 2
    since = period_start(history, max(0, forecast.target - window))
    query = (
        select(events.c.id, events.c.time_from, events.c.category, events.c.location_text, events.c.outcome)
        .where(events.c.x >= x - half, events.c.x < x + half, events.c.y >= y - half, events.c.y < y + half)
        .where(events.c.time_from >= since)
        .order_by(events.c.time_from.desc(), events.c.id.desc())
        .limit(limit)
    )
    if study.category:
        query = query.where(func.lower(events.c.category) == study.category.lower())
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["time_from"] = row["time_from"].astimezone(UTC).isoformat()
    return {
        "cell": cell,
        "rank": rank,
        "flagged": rank <= len(forecast.cells),
        "expected_crimes": float(forecast.risk[cell]),
        "why": forecast.reason(cell),
        "recorded": {
            "last_period": float(recent[-1]) if len(recent) else 0.0,
            "last_year": float(recent.sum()),
            "periods_in_year": len(recent),
        },
        "recent_crimes": rows,
    }


class ForecastCache:
    """The last few forecasts (and backtests), until an ingest moves the store's version. One
    computation per key at a time: the page's map, table and cell requests arrive together."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._busy: dict[Hashable, threading.Lock] = {}

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], Any]) -> Any:
        with engine.connect() as conn:
            key = (store_state(conn).version, key)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            busy = self._busy.setdefault(key, threading.Lock())
        with busy:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = compute()
            finally:
                with self._lock:
                    self._busy.pop(key, None)
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value
