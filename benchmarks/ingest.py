"""Ingest throughput: all 133 months of London burglary (851,697 rows) into SQLite and PostgreSQL.

    python -m benchmarks.ingest [--files N] [--skip-pg]

First pass (empty store), then a re-ingest of the same files (idempotent pass). Prints rows/s
per backend and peak RSS; writes benchmarks/results/ingest.json; the last line is
``RESULT sqlite_rows_s=N pg_rows_s=N reingest_rows_s=N peak_rss_mb=N``.
Targets (issue 2): >= 100,000 rows/s first pass, >= 200,000 rows/s re-ingest, peak RSS < 1.5 GB.
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import peak_rss_mb, postgres_store, shared_data, sqlite_store, write_result
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter

console = Console()


def _timed(engine, folder: Path, parallel: bool) -> dict:
    started = time.perf_counter()
    report = ingest(engine, PoliceUkAdapter(), folder, 50_000, 1 << 32, parallel=parallel)
    seconds = time.perf_counter() - started
    totals = report.as_dict()["totals"]
    return totals | {"seconds": round(seconds, 2), "rows_s": round(totals["rows_read"] / seconds)}


def _backend(name: str, store, folder: Path, parallel: bool) -> dict:
    with store as engine:
        console.print(f"[bold]{name}[/]: first pass ...")
        first = _timed(engine, folder, parallel)
        console.print(f"[bold]{name}[/]: re-ingest ...")
        again = _timed(engine, folder, parallel)
    assert again["inserted"] == 0 and again["updated"] == 0, "re-ingest must change nothing"
    return {"first": first, "reingest": again}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=None, help="only the first N monthly files")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-parallel", action="store_true", help="parse in the writing process")
    args = parser.parse_args()

    source = shared_data() / "london_met_burglary_street"
    with tempfile.TemporaryDirectory(prefix="peelian-bench-") as tmp:
        folder = source
        if args.files:
            folder = Path(tmp) / "subset"
            folder.mkdir()
            for f in sorted(source.glob("*-street.csv.gz"))[: args.files]:
                shutil.copy(f, folder)
        results = {"sqlite": _backend("SQLite", sqlite_store(Path(tmp)), folder, not args.no_parallel)}
        if not args.skip_pg:
            results["postgresql"] = _backend("PostgreSQL", postgres_store(), folder, not args.no_parallel)
    results["peak_rss_mb"] = round(peak_rss_mb())

    table = Table("backend", "pass", "rows read", "inserted", "unchanged", "quarantined", "seconds", "rows/s")
    for backend in ("sqlite", "postgresql"):
        for phase in ("first", "reingest"):
            if backend in results:
                r = results[backend][phase]
                counts = [f"{r[k]:,}" for k in ("rows_read", "inserted", "unchanged", "quarantined")]
                table.add_row(backend, phase, *counts, f"{r['seconds']:.1f}", f"{r['rows_s']:,}")
    console.print(table)
    console.print(f"peak RSS (this process and the parser): {results['peak_rss_mb']:,} MB")
    write_result("ingest", results)
    pg = results.get("postgresql", {})
    reingest = min(results[b]["reingest"]["rows_s"] for b in ("sqlite", "postgresql") if b in results)
    print(
        f"RESULT sqlite_rows_s={results['sqlite']['first']['rows_s']} "
        f"pg_rows_s={pg.get('first', {}).get('rows_s', 0)} reingest_rows_s={reingest} "
        f"peak_rss_mb={results['peak_rss_mb']}"
    )


if __name__ == "__main__":
    main()
