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
from peelian.governance import audit, leads
from peelian.network import store
from peelian.network.centrality import centrality
from peelian.network.change import compare
from peelian.network.communities import communities
from peelian.network.draw import picture
from peelian.network.graph import build
from peelian.network.keyplayers import key_players
from peelian.search.service import MAX_AUDITED, check_purpose

LEAD_TYPE = "network_key_player"
VERSION = "1.0"
MAX_VIEW = 1_000  # people drawn at once: beyond this a browser canvas is a hairball, not a picture
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
    return build(edges, found.joined(edges))


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
    resolution: float = 1.0,
    view: int = 0,
) -> dict[str, Any]:
    """Communities (with stability), the most central people, and key players of the largest groups.

    ``resolution`` above 1 splits the network into smaller groups (a force-wide network of many
    small crews wants about 10); ``view`` > 0 adds up to that many people of the largest groups
    as Cytoscape elements for the interactive page."""
    check_purpose(purpose, case_ref)
    if not 1 <= top <= 500 or not 1 <= key <= 20 or not 1 <= groups <= 20:
        raise PeelianError("--top is 1 to 500, --key-players 1 to 20 and --groups 1 to 20")
    if not 0.01 <= resolution <= 100 or not 0 <= view <= MAX_VIEW:
        raise PeelianError(f"the resolution is 0.01 to 100 and the view 0 to {MAX_VIEW} people")
    found, edges = _edges(engine, kinds, since, until)
    graph = _graph(found, edges)
    parts = communities(graph, resolution=resolution)
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
                    {
                        "id": s.removed,
                        "label": _plain(table.at[s.removed, "label"]),
                        "fragmentation": s.fragmentation,
                        "largest_share": s.largest_share,
                    }
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
        "resolution": resolution,
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
    if view:
        players = {p["id"] for c in summary for p in c["key_players"]}
        shown = _largest_groups(parts.membership, np.asarray(table["degree"]), view)
        result["elements"] = _elements(graph, shown, table, players)
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


def _largest_groups(membership: np.ndarray, degree: np.ndarray, limit: int) -> np.ndarray:
    """Up to ``limit`` people, whole groups from the largest down (the best connected of the
    last group that does not fit whole)."""
    order = np.lexsort((-degree, membership))  # community 0 is the largest
    return np.sort(order[:limit])


def _elements(graph: ig.Graph, shown: np.ndarray, table: pd.DataFrame, players: set[str]) -> dict[str, Any]:
    """Cytoscape elements of the people ``shown`` (vertex indices) and the ties among them."""
    sub: ig.Graph = graph.induced_subgraph(shown.tolist())
    rows = table.iloc[shown]
    labels = sub.vs["label"] if "label" in sub.vs.attributes() else [None] * sub.vcount()
    nodes = [
        {
            "data": {
                "id": name,
                "label": label or name,
                "community": int(row["community"]),
                "degree": int(row["degree"]),
                "betweenness": round(float(row["betweenness"]), 5),
                "key_player": name in players,
            }
        }
        for name, label, (_, row) in zip(sub.vs["name"], labels, rows.iterrows(), strict=True)
    ]
    return {"nodes": nodes, "edges": _ties(sub), "people_in_network": graph.vcount()}


def _ties(sub: ig.Graph) -> list[dict[str, Any]]:
    names = sub.vs["name"]
    evidence = sub.es["evidence"] if "evidence" in sub.es.attributes() else [None] * sub.ecount()
    return [
        {
            "data": {
                "id": f"{names[e.source]}~{names[e.target]}",
                "source": names[e.source],
                "target": names[e.target],
                "kinds": e["kinds"],
                "weight": e["weight"],
                "records": e["records"],
                "confidence": round(e["confidence"], 3),
                "first_seen": e["first_seen"].isoformat() if e["first_seen"] else None,
                "last_seen": e["last_seen"].isoformat() if e["last_seen"] else None,
                "evidence": proof,
            }
        }
        for e, proof in zip(sub.es, evidence, strict=True)
    ]


def neighbourhood(
    engine: Engine,
    node: str,
    depth: int = 2,
    limit: int = 300,
    kinds: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """A person's associates to ``depth`` steps as Cytoscape elements, the nearest first; each
    person's ``distance`` is the steps from the centre. The caller audits who was shown."""
    if not 1 <= depth <= 3 or not 1 <= limit <= MAX_VIEW:
        raise PeelianError(f"the depth is 1 to 3 steps and the limit 1 to {MAX_VIEW} people")
    found, edges = _edges(engine, kinds, since, until)
    graph = _graph(found, edges)
    try:
        start = graph.vs.find(name=node).index
    except (ValueError, KeyError):
        raise NotFound(f"{node} has no associations in the store for that period and those kinds") from None
    distance = np.asarray(graph.distances(start)[0], dtype=float)
    near = np.flatnonzero(distance <= depth)
    shown = np.sort(near[np.argsort(distance[near], kind="stable")][:limit])  # the nearest, in graph order
    sub: ig.Graph = graph.induced_subgraph(shown.tolist())
    steps = dict(zip(sub.vs["name"], distance[shown], strict=True))
    labels = sub.vs["label"] if "label" in sub.vs.attributes() else [None] * sub.vcount()
    return {
        "centre": node,
        "depth": depth,
        "truncated": bool(len(near) > limit),
        "nodes": [
            {
                "data": {
                    "id": name,
                    "label": label or name,
                    "distance": int(steps[name]),
                    "degree": sub.degree(i),
                }
            }
            for i, (name, label) in enumerate(zip(sub.vs["name"], labels, strict=True))
        ],
        "edges": _ties(sub),
    }


def propose_key_players(engine: Engine, user: str, result: dict[str, Any]) -> list[str]:
    """Offer each key player of an analysis as a lead (unless one is already open or accepted):
    a disruption target is an algorithm's suggestion until a person accepts it with a reason."""
    holding = leads.held(engine, LEAD_TYPE)
    proposed = []
    for group in result["groups"]:
        before = group["fragmentation_before"]
        for order, player in enumerate(group["key_players"], start=1):
            if player["id"] in holding:
                continue
            explanation = (
                f"Key player {order} of group {group['community']} ({group['size']} people, seed stability "
                f"{group['stability'] or 0:.2f}) in a network of {result['nodes']:,} people and "
                f"{result['edges']:,} associations ({_kinds_text(result['kinds'])}). "
                f"Removing the key players up to this one raises the group's fragmentation "
                f"from {before:.2f} to {player['fragmentation']:.2f}; the largest remaining piece holds "
                f"{player['largest_share']:.0%} of the group. Associations rest on records that may be "
                "wrong or stale, and entity resolution may have merged two people: open the profile and "
                "check every association before acting."
            )
            proposed.append(
                leads.propose(
                    engine,
                    LEAD_TYPE,
                    f"Key player in group {group['community']}: {player['label'] or player['id']}"[:200],
                    explanation,
                    {
                        "model": "network-keyplayer",
                        "version": VERSION,
                        "inputs": {
                            "kinds": result["kinds"],
                            "resolution": result["resolution"],
                            "modularity": result["modularity"],
                        },
                    },
                    {"person": player["id"], "community": group["community"], "order": order},
                    float(player["fragmentation"] - before),
                    user,
                )
            )
            holding.add(player["id"])
    return proposed


def _kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {kind.replace('_', ' ')}" for kind, count in kinds.items())
