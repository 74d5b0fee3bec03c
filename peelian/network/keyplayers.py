"""Key players for disruption (Borgatti's KPP-Neg): whom to remove so the network falls apart most.

Fragmentation F = 1 - sum_k s_k (s_k - 1) / (n (n - 1)) over the sizes s_k of the components left
is the share of pairs of the remaining n people who can no longer reach each other: 0 when all are
connected, 1 when nobody is. Choosing the best set is NP-hard, so people are removed greedily, each
time the one whose removal raises F most (ties: most associates in the original network).

Each greedy step is exact over every node, with no pruning of candidates, at the cost of one pass
over the graph: removing a node that is not a cut vertex only shrinks its component by one, and the
pieces a cut vertex leaves are read off the block-cut tree of the biconnected components (the
subtree sizes below it, and the rest of its component). On small graphs the distance-weighted
fragmentation (1 - mean 1/distance over pairs, Borgatti 2006) is reported too: it also sees people
left connected only by long chains.
"""

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from peelian.errors import PeelianError

DISTANCE_NODES = 2_000  # distance-weighted fragmentation at or below: it needs all-pairs distances


@dataclass(frozen=True)
class Step:
    removed: str | None  # None: the network before any removal
    fragmentation: float
    distance_fragmentation: float | None  # None on graphs above DISTANCE_NODES
    components: int
    largest: int  # people in the largest component left
    largest_share: float  # of everyone in the original network


@dataclass(frozen=True)
class KeyPlayers:
    steps: list[Step]  # the network as it is, then after each removal in turn

    @property
    def nodes(self) -> list[str]:
        return [step.removed for step in self.steps[1:] if step.removed is not None]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([vars(step) for step in self.steps])


def fragmentation(sizes: np.ndarray) -> float:
    """F of a network whose components have ``sizes``: 1 - connected ordered pairs / all pairs."""
    n = int(np.sum(sizes))
    if n < 2:
        return 0.0
    return 1.0 - float(np.sum(sizes * (sizes - 1.0))) / (n * (n - 1.0))


def distance_fragmentation(graph: ig.Graph) -> float:
    """1 - the mean over ordered pairs of 1/distance (0 for unreachable pairs), by hops."""
    n = graph.vcount()
    if n < 2:
        return 0.0
    with np.errstate(divide="ignore"):
        closeness = 1.0 / np.asarray(graph.distances(), dtype=float)
    return 1.0 - float(closeness[np.isfinite(closeness)].sum()) / (n * (n - 1.0))  # the diagonal is inf


def key_players(graph: ig.Graph, k: int = 3) -> KeyPlayers:
    """The ``k`` people whose removal, one after another, fragments ``graph`` most."""
    if k < 1:
        raise PeelianError("ask for at least one key player")
    if graph.vcount() < 3:
        raise PeelianError("key players need a network of three or more people")
    k = min(k, graph.vcount() - 2)
    total = graph.vcount()
    names = graph.vs["name"] if "name" in graph.vs.attributes() else [str(i) for i in range(total)]
    degree = np.asarray(graph.degree())
    ids = np.arange(total)  # original vertex id of each vertex of the shrinking copy
    current = graph.copy()
    steps = [_step(current, None, total)]
    for _ in range(k):
        after = _fragmentation_without_each(current)
        pick = int(np.lexsort((ids, -degree[ids], -after))[0])
        current.delete_vertices(pick)
        steps.append(_step(current, names[ids[pick]], total))
        ids = np.delete(ids, pick)
    return KeyPlayers(steps)


def _step(graph: ig.Graph, removed: str | None, total: int) -> Step:
    sizes = np.asarray(graph.connected_components().sizes())
    return Step(
        removed,
        fragmentation(sizes),
        distance_fragmentation(graph) if graph.vcount() <= DISTANCE_NODES else None,
        len(sizes),
        int(sizes.max()),
        float(sizes.max()) / total,
    )


def _fragmentation_without_each(graph: ig.Graph) -> np.ndarray:
    """F of the graph after removing each vertex alone, for all vertices in one pass."""
    n = graph.vcount()
    parts = graph.connected_components()
    sizes = np.asarray(parts.sizes(), dtype=float)
    size = sizes[np.asarray(parts.membership)]  # of each vertex's component
    linked = float(np.sum(sizes * (sizes - 1)))
    pieces = (size - 1) * (size - 2)  # removing a vertex that cuts nothing
    cut, split = _cut_pieces(graph, size)
    pieces[cut] = split
    return 1.0 - (linked - size * (size - 1) + pieces) / ((n - 1.0) * (n - 2.0))


def _cut_pieces(graph: ig.Graph, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cut vertices, and for each, sum s (s - 1) over the pieces its removal leaves of its
    component: the subtrees hanging below it in the rooted block-cut tree, and the rest."""
    blocks, cuts = graph.biconnected_components(return_articulation_points=True)
    cuts = np.asarray(cuts, dtype=np.int64)
    if len(cuts) == 0:
        return cuts, np.zeros(0)
    count = len(blocks)
    tree_of = np.full(graph.vcount(), -1, dtype=np.int64)
    tree_of[cuts] = count + np.arange(len(cuts))  # tree nodes: blocks first, then cut vertices
    members = np.concatenate([np.asarray(block, dtype=np.int64) for block in blocks])
    block_of = np.repeat(np.arange(count), [len(block) for block in blocks])
    is_cut = tree_of[members] >= 0
    weight = np.concatenate([np.bincount(block_of[~is_cut], minlength=count), np.ones(len(cuts))])
    nodes = count + len(cuts)
    root = nodes  # a virtual root above one node of every tree, so one search covers the forest
    links = np.column_stack([block_of[is_cut], tree_of[members[is_cut]]])
    forest = ig.Graph(n=nodes, edges=links)
    firsts = np.unique(np.asarray(forest.connected_components().membership), return_index=True)[1]
    tree = ig.Graph(
        n=nodes + 1, edges=np.vstack([links, np.column_stack([np.full(len(firsts), root), firsts])])
    )
    order, layers, parent = tree.bfs(root)
    order, parent = np.asarray(order), np.asarray(parent)
    below = np.concatenate([weight, [0.0]])  # people in each node's subtree, itself included
    for start, stop in zip(layers[-2:0:-1], layers[:1:-1], strict=True):  # deepest layer first
        layer = order[start:stop]
        np.add.at(below, parent[layer], below[layer])
    children = order[layers[2] :] if len(layers) > 2 else np.zeros(0, dtype=np.int64)
    children = children[parent[children] >= count]  # blocks hanging below a cut vertex
    split = np.zeros(nodes + 1)
    np.add.at(split, parent[children], below[children] * (below[children] - 1))
    cut_nodes = count + np.arange(len(cuts))
    rest = size[cuts] - below[cut_nodes]  # the part of the component above the cut vertex
    return cuts, split[cut_nodes] + rest * (rest - 1)
