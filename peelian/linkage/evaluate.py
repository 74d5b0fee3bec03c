"""Honest evaluation of crime linkage: train on some offenders, test on offenders never seen.

Crimes are split by co-offending group (connected components of the crime-offender graph), so no
test offender, partner or series is seen in training. Per split, over all pairs of solved test
crimes: ROC AUC, the true-link rate at a 5% false-positive rate, and for each test crime with a
linked crime, whether one is ranked in the top 10 / 50 of the other solved test crimes (``hit10``,
``hit50``) and, stricter, of every other crime held, solved or not, test or training (``hit10_all``).
Porter's naive Bayes runs on the same splits, so the comparison is like for like.
"""

from collections.abc import Callable, Iterable

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import roc_auc_score, roc_curve

from peelian.linkage.baseline import NaiveBayes
from peelian.linkage.crimes import Crimes
from peelian.linkage.features import Evidence
from peelian.linkage.model import LinkageModel

METRICS = ("auc", "tpr5", "hit10", "hit50", "hit10_all", "hit50_all")


def cooffending_groups(crimes: Crimes, extra: Iterable[tuple[str, str]] = ()) -> np.ndarray:
    """Group label per crime (-1: unsolved). ``extra`` (offender, crime id) rows may name crimes
    outside ``crimes``: they still join offenders into one group (offender histories)."""
    rows = [(o, cid) for cid, offenders in zip(crimes.ids, crimes.offenders, strict=True) for o in offenders]
    rows += list(extra)
    if not rows:
        return np.full(len(crimes), -1)
    crime_index = {c: i for i, c in enumerate(dict.fromkeys(c for _, c in rows))}
    offender_index = {o: i for i, o in enumerate(dict.fromkeys(o for o, _ in rows))}
    n = len(crime_index) + len(offender_index)
    graph = coo_matrix(
        (
            np.ones(len(rows)),
            ([crime_index[c] for _, c in rows], [len(crime_index) + offender_index[o] for o, _ in rows]),
        ),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    return np.array(
        [labels[crime_index[c]] if offs else -1 for c, offs in zip(crimes.ids, crimes.offenders, strict=True)]
    )


def linked(crimes: Crimes, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether each pair shares a known offender."""
    offenders = crimes.offenders
    return np.fromiter(
        (bool(offenders[a] & offenders[b]) for a, b in zip(left, right, strict=True)), bool, len(left)
    )


def tpr_at(truth: np.ndarray, score: np.ndarray, fpr: float = 0.05) -> float:
    rates, hits, _ = roc_curve(truth, score)
    return float(np.interp(fpr, rates, hits))


def _hits(score: np.ndarray, links: np.ndarray, queries: np.ndarray, pool: np.ndarray) -> dict[int, float]:
    """Share of query crimes with a linked crime ranked in the top k of ``pool`` (k = 10, 50)."""
    found: dict[int, list[bool]] = {10: [], 50: []}
    for c in queries:
        candidates = pool & (np.arange(len(pool)) != c)
        if not links[c, candidates].any():
            continue
        s = np.where(candidates, score[c], -np.inf)
        best_link = s[links[c] & candidates].max()
        rank = int((s > best_link).sum())  # ties counted in the crime's favour only once: strictly greater
        for k in found:
            found[k].append(rank < k)
    return {k: float(np.mean(v)) if v else float("nan") for k, v in found.items()}


def _metrics(
    score: np.ndarray, truth_matrix: np.ndarray, test: np.ndarray, solved: np.ndarray
) -> dict[str, float]:
    left, right = np.nonzero(np.triu(np.outer(test & solved, test & solved), 1))
    truth, values = truth_matrix[left, right], score[left, right]
    queries = np.flatnonzero(test & solved)
    strict = _hits(score, truth_matrix, queries, np.ones(len(test), bool))
    pooled = _hits(score, truth_matrix, queries, test & solved)
    return {
        "auc": float(roc_auc_score(truth, values)), "tpr5": tpr_at(truth, values),
        "hit10": pooled[10], "hit50": pooled[50], "hit10_all": strict[10], "hit50_all": strict[50],
        "test_crimes": int((test & solved).sum()), "test_pairs": len(truth), "test_links": int(truth.sum()),
    }  # fmt: skip


def _spread(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.nanmean(values)), "sd": float(np.nanstd(values))}


def evaluate(
    crimes: Crimes,
    groups: np.ndarray,
    splits: int = 50,
    test_share: float = 0.3,
    seed: int = 2016,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Model and baseline over ``splits`` random group splits; seeds are ``seed + split``."""
    n = len(crimes)
    left, right = np.triu_indices(n, 1)
    evidence = Evidence(crimes).pairs(left, right)
    truth = linked(crimes, left, right)
    truth_matrix = np.zeros((n, n), bool)
    truth_matrix[left, right] = truth_matrix[right, left] = truth
    solved = groups >= 0
    labels = np.unique(groups[solved])
    runs: dict[str, list[dict]] = {"model": [], "baseline": []}
    for split in range(splits):
        rng = np.random.default_rng(seed + split)
        test_groups = rng.choice(labels, round(test_share * len(labels)), replace=False)
        test = np.isin(groups, test_groups) & solved
        train = solved & ~test
        training = train[left] & train[right]
        model = LinkageModel.fit(evidence[training], truth[training])
        baseline = NaiveBayes().fit(evidence[training], truth[training])
        for name, scorer in (("model", model.log_odds), ("baseline", baseline.log_odds)):
            score = np.full((n, n), -np.inf)
            values = scorer(evidence)
            score[left, right] = score[right, left] = values
            runs[name].append(_metrics(score, truth_matrix, test, solved) | {"seed": seed + split})
        if progress:
            progress(split + 1)
    summary = {name: {m: _spread([r[m] for r in rows]) for m in METRICS} for name, rows in runs.items()}
    return {"splits": splits, "test_share": test_share, "seeds": [seed, seed + splits - 1],
            "crimes": n, "solved": int(solved.sum()), "linked_pairs": int(truth.sum()),
            "features": list(evidence.columns), "summary": summary, "runs": runs}  # fmt: skip
