"""Training and scoring: a Splink (Fellegi-Sunter) model per entity type.

Training is unsupervised (u from random pairs, m by expectation maximisation in sessions that each
block on some fields and learn the others), with pairs people judged to match added as a labelled
estimate of m. The trained model is Splink's own JSON, stored and versioned, so scoring later,
incrementally or on another engine gives the same weights.

The match threshold is chosen without ground truth: it is the one that maximises the F1 the model
itself expects, counting each scored pair's probability as its chance of being a true match. A
well-calibrated model's expected F1 tracks the real one, and the choice adapts to how separable a
data set is rather than being one fixed number.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from splink import Linker

from peelian.config import get_settings
from peelian.errors import PeelianError
from peelian.resolve import spec as specs
from peelian.resolve.features import to_arrow

log = logging.getLogger(__name__)
# Splink logs every untrained level and chunk at INFO/WARNING; our own log says what matters.
logging.getLogger("splink").setLevel(logging.ERROR)

U_PAIRS = 2_000_000  # random pairs for u: a few million settle u to three figures
EM_PAIRS = 2_000_000  # blocked pairs per EM session; more adds time, not accuracy
THRESHOLD_BOUNDS = (0.5, 0.995)  # never auto-link a pair the model thinks a coin toss
DEFAULT_FLOOR = 0.01
M_SMOOTHING = 0.005  # pairs below this are not kept: they cannot be links or review items


@dataclass
class Model:
    """A trained model: Splink's settings JSON plus what Peelian chose around it."""

    entity: str
    link_type: str
    settings: dict[str, Any]
    threshold: float | None = None
    exact: tuple[str, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)


def db_api(backend: str | None = None) -> Any:
    """The Splink engine: DuckDB in process, or Spark (local mode unless a session exists)."""
    settings = get_settings()
    backend = backend or settings.resolve_backend
    if backend == "duckdb":
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        connection = duckdb.connect(":memory:")
        connection.execute(f"SET memory_limit = '{settings.resolve_memory_gb:g}GB'")
        connection.execute("SET preserve_insertion_order = false")
        return DuckDBAPI(connection)
    if backend == "spark":
        try:
            from pyspark.sql import SparkSession
            from splink.backends.spark import SparkAPI
        except ImportError:
            raise PeelianError("the spark backend needs pyspark (pip install pyspark) and Java") from None
        spark = SparkSession.builder.master("local[*]").appName("peelian-resolve").getOrCreate()
        return SparkAPI(spark_session=spark)
    raise PeelianError(f"unknown entity-resolution backend {backend!r}: duckdb or spark")


def _linker(api: Any, frames: list[pd.DataFrame], settings: Any) -> Linker:
    tables = [api.register(to_arrow(frame)) for frame in frames]
    return Linker(tables[0] if len(tables) == 1 else tables, settings, log_level=logging.ERROR)


def _split(features: pd.DataFrame, link_type: str) -> list[pd.DataFrame]:
    if link_type == "dedupe_only":
        return [features]
    if "source_dataset" not in features.columns:
        raise PeelianError(f"{link_type} needs a source_dataset column")
    return [group for _, group in features.groupby("source_dataset", sort=True)]


def available(features: pd.DataFrame) -> set[str]:
    """Columns that hold something: an empty column would train to nonsense."""
    return {c for c in features.columns if features[c].notna().any()}


