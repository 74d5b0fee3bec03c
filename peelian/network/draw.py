"""A network picture for reports, as PNG or SVG bytes: people coloured by community and sized by a
centrality, key players outlined, the most central named.

A picture of thousands of people is a hairball, so a big network is cut to the neighbourhoods of
its most central people (at most ``max_nodes``), and the title says so. The layout is igraph's
Fruchterman-Reingold from a seeded start, so the same network always looks the same. Drawn with
matplotlib's object API (no pyplot, no display, no network access), as in ``forecast.plots``.
"""

import io
from collections.abc import Sequence

import igraph as ig
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from peelian.errors import PeelianError

DPI = 100
MAX_NODES = 150
PALETTE = colormaps["tab10"].colors
OTHER = "#bdbdbd"  # communities beyond the palette
KEY = "black"


def picture(
    graph: ig.Graph,
    membership: np.ndarray | None = None,
    size_by: np.ndarray | None = None,
    key_players: Sequence[str] = (),
    labels: int = 12,
    max_nodes: int = MAX_NODES,
    title: str = "",
    fmt: str = "png",
    seed: int = 0,
) -> bytes:
    """The picture of ``graph``; ``membership`` and ``size_by`` are per vertex (community numbers
    with 0 the largest, and a centrality; degree when None); ``labels`` names the most central."""
    if fmt not in ("png", "svg"):
        raise PeelianError(f"pictures are png or svg, not {fmt}")
    if graph.vcount() == 0:
        raise PeelianError("the network has no nodes to draw")
    score = np.asarray(graph.degree() if size_by is None else size_by, dtype=float)
    group = np.zeros(graph.vcount(), dtype=np.int64) if membership is None else np.asarray(membership)
    shown = _shown(graph, score, max_nodes)
    sub = graph.induced_subgraph(shown.tolist())
    score, group = score[shown], group[shown]
    names = np.asarray(sub.vs["name"] if "name" in sub.vs.attributes() else shown.astype(str), dtype=object)
    start = np.random.default_rng(seed).uniform(-1, 1, (sub.vcount(), 2))
    weights = "weight" if "weight" in sub.es.attributes() else None
    xy = np.asarray(sub.layout_fruchterman_reingold(weights=weights, seed=start.tolist(), niter=1000).coords)

    fig = Figure(figsize=(9, 8), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ends = np.asarray(sub.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    weight = np.asarray(sub.es[weights] if weights else np.ones(len(ends)), dtype=float)
    width = 0.4 + 1.6 * np.log1p(weight) / np.log1p(weight.max()) if len(ends) else []
    ax.add_collection(LineCollection(xy[ends], colors="#636363", linewidths=width, alpha=0.45, zorder=1))
    colours = [PALETTE[g] if g < len(PALETTE) else OTHER for g in group]
    size = 30 + 470 * np.sqrt(score / score.max()) if score.max() > 0 else np.full(len(score), 60.0)
    key = np.isin(names, list(key_players))
    on_top = np.argsort(size, kind="stable")  # the big (central) people drawn last, over the small
    ax.scatter(xy[on_top, 0], xy[on_top, 1], s=size[on_top], c=[colours[i] for i in on_top],
               edgecolors=np.where(key, KEY, "white")[on_top], linewidths=np.where(key, 2.5, 0.6)[on_top],
               zorder=2)  # fmt: skip
    for i in np.argsort(-score, kind="stable")[:labels]:
        ax.annotate(
            str(names[i]),
            xy[i],
            xytext=(5, 5),
            textcoords="offset points",
            fontsize=8,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )
    ax.set_axis_off()
    ax.margins(0.06)
    ax.set_aspect("equal")
    cut = (
        f" (the {sub.vcount():,} around the most central of {graph.vcount():,})"
        if sub.vcount() < graph.vcount()
        else ""
    )
    ax.set_title(f"{title}{cut}", fontsize=11)
    handles = [] if membership is None else [
        Line2D([], [], ls="", marker="o", color=PALETTE[g], label=f"community {g}")
        for g in sorted(set(group.tolist())) if g < len(PALETTE)
    ]  # fmt: skip
    if membership is not None and group.max() >= len(PALETTE):
        handles.append(Line2D([], [], ls="", marker="o", color=OTHER, label="smaller communities"))
    if key.any():
        handles.append(Line2D([], [], ls="", marker="o", mfc="white", mec=KEY, mew=2.5, label="key player"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(6, len(handles)), fontsize=8,
                   frameon=False)  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI)
    return buffer.getvalue()


def _shown(graph: ig.Graph, score: np.ndarray, max_nodes: int) -> np.ndarray:
    """All vertices of a small graph; of a big one, the most central and their associates, taken
    in order of centrality until ``max_nodes``."""
    if graph.vcount() <= max_nodes:
        return np.arange(graph.vcount())
    chosen: dict[int, None] = {}  # insertion-ordered set
    for centre in np.argsort(-score, kind="stable"):
        if len(chosen) >= max_nodes:
            break
        chosen[int(centre)] = None
        for friend in sorted(graph.neighbors(int(centre)), key=lambda v: -score[v]):
            if len(chosen) >= max_nodes:
                break
            chosen[friend] = None
    return np.sort(np.fromiter(chosen, dtype=np.int64))
