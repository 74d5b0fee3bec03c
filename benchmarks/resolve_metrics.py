"""Accuracy measures for the entity-resolution benchmark.

Pairwise scores count, among scored pairs at or above a threshold, the pairs whose records share a
true id; true pairs the blocking never produced count as misses. Cluster scores compare a
predicted clustering with the truth over every co-clustered pair (pair counting) and per record
(B-cubed); both come from the contingency table of (predicted, true) cluster sizes, so they never
enumerate pairs. Blocking recall tests the blocking rules on every true pair. When a side has no
pairs at all, its precision or recall is 1.
"""

from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, precision: float, recall: float) -> "Scores":
        return cls(
            precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 5) for k, v in asdict(self).items()}


def scores(hits: float, predicted: float, actual: float) -> Scores:
    """Precision, recall and F1 from the hit count and the predicted and actual totals."""
    return Scores.of(hits / predicted if predicted else 1.0, hits / actual if actual else 1.0)


def _pairs_within(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def true_pair_count(truth: pd.Series, source: pd.Series | None = None) -> int:
    """Pairs of records sharing a true id; given each record's source, only pairs across sources."""
    if source is None:
        return _pairs_within(truth.value_counts().to_numpy())
    per_truth = truth.value_counts().to_numpy().astype(np.int64)
    per_truth_source = pd.DataFrame({"t": truth.to_numpy(), "s": source.to_numpy()}).value_counts()
    same_source = per_truth_source.to_numpy().astype(np.int64)
    return int(((per_truth**2).sum() - (same_source**2).sum()) // 2)


def true_pairs_among(pairs: pd.DataFrame, truth: pd.Series) -> tuple[int, int]:
    """(distinct pairs, of which true) in ``pairs`` (``unique_id_l``, ``unique_id_r``); ``truth`` is
    the true id indexed by unique id."""
    left, right = pairs["unique_id_l"].to_numpy(), pairs["unique_id_r"].to_numpy()
    swap = left > right
    ordered = pd.DataFrame({"l": np.where(swap, right, left), "r": np.where(swap, left, right)})
    ordered = ordered.drop_duplicates()
    same = truth.reindex(ordered["l"]).to_numpy() == truth.reindex(ordered["r"]).to_numpy()
    return len(ordered), int(same.sum())


def pairwise_scores(pairs: pd.DataFrame, truth: pd.Series, threshold: float, n_true: int) -> Scores:
    """Scores of the pairs with ``match_probability`` >= ``threshold`` against ``n_true`` true pairs."""
    predicted, hits = true_pairs_among(pairs[pairs["match_probability"] >= threshold], truth)
    return scores(hits, predicted, n_true)


def cluster_labels(ids: pd.Series, clusters: pd.DataFrame) -> np.ndarray:
    """Predicted cluster code of each id, from ``clusters`` (``unique_id``, ``cluster_id``); an id
    missing from ``clusters`` is a cluster of its own."""
    assigned = clusters.set_index("unique_id")["cluster_id"].reindex(ids.to_numpy())
    codes, _ = pd.factorize(assigned)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def cluster_scores(predicted: np.ndarray, truth: np.ndarray) -> dict[str, Scores]:
    """Pair-counting (``pairs``) and B-cubed (``bcubed``) scores of one clustering against another,
    both given as one label per record."""
    p_codes, _ = pd.factorize(predicted)
    t_codes, _ = pd.factorize(truth)
    p_sizes, t_sizes = np.bincount(p_codes), np.bincount(t_codes)
    cell_keys, cells = np.unique(p_codes.astype(np.int64) * len(t_sizes) + t_codes, return_counts=True)
    cell_p, cell_t = cell_keys // len(t_sizes), cell_keys % len(t_sizes)
    pairs = scores(_pairs_within(cells), _pairs_within(p_sizes), _pairs_within(t_sizes))
    n = len(p_codes)
    squared = cells.astype(np.float64) ** 2
    bcubed = Scores.of((squared / p_sizes[cell_p]).sum() / n, (squared / t_sizes[cell_t]).sum() / n)
    return {"pairs": pairs, "bcubed": bcubed}


def blocking_recall(
    records: pd.DataFrame, rules: list[str], link_type: str, prepare: str = "*"
) -> tuple[int, float]:
    """(true pairs, share of them that any of the blocking ``rules`` produces). ``records`` holds
    ``unique_id``, ``truth`` and, to link, ``source_dataset``; ``prepare`` is a projection of it
    that makes the columns the rules read. Rules are SQL on ``l.`` and ``r.``, where ``l`` is the
    lower id (to link: the lower source), as Splink orders pairs."""
    con = duckdb.connect()
    con.register("raw", records)
    con.execute(f"create table records as select {prepare} from raw")
    order = "l.source_dataset < r.source_dataset" if link_type == "link_only" else "l.unique_id < r.unique_id"
    any_rule = " or ".join(f"({rule})" for rule in rules)
    total, found = con.execute(
        f"select count(*), count(*) filter (where {any_rule}) from records l join records r "
        f"on l.truth = r.truth and {order}"
    ).fetchone()
    con.close()
    return total, found / total if total else 1.0
