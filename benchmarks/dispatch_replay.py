"""Replay Chicago's 2016 incidents through 300 officers and 10 drone sites, before and after site placement.

    python -m benchmarks.dispatch_replay

Data: ``chicago_crimes_2016.csv.gz`` from ``../shared/data/chicago_crimes_portal`` (X/Y in US feet,
EPSG:3435, times 0.3048 for metres; rows without coordinates dropped and counted). Recorded crimes stand
in for calls (a *proxy* call stream): each gets the grade a call about it would likely get
(``peelian.dispatch.proxy``). Fleet: 300 officers on duty all year, starting at the places of 300
incidents drawn from January (seed 0); 10 drone sites with 2 drones each and a 15-minute turnaround;
the documented defaults of ``peelian.dispatch.travel`` and ``replay``. Drones fly to Immediate and
Priority incidents.

Sites: the naive placement is k-means on the Jan-Jun Immediate and Priority incidents; the optimised
one is greedy maximum coverage plus swaps on the same Jan-Jun incidents (2-minute reach, 1.5 km). Both
are judged on Jul-Dec (held out), and the RESULT line gives the held-out share of Immediate and
Priority incidents a drone reached within 2 minutes in the replay (drones busy elsewhere count as
misses). Writes benchmarks/results/dispatch_replay.{json,md}. Target: <= 60 s.
"""

import time

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks.common import ROOT, peak_rss_mb, shared_data, write_result
from peelian.cli.dispatch import response_table
from peelian.dispatch import (
    Demand,
    DroneModel,
    DroneSites,
    Fleet,
    Grade,
    Placement,
    chicago_grades,
    naive,
    optimise,
    replay,
    response_summary,
)

FEET = 0.3048
OFFICERS, SITES, DRONES_PER_SITE, TURNAROUND_S = 300, 10, 2, 15 * 60.0
SPLIT = np.datetime64("2016-07-01")
console = Console()


def incidents(data) -> tuple[pd.DataFrame, int]:
    """The year's incidents in seconds since 2016-01-01 (local time) and metres, and how many were dropped."""
    columns = ["Date", "Primary Type", "Description", "X Coordinate", "Y Coordinate"]
    raw = pd.read_csv(data / "chicago_crimes_portal" / "chicago_crimes_2016.csv.gz", usecols=columns)
    kept = raw.dropna(subset=["X Coordinate", "Y Coordinate"])
    kept = kept[(kept["X Coordinate"] > 0) & (kept["Y Coordinate"] > 0)]
    when = pd.to_datetime(kept["Date"], format="%m/%d/%Y %I:%M:%S %p").to_numpy()
    frame = pd.DataFrame(
        {
            "when": when,
            "t": (when - np.datetime64("2016-01-01")) / np.timedelta64(1, "s"),
            "x": kept["X Coordinate"].to_numpy(float) * FEET,
            "y": kept["Y Coordinate"].to_numpy(float) * FEET,
            "grade": chicago_grades(kept["Primary Type"], kept["Description"]),
        }
    )
    return frame, len(raw) - len(frame)


