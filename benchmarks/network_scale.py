"""Network analysis and harm ranking at force scale, from the store: a million people, five million ties.

    python -m benchmarks.network_scale [--people 1000000] [--store PATH] [--resolution 1.0]

Setup (not timed in ``seconds``): a SQLite store of ``--people`` people in groups of 100 who offend
together, share households and group phones (``benchmarks.network_scale_store``), written through
the ingest pipeline's bulk writer. ``--store PATH`` keeps the store there and reuses it when it
already holds that many people.

Timed, as ``peelian network analyse`` does it: the association rows read from the store
(``peelian.network.store.read``), the graph built, Leiden communities, every centrality
(betweenness exact up to the path budget, pivot-sampled above: the method used is reported), and
the key players of the three largest communities. Then, after the graph is freed: the offences
read for harm (``peelian.harm.store.offences``, reported apart) and the ranking of every offender
by harm over the whole three years (``rank_seconds``, the ranking itself).

Targets: ``seconds`` <= 300 and peak RSS <= 8 GB on a 2-core machine, ``rank_seconds`` <= 30.
Writes benchmarks/results/network_scale.{json,md}; the last line is
``RESULT seconds=N rss_gb=X rank_seconds=N``.
"""

import argparse
import gc
import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select

from benchmarks import network_scale_store as synthetic
from benchmarks.common import ROOT, peak_rss_mb, write_result
from peelian.db import make_engine, schema
from peelian.harm import rank_offenders
from peelian.harm import store as harm_store
from peelian.network import build, centrality, communities, key_players
from peelian.network import store as network_store

TARGET_SECONDS, TARGET_RSS_GB, TARGET_RANK_SECONDS = 300, 8.0, 30
GROUPS = 3  # key players on this many of the largest communities
KEY = 3  # key players per community
HARM_INDEX = "cchi"

console = Console()


class Clock:
    """Wall time, this process's CPU time (all its threads) and peak memory after each named stage,
    logged as it goes. CPU time well below wall time means other work on the machine took turns."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.rss_gb: dict[str, float] = {}
        self.load: list[float] = [round(os.getloadavg()[0], 2)]

    @contextmanager
    def stage(self, name: str, what: str):
        started, cpu = time.perf_counter(), time.process_time()
        with console.status(f"{what} ..."):
            yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.cpu_seconds[name] = round(time.process_time() - cpu, 2)
        self.rss_gb[name] = round(peak_rss_mb() / 1024, 2)
        self.load.append(round(os.getloadavg()[0], 2))
        console.log(
            f"{what}: {self.seconds[name]:.1f} s (CPU {self.cpu_seconds[name]:.1f} s, "
            f"peak RSS {self.rss_gb[name]:.2f} GB, load {self.load[-1]})"
        )


def _people_in(path: Path) -> int | None:
    """People in an existing benchmark store, None when the file is not one."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.persons)).scalar_one()
    except Exception:
        return None
    finally:
        engine.dispose()


def prepare(path: Path, people: int) -> dict:
    """The store at ``path``: reused when it holds ``people`` people, else written (setup, untimed)."""
    if path.exists():
        found = _people_in(path)
        if found == people:
            console.log(f"reusing the store {path} ({people:,} people)")
            written = _meta(path)
            return {"path": str(path), "written": False} | (
                json.loads(written.read_text()) if written.exists() else {}
            )
        raise SystemExit(f"{path} exists but holds {found} people, not {people:,}: remove it or pick another")
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, int] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(f"writing {table}", total=total)
            bar.update(tasks[table], completed=done)

        counts = synthetic.build(path, people, progress=progress)
    seconds = round(time.perf_counter() - started, 1)
    size = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
    console.log(f"store written in {seconds:.0f} s: {counts} ({size / 2**30:.2f} GiB)")
    setup = {"seconds": seconds, "rows": counts, "gib": round(size / 2**30, 2)}
    _meta(path).write_text(json.dumps(setup) + "\n")  # so a rerun on this store can report it
    return {"path": str(path), "written": True} | setup


