"""Recency-weighted history: every past crime in a cell counts, halving in weight each
``half_life`` periods. Long memory steadies the ranking (a 12-month window is noisy); the decay
lets it follow change."""

from dataclasses import dataclass

import numpy as np

from peelian.forecast.history import History
from peelian.forecast.models.base import scaled


@dataclass
class RecencyWeighted:
    half_life: float = 12.0  # periods
    name: str = "recency-weighted counts"
    classic: bool = False

    def forecast(self, history: History, target: int) -> np.ndarray:
        past = history.counts[:target]
        weights = 0.5 ** (np.arange(len(past), 0, -1) / self.half_life)
        return scaled(weights @ past, history.window(target, 12))
