"""From scored pairs to series, related crimes and likely offenders.

Series are communities of the graph of crimes joined by linkage probability, found by Leiden with
the constant Potts model: a group of crimes stays together only while the average probability
linking its members (unscored pairs count as 0) exceeds ``strictness``. Unlike joining every pair
above a threshold, one strong link cannot chain two series into one.
"""

from collections import defaultdict
from dataclasses import dataclass

import igraph as ig
import leidenalg
import numpy as np

from peelian.errors import PeelianError

MIN_PROBABILITY = 0.05  # weaker pairs are left out of the graph: they could not hold a series together


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    strictness: float = 0.3,
    seed: int = 0,
) -> np.ndarray:
    """A series label per crime; crimes in no series of two or more get -1."""
    if not 0 < strictness < 1:
        raise PeelianError("strictness is a probability between 0 and 1 (higher: tighter series)")
    keep = probability >= max(MIN_PROBABILITY, strictness / 2)
    graph = ig.Graph(n=n, edges=np.column_stack([left[keep], right[keep]]).tolist(), directed=False)
    graph.es["weight"] = probability[keep].tolist()
    partition = leidenalg.find_partition(
        graph, leidenalg.CPMVertexPartition, weights="weight", resolution_parameter=strictness, seed=seed
    )
    labels = np.asarray(partition.membership)
    sizes = np.bincount(labels)
    labels = np.where(sizes[labels] >= 2, labels, -1)
    _, relabel = np.unique(labels, return_inverse=True)  # dense 0..k-1, -1 kept first
    return np.where(labels >= 0, relabel - (labels.min() < 0), -1)


@dataclass(frozen=True)
class Suspect:
    offender: str
    probability: float  # strongest link between the crime and one of the offender's crimes
    combined: float  # 1 - prod(1 - p) over all their crimes: more corroborating links rank higher on ties
    crimes: list[tuple[int, float]]  # (crime index, probability), strongest first


def offenders(
    probability: np.ndarray, candidates: np.ndarray, known: list[frozenset[str]], limit: int = 10
) -> list[Suspect]:
    """Known offenders ranked for one crime, from its linkage to each of their solved crimes."""
    by_offender: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, p in zip(candidates, probability, strict=True):
        for offender in known[index]:
            by_offender[offender].append((int(index), float(p)))
    ranked = []
    for offender, links in by_offender.items():
        links.sort(key=lambda item: -item[1])
        combined = 1.0 - float(np.prod([1.0 - p for _, p in links]))
        ranked.append(Suspect(offender, links[0][1], combined, links[:5]))
    ranked.sort(key=lambda s: (-s.probability, -s.combined, s.offender))
    return ranked[:limit]
