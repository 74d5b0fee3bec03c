"""How long one new record takes to resolve against existing entities (issue 5: < 1 s).

Builds a SQLite store of synthetic nominals (through the mapped adapter), runs a full
resolution, then ingests single custody records one at a time and times ``link_new`` on each.
Ends with ``RESULT incremental_p50_ms=X incremental_max_ms=X records=N``.
"""

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from peelian.db import make_engine, upgrade
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import load_mapping
from peelian.ingest.pipeline import ingest
from peelian.resolve import incremental, service
from peelian.synth import nominals
from peelian.synth.load import ingest_nominals

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--new", type=int, default=20, help="single records to link, one at a time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'store.db'}")
        upgrade(engine, "EPSG:27700")
        nominals.write(nominals.generate(args.people, 11), nominals.prepare(folder / "in"))
        ingest_nominals(engine, folder / "in", 50_000, 1 << 30)
        started = time.perf_counter()
        full = service.run(engine, "person", "bench")
        full_s = time.perf_counter() - started
        mapping = load_mapping("nominals_custody")
        with (folder / "in" / "custody.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))[: args.new]
        timings, joined = [], 0
        for i, row in enumerate(rows):
            copy = dict(row)
            for column in {*mapping.source.natural_key, *(c for p in mapping.persons for c in p.key)}:
                copy[column] = f"{copy[column]}-N{i}"
            path = folder / f"new{i}" / "custody.csv"
            path.parent.mkdir()
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
                writer.writerow(copy)
            ingest(engine, MappedAdapter(mapping), path, 50_000, 1 << 30, None)
            started = time.perf_counter()
            result = incremental.link_new(engine, "person", "bench")
            timings.append((time.perf_counter() - started) * 1000 / max(result["records"], 1))
            joined += result["joined"]
    p50, worst = float(np.median(timings)), float(np.max(timings))
    print(f"store: {full['records']:,} person records, full run {full_s:.1f} s")
    print(
        f"linking one new record: median {p50:.0f} ms, worst {worst:.0f} ms over {len(timings)}; "
        f"{joined} joined"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "resolve_incremental.json").write_text(
        json.dumps(
            {
                "records": full["records"],
                "full_run_s": full_s,
                "p50_ms": p50,
                "max_ms": worst,
                "joined": joined,
            },
            indent=2,
        )
    )
    print(f"RESULT incremental_p50_ms={p50:.0f} incremental_max_ms={worst:.0f} records={full['records']}")


if __name__ == "__main__":
    main()
