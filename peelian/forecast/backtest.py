"""Rolling-origin backtests: for each target period, every model forecasts from the periods before
it alone, and is scored against what then happened with the same code (``metrics``).

Beside the hit rates, two properties of the flagged top 5% of cells matter to whoever patrols
them: ``stability`` (do consecutive forecasts flag the same cells?) and ``compactness`` (the mean
number of cells per patrol area, an adjacent group of flagged cells: 1 when every flagged cell
stands alone, up to the number flagged when they form one block; higher is fewer places to go).
"""

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from peelian.forecast.history import History
from peelian.forecast.metrics import COVERAGES, CURVE, scores
from peelian.forecast.models.base import Model
from peelian.forecast.outputs import patrol_areas
from peelian.forecast.units import Units, flagged

STABILITY_COVERAGE = 0.05


@dataclass
class ModelResult:
    name: str
    classic: bool
    steps: list[dict] = field(default_factory=list)  # scores per target period
    seconds: float = 0.0

    def captured(self, coverage: float) -> np.ndarray:
        return np.array([s["captured"][coverage] for s in self.steps])

    def hit_rate(self, coverage: float) -> float:
        total = sum(s["total"] for s in self.steps)
        return float(self.captured(coverage).sum() / total) if total else float("nan")

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """Pooled hit rate at each of ``metrics.CURVE``'s coverages, from (0, 0)."""
        total = sum(s["total"] for s in self.steps)
        caught = np.sum([s["curve"]["captured"] for s in self.steps], axis=0)
        return np.r_[0.0, CURVE], np.r_[0.0, caught / total if total else np.full(len(CURVE), np.nan)]

    def per_step(self, coverages: Sequence[float] = COVERAGES) -> list[dict]:
        """Each target period's crimes, crimes captured and hit rate: pooled, they give ``hit_rate``."""
        return [{"target": s["target"], "crimes": s["total"], "captured": dict(s["captured"]),
                 "hit_rate": {c: s["captured"][c] / s["total"] if s["total"] else None for c in coverages},
                 "patrol_areas": s["patrol_areas"]} for s in self.steps]  # fmt: skip

    def summary(self, coverages: Sequence[float] = COVERAGES) -> dict:
        """Pooled scores; ``stability`` is the mean overlap of consecutive forecasts' top 5% cells and
        ``compactness`` the mean cells per patrol area among them (see the module's docstring)."""
        oracle = {c: sum(s["oracle"][c] for s in self.steps) for c in coverages}
        return {
            "model": self.name,
            "classic": self.classic,
            "hit_rate": {c: self.hit_rate(c) for c in coverages},
            "hit_rate_interval": {c: hit_rate_interval(self, c) for c in coverages},
            "pai": {c: self.hit_rate(c) / c for c in coverages},
            "pei": {
                c: float(self.captured(c).sum() / oracle[c]) if oracle[c] else float("nan") for c in coverages
            },
            "log_likelihood": float(sum(s["log_likelihood"] for s in self.steps)),
            "stability": stability(self),
            "compactness": compactness(self),
            "seconds": round(self.seconds, 2),
        }


def backtest(
    history: History,
    models: Sequence[Model],
    targets: Sequence[int],
    progress: Callable[[str, int], None] | None = None,
    units: Units | None = None,
) -> list[ModelResult]:
    """Every model forecasts every target period from the periods before it; scored on the grid's
    cells, or on ``units`` (areal units) where given."""
    results = []
    for model in models:
        result = ModelResult(model.name, model.classic)
        for target in targets:
            started = time.perf_counter()
            risk = model.forecast(history, target)
            result.seconds += time.perf_counter() - started
            if units is None:
                step = scores(risk, history.counts[target])
                top = np.argsort(-risk, kind="stable")[: max(1, round(STABILITY_COVERAGE * len(risk)))]
                areas = len(patrol_areas(history, top))
            else:
                risk = units.risk(risk)
                step = scores(risk, units.counts[target], area=units.area_km2)
                top = flagged(units, risk, STABILITY_COVERAGE)
                areas = len(units.groups(top))
            result.steps.append(step | {"target": int(target), "top": top, "patrol_areas": areas})
            if progress:
                progress(model.name, target)
        results.append(result)
    return results