def main() -> None:
    started = time.perf_counter()
    frame, dropped = incidents(shared_data())
    loaded = time.perf_counter() - started
    console.print(f"{len(frame):,} incidents with coordinates ({dropped:,} dropped without); {loaded:.1f} s")

    first_half = (frame["when"] < SPLIT).to_numpy()
    urgent = frame["grade"].isin([Grade.IMMEDIATE, Grade.PRIORITY]).to_numpy()
    reach = DroneModel().reach_m(120.0)
    train = Demand.pool(frame["x"][first_half & urgent], frame["y"][first_half & urgent])
    held = Demand.pool(frame["x"][~first_half & urgent], frame["y"][~first_half & urgent])
    t0 = time.perf_counter()
    placements = {"naive k-means": naive(train, SITES, reach), "optimised": optimise(train, SITES, reach)}
    placing = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    january = np.flatnonzero((frame["when"] < np.datetime64("2016-02-01")).to_numpy())
    start = rng.choice(january, OFFICERS, replace=False)
    officers = (frame["x"].to_numpy()[start], frame["y"].to_numpy()[start])
    args = (frame["t"].to_numpy(), frame["x"].to_numpy(), frame["y"].to_numpy(), frame["grade"].to_numpy())

    runs, replay_s = {}, []
    for name, placed in placements.items():
        sites = DroneSites.at(placed.x, placed.y, DRONES_PER_SITE, TURNAROUND_S)
        t0 = time.perf_counter()
        with console.status(f"replaying with {name} drone sites"):
            runs[name] = replay(*args, Fleet(*officers, sites))
        replay_s.append(time.perf_counter() - t0)
    drones = {
        name: {
            "static_train": round(placements[name].coverage, 4),
            "static_heldout": round(held.covered(placements[name].x, placements[name].y, reach), 4),
            "replay_train": round(run.drone_share(first_half & urgent), 4),
            "replay_heldout": round(run.drone_share(~first_half & urgent), 4),
            "sites": np.column_stack([placements[name].x, placements[name].y]).round(1).tolist(),
        }
        for name, run in runs.items()
    }
    result = runs["optimised"]
    summary = response_summary(args[3], result.response_s)
    queued = int(np.sum(result.wait_s > 0))
    seconds = time.perf_counter() - started
    report(summary, drones, placements["optimised"])
    out = {
        "incidents": len(frame),
        "dropped_without_coordinates": dropped,
        "grades": {Grade(g).label: int(np.sum(args[3] == g)) for g in Grade},
        "fleet": {
            "officers": OFFICERS,
            "sites": SITES,
            "drones_per_site": DRONES_PER_SITE,
            "turnaround_s": TURNAROUND_S,
        },
        "response": summary,
        "queued_incidents": queued,
        "drone_2min": drones,
        "swaps": placements["optimised"].swaps,
        "timings_s": {
            "load": round(loaded, 2),
            "place_sites": round(placing, 2),
            "replays": [round(s, 2) for s in replay_s],
            "total": round(seconds, 2),
        },
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "proxy": "recorded crimes graded by type stand in for calls; see peelian.dispatch.proxy",
    }
    write_result("dispatch_replay", out)
    (ROOT / "results" / "dispatch_replay.md").write_text(markdown(out))
    before, after = drones["naive k-means"]["replay_heldout"], drones["optimised"]["replay_heldout"]
    console.print(f"{queued:,} incidents queued; total {seconds:.1f} s, peak {out['peak_rss_mb']:.0f} MB")
    print(f"RESULT seconds={seconds:.1f} drone2min_before={before:.4f} drone2min_after={after:.4f}")


def report(summary: dict, drones: dict, optimised: Placement) -> None:
    console.print(response_table(summary, "response"))
    table = Table(
        "sites",
        "static Jan-Jun",
        "static Jul-Dec",
        "replay Jan-Jun",
        "replay Jul-Dec",
        title="drone within 2 minutes, Immediate and Priority incidents",
    )
    for name, row in drones.items():
        table.add_row(
            name,
            *(f"{row[k]:.1%}" for k in ("static_train", "static_heldout", "replay_train", "replay_heldout")),
        )
    console.print(table)
    console.print(f"optimiser: {optimised.swaps} swaps after greedy")


def markdown(out: dict) -> str:
    lines = [
        "# Dispatch replay: Chicago 2016 (proxy call stream)",
        "",
        f"{out['incidents']:,} incidents with coordinates ({out['dropped_without_coordinates']:,} dropped); "
        f"{out['fleet']['officers']} officers, {out['fleet']['sites']} drone sites x "
        f"{out['fleet']['drones_per_site']} drones. Recorded crimes graded by type stand in for calls.",
        "",
        "| grade | calls | attended | median min | p90 min | within target |",
        "|---|---|---|---|---|---|",
    ]
    for label, row in out["response"].items():
        within = f"{row['within_target']:.1%}" if "within_target" in row else "-"
        lines.append(
            f"| {label} | {row['calls']:,} | {row['attended']:,} | {row.get('median_min', '-')} | "
            f"{row.get('p90_min', '-')} | {within} |"
        )
    lines += [
        "",
        "Drone overhead within 2 minutes, Immediate and Priority calls (sites placed on Jan-Jun):",
        "",
        "| sites | static Jan-Jun | static Jul-Dec | replay Jan-Jun | replay Jul-Dec |",
        "|---|---|---|---|---|",
    ]
    for name, row in out["drone_2min"].items():
        lines.append(
            f"| {name} | {row['static_train']:.1%} | {row['static_heldout']:.1%} | "
            f"{row['replay_train']:.1%} | {row['replay_heldout']:.1%} |"
        )
    lines += ["", f"Timings (s): {out['timings_s']}; peak {out['peak_rss_mb']} MB.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
