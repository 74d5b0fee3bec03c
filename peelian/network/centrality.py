"""Who matters in a network, and how: one row per person, one column per measure.

- degree (distinct associates) and strength (summed association weight);
- betweenness: the share of shortest paths between other pairs that pass through a person, the
  broker who could cut or control flows. Paths count hops: weights measure how strong a tie is, not
  how far apart two people are, and the published covert-network studies use binary ties. Exact
  (Brandes: a search from every node, nodes x edges steps) while that is within ``PATH_BUDGET``
  steps (about 3 s: 5,000 people with 25,000 ties); above, estimated from the searches out of as
  many random pivots as the budget allows, at least ``PIVOTS``, scaled up (Brandes & Pich 2007):
  unbiased, and on a million people and five million ties 64 pivots take about a minute;
- eigenvector centrality (weighted, maximum 1): tied to well-tied people. Measured on the whole
  graph, so outside the component holding the top person it is near 0;
- coreness: the deepest k-core a person belongs to, the cohesive centre of the network;
- Burt's constraint (weighted) and effective size (non-redundant associates, Borgatti 1997):
  brokers have low constraint and an effective size close to their degree;
- with communities, Gould & Fernandez brokerage roles: for every pair of a person's associates
  who are not tied to each other, whether the person links them within one group (coordinator), two
  members of another group (consultant), their own group to another (gatekeeper; undirected ties do
  not tell it from the representative) or two other groups (liaison).

``centrality`` also returns how each measure was computed, for the lead's explanation.
"""

import warnings

import igraph as ig
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import eigsh

PATH_BUDGET = 1.2e8  # search steps (nodes searched from x edges) betweenness may take before sampling
PIVOTS = 64  # the fewest source nodes of a sampled estimate
EIGEN_NODES = 5_000  # igraph's eigenvector centrality up to this; scipy's solver above
ROLES = ("coordinator", "consultant", "gatekeeper", "liaison")