def _meta(path: Path) -> Path:
    return path.with_name(path.name + ".setup.json")


def network(engine: Engine, clock: Clock) -> dict:
    """Read, build, communities, centrality, key players: the timed network analysis."""
    with clock.stage("read", "association rows read from the store"):
        found = network_store.read(engine)
    edges = found.edges
    with clock.stage("build", f"graph built from {len(edges):,} rows"):
        graph = build(edges, found.joined(edges))
    kinds = edges["kind"].value_counts().to_dict()
    rows = len(edges)
    del found, edges
    gc.collect()
    console.log(f"graph: {graph.vcount():,} people, {graph.ecount():,} ties")
    with clock.stage("communities", "Leiden communities"):
        parts = communities(graph)
    with clock.stage("centrality", "centrality"):
        _, methods = centrality(graph, parts.membership)
    top = []
    with clock.stage("key_players", f"key players of the {GROUPS} largest communities"):
        for community in range(min(GROUPS, len(parts.sizes()))):
            members = np.flatnonzero(parts.membership == community)
            players = key_players(graph.induced_subgraph(members.tolist()), KEY)
            top.append(
                {
                    "community": community,
                    "size": len(members),
                    "key_players": players.nodes,
                    "fragmentation_before": round(players.steps[0].fragmentation, 4),
                    "fragmentation_after": round(players.steps[-1].fragmentation, 4),
                }
            )
    sizes = parts.sizes()
    return {
        "rows": rows,
        "rows_by_kind": kinds,
        "people": graph.vcount(),
        "ties": graph.ecount(),
        "components": len(graph.connected_components().sizes()),
        "communities": len(sizes),
        "largest_communities": sizes[:10].tolist(),
        "median_community": float(np.median(sizes)),
        "modularity": round(parts.modularity, 4),
        "community_engine": parts.engine,
        "seeds": len(parts.seeds),
        "seed_ari": round(parts.ari, 3),
        "betweenness": methods["betweenness"],
        "eigenvector": methods["eigenvector"],
        "top_communities": top,
    }


def harm(engine: Engine, clock: Clock) -> dict:
    """Offences read from the store (reported apart), then every offender ranked by harm."""
    with clock.stage("offences_read", "offences read for harm"):
        offences = harm_store.offences(engine)
    window = synthetic.DAYS + 1  # the whole three years of synthetic crime
    with clock.stage("rank", f"{offences['offender'].nunique():,} offenders ranked by harm"):
        scores = rank_offenders(offences, HARM_INDEX, pd.Timestamp(synthetic.AS_OF, tz="UTC"), window)
    table = scores.table
    return {
        "offences": len(offences),
        "offenders_ranked": len(table),
        "index": scores.index,
        "window_days": window,
        "unmapped_offences": int(scores.unmapped["offences"].sum()) if len(scores.unmapped) else 0,
        "top5": table.head(5)[["offender", "harm", "offences"]].round(2).to_dict("records"),
    }


