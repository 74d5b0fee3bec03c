"""RFG: offender priority from the recency, frequency and gravity of offending.

Forces such as the Metropolitan Police and Northumbria Police prioritise offenders for integrated
offender management by scoring how recently each offended, how often, and how gravely, then
combining the three. Their own bands and weights are operational documents, so every setting here
is a documented, configurable Peelian default rather than a copy of any force's. Each component is
scaled to 0..1 and the score is their weighted mean, so a score splits exactly into three
contributions (``rfg_breakdown``) and the offences behind gravity are listed by ``breakdown``.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peelian.errors import PeelianError
from peelian.harm.indices import HarmIndex, as_index
from peelian.harm.scores import DAY_NS, ranked, totals, unmapped_report, weigh

COMPONENTS = ("recency", "frequency", "gravity")


@dataclass(frozen=True)
class RFGParams:
    """Settings for RFG. Every default is Peelian's choice, made for the reason given.

    window_days (365): offences older than this do not count at all; a year matches the annual
        review of offender-management cohorts.
    recency_bands (((30, 1.0), (90, 0.75), (180, 0.5), (365, 0.25))): days since the latest
        offence -> recency; within 30 days scores 1, within 90 scores 0.75, and so on; older than
        the last band scores 0. Bands rather than a curve, because a panel can state and defend them.
    recency_half_life_days (None): when set, recency is ``0.5 ** (days / half-life)`` instead of
        the bands, for a smooth fall with no cliff edges.
    frequency_cap (10): distinct events in the window at which frequency reaches 1.
    frequency_scale ("log"): ``log1p(events) / log1p(cap)``, so a second offence adds more than a
        tenth and volume alone cannot swamp the list; "linear" is ``events / cap``.
    gravity ("sum"): the index harm of the offences in the window, summed (total harm caused) or,
        with "max", the single gravest offence (how serious the offender can be).
    gravity_cap (None): the harm at which gravity reaches 1; None takes the cohort's highest.
        Gravity is ``log1p(harm) / log1p(cap)``: weights run from 1 to 5,475 days, and on a linear
        scale one homicide would flatten every other offender's gravity to nothing.
    weights ((1.0, 1.0, 1.0)): relative weight of recency, frequency and gravity in the weighted
        mean; equal, so no dimension dominates until a force decides it should.
    """

    window_days: float = 365.0
    recency_bands: tuple[tuple[float, float], ...] = ((30, 1.0), (90, 0.75), (180, 0.5), (365, 0.25))
    recency_half_life_days: float | None = None
    frequency_cap: int = 10
    frequency_scale: str = "log"
    gravity: str = "sum"
    gravity_cap: float | None = None
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)

    def __post_init__(self):
        days = [d for d, _ in self.recency_bands]
        problems = [
            (not self.window_days > 0, "window_days must be positive"),
            (not self.recency_bands or days != sorted(set(days)) or days[0] <= 0,
             "recency_bands must be (days, score) pairs with positive, increasing days"),
            (any(not 0 <= s <= 1 for _, s in self.recency_bands), "recency band scores must lie in 0..1"),
            (self.recency_half_life_days is not None and not self.recency_half_life_days > 0,
             "recency_half_life_days must be positive"),
            (not self.frequency_cap >= 1, "frequency_cap must be at least 1"),
            (self.frequency_scale not in ("log", "linear"), "frequency_scale must be 'log' or 'linear'"),
            (self.gravity not in ("sum", "max"), "gravity must be 'sum' or 'max'"),
            (self.gravity_cap is not None and not self.gravity_cap > 0, "gravity_cap must be positive"),
            (len(self.weights) != 3 or min(self.weights) < 0 or not sum(self.weights) > 0,
             "weights must be three numbers of zero or more, not all zero"),
        ]  # fmt: skip
        if wrong := [message for bad, message in problems if bad]:
            raise PeelianError("RFG settings: " + "; ".join(wrong))

    def recency(self, days: np.ndarray) -> np.ndarray:
        if self.recency_half_life_days is not None:
            return 0.5 ** (days / self.recency_half_life_days)
        limits = np.array([d for d, _ in self.recency_bands], float)
        scores = np.append([s for _, s in self.recency_bands], 0.0)
        return scores[np.searchsorted(limits, days, side="left")]

    def frequency(self, events: np.ndarray) -> np.ndarray:
        if self.frequency_scale == "linear":
            return np.minimum(events / self.frequency_cap, 1.0)
        return np.minimum(np.log1p(events) / np.log1p(self.frequency_cap), 1.0)


@dataclass(frozen=True)
class RFGScores:
    """The RFG table (one row per offender, rank 1 first), unweighted offences, and the settings."""

    table: pd.DataFrame
    unmapped: pd.DataFrame
    index: str
    as_of: pd.Timestamp
    params: RFGParams


def rfg(
    offences: pd.DataFrame, index: HarmIndex | str, as_of: object, params: RFGParams | None = None
) -> RFGScores:
    """Each offender's recency, frequency and gravity (raw and 0..1), the combined score and rank.

    Recency and frequency count every offence in the window, weighted or not (an unweighted
    offence still happened); gravity uses the weighted ones, undecayed (recency already rewards
    what is recent), and ``unmapped`` says how many were left out.
    """
    params = params or RFGParams()
    index = as_index(index)
    weighed = weigh(offences, index, as_of, params.window_days)
    table = totals(weighed, "offender")
    end = pd.Timestamp(as_of).tz_convert("UTC").as_unit("ns").value
    days = (end - table["last_offence"].dt.as_unit("ns").array.asi8) / DAY_NS
    if params.gravity == "sum":
        harm = table["harm"].to_numpy()
    else:
        groups = pd.factorize(weighed["offender"])[0]
        harm = np.zeros(len(table))
        np.maximum.at(harm, groups, np.nan_to_num(weighed["weight"].to_numpy(float)))
    cap = params.gravity_cap or float(harm.max(initial=0))
    gravity = np.minimum(np.log1p(harm) / np.log1p(cap), 1.0) if cap > 0 else np.zeros(len(table))
    parts = np.column_stack([params.recency(days), params.frequency(table["events"].to_numpy()), gravity])
    weights = np.asarray(params.weights, float) / sum(params.weights)
    table = table.assign(
        days_since_last=days,
        gravity_harm=harm,
        **dict(zip(COMPONENTS, parts.T, strict=True)),
        score=parts @ weights,
    )
    first = ["offender", "score", *COMPONENTS, "days_since_last", "events", "gravity_harm"]
    table = ranked(table[first + [c for c in table.columns if c not in first]], "offender", by="score")
    return RFGScores(
        table, unmapped_report(weighed, index), index.name, pd.Timestamp(as_of).tz_convert("UTC"), params
    )


def rfg_breakdown(scores: RFGScores, offender: str) -> pd.DataFrame:
    """One offender's score as three rows: what was measured, its 0..1 value, its weight in the
    mean and its contribution; the contributions sum to the score."""
    row = scores.table[scores.table["offender"] == offender]
    if row.empty:
        raise PeelianError(f"{offender!r} has no offences in the RFG window")
    row = row.iloc[0]
    params = scores.params
    measures = [
        f"{row['days_since_last']:.1f} days since the latest offence",
        f"{row['events']} distinct events in {params.window_days:g} days",
        f"{row['gravity_harm']:.2f} harm ({params.gravity} of the offence weights)",
    ]
    weights = np.asarray(params.weights, float) / sum(params.weights)
    values = row[list(COMPONENTS)].to_numpy(float)
    return pd.DataFrame(
        {
            "component": COMPONENTS,
            "measure": measures,
            "value": values,
            "weight": weights,
            "contribution": values * weights,
        }
    )
