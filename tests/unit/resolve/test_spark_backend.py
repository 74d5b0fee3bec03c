"""The Spark backend, in local mode: the same spec trains and scores on Spark as on DuckDB."""

import importlib.util
import shutil

import pandas as pd
import pytest

from peelian.resolve.pipeline import resolve_frame

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="the Spark backend test needs pyspark and Java (pip install pyspark)",
)


@pytest.mark.slow
def test_spark_local_mode_resolves_like_duckdb(shared_data):
    frame = pd.read_csv(shared_data / "splink_entity_resolution" / "fake_1000.csv", dtype=str)
    frame = frame.rename(columns={"first_name": "forename", "city": "town"}).head(300)
    spark = resolve_frame(frame, backend="spark", count_candidates=False)
    duck = resolve_frame(frame, backend="duckdb", count_candidates=False)
    assert spark.clusters["cluster_id"].nunique() == pytest.approx(
        duck.clusters["cluster_id"].nunique(), rel=0.1
    )
