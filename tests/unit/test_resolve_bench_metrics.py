"""The entity-resolution benchmark's accuracy measures, on cases small enough to count by hand."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.resolve_metrics import (
    blocking_recall,
    cluster_labels,
    cluster_scores,
    pairwise_scores,
    scores,
    true_pair_count,
)

TRUTH = pd.Series(["a", "a", "a", "b", "b"], index=["1", "2", "3", "4", "5"])


def test_true_pairs_within_one_source():
    assert true_pair_count(pd.Series(["a", "a", "a", "b", "b", "c"])) == 4


def test_true_pairs_across_sources_only():
    truth = pd.Series(["x", "x", "x", "y", "y"])
    source = pd.Series(["A", "B", "B", "A", "A"])
    assert true_pair_count(truth, source) == 2


def test_pairwise_counts_each_pair_once_and_blocking_losses_as_misses():
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["1", "2", "1", "3", "4"],
            "unique_id_r": ["2", "1", "4", "2", "5"],
            "match_probability": [0.9, 0.95, 0.8, 0.4, 0.7],
        }
    )
    result = pairwise_scores(pairs, TRUTH, 0.5, true_pair_count(TRUTH))
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(2 / 4)
    assert result.f1 == pytest.approx(4 / 7)


def test_no_pairs_on_a_side_scores_one():
    assert scores(0, 0, 0) == scores(5, 5, 5)
    assert scores(0, 0, 3).recall == 0 and scores(0, 0, 3).f1 == 0


def test_cluster_pair_counting_and_bcubed():
    result = cluster_scores(np.array([1, 1, 2, 2, 2]), np.array(["a", "a", "a", "b", "b"]))
    assert result["pairs"].precision == pytest.approx(2 / 4)
    assert result["pairs"].recall == pytest.approx(2 / 4)
    assert result["pairs"].f1 == pytest.approx(0.5)
    assert result["bcubed"].precision == pytest.approx(11 / 15)
    assert result["bcubed"].recall == pytest.approx(11 / 15)
    assert result["bcubed"].f1 == pytest.approx(11 / 15)


def test_perfect_clustering_scores_one_whatever_the_labels():
    result = cluster_scores(np.array([7, 7, 3, 3, 9]), np.array(["a", "a", "b", "b", "c"]))
    assert result["pairs"].f1 == 1.0
    assert result["bcubed"].f1 == pytest.approx(1.0)


def test_records_missing_from_the_clusters_are_singletons():
    clusters = pd.DataFrame({"unique_id": ["1", "2"], "cluster_id": ["x", "x"]})
    labels = cluster_labels(pd.Series(["1", "2", "3", "4"]), clusters)
    assert labels[0] == labels[1]
    assert len({labels[0], labels[2], labels[3]}) == 3


def test_blocking_recall_dedupe_with_a_prepared_column():
    records = pd.DataFrame(
        {
            "unique_id": ["1", "2", "3", "4"],
            "truth": ["a", "a", "b", "b"],
            "name": ["Ann", "ann", "Bob", "Rob"],
        }
    )
    assert blocking_recall(records, ["l.name = r.name"], "dedupe_only") == (2, 0.0)
    assert blocking_recall(records, ["l.low = r.low"], "dedupe_only", "*, lower(name) as low") == (2, 0.5)


def test_blocking_recall_link_counts_only_pairs_across_sources():
    records = pd.DataFrame(
        {
            "unique_id": ["1", "2", "3"],
            "source_dataset": ["A", "B", "B"],
            "truth": ["a", "a", "a"],
            "name": ["x", "x", "y"],
        }
    )
    assert blocking_recall(records, ["l.name = r.name", "l.name = 'z'"], "link_only") == (2, 0.5)
