"""The network core on small graphs whose answers can be worked out by hand."""

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from peelian.errors import PeelianError
from peelian.network import (
    betweenness,
    build,
    centrality,
    communities,
    compare,
    fragmentation,
    key_players,
    picture,
    read_matrix,
)
from peelian.network.draw import _shown
from peelian.network.graph import EVIDENCE_CHARS
from peelian.network.keyplayers import _fragmentation_without_each

T0 = pd.Timestamp("2024-03-04", tz="UTC")
DAY = pd.Timedelta(days=1)


def _edges(pairs: list[tuple[str, str]], **columns) -> pd.DataFrame:
    frame = pd.DataFrame(pairs, columns=["source", "target"])
    defaults = {
        "kind": "co_offending",
        "weight": 1.0,
        "confidence": 1.0,
        "first_seen": pd.NaT,
        "last_seen": pd.NaT,
    }
    for name, value in {**defaults, **columns}.items():
        frame[name] = value
    return frame


def _named(graph: ig.Graph) -> ig.Graph:
    graph.vs["name"] = [str(i) for i in range(graph.vcount())]
    return graph


def _two_cliques() -> ig.Graph:
    """Two 4-cliques, {0,1,2,3} and {4,5,6,7}, joined by the bridge 3-4."""
    graph = ig.Graph.Full(4) + ig.Graph.Full(4)
    graph.add_edge(3, 4)
    return _named(graph)


def test_rows_for_one_pair_become_one_edge_with_combined_evidence():
    edges = pd.DataFrame(
        {
            "source": ["a", "b", "a", "c", "d"],
            "target": ["b", "a", "c", "d", "d"],
            "kind": ["shared_address", "co_offending", "intelligence", "shared_phone", "co_offending"],
            "weight": [1.0, 2.0, 1.0, 0.5, 1.0],
            "confidence": [0.5, 0.6, 1.0, 0.2, 0.9],
            "first_seen": [T0, T0 - 3 * DAY, pd.NaT, pd.NaT, T0],
            "last_seen": [T0, T0 + 3 * DAY, pd.NaT, T0, T0],
            "evidence": ["r1;r2", "r3", None, "r4", "r5"],
        }
    )
    graph = build(edges, pd.DataFrame({"id": ["a", "z"], "label": ["Alice", "Zed"]}))
    assert graph.vs["name"] == ["a", "z", "b", "c", "d"]  # the node table's order first; z is an isolate
    assert graph.vs["label"] == ["Alice", "Zed", None, None, None]
    assert graph.ecount() == 3  # d-d (a self-pair from entity resolution) is dropped
    ab = graph.es[graph.get_eid(graph.vs.find(name="a"), graph.vs.find(name="b"))]
    assert ab["weight"] == 3.0 and ab["records"] == 2
    assert ab["confidence"] == pytest.approx(1 - 0.5 * 0.4)
    assert ab["kinds"] == "co_offending;shared_address"
    assert ab["first_seen"] == T0 - 3 * DAY and ab["last_seen"] == T0 + 3 * DAY
    assert ab["evidence"] == "r1;r2;r3"
    ac = graph.es[graph.get_eid(graph.vs.find(name="a"), graph.vs.find(name="c"))]
    assert ac["confidence"] == 1.0 and ac["first_seen"] is None and ac["evidence"] is None


