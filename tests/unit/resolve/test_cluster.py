"""Clustering under judgements, weak chains, and stable entity ids across re-runs."""

import pandas as pd

from peelian.resolve.cluster import cluster, weak_chains
from peelian.resolve.entities import assign


def _pairs(rows):
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


CHAIN = _pairs([("a", "b", 0.99), ("b", "c", 0.7), ("c", "d", 0.98), ("a", "c", 0.1)])


def _groups(labels: pd.Series) -> set[frozenset]:
    return {frozenset(g.index) for _, g in labels.groupby(labels)}


def test_threshold_clusters_are_connected_components():
    assert _groups(cluster("abcde", CHAIN, 0.5)) == {frozenset("abcd"), frozenset("e")}
    assert _groups(cluster("abcde", CHAIN, 0.8)) == {frozenset("ab"), frozenset("cd"), frozenset("e")}


def test_cannot_link_splits_the_chain_at_its_weakest_edge():
    labels = cluster("abcd", CHAIN, 0.5, cannot=[("a", "d")])
    assert _groups(labels) == {frozenset("ab"), frozenset("cd")}


def test_must_link_joins_records_the_model_kept_apart():
    labels = cluster("abcde", CHAIN, 0.8, must=[("b", "e")])
    assert _groups(labels) == {frozenset("abe"), frozenset("cd")}


def test_must_link_outranks_a_conflicting_chain():
    labels = cluster("abcd", CHAIN, 0.5, must=[("b", "c")], cannot=[("a", "c")])
    assert _groups(labels) == {frozenset("a"), frozenset("bcd")}


def test_weak_chains_are_member_pairs_the_model_scored_apart():
    labels = cluster("abcd", CHAIN, 0.5)
    weak = weak_chains(labels, CHAIN, 0.5)
    assert weak[["unique_id_l", "unique_id_r"]].values.tolist() == [["a", "c"]]


def test_ids_survive_a_rerun_and_new_clusters_get_new_ids():
    first = assign("person", pd.Series({"a": 0, "b": 0, "c": 1}), {}, set())
    again = assign("person", pd.Series({"a": 5, "b": 5, "c": 9}), first.entity_of, set(first.created))
    assert again.entity_of == first.entity_of
    assert again.created == [] and again.events == []


def test_a_merge_keeps_the_larger_id_and_retires_the_other():
    before = {"a": "pp_1", "b": "pp_1", "c": "pp_2"}
    merged = assign("person", pd.Series({"a": 0, "b": 0, "c": 0}), before, {"pp_1", "pp_2"})
    assert set(merged.entity_of.values()) == {"pp_1"}
    assert merged.retired == {"pp_2": "pp_1"}
    actions = {(e["entity_id"], e["action"]) for e in merged.events}
    assert actions == {("pp_2", "retire"), ("pp_1", "merge")}


def test_a_split_keeps_the_id_on_the_larger_part_and_records_it():
    before = {"a": "pp_1", "b": "pp_1", "c": "pp_1"}
    split = assign("person", pd.Series({"a": 0, "b": 0, "c": 1}), before, {"pp_1"})
    assert split.entity_of["a"] == split.entity_of["b"] == "pp_1"
    assert split.entity_of["c"] != "pp_1" and split.created == [split.entity_of["c"]]
    events = {e["action"]: e for e in split.events}
    assert events["split"]["entity_id"] == "pp_1" and events["split"]["records"] == ["c"]
    assert events["create"]["related"] == ["pp_1"]


def test_new_ids_do_not_depend_on_cluster_labels():
    one = assign("person", pd.Series({"x": 3, "y": 3}), {}, set())
    two = assign("person", pd.Series({"x": 8, "y": 8}), {}, set())
    assert one.entity_of == two.entity_of