def oracle_curve(result: ModelResult) -> tuple[np.ndarray, np.ndarray]:
    """The best possible hit rate at each of ``metrics.CURVE``'s coverages over ``result``'s periods."""
    total = sum(s["total"] for s in result.steps)
    caught = np.sum([s["curve"]["oracle"] for s in result.steps], axis=0)
    return np.r_[0.0, CURVE], np.r_[0.0, caught / total if total else np.full(len(CURVE), np.nan)]


def oracle_hit_rate(result: ModelResult, coverage: float) -> float:
    total = sum(s["total"] for s in result.steps)
    return sum(s["oracle"][coverage] for s in result.steps) / total if total else float("nan")


def hit_rate_interval(result: ModelResult, coverage: float, draws: int = 2000, seed: int = 0) -> list[float]:
    """95% bootstrap interval of the pooled hit rate, resampling target periods."""
    totals = np.array([s["total"] for s in result.steps])
    return list(_sum_ratio_interval(result.captured(coverage), totals, draws, seed))


def ratio_interval(
    better: ModelResult, baseline: ModelResult, coverage: float, draws: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Ratio of pooled hit rates and its 95% bootstrap interval, resampling target periods (paired)."""
    a, b = better.captured(coverage), baseline.captured(coverage)
    if b.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    return float(a.sum() / b.sum()), *_sum_ratio_interval(a, b, draws, seed)


def _sum_ratio_interval(a: np.ndarray, b: np.ndarray, draws: int, seed: int) -> tuple[float, float]:
    """95% bootstrap interval of sum(a) / sum(b), resampling the periods both are paired by."""
    if not len(a) or b.sum() <= 0:
        return float("nan"), float("nan")
    picks = np.random.default_rng(seed).integers(0, len(a), size=(draws, len(a)))
    ratios = a[picks].sum(axis=1) / np.maximum(b[picks].sum(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def stability(result: ModelResult) -> float:
    """Mean overlap of the top 5% of cells between consecutive forecasts (1: the same cells each time)."""
    tops = [set(step["top"].tolist()) for step in result.steps]
    overlaps = [len(x & y) / max(len(x), 1) for x, y in itertools.pairwise(tops)]
    return float(np.mean(overlaps)) if overlaps else float("nan")


def compactness(result: ModelResult) -> float:
    """Mean cells per patrol area in the top 5%: 1 (all scattered) to the number flagged (one block)."""
    per_step = [len(step["top"]) / step["patrol_areas"] for step in result.steps if step["patrol_areas"]]
    return float(np.mean(per_step)) if per_step else float("nan")


def best(results: Sequence[ModelResult], classic: bool) -> ModelResult | None:
    """The classic baselines' (or Peelian's models') best by hit rate at 5%."""
    pool = [r for r in results if r.classic == classic]
    return max(pool, key=lambda r: r.hit_rate(0.05)) if pool else None


def report(
    history: History, results: Sequence[ModelResult], steps: bool = False, units: Units | None = None
) -> dict:
    """What a backtest found, as plain JSON-ready data: each model's pooled scores, the oracle's, and
    the best of Peelian's models against the best baseline at 5%; with ``steps``, also each period's
    scores and the pooled curves (``metrics.CURVE``) behind the coverage plot."""
    baseline, better = best(results, classic=True), best(results, classic=False)
    comparison = ratio_interval(better, baseline, 0.05) if better and baseline else None
    targets = [s["target"] for s in results[0].steps]
    out = {"cells": history.grid.n_cells, "targets": len(targets),
           "units": units and {"scheme": units.scheme, "count": units.n_units, "outside": units.outside},
           "first_period": _start(history, targets[0]), "last_period": _start(history, targets[-1]),
           "models": [r.summary() for r in results],
           "oracle_hit_rate": {c: oracle_hit_rate(results[0], c) for c in COVERAGES},
           "best_model": better and better.name, "best_baseline": baseline and baseline.name,
           "best_vs_baseline_5pct": comparison}  # fmt: skip
    if steps:
        for summary, result in zip(out["models"], results, strict=True):
            summary["steps"] = [{"period_start": _start(history, s["target"])} | s for s in result.per_step()]
            summary["curve"] = result.curve()[1].tolist()
        out["curve_coverage"], out["oracle_curve"] = (a.tolist() for a in oracle_curve(results[0]))
    return out


def _start(history: History, target: int) -> str:
    return history.edges[target].astype(datetime).replace(tzinfo=UTC).isoformat()