def test_evidence_is_capped_and_left_out_when_absent():
    many = _edges([("a", "b")] * 50, evidence=[f"record-{i:04d}" for i in range(50)])
    evidence = build(many).es[0]["evidence"]
    assert len(evidence) <= EVIDENCE_CHARS and evidence.endswith("…") and evidence.startswith("record-0000;")
    assert "evidence" not in build(_edges([("a", "b")])).es.attributes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.drop(columns=["weight", "kind"]), "lack the column(s) kind, weight"),
        (lambda e: e.iloc[:0], "no association edges"),
        (lambda e: e.assign(weight=[1.0, 0.0]), "weights must be positive numbers; 1 are not"),
        (lambda e: e.assign(weight=[1.0, -2.0]), "weights must be positive"),
        (lambda e: e.assign(confidence=[1.5, 1.0]), "confidences must be above 0 and at most 1"),
        (lambda e: e.assign(source=[None, "a"]), "needs a source, a target and a kind"),
        (lambda e: e.assign(target=e["source"]), "links an entity to itself"),
    ],
)
def test_bad_edges_are_refused_in_plain_words(change, message):
    with pytest.raises(PeelianError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(change(_edges([("a", "b"), ("b", "c")])))


def test_matrices_sum_both_directions_unless_symmetric(tmp_path):
    directed = tmp_path / "calls.csv"
    directed.write_text('\ufeff"players","1","2","3"\n"1",0,3,0\n"2",2,0,0\n"3",0,0,0\n', encoding="utf-8")
    edges, nodes = read_matrix(directed, "intelligence")
    assert edges[["source", "target", "weight"]].values.tolist() == [["1", "2", 5.0]]
    assert nodes["id"].tolist() == ["1", "2", "3"]  # 3 has no ties but stays a node
    assert build(edges, nodes).vcount() == 3
    levels = tmp_path / "gang.csv"
    levels.write_text(",a,b\na,0,4\nb,4,0\n")
    assert read_matrix(levels, "co_offending")[0]["weight"].tolist() == [4.0]
    (tmp_path / "two_mode.csv").write_text(",x,y\na,1,0\n")
    with pytest.raises(PeelianError, match="not a square matrix"):
        read_matrix(tmp_path / "two_mode.csv", "co_offending")


def test_a_stars_centre_has_all_the_betweenness():
    table, methods = centrality(_named(ig.Graph.Star(6)))
    assert table["betweenness"].idxmax() == "0" and table.loc["0", "betweenness"] == pytest.approx(1.0)
    assert (table["betweenness"].drop("0") == 0).all()
    assert methods["betweenness"]["method"] == "exact"
    assert table.loc["0", "constraint"] == pytest.approx(0.2) and table.loc["0", "effective_size"] == 5


def test_sampled_betweenness_says_so_and_with_every_pivot_is_exact():
    graph = ig.Graph.Famous("Zachary")
    exact, how = betweenness(graph)
    sampled, sampled_how = betweenness(graph, budget=10, pivots=34)
    assert how["method"] == "exact" and sampled_how["pivots"] == 34 and "sampled" in sampled_how["method"]
    np.testing.assert_allclose(sampled, exact)
    assert betweenness(graph, budget=78 * 20, pivots=5)[1]["pivots"] == 20  # as many as the budget allows
    estimate, _ = betweenness(graph, budget=10, pivots=12)
    assert np.corrcoef(estimate, exact)[0, 1] > 0.5


def test_coreness_of_a_clique_with_a_pendant():
    graph = ig.Graph.Full(5)
    graph.add_vertex()
    graph.add_edge(4, 5)
    table, _ = centrality(_named(graph))
    assert table["coreness"].tolist() == [4, 4, 4, 4, 4, 1]
    assert table["degree"].tolist() == [4, 4, 4, 4, 5, 1]


def test_two_cliques_make_two_stable_communities_with_the_bridge_as_gatekeepers():
    graph = _two_cliques()
    for engine in ("leidenalg", "igraph"):
        parts = communities(graph, engine=engine, seeds=5)
        assert parts.membership.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
        assert parts.ari == 1.0 and parts.nmi == pytest.approx(1.0)
        assert parts.stability().tolist() == [1.0, 1.0] and (parts.consistency == 1).all()
        assert parts.modularity == pytest.approx(graph.modularity(parts.membership.tolist()))
    table, methods = centrality(graph, parts.membership)
    assert table.loc[["3", "4"], "gatekeeper"].tolist() == [3, 3]  # a clique's three and the far bridge end
    assert table[["coordinator", "consultant", "liaison"]].to_numpy().sum() == 0
    assert "brokerage" in methods


def test_the_bridge_ends_are_the_key_players_with_exact_fragmentation():
    players = key_players(_two_cliques(), 2)
    assert players.nodes == ["3", "4"]
    before, first, second = players.steps
    assert before.fragmentation == 0 and before.largest_share == 1
    assert before.distance_fragmentation == pytest.approx(
        1 - 38 / 56
    )  # 24 pairs at 1 hop, 2 at 1, 12 at 2, 18 at 3
    assert first.fragmentation == pytest.approx(1 - (3 * 2 + 4 * 3) / (7 * 6))
    assert first.components == 2 and first.largest == 4 and first.largest_share == 0.5
    assert second.fragmentation == pytest.approx(1 - (3 * 2 + 3 * 2) / (6 * 5))
    assert players.table()["fragmentation"].is_monotonic_increasing


def test_fragmentation_of_every_removal_matches_removing_it():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(3, 25))
        graph = ig.Graph(n, rng.integers(0, n, (int(rng.integers(0, 2 * n)), 2)).tolist()).simplify()
        slow = []
        for v in range(n):
            rest = graph.copy()
            rest.delete_vertices(v)
            slow.append(fragmentation(np.asarray(rest.connected_components().sizes())))
        np.testing.assert_allclose(_fragmentation_without_each(graph), slow)


def test_change_between_two_periods():
    before = build(_edges([("a", "b"), ("b", "c"), ("b", "d")]))
    after = build(_edges([("b", "c"), ("c", "d"), ("c", "e"), ("c", "a")]))
    moved = compare(before, after, "degree")
    assert moved.entered == ["e"] and moved.left == []
    assert moved.node_jaccard == pytest.approx(4 / 5)
    assert moved.edges_left.values.tolist() == [["a", "b"], ["b", "d"]]
    assert sorted(map(tuple, moved.edges_entered.values.tolist())) == [("a", "c"), ("c", "d"), ("c", "e")]
    assert moved.edge_jaccard == pytest.approx(1 / 6)
    assert moved.ranks.loc["c", "rank_before"] == 2 and moved.ranks.loc["c", "rank_after"] == 1
    assert moved.risers().index.tolist() == ["c"] and moved.fallers().index[0] == "b"
    with pytest.raises(PeelianError, match="unknown centrality measure"):
        compare(before, after, "fame")


def test_pictures_are_written_as_png_and_svg(tmp_path):
    graph = _two_cliques()
    parts = communities(graph)
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        path = tmp_path / f"network.{fmt}"
        path.write_bytes(picture(graph, parts.membership, None, ["3", "4"], title="two cliques", fmt=fmt))
        assert path.stat().st_size > 1000 and path.read_bytes().startswith(magic)
    with pytest.raises(PeelianError, match="png or svg"):
        picture(graph, fmt="gif")


def test_a_big_network_is_cut_to_the_neighbourhoods_of_its_most_central():
    graph = _named(ig.Graph.Barabasi(400, 2))
    score = np.asarray(graph.degree(), dtype=float)
    shown = _shown(graph, score, 50)
    assert len(shown) == 50 and int(np.argmax(score)) in shown
    assert picture(graph, max_nodes=50).startswith(b"\x89PNG")
