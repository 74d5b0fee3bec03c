"""Clusters of records from scored pairs, under people's must-link and cannot-link judgements.

Pairs at or above the threshold are joined strongest first (Kruskal order); a join that would put
two records an analyst judged different into one cluster is refused, so a cannot-link splits a
chain at its weakest point rather than wherever it happens to be found. Must-links join first,
whatever their score. Without cannot-links this is exactly connected components, computed by
scipy in one pass; the ordered union runs only on the components a cannot-link touches.

A cluster can hold two records the model scored as different, joined through a third (A-B-C where
A and C disagree). Those weak chains are reported, not silently kept: they are what a reviewer
should look at first.
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


class _Sets:
    """Union-find that refuses unions across a cannot-link."""

    def __init__(self, n: int, cannot: dict[int, set[int]]) -> None:
        self.parent = list(range(n))
        self.cannot = {k: set(v) for k, v in cannot.items()}

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in {self.find(x) for x in self.cannot.get(ra, ())}:
            return False
        self.parent[rb] = ra
        self.cannot.setdefault(ra, set()).update(self.cannot.pop(rb, set()))
        return True


def cluster(
    ids: Iterable[str],
    pairs: pd.DataFrame,
    threshold: float,
    must: Iterable[tuple[str, str]] = (),
    cannot: Iterable[tuple[str, str]] = (),
) -> pd.Series:
    """Cluster number per record id (every id gets one; singletons their own)."""
    index = pd.Index(pd.unique(np.asarray(list(ids), dtype=object)))
    n = len(index)
    strong = pairs[pairs["match_probability"] >= threshold]
    left = index.get_indexer(strong["unique_id_l"])
    right = index.get_indexer(strong["unique_id_r"])
    score = strong["match_probability"].to_numpy(dtype=float)
    must_l, must_r = _positions(index, must)
    cannot_l, cannot_r = _positions(index, cannot)
    keep = (left >= 0) & (right >= 0)
    left, right, score = left[keep], right[keep], score[keep]
    all_left = np.concatenate([left, must_l])
    all_right = np.concatenate([right, must_r])
    labels = _components(n, all_left, all_right)
    if len(cannot_l):
        all_score = np.concatenate([score, np.full(len(must_l), 2.0)])  # must-links join first
        labels = _respect_cannot(labels, all_left, all_right, all_score, cannot_l, cannot_r)
    return pd.Series(labels, index=index, name="cluster")


def _positions(index: pd.Index, pairs: Iterable[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(pairs)
    if not pairs:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    left = index.get_indexer([a for a, _ in pairs])
    right = index.get_indexer([b for _, b in pairs])
    keep = (left >= 0) & (right >= 0)
    return left[keep], right[keep]


def _respect_cannot(
    labels: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    score: np.ndarray,
    cannot_l: np.ndarray,
    cannot_r: np.ndarray,
) -> np.ndarray:
    """Re-cluster, strongest edge first, the components that hold a cannot-link pair."""
    broken = set(labels[cannot_l][labels[cannot_l] == labels[cannot_r]].tolist())
    if not broken:
        return labels
    members = np.flatnonzero(np.isin(labels, list(broken)))
    local = {int(g): i for i, g in enumerate(members)}
    cannot: dict[int, set[int]] = {}
    for a, b in zip(cannot_l.tolist(), cannot_r.tolist(), strict=True):
        if a in local and b in local:
            cannot.setdefault(local[a], set()).add(local[b])
            cannot.setdefault(local[b], set()).add(local[a])
    sets = _Sets(len(members), cannot)
    inside = np.isin(left, members)
    edge_l, edge_r, edge_score = left[inside], right[inside], score[inside]
    for i in np.argsort(-edge_score, kind="stable"):
        sets.union(local[int(edge_l[i])], local[int(edge_r[i])])
    out = labels.copy()
    top = labels.max() + 1
    roots = np.array([sets.find(i) for i in range(len(members))])
    out[members] = top + roots
    return out


def weak_chains(clusters: pd.Series, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Scored pairs below the threshold whose records nonetheless share a cluster."""
    weak = pairs[pairs["match_probability"] < threshold]
    same = weak["unique_id_l"].map(clusters).to_numpy() == weak["unique_id_r"].map(clusters).to_numpy()
    out = weak.loc[same, ["unique_id_l", "unique_id_r", "match_probability"]].copy()
    out["cluster"] = out["unique_id_l"].map(clusters)
    return out.reset_index(drop=True)
