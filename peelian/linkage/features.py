"""Evidence for each pair of crimes: how alike two crimes are in place, time, method and target.

Pairs are two index arrays into one :class:`Crimes`. Each feature is one number per pair with a
name an analyst can read as evidence. Unknowns stay NaN (an MO field one crime did not record),
so the model treats them as no evidence rather than as a mismatch.

Time follows the aoristic idea: a crime known only to have happened between 18:00 and 07:00 has
its weight spread over those hours and weekdays, and two crimes are alike in time of day as far as
their spreads overlap (1: the same hour for certain, 0: no hour in common).
"""

import numpy as np
import pandas as pd

from peelian.linkage.crimes import Crimes

DAY = 86_400.0
CHUNK = 1_000_000  # pairs per block: bounds memory on tens of millions of candidate pairs
_SAMPLES = 48  # points spread through each window to share it over hours and weekdays


def time_shares(t_from: np.ndarray, t_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each window's share in each hour of the day (n, 24) and day of the week (n, 7)."""
    n = len(t_from)
    hours, weekdays = np.zeros((n, 24), np.float32), np.zeros((n, 7), np.float32)
    steps = (np.arange(_SAMPLES) + 0.5) / _SAMPLES
    share = np.float32(1.0 / _SAMPLES)
    for start in range(0, n, 200_000):
        stop = min(start + 200_000, n)
        span = np.maximum(t_to[start:stop] - t_from[start:stop], 0.0)
        points = t_from[start:stop, None] + span[:, None] * steps[None, :]
        rows = np.repeat(np.arange(stop - start), _SAMPLES)
        hour = ((points % DAY) // 3600).astype(np.int64).ravel()
        weekday = ((points // DAY + 3) % 7).astype(np.int64).ravel()  # 1970-01-01: a Thursday; Monday = 0
        np.add.at(hours[start:stop], (rows, hour), share)
        np.add.at(weekdays[start:stop], (rows, weekday), share)
    return hours, weekdays


class Evidence:
    """Computes pair features for one set of crimes (per-crime parts are prepared once)."""

    def __init__(self, crimes: Crimes):
        self.crimes = crimes
        self.hours, self.weekdays = time_shares(crimes.t_from, crimes.t_to)
        self.middle = (crimes.t_from + crimes.t_to) / 2

    @property
    def names(self) -> list[str]:
        names = ["distance", "days_apart", "time_of_day_overlap", "day_of_week_overlap"]
        names += [f"same_{column}" for column in self.crimes.categorical]
        if self.crimes.text is not None:
            names.append("mo_text_similarity")
        return names

    def pairs(self, left: np.ndarray, right: np.ndarray) -> pd.DataFrame:
        """Features of pairs ``(left[k], right[k])``, one row per pair, in ``names`` order."""
        blocks = [self._block(left[s : s + CHUNK], right[s : s + CHUNK]) for s in range(0, len(left), CHUNK)]
        if not blocks:
            return pd.DataFrame({name: np.zeros(0, np.float32) for name in self.names})
        return pd.DataFrame(np.concatenate(blocks), columns=self.names)

    def _block(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        c = self.crimes
        out = np.empty((len(a), len(self.names)), np.float32)
        out[:, 0] = np.log1p(np.hypot(c.x[a] - c.x[b], c.y[a] - c.y[b]))
        out[:, 1] = np.abs(self.middle[a] - self.middle[b]) / DAY
        out[:, 2] = np.minimum(self.hours[a], self.hours[b]).sum(axis=1)
        out[:, 3] = np.minimum(self.weekdays[a], self.weekdays[b]).sum(axis=1)
        col = 4
        for codes in c.categorical.values():
            ca, cb = codes[a], codes[b]
            out[:, col] = np.where((ca < 0) | (cb < 0), np.nan, ca == cb)
            col += 1
        if c.text is not None:
            ta, tb = c.text[a], c.text[b]
            similarity = np.asarray(ta.multiply(tb).sum(axis=1)).ravel()
            blank = (np.diff(ta.indptr) == 0) | (np.diff(tb.indptr) == 0)
            out[:, col] = np.where(blank, np.nan, similarity)
        return out


def describe(name: str, value: float) -> str:
    """A feature's value as an analyst would say it."""
    if value != value:  # NaN
        return "not recorded for both"
    if name == "distance":
        return f"{np.expm1(value):,.0f} m apart"
    if name == "days_apart":
        return f"{value:,.1f} days apart"
    if name in ("time_of_day_overlap", "day_of_week_overlap"):
        return f"{value:.0%} overlap"
    if name.startswith("same_"):
        return "same" if value >= 0.5 else "different"
    return f"{value:.2f}"
