"""Crime linkage benchmark: Porter's crimelinkage data under a by-offender-group protocol, and a
scale run on synthetic crimes with planted series.

    python -m benchmarks.linkage [--splits 50] [--scale 1000000]

Evaluation: 50 random 70/30 splits by co-offending group (seeds 2016..2065); per split, over all
pairs of solved test crimes, ROC AUC and the true-link rate at 5% false positives; for each test
crime with a linked crime, whether one ranks in the top 10 / 50 of the other solved test crimes
(hit10, hit50) and, stricter, of all 489 other crimes (hit10_all, hit50_all). Porter's naive Bayes
runs on the same splits. Scale: candidate generation, scoring and series clustering of N crimes,
timed, with the peak resident memory of the process, and how well the planted series come back.
"""

import argparse
import json
import time
from math import comb

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks.common import ROOT, peak_rss_mb, shared_data
from peelian.linkage import series
from peelian.linkage.candidates import candidate_pairs
from peelian.linkage.crimes import Crimes, from_frame
from peelian.linkage.evaluate import cooffending_groups, evaluate, linked
from peelian.linkage.features import Evidence
from peelian.linkage.model import LinkageModel
from peelian.linkage.service import training_pairs
from peelian.synth.series import planted_series

console = Console()
TRAIN_CRIMES = 50_000  # solved synthetic crimes the scale run's model learns from


def load_porter() -> tuple[Crimes, list[tuple[str, str]]]:
    """Porter's 490 crimes (aoristic windows, three MO fields) and all 1,507 crime-offender rows."""
    folder = shared_data() / "crimelinkage"
    crimes = pd.read_csv(folder / "crimes.csv", dtype=str, keep_default_na=False)
    offenders = pd.read_csv(folder / "offenders.csv", dtype=str)

    def moment(day: pd.Series, hhmm: pd.Series) -> pd.Series:  # "2400" is midnight at the day's end
        hhmm = hhmm.str.zfill(4)
        minutes = hhmm.str[:2].astype(int) * 60 + hhmm.str[2:].astype(int)
        return pd.to_datetime(day, utc=True) + pd.to_timedelta(minutes, unit="min")

    by_crime = offenders.groupby("crimeID")["offenderID"].apply(frozenset)
    frame = pd.DataFrame(
        {
            "id": crimes["crimeID"],
            "x": crimes["X"].astype(float),
            "y": crimes["Y"].astype(float),
            "t_from": moment(crimes["DATE_FROM"], crimes["TIME_FROM"]),
            "t_to": moment(crimes["DATE_TO"], crimes["TIME_TO"]),
            "MO1": crimes["MO1"],
            "MO2": crimes["MO2"],
            "MO3": crimes["MO3"],
            "offenders": [by_crime.get(c, frozenset()) for c in crimes["crimeID"]],
        }
    )
    rows = list(zip(offenders["offenderID"], offenders["crimeID"], strict=True))
    return from_frame(frame, ["MO1", "MO2", "MO3"], offender="offenders"), rows


def porter(splits: int) -> dict:
    crimes, rows = load_porter()
    groups = cooffending_groups(crimes, rows)
    started = time.perf_counter()
    report = evaluate(crimes, groups, splits=splits)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _pairs_within(labels: np.ndarray) -> int:
    counts = np.bincount(labels[labels >= 0])
    return int(sum(comb(int(c), 2) for c in counts if c > 1))


def recovery(found: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Pairwise precision and recall of the series found against the planted ones."""
    in_series = found >= 0
    both = pd.DataFrame({"f": found[in_series], "t": truth[in_series]}).value_counts()
    agree = int(sum(comb(int(c), 2) for c in both.to_numpy()))
    _, true_codes = np.unique(truth, return_inverse=True)
    found_pairs, true_pairs = _pairs_within(found), _pairs_within(true_codes)
    return {
        "pair_precision": round(agree / found_pairs, 4) if found_pairs else float("nan"),
        "pair_recall": round(agree / true_pairs, 4) if true_pairs else float("nan"),
    }


def scale(n: int, seed: int = 7) -> dict:
    started = time.perf_counter()
    frame = planted_series(n, seed=seed)
    made = time.perf_counter()
    frame = frame.rename(columns={"crime_ref": "id"})
    categorical = ["entry_point", "entry_method", "search_style", "premises_type", "property_taken"]
    crimes = from_frame(frame, categorical, "mo_text", offender="offender")
    truth = frame["true_offender"].to_numpy()
    prepared = time.perf_counter()
    solved = np.flatnonzero(crimes.solved)[:TRAIN_CRIMES]
    sample = crimes.take(solved)
    left, right = training_pairs(sample)
    model = LinkageModel.fit(Evidence(sample).pairs(left, right), linked(sample, left, right))
    trained = time.perf_counter()
    left, right = candidate_pairs(crimes)
    paired = time.perf_counter()
    probability = model.probability(Evidence(crimes).pairs(left, right))
    scored = time.perf_counter()
    labels = series.cluster(len(crimes), left, right, probability, strictness=0.3)
    clustered = time.perf_counter()
    return {
        "crimes": n,
        "candidate_pairs": len(left),
        "series_found": int(labels.max() + 1),
        "crimes_in_series": int((labels >= 0).sum()),
        "planted_in_series": int((frame["series_size"] >= 2).sum()),
        **recovery(labels, truth),
        "seconds": round(clustered - made, 1),  # everything after the data exists: prepare to clustered
        "stages_seconds": {
            "generate": round(made - started, 1),
            "prepare": round(prepared - made, 1),
            "train": round(trained - prepared, 1),
            "candidates": round(paired - trained, 1),
            "score": round(scored - paired, 1),
            "cluster": round(clustered - scored, 1),
        },
        "rss_gb": round(peak_rss_mb() / 1024, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", type=int, default=50)
    parser.add_argument("--scale", type=int, default=1_000_000, help="synthetic crimes for the scale run")
    args = parser.parse_args()
    evaluation = porter(args.splits)
    table = Table(
        "metric",
        "model (mean ± sd)",
        "naive Bayes, Porter (mean ± sd)",
        title=f"Porter crimelinkage, {args.splits} splits by co-offending group",
    )
    summary = evaluation["summary"]
    for metric in ("auc", "tpr5", "hit10", "hit50", "hit10_all", "hit50_all"):
        m, b = summary["model"][metric], summary["baseline"][metric]
        table.add_row(metric, f"{m['mean']:.3f} ± {m['sd']:.3f}", f"{b['mean']:.3f} ± {b['sd']:.3f}")
    console.print(table)
    big = scale(args.scale)
    console.print(big)
    out = ROOT / "results" / "linkage.json"
    out.write_text(json.dumps({"evaluation": evaluation, "scale": big}, indent=1, default=float))
    m = summary["model"]
    print(
        f"RESULT auc={m['auc']['mean']:.3f} tpr5={m['tpr5']['mean']:.3f} hit10={m['hit10']['mean']:.3f} "
        f"hit50={m['hit50']['mean']:.3f} baseline_auc={summary['baseline']['auc']['mean']:.3f} "
        f"scale_seconds={big['seconds']:.0f} scale_rss_gb={big['rss_gb']:.2f}"
    )


if __name__ == "__main__":
    main()
