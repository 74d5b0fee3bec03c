"""The one search box at scale: index build time, search latency over mixed realistic queries and
profile assembly, on SQLite and on PostgreSQL, with the share of queries whose person (or vehicle)
is in the top 10.

The corpus (``benchmarks.search_corpus``): 1,000,000 true people seen in 5,000,000 person records
across six source systems, bulk-loaded with their events, links, vehicles and the truth as
resolved entities (resolving 5M records is the resolution benchmark's job, not this one's).

    python -m benchmarks.search [--persons N --records N --queries N] [--backend sqlite|postgres|both]

Targets: search p95 <= 100 ms, profile p95 <= 300 ms, index build <= 10 minutes on both backends.
Ends with ``RESULT search_p95_ms_sqlite=X search_p95_ms_pg=X profile_p95_ms_sqlite=X
profile_p95_ms_pg=X build_s_sqlite=N build_s_pg=N``.
"""

import argparse
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from rich.console import Console

from benchmarks import search_corpus
from benchmarks.common import DEFAULT_PG, peak_rss_mb, write_result
from peelian.db import make_engine
from peelian.search import index, profile, query

console = Console()


def _time(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - start) * 1000, out


def measure(url: str, args) -> dict:
    started = time.perf_counter()
    corpus = search_corpus.build(url, args.persons, args.records, args.seed,
                                 lambda stage: console.log(f"corpus: {stage}"))  # fmt: skip
    load_s = time.perf_counter() - started
    engine = make_engine(url)
    start = time.perf_counter()
    counts = index.rebuild(engine)
    build_s = time.perf_counter() - start
    console.log(f"index built in {build_s:.0f} s: {counts}")
    asked = search_corpus.queries(corpus, args.queries, args.seed)
    for q in asked[:20]:  # warm the caches the way a running server has them
        query.search(engine, q.text, limit=10)
    latency, hits = [], defaultdict(lambda: [0, 0])
    for q in asked:
        ms, found = _time(query.search, engine, q.text, query.Filters(), 10)
        latency.append(ms)
        hits[q.kind][1] += 1
        hits[q.kind][0] += q.expected_entity in [r["entity_id"] for r in found["results"]]
    wanted = list(dict.fromkeys(q.expected_entity for q in asked))[: args.profiles]
    profile_ms = [_time(profile.assemble, engine, entity)[0] for entity in wanted]
    engine.dispose()
    return {
        "load_s": round(load_s, 1), "build_s": round(build_s, 1), "indexed": counts,
        "search_p50_ms": round(float(np.percentile(latency, 50)), 1),
        "search_p95_ms": round(float(np.percentile(latency, 95)), 1),
        "profile_p50_ms": round(float(np.percentile(profile_ms, 50)), 1),
        "profile_p95_ms": round(float(np.percentile(profile_ms, 95)), 1),
        "found_in_top10": {k: round(h / n, 3) for k, (h, n) in sorted(hits.items())},
        "found_in_top10_all": round(sum(h for h, _ in hits.values()) / len(asked), 3),
        "queries": len(asked), "profiles": len(profile_ms), "corpus": corpus.counts,
    }  # fmt: skip


def _sqlite(args) -> dict:
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        return measure(f"sqlite:///{Path(folder) / 'search.db'}", args)


def _postgres(args) -> dict:
    name = f"peelian_search_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        return measure(args.postgres.rsplit("/", 1)[0] + "/" + name, args)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="a server URL; a fresh database is made on it")
    parser.add_argument(
        "--workdir", default=None, help="where the SQLite file goes (default: the system tmp)"
    )
    args = parser.parse_args()
    results = {"persons": args.persons, "records": args.records}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = _sqlite(args)
        console.print(results["sqlite"])
    if args.backend in ("postgres", "both"):
        results["pg"] = _postgres(args)
        console.print(results["pg"])
    results["peak_rss_mb"] = round(peak_rss_mb())
    write_result("search", results)

    def get(backend: str, key: str) -> str:
        return str(results.get(backend, {}).get(key, "nan"))

    keys = [(f"{name}_{short}", backend, name) for name in ("search_p95_ms", "profile_p95_ms", "build_s")
            for short, backend in (("sqlite", "sqlite"), ("pg", "pg"))]  # fmt: skip
    print("RESULT " + " ".join(f"{label}={get(backend, name)}" for label, backend, name in keys))


if __name__ == "__main__":
    main()