def markdown(report: dict) -> str:
    net, rank, store = report["network"], report["harm"], report["store"]
    stages = report["stages_seconds"]
    between = net["betweenness"]
    how = between["method"] + (f", {between['pivots']} pivots" if "pivots" in between else "")
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in net["rows_by_kind"].items())
    largest = ", ".join(f"{size:,}" for size in net["largest_communities"][:5])
    written = f"written in {store['seconds']} s" if store["written"] else "reused"
    if not store["written"] and "seconds" in store:
        written += f", written earlier in {store['seconds']} s"
    lines = [
        "# Network analysis and harm ranking at force scale",
        "",
        f"A synthetic store of {report['people_asked']:,} people in groups of {synthetic.GROUP} "
        f"(co-offending within the group, shared households across groups, group phones), on "
        f"{report['cpus']} CPUs; the store was {written} (setup, not timed).",
        "",
        "| stage | seconds | CPU seconds | peak RSS GB after | load after |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {seconds} | {report['stages_cpu_seconds'][name]} | "
            f"{report['stages_rss_gb'][name]} | {load} |"
            for (name, seconds), load in zip(stages.items(), report["load_average_1min"][1:], strict=True)
        ),
        "",
        f"Network: {net['rows']:,} association rows ({kinds}) make {net['people']:,} people and "
        f"{net['ties']:,} ties in {net['components']:,} components. Leiden ({net['community_engine']}, "
        f"{net['seeds']} seeds, resolution 1): {net['communities']:,} communities, modularity "
        f"{net['modularity']}, largest {largest} (median {net['median_community']:.0f}). "
        f"Betweenness: {how}. Key players of the {GROUPS} largest communities:",
        "",
        "| community | people | key players | fragmentation before | after |",
        "|---|---|---|---|---|",
        *(
            f"| {c['community']} | {c['size']:,} | {', '.join(c['key_players'])} "
            f"| {c['fragmentation_before']} | {c['fragmentation_after']} |"
            for c in net["top_communities"]
        ),
        "",
        f"Harm: {rank['offences']:,} offences read in {stages['offences_read']} s; "
        f"{rank['offenders_ranked']:,} offenders ranked by {rank['index']} over {rank['window_days']} "
        f"days in {stages['rank']} s.",
        "",
        f"**{report['seconds']} s** for the network ({report['cpu_seconds']} s of CPU; target "
        f"{TARGET_SECONDS}), peak RSS "
        f"**{report['rss_gb']} GB** (target {TARGET_RSS_GB}), ranking **{report['rank_seconds']} s** "
        f"(target {TARGET_RANK_SECONDS}).",
    ]
    return "\n".join(lines) + "\n"


def summary(report: dict) -> Table:
    table = Table(title=f"network_scale, {report['people_asked']:,} people")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("CPU seconds", justify="right")
    table.add_column("peak RSS GB", justify="right")
    for name, seconds in report["stages_seconds"].items():
        cpu, rss = report["stages_cpu_seconds"][name], report["stages_rss_gb"][name]
        table.add_row(name, f"{seconds:.1f}", f"{cpu:.1f}", f"{rss:.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="people in the synthetic store")
    parser.add_argument(
        "--store", type=Path, default=None, help="SQLite file to keep (and reuse) the store in"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peelian-network-scale-") as tmp:
        path = args.store or Path(tmp) / "store.db"
        store = prepare(path, args.people)
        engine = make_engine(f"sqlite:///{path}")
        clock = Clock()
        try:
            net = network(engine, clock)
            gc.collect()
            rank = harm(engine, clock)
        finally:
            engine.dispose()
    timed = ("read", "build", "communities", "centrality", "key_players")
    report = {
        "people_asked": args.people,
        "cpus": os.cpu_count(),
        "store": store,
        "network": net,
        "harm": rank,
        "stages_seconds": clock.seconds,
        "stages_cpu_seconds": clock.cpu_seconds,
        "stages_rss_gb": clock.rss_gb,
        "load_average_1min": clock.load,  # at the start and after each stage; 2 CPUs
        "cpu_seconds": round(sum(clock.cpu_seconds[s] for s in timed), 1),
        "seconds": round(sum(clock.seconds[s] for s in timed), 1),
        "rss_gb": round(peak_rss_mb() / 1024, 2),
        "rank_seconds": round(clock.seconds["rank"], 1),
        "targets": {"seconds": TARGET_SECONDS, "rss_gb": TARGET_RSS_GB, "rank_seconds": TARGET_RANK_SECONDS},
    }
    write_result("network_scale", report)
    text = markdown(report)
    (ROOT / "results" / "network_scale.md").write_text(text)
    console.print(summary(report))
    console.print(text)
    print(
        f"RESULT seconds={report['seconds']} rss_gb={report['rss_gb']} rank_seconds={report['rank_seconds']}"
    )


if __name__ == "__main__":
    main()
