"""How a network changed between two periods: who and which ties came and went, and who rose or
fell in importance among the people present in both.

Ranks are taken within each period's own network (1 = most central, ties share the best rank), so a
shift compares positions, not raw scores, which depend on the network's size.
"""

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from peelian.errors import PeelianError
from peelian.network.centrality import betweenness

MEASURES = ("degree", "strength", "betweenness")


@dataclass(frozen=True)
class Change:
    measure: str
    entered: list[str]  # people only in the later network
    left: list[str]  # people only in the earlier one
    edges_entered: pd.DataFrame  # source, target (sorted pair) of ties only in the later network
    edges_left: pd.DataFrame
    node_jaccard: float  # people in both / people in either
    edge_jaccard: float
    ranks: pd.DataFrame  # people in both: score and rank before and after, shift (> 0: rose)

    def risers(self, top: int = 5) -> pd.DataFrame:
        return self.ranks[self.ranks["shift"] > 0].nlargest(top, "shift")

    def fallers(self, top: int = 5) -> pd.DataFrame:
        return self.ranks[self.ranks["shift"] < 0].nsmallest(top, "shift")


def compare(before: ig.Graph, after: ig.Graph, measure: str = "degree") -> Change:
    """The change from ``before`` to ``after`` (vertices matched by ``name``), ranking people by
    ``measure`` (degree, strength or betweenness)."""
    if measure not in MEASURES:
        raise PeelianError(f"unknown centrality measure {measure!r}; use one of {', '.join(MEASURES)}")
    old, new = _scores(before, measure), _scores(after, measure)
    edges_old, edges_new = _edges(before), _edges(after)
    both = edges_old.merge(edges_new, how="outer", on=["source", "target"], indicator=True)
    ranks = pd.DataFrame({"score_before": old, "rank_before": old.rank(ascending=False, method="min")}).join(
        pd.DataFrame({"score_after": new, "rank_after": new.rank(ascending=False, method="min")}), how="inner"
    )
    ranks["shift"] = ranks["rank_before"] - ranks["rank_after"]
    return Change(
        measure,
        sorted(set(new.index) - set(old.index)),
        sorted(set(old.index) - set(new.index)),
        both.loc[both["_merge"] == "right_only", ["source", "target"]].reset_index(drop=True),
        both.loc[both["_merge"] == "left_only", ["source", "target"]].reset_index(drop=True),
        _jaccard(len(ranks), len(old) + len(new) - len(ranks)),
        _jaccard(int((both["_merge"] == "both").sum()), len(both)),
        ranks.astype({"rank_before": int, "rank_after": int, "shift": int}),
    )


def _scores(graph: ig.Graph, measure: str) -> pd.Series:
    if measure == "betweenness":
        values = betweenness(graph)[0]
    elif measure == "strength":
        values = graph.strength(weights="weight" if "weight" in graph.es.attributes() else None)
    else:
        values = graph.degree()
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(graph.vs["name"], name="id"))


def _edges(graph: ig.Graph) -> pd.DataFrame:
    """Each tie once, as a (source, target) pair of names in sorted order."""
    names = np.asarray(graph.vs["name"], dtype=object)
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    a, b = names[ends[:, 0]], names[ends[:, 1]]
    swap = a > b
    return pd.DataFrame({"source": np.where(swap, b, a), "target": np.where(swap, a, b)}).drop_duplicates()


def _jaccard(shared: int, union: int) -> float:
    return shared / union if union else 1.0