def centrality(
    graph: ig.Graph,
    membership: np.ndarray | None = None,
    budget: float = PATH_BUDGET,
    pivots: int = PIVOTS,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Every measure per vertex, indexed by vertex ``name``, and how each was computed. Brokerage
    roles need ``membership`` (a community per vertex, as from ``communities``)."""
    weights = "weight" if "weight" in graph.es.attributes() else None
    degree = np.asarray(graph.degree())
    between, how = betweenness(graph, budget, pivots, seed)
    eigenvector, eigen_how = _eigenvector(graph, weights)
    table = pd.DataFrame(
        {
            "degree": degree,
            "strength": graph.strength(weights=weights),
            "betweenness": between,
            "eigenvector": eigenvector,
            "coreness": graph.coreness(),
            "constraint": graph.constraint(weights=weights),
            "effective_size": _effective_size(graph, degree),
        },
        index=pd.Index(
            graph.vs["name"] if "name" in graph.vs.attributes() else range(graph.vcount()), name="id"
        ),
    )
    methods = {
        "degree": "distinct associates",
        "strength": "sum of association weights" if weights else "unweighted: equals degree",
        "betweenness": how,
        "eigenvector": f"{eigen_how}, scaled to a maximum of 1",
        "coreness": "k-core shell index",
        "constraint": "Burt, weighted" if weights else "Burt",
        "effective_size": "Burt, binary ties (Borgatti 1997)",
    }
    if membership is not None:
        table["community"] = membership
        for role, counts in zip(ROLES, brokerage(graph, np.asarray(membership)), strict=True):
            table[role] = counts
        methods["brokerage"] = (
            "Gould-Fernandez roles across communities, undirected (open pairs of associates)"
        )
    return table, methods


def betweenness(
    graph: ig.Graph, budget: float = PATH_BUDGET, pivots: int = PIVOTS, seed: int = 0
) -> tuple[np.ndarray, dict]:
    """Betweenness by hops, normalised to the share of other pairs (0..1), and how it was computed."""
    n, m = graph.vcount(), max(graph.ecount(), 1)
    pairs = (n - 1) * (n - 2) / 2 if n > 2 else 1.0
    if n * m <= budget:
        return np.asarray(graph.betweenness(directed=False)) / pairs, {"method": "exact", "paths": "hops"}
    count = min(n, max(pivots, int(budget // m)))
    sources = np.random.default_rng(seed).choice(n, size=count, replace=False)
    partial = np.asarray(graph.betweenness(directed=False, sources=sources.tolist()))
    how = {"method": "sampled pivots (Brandes-Pich)", "pivots": len(sources), "seed": seed, "paths": "hops"}
    return partial * (n / len(sources)) / pairs, how


def brokerage(graph: ig.Graph, membership: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per vertex, how many unlinked pairs of its associates it brokers in each of ``ROLES``.

    Counted without listing 2-paths: all pairs of associates follow from how many associates a person
    has in each group, and the linked pairs (triangles) are taken away, so the cost is the edges plus
    the triangles, not the sum of squared degrees."""
    n = graph.vcount()
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    ego = np.concatenate([ends[:, 0], ends[:, 1]])
    other = np.concatenate([ends[:, 1], ends[:, 0]])
    groups = int(membership.max()) + 1
    keys, per_group = np.unique(ego * groups + membership[other], return_counts=True)
    person, group = keys // groups, keys % groups
    own = group == membership[person]
    inside = np.bincount(person[own], weights=per_group[own], minlength=n)  # associates in own group
    outside = np.bincount(person, weights=per_group, minlength=n) - inside
    same_other = np.bincount(person[~own], weights=per_group[~own] * (per_group[~own] - 1) / 2, minlength=n)
    squares_other = np.bincount(person[~own], weights=per_group[~own] ** 2, minlength=n)
    totals = np.stack(
        [
            inside * (inside - 1) / 2,  # coordinator
            same_other,  # consultant: both in one other group
            inside * outside,  # gatekeeper
            (outside**2 - squares_other) / 2,  # liaison: two different other groups
        ]
    )
    triangles = np.asarray(graph.list_triangles(), dtype=np.int64).reshape(-1, 3)
    for k in range(3):  # each corner of a triangle brokers nothing between the other two
        b, a, c = triangles[:, k], triangles[:, (k + 1) % 3], triangles[:, (k + 2) % 3]
        ga, gb, gc = membership[a], membership[b], membership[c]
        role = np.where(
            (ga == gb) & (gc == gb), 0, np.where(ga == gc, 1, np.where((ga == gb) | (gc == gb), 2, 3))
        )
        np.subtract.at(totals, (role, b), 1)
    return tuple(np.rint(totals).astype(np.int64))


def _eigenvector(graph: ig.Graph, weights: str | None) -> tuple[np.ndarray, str]:
    """igraph's on small graphs; above ``EIGEN_NODES``, scipy's Lanczos solver on the adjacency
    matrix, three times faster than igraph's on a million nodes (11-16 s against 47 s)."""
    if graph.ecount() == 0:
        return np.zeros(graph.vcount()), "no ties: 0"
    how = "weighted" if weights else "unweighted"
    if graph.vcount() <= EIGEN_NODES:
        with warnings.catch_warnings():  # igraph warns on disconnected graphs; see the module's docstring
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.asarray(graph.eigenvector_centrality(weights=weights, scale=True)), f"{how}, igraph"
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    value = np.asarray(graph.es[weights], dtype=float) if weights else np.ones(len(ends))
    adjacency = sparse.coo_matrix(
        (
            np.concatenate([value, value]),
            (np.concatenate([ends[:, 0], ends[:, 1]]), np.concatenate([ends[:, 1], ends[:, 0]])),
        ),
        shape=(graph.vcount(),) * 2,
    ).tocsr()
    vector = np.abs(eigsh(adjacency, k=1, which="LA", tol=1e-6)[1][:, 0])
    return vector / vector.max(), f"{how}, scipy eigsh (tol 1e-6)"


def _effective_size(graph: ig.Graph, degree: np.ndarray) -> np.ndarray:
    """Degree less the redundancy among the associates: n - 2t/n = n - C(n - 1), with t the ties
    among them and C the local clustering coefficient."""
    clustering = np.asarray(graph.transitivity_local_undirected(mode="zero"))
    return degree - clustering * np.maximum(degree - 1, 0)