def train(
    features: pd.DataFrame,
    spec: specs.Spec,
    link_type: str = "dedupe_only",
    exact: tuple[str, ...] = (),
    labels: pd.DataFrame | None = None,
    seed: int = 0,
    backend: str | None = None,
) -> Model:
    """Estimate the model's parameters from the records (and judged matches in ``labels``:
    unique_id_l, unique_id_r, plus source_dataset_l/_r when linking)."""
    if len(features) < 2:
        raise PeelianError("training needs at least two records")
    cols = available(features)
    api = db_api(backend)
    linker = _linker(api, _split(features, link_type), specs.settings(spec, cols, link_type, exact))
    deterministic = specs.deterministic_rules(spec, cols)
    if deterministic:
        training = linker.training
        training.estimate_probability_two_random_records_match(deterministic, spec.deterministic_recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    sessions = []
    for rule in specs.training_blocks(spec, cols):
        try:
            # Each session re-estimates the prior from its blocked pairs: the deterministic rules'
            # guess alone was ten times too low on heavily corrupted data (fake_1000).
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                max_pairs=EM_PAIRS,
                populate_probability_two_random_records_match_from_trained_values=True,
            )
            sessions.append(rule.get_blocking_rule("duckdb").blocking_rule_sql)
        except Exception as exc:  # Splink raises a bare exception for a block with no pairs
            log.warning("EM session blocked on %s skipped: %s", rule, exc)
    labelled = 0
    if labels is not None and len(labels):
        table = api.register(labels.reset_index(drop=True))
        linker.training.estimate_m_from_pairwise_labels(table.physical_name)
        labelled = len(labels)
    model = Model(spec.entity, link_type, smooth(linker.misc.save_model_to_json()), exact=exact)
    model.report = {"em_sessions": sessions, "labelled_pairs": labelled, "records": len(features)}
    return model


def smooth(settings: dict[str, Any], alpha: float = M_SMOOTHING) -> dict[str, Any]:
    """Add-alpha smoothing of each comparison's m probabilities. EM on a field few records hold
    (email, PNC id) can drive a level's m to zero, and one disagreement then outweighs every
    other field (a weight of -99); no real evidence is that absolute."""
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        trained = [lv for lv in levels if lv.get("m_probability") is not None]
        total = sum(lv["m_probability"] for lv in trained) + alpha * len(trained)
        for level in trained:
            level["m_probability"] = (level["m_probability"] + alpha) / total
    return settings


def predict(
    features: pd.DataFrame,
    model: Model,
    floor: float = DEFAULT_FLOOR,
    explain: bool = False,
    backend: str | None = None,
) -> pd.DataFrame:
    """Scored candidate pairs at or above ``floor``; with ``explain``, each comparison's match
    weight (mw_*, mw_tf_adj_*), for waterfalls."""
    settings = dict(model.settings, retain_intermediate_calculation_columns=explain)
    linker = _linker(db_api(backend), _split(features, model.link_type), settings)
    scored = linker.inference.predict(threshold_match_probability=floor)
    pairs = scored.as_pandas_dataframe()
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    if model.link_type != "dedupe_only":
        keep += ["source_dataset_l", "source_dataset_r"]
    if explain:
        keep += [c for c in pairs.columns if c.startswith("mw_")]
    return pairs[keep]


def candidate_pairs(features: pd.DataFrame, model: Model, backend: str | None = None) -> int:
    """How many pairs blocking makes: the cost of a run, and the ceiling of its recall (counted
    exactly up to 200,000 records, estimated from a 5% sample above)."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    api = db_api(backend)
    tables = [api.register(to_arrow(f)) for f in _split(features, model.link_type)]
    records = count_comparisons_from_blocking_rules(
        tables[0] if len(tables) == 1 else tables,
        blocking_rules=model.settings["blocking_rules_to_generate_predictions"],
        link_type=model.link_type,
        record_sample_proportion=1.0 if len(features) <= 200_000 else 0.05,
    )
    return int(records[-1]["cumulative_comparison_count"]) if records else 0


def choose_threshold(probabilities: np.ndarray | pd.Series) -> float:
    """The threshold that maximises the model's own expected F1 over the scored pairs."""
    p = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    if not len(p) or p.sum() <= 0:
        return THRESHOLD_BOUNDS[1]
    expected_tp = np.cumsum(p)
    expected_f1 = 2 * expected_tp / (np.arange(1, len(p) + 1) + p.sum())
    best = float(p[int(np.argmax(expected_f1))])
    return float(np.clip(best, *THRESHOLD_BOUNDS))
