"""The one interface every forecasting model offers."""

from typing import Protocol

import numpy as np

from peelian.forecast.history import History


class Model(Protocol):
    name: str
    classic: bool  # a published baseline, as opposed to one of Peelian's own

    def forecast(self, history: History, target: int) -> np.ndarray:
        """Expected crimes per cell in period ``target``, learnt only from periods before it."""
        ...


def scaled(risk: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """A risk surface as expected counts: scaled so its total is the recent periods' mean total."""
    total = float(risk.sum())
    mean_total = float(recent.sum()) / max(len(recent), 1)
    return risk * (mean_total / total) if total > 0 else np.full_like(risk, mean_total / max(risk.size, 1))
