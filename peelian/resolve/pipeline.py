"""The functional core of entity resolution: records in, scored pairs and clusters out.

No store here: the CLI, the web app, the store service and the benchmark all call this with a
frame, so what the benchmark measures is what a force runs.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from peelian.resolve import cluster as clustering
from peelian.resolve import features as feature_builder
from peelian.resolve import model as models
from peelian.resolve import spec as specs

log = logging.getLogger(__name__)


@dataclass
class Resolution:
    model: models.Model
    features: pd.DataFrame  # the comparison columns the pairs were scored on
    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_weight, match_probability (+ explain columns)
    clusters: pd.DataFrame  # unique_id, cluster_id
    threshold: float
    candidate_pairs: int | None
    weak_chains: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)


def resolve_frame(
    frame: pd.DataFrame,
    entity: str = "person",
    link_type: str = "dedupe_only",
    *,
    exact: tuple[str, ...] | list[str] = (),
    seed: int = 0,
    threshold: float | None = None,
    model: models.Model | None = None,
    labels: pd.DataFrame | None = None,
    must: list[tuple[str, str]] | None = None,
    cannot: list[tuple[str, str]] | None = None,
    explain: bool = False,
    count_candidates: bool = True,
    backend: str | None = None,
) -> Resolution:
    """Train (unless ``model`` is given), score, choose a threshold (unless given) and cluster."""
    exact = tuple(exact)
    spec = specs.load(entity)
    seconds: dict[str, Any] = {}
    start = time.perf_counter()
    feats = feature_builder.build(entity, frame, exact)
    seconds["features"] = time.perf_counter() - start
    if model is None:
        start = time.perf_counter()
        model = models.train(feats, spec, link_type, exact, labels=labels, seed=seed, backend=backend)
        seconds["train"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = models.predict(feats, model, explain=explain, backend=backend)
    seconds["predict"] = time.perf_counter() - start
    chosen = threshold if threshold is not None else model.threshold
    if chosen is None:
        chosen = models.choose_threshold(pairs["match_probability"])
    model.threshold = chosen
    start = time.perf_counter()
    labels_by_id = clustering.cluster(feats["unique_id"], pairs, chosen, must or (), cannot or ())
    clusters = pd.DataFrame({"unique_id": labels_by_id.index, "cluster_id": labels_by_id.to_numpy()})
    weak = clustering.weak_chains(labels_by_id, pairs, chosen)
    seconds["cluster"] = time.perf_counter() - start
    candidates = models.candidate_pairs(feats, model, backend) if count_candidates else None
    log.info(
        "%s: %d records, %d pairs scored, threshold %.3f, %d clusters",
        entity,
        len(feats),
        len(pairs),
        chosen,
        clusters["cluster_id"].nunique(),
    )
    return Resolution(model, feats, pairs, clusters, chosen, candidates, weak, seconds)
