"""Churn of a top-N list between two refreshes: who entered, who left, who stayed and how they moved.

A priority list that changes wholesale every month cannot be worked (offender managers need time
with a cohort), and one that never changes may be ignoring new harm; churn makes that visible.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from peelian.errors import PeelianError


@dataclass(frozen=True)
class Churn:
    """entered and stayed are in current-rank order, left in previous-rank order; moves has
    offender, previous_rank, current_rank and move (positive: moved up the list)."""

    entered: list[str]
    left: list[str]
    stayed: list[str]
    jaccard: float  # |both| / |either|: 1 when the lists hold the same people
    moves: pd.DataFrame


def _ranks(ranking: pd.DataFrame | Sequence[str], top_n: int | None, which: str) -> dict[str, int]:
    """Offender -> rank, from a ranking table (offender, rank) or from ids listed best first."""
    if isinstance(ranking, pd.DataFrame):
        if not {"offender", "rank"} <= set(ranking.columns):
            raise PeelianError(f"the {which} ranking needs offender and rank columns")
        ordered = ranking.sort_values("rank")
        pairs = list(zip(ordered["offender"], ordered["rank"].astype(int), strict=True))
    else:
        pairs = [(offender, position) for position, offender in enumerate(ranking, start=1)]
    if len({offender for offender, _ in pairs}) != len(pairs):
        raise PeelianError(f"the {which} ranking lists an offender twice")
    return {offender: rank for offender, rank in pairs if top_n is None or rank <= top_n}


def churn(
    previous: pd.DataFrame | Sequence[str], current: pd.DataFrame | Sequence[str], top_n: int | None = None
) -> Churn:
    """Compare two rankings, each a table with offender and rank or a list of ids best first.

    ``top_n`` keeps ranks 1..top_n of each (None: the whole lists).
    """
    if top_n is not None and top_n < 1:
        raise PeelianError(f"top_n must be at least 1, not {top_n}")
    before, after = _ranks(previous, top_n, "previous"), _ranks(current, top_n, "current")
    stayed = sorted(before.keys() & after.keys(), key=after.__getitem__)
    either = before.keys() | after.keys()
    moves = pd.DataFrame(
        {
            "offender": stayed,
            "previous_rank": [before[o] for o in stayed],
            "current_rank": [after[o] for o in stayed],
        }
    )
    return Churn(
        entered=sorted(after.keys() - before.keys(), key=after.__getitem__),
        left=sorted(before.keys() - after.keys(), key=before.__getitem__),
        stayed=stayed,
        jaccard=len(stayed) / len(either) if either else 1.0,
        moves=moves.assign(move=moves["previous_rank"] - moves["current_rank"]),
    )
