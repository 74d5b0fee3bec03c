"""Rolling-origin backtests: for each target period, every model forecasts from the periods before
it alone, and is scored against what then happened with the same code (``metrics``)."""

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from peelian.forecast.history import History
from peelian.forecast.metrics import COVERAGES, scores
from peelian.forecast.models.base import Model

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

    def summary(self, coverages: Sequence[float] = COVERAGES) -> dict:
        """Pooled scores; ``stability`` is the mean overlap of consecutive forecasts' top 5% cells."""
        oracle = {c: sum(s["oracle"][c] for s in self.steps) for c in coverages}
        return {
            "model": self.name,
            "classic": self.classic,
            "hit_rate": {c: self.hit_rate(c) for c in coverages},
            "pai": {c: self.hit_rate(c) / c for c in coverages},
            "pei": {
                c: float(self.captured(c).sum() / oracle[c]) if oracle[c] else float("nan") for c in coverages
            },
            "log_likelihood": float(sum(s["log_likelihood"] for s in self.steps)),
            "stability": stability(self),
            "seconds": round(self.seconds, 2),
        }


def backtest(
    history: History,
    models: Sequence[Model],
    targets: Sequence[int],
    progress: Callable[[str, int], None] | None = None,
) -> list[ModelResult]:
    """Every model forecasts every target period from the periods before it."""
    results = []
    for model in models:
        result = ModelResult(model.name, model.classic)
        for target in targets:
            started = time.perf_counter()
            risk = model.forecast(history, target)
            result.seconds += time.perf_counter() - started
            step = scores(risk, history.counts[target])
            top = np.argsort(-risk, kind="stable")[: max(1, round(STABILITY_COVERAGE * len(risk)))]
            result.steps.append(step | {"target": int(target), "top": top})
            if progress:
                progress(model.name, target)
        results.append(result)
    return results


def oracle_hit_rate(result: ModelResult, coverage: float) -> float:
    total = sum(s["total"] for s in result.steps)
    return sum(s["oracle"][coverage] for s in result.steps) / total if total else float("nan")


def ratio_interval(
    better: ModelResult, baseline: ModelResult, coverage: float, draws: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Ratio of pooled hit rates and its 95% bootstrap interval, resampling target periods (paired)."""
    a, b = better.captured(coverage), baseline.captured(coverage)
    if b.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    picks = np.random.default_rng(seed).integers(0, len(a), size=(draws, len(a)))
    ratios = a[picks].sum(axis=1) / np.maximum(b[picks].sum(axis=1), 1e-12)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(a.sum() / b.sum()), float(low), float(high)


def stability(result: ModelResult) -> float:
    """Mean overlap of the top 5% of cells between consecutive forecasts (1: the same cells each time)."""
    tops = [set(step["top"].tolist()) for step in result.steps]
    overlaps = [len(x & y) / max(len(x), 1) for x, y in itertools.pairwise(tops)]
    return float(np.mean(overlaps)) if overlaps else float("nan")
