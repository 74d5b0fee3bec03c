"""Network analysis as an act on the store: build the association graph, find its communities,
rank its people, name the key players, and compare two periods.

The network names people and who they associate with, so every act needs a declared purpose and
is audited with the people it returned. Key players are sought inside the largest communities
(a disruption plan targets a group, not the whole force area).
"""

from datetime import datetime
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd
from sqlalchemy import Engine

from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.network import store
from peelian.network.centrality import centrality
from peelian.network.change import compare
from peelian.network.communities import communities
from peelian.network.draw import picture
from peelian.network.graph import build
from peelian.network.keyplayers import key_players
from peelian.search.service import MAX_AUDITED, check_purpose

MEASURES = ["degree", "strength", "betweenness", "eigenvector", "coreness", "constraint"]


def _edges(engine: Engine, kinds: list[str] | None, since: datetime | None, until: datetime | None):
    if kinds:
        unknown = sorted(set(kinds) - set(store.KINDS))
        if unknown:
            raise PeelianError(
                f"unknown association kind(s) {', '.join(unknown)}: choose from {', '.join(store.KINDS)}"
            )
    found = store.read(engine)
    edges = store.in_period(found.edges, since, until)
    if kinds:
        edges = edges[edges["kind"].isin(kinds)]
    if edges.empty:
        raise NotFound("no associations between people in the store for that period and those kinds")
    return found, edges


def _graph(found: store.Associations, edges: pd.DataFrame) -> ig.Graph:
    """The graph of ``edges``, its nodes labelled (only the people the edges join)."""
    joined = pd.concat([edges["source"], edges["target"]])
    return build(edges, found.nodes[found.nodes["id"].isin(joined)])


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and not np.isfinite(value) else value


def analyse(
    engine: Engine,
    user: str,
    purpose: str | None,
    case_ref: str | None,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = 20,
    key: int = 3,
    groups: int = 3,
    image: Path | None = None,
) -> dict[str, Any]:
    """Communities (with stability), the most central people, and key players of the largest groups."""
    check_purpose(purpose, case_ref)
    if not 1 <= top <= 500 or not 1 <= key <= 20 or not 1 <= groups <= 20:
        raise PeelianError("--top is 1 to 500, --key-players 1 to 20 and --groups 1 to 20")
    found, edges = _edges(engine, kinds, since, until)
    graph = _graph(found, edges)
    parts = communities(graph)
    table, methods = centrality(graph, parts.membership)
    table["label"] = graph.vs["label"] if "label" in graph.vs.attributes() else None
    ranked = table.sort_values(["betweenness", "degree"], ascending=False).head(top)
    stability = parts.stability()
    summary = []
    for community in range(min(groups, len(parts.sizes()))):
        members = np.flatnonzero(parts.membership == community)
        sub = graph.induced_subgraph(members.tolist())
        players = key_players(sub, min(key, max(sub.vcount() - 2, 1))) if sub.vcount() > 2 else None
        central = table.iloc[members].sort_values("degree", ascending=False).head(5)
        summary.append(
            {
                "community": community,
                "size": len(members),
                "stability": _plain(stability[community]),
                "most_connected": [
                    {"id": i, "label": r["label"], "degree": int(r["degree"])} for i, r in central.iterrows()
                ],
                "key_players": []
                if players is None
                else [
                    {"id": s.removed, "fragmentation": s.fragmentation, "largest_share": s.largest_share}
                    for s in players.steps[1:]
                ],
                "fragmentation_before": None if players is None else players.steps[0].fragmentation,
            }
        )
    if image is not None:
        drawn = picture(
            graph,
            parts.membership,
            np.asarray(table["betweenness"]),
            [p["id"] for c in summary for p in c["key_players"]],
            fmt=image.suffix.lstrip(".") or "png",
            title="Association network",
        )
        image.write_bytes(drawn)
    result = {
        "nodes": graph.vcount(),
        "edges": graph.ecount(),
        "edge_rows": len(edges),
        "kinds": edges["kind"].value_counts().to_dict(),
        "left_out_shared_items": found.left_out,
        "communities": len(parts.sizes()),
        "modularity": parts.modularity,
        "stability_ari": _plain(parts.ari),
        "groups": summary,
        "methods": methods,
        "top": [
            {"id": i, **{k: _plain(v) for k, v in r.items()}}
            for i, r in ranked[["label", "community", *MEASURES]].iterrows()
        ],
        "image": str(image) if image else None,
    }
    named = [r["id"] for r in result["top"]] + [p["id"] for c in summary for p in c["key_players"]]
    with engine.begin() as conn:
        audit.append(
            conn,
            user,
            "network.analyse",
            purpose=purpose,
            case_ref=case_ref,
            details={"kinds": kinds, "nodes": result["nodes"], "records": named[:MAX_AUDITED]},
        )
    return result


def change(
    engine: Engine,
    user: str,
    purpose: str | None,
    case_ref: str | None,
    split: datetime,
    kinds: list[str] | None = None,
    top: int = 10,
) -> dict[str, Any]:
    """The network before ``split`` against the network from it: who came, who went, who rose."""
    check_purpose(purpose, case_ref)
    _found, edges = _edges(engine, kinds, None, None)
    before = store.in_period(edges, None, split)
    after = store.in_period(edges, split, None)
    if before.empty or after.empty:
        raise NotFound("one of the two periods has no associations: choose another --split date")
    moved = compare(build(before), build(after), "degree")
    result = {
        "split": pd.Timestamp(split).isoformat(),
        "people_before": len(set(before["source"]) | set(before["target"])),
        "people_after": len(set(after["source"]) | set(after["target"])),
        "entered": len(moved.entered),
        "left": len(moved.left),
        "node_jaccard": moved.node_jaccard,
        "edge_jaccard": moved.edge_jaccard,
        "risers": moved.risers(top).reset_index().to_dict("records"),
        "fallers": moved.fallers(top).reset_index().to_dict("records"),
    }
    named = [r.get("id") for r in result["risers"] + result["fallers"]]
    with engine.begin() as conn:
        audit.append(
            conn,
            user,
            "network.change",
            purpose=purpose,
            case_ref=case_ref,
            details={"split": result["split"], "records": [n for n in named if n][:MAX_AUDITED]},
        )
    return result


def neighbourhood(engine: Engine, node: str, depth: int = 2, limit: int = 300) -> dict[str, Any]:
    """A person's associates to ``depth`` steps as Cytoscape elements (the strongest ties first)."""
    found, edges = _edges(engine, None, None, None)
    graph = _graph(found, edges)
    try:
        start = graph.vs.find(name=node).index
    except (ValueError, KeyError):
        raise NotFound(f"{node} has no associations in the store") from None
    near = graph.neighborhood(start, order=depth)[:limit]
    sub: ig.Graph = graph.induced_subgraph(near)
    return {
        "centre": node,
        "nodes": [
            {
                "data": {
                    "id": v["name"],
                    "label": (v["label"] if "label" in sub.vs.attributes() else None) or v["name"],
                }
            }
            for v in sub.vs
        ],
        "edges": [
            {
                "data": {
                    "source": sub.vs[e.source]["name"],
                    "target": sub.vs[e.target]["name"],
                    "kinds": e["kinds"],
                    "weight": e["weight"],
                    "confidence": round(e["confidence"], 3),
                }
            }
            for e in sub.es
        ],
    }
