"""``peelian dispatch``: grade a call, recommend units, replay a year of incidents, place drone sites."""

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.progress import Progress
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.dispatch import (
    Call,
    Demand,
    DroneModel,
    DroneSites,
    Fleet,
    Grade,
    control,
    grade_call,
    load_road_network,
    naive,
    optimise,
    recommend,
    replay,
    response_summary,
)
from peelian.errors import PeelianError

app = typer.Typer(
    help="Call grading (THRIVE), unit recommendations, fleet replay and drone sites.", no_args_is_help=True
)
INCIDENTS_HELP = "CSV with columns time (ISO date-time or seconds), x, y (metres) and grade (e.g. Priority)."


def _flag(name: str, help_text: str):
    return typer.Option(None, f"--{name}/--no-{name}", help=f"{help_text} (default: read the text).")


def _csv(path: Path, columns: set[str]) -> pd.DataFrame:
    if not path.is_file():
        raise PeelianError(f"no file at {path}")
    frame = pd.read_csv(path)
    missing = columns - set(frame.columns)
    if missing:
        raise PeelianError(f"{path.name} lacks columns: {', '.join(sorted(missing))}")
    return frame


def _incidents(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    frame = _csv(path, {"time", "x", "y", "grade"})
    times = pd.to_numeric(frame["time"], errors="coerce")
    if times.isna().any():
        stamps = pd.to_datetime(frame["time"], errors="coerce")
        if stamps.isna().any():
            raise PeelianError(f"{path.name}: {int(stamps.isna().sum())} times are neither seconds nor dates")
        times = (stamps - stamps.min()).dt.total_seconds()
    grades = np.array([int(Grade.parse(g)) for g in frame["grade"]])
    return times.to_numpy(float), frame["x"].to_numpy(float), frame["y"].to_numpy(float), grades


def response_table(summary: dict[str, dict], title: str | None = None) -> Table:
    """Response times by grade, as ``response_summary`` gives them."""
    table = Table("grade", "calls", "attended", "median min", "p90 min", "within target", title=title)
    for label, row in summary.items():
        within = f"{row['within_target']:.1%}" if "within_target" in row else "-"
        table.add_row(
            label,
            f"{row['calls']:,}",
            f"{row['attended']:,}",
            str(row.get("median_min", "-")),
            str(row.get("p90_min", "-")),
            within,
        )
    return table


@app.command("grade")
@handle_errors
def grade_cmd(
    text: str = typer.Argument(..., help="What the caller said."),
    danger_to_life: bool | None = _flag("danger-to-life", "A danger to life"),
    in_progress: bool | None = _flag("in-progress", "Happening now"),
    weapon: bool | None = _flag("weapon", "A weapon seen or mentioned"),
    injury: bool | None = _flag("injury", "Someone injured"),
    serious_injury: bool | None = _flag("serious-injury", "Someone seriously injured"),
    offender_present: bool | None = _flag("offender-present", "The offender is at the scene"),
    vulnerable: bool | None = _flag("vulnerable", "A vulnerable person involved"),
    child: bool | None = _flag("child", "A child involved"),
    repeat_victim: bool | None = _flag("repeat-victim", "A repeat victim"),
    caller_safe: bool | None = _flag("caller-safe", "The caller is safe"),
    as_json: bool = JsonOption,
) -> None:
    """Grade a call with THRIVE (Immediate, Priority, Scheduled, Resolve without deployment) and say why."""
    call = Call(
        text,
        danger_to_life=danger_to_life,
        in_progress=in_progress,
        weapon=weapon,
        injury=injury,
        serious_injury=serious_injury,
        offender_present=offender_present,
        vulnerable=vulnerable,
        child=child,
        repeat_victim=repeat_victim,
        caller_safe=caller_safe,
    )
    graded = grade_call(call)
    if as_json:
        print_json(graded.to_dict())
        return
    console.print(f"[bold]{graded.grade.label}[/]")
    for reason in graded.reasons:
        console.print(f"  because {reason}", highlight=False)
    table = Table("factor", "level", "finding", "triggered by")
    for f in graded.factors:
        table.add_row(f.factor, f.level, f.finding, "; ".join(f.triggers))
    console.print(table)


@app.command("recommend")
@handle_errors
def recommend_cmd(
    units: Path = typer.Argument(
        ..., help="CSV with columns id, kind (officer|vehicle|drone), status, x, y."
    ),
    x: float = typer.Option(..., "--x", help="Incident easting, metres."),
    y: float = typer.Option(..., "--y", help="Incident northing, metres."),
    grade: str | None = typer.Option(None, "--grade", help="The call's grade, to judge the target."),
    top: int = typer.Option(5, "--top", min=1, max=100, help="Ground units to list."),
    sites: Path | None = typer.Option(None, "--sites", help="Drone sites CSV: id, x, y, drones."),
    roads: Path | None = typer.Option(None, "--roads", help="Road network: CSV edge list or GraphML."),
    as_json: bool = JsonOption,
) -> None:
    """The fastest available units for one incident, with drones that can get eyes on it listed apart."""
    found = recommend(
        x,
        y,
        _csv(units, set()),
        Grade.parse(grade) if grade else None,
        top,
        sites=_csv(sites, set()) if sites else None,
        network=load_road_network(roads) if roads else None,
    )
    if as_json:
        print_json(found.to_dict())
        return
    table = Table("unit", "kind", "distance m", "ETA min", "within target", title="ground units")
    for row in found.units.itertuples():
        within = "-" if row.within_target is None else ("yes" if row.within_target else "no")
        table.add_row(row.id, row.kind, f"{row.distance_m:,.0f}", f"{row.eta_s / 60:.1f}", within)
    console.print(table)
    drones = Table("drone", "from", "distance m", "ETA min", title="drones (eyes on, not attendance)")
    for row in found.drones.itertuples():
        drones.add_row(row.id, row.source, f"{row.distance_m:,.0f}", f"{row.eta_s / 60:.1f}")
    console.print(drones)
    console.print(found.note)


@app.command("replay")
@handle_errors
def replay_cmd(
    incidents: Path = typer.Argument(..., help=INCIDENTS_HELP),
    officers: Path = typer.Option(..., "--officers", help="CSV of officers' start positions: x, y."),
    sites: Path | None = typer.Option(None, "--sites", help="Drone sites CSV: x, y, drones, turnaround_s."),
    as_json: bool = JsonOption,
) -> None:
    """Replay incidents through a fleet (nearest free officer, queue when none): response times by grade."""
    times, x, y, grades = _incidents(incidents)
    start = _csv(officers, {"x", "y"})
    drone_sites = DroneSites.from_frame(_csv(sites, {"x", "y"})) if sites else None
    fleet = Fleet(start["x"].to_numpy(float), start["y"].to_numpy(float), drone_sites)
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("replaying", total=len(times))
        run = replay(times, x, y, grades, fleet, progress=lambda done: progress.update(task, completed=done))
    urgent = np.isin(grades, [Grade.IMMEDIATE, Grade.PRIORITY])
    out = {
        "incidents": len(times),
        "response": response_summary(grades, run.response_s),
        "queued": int(np.sum(run.wait_s > 0)),
        "drone_2min_share": run.drone_share(urgent) if drone_sites else None,
    }
    if as_json:
        print_json(out)
        return
    console.print(response_table(out["response"]))
    console.print(f"{out['queued']:,} incidents waited for an officer")
    if drone_sites:
        console.print(
            f"a drone was overhead within 2 minutes at {out['drone_2min_share']:.1%} of urgent incidents"
        )


@app.command("sites")
@handle_errors
def sites_cmd(
    incidents: Path = typer.Argument(..., help=INCIDENTS_HELP),
    n: int = typer.Option(10, "--n", min=1, max=500, help="Launch sites to place."),
    within: float = typer.Option(120.0, "--within", min=31, help="Seconds from call to drone overhead."),
    as_json: bool = JsonOption,
) -> None:
    """Place drone launch sites to cover the most Immediate and Priority incidents; compare with k-means."""
    _, x, y, grades = _incidents(incidents)
    urgent = np.isin(grades, [Grade.IMMEDIATE, Grade.PRIORITY])
    demand = Demand.pool(x[urgent], y[urgent])
    reach = DroneModel().reach_m(within)
    before, after = naive(demand, n, reach), optimise(demand, n, reach)
    out = {
        "reach_m": reach,
        "naive_kmeans_coverage": before.coverage,
        "optimised_coverage": after.coverage,
        "sites": [
            {"x": round(float(a), 1), "y": round(float(b), 1)} for a, b in zip(after.x, after.y, strict=True)
        ],
    }
    if as_json:
        print_json(out)
        return
    console.print(
        f"within {within:.0f} s ({reach:,.0f} m): k-means sites cover {before.coverage:.1%}, "
        f"optimised sites {after.coverage:.1%}"
    )
    for site in out["sites"]:
        console.print(f"  {site['x']:.1f}, {site['y']:.1f}")


@app.command("unit")
@handle_errors
def unit_cmd(
    call_sign: str = typer.Argument(..., help="The unit's call sign, e.g. MP-101."),
    kind: str = typer.Option("officer", "--kind", help="officer, vehicle or drone."),
    lon: float = typer.Option(..., "--lon", help="Where the unit is (WGS84 longitude)."),
    lat: float = typer.Option(..., "--lat", help="Where the unit is (WGS84 latitude)."),
    account: str | None = typer.Option(None, "--account", help="The officer who signs in as this unit."),
    as_json: bool = JsonOption,
) -> None:
    """Put a unit on duty in the control room (or move it and make it available again)."""
    engine = ready_engine()
    control.add_unit(engine, call_sign, kind, lon, lat, account)
    found = control.units(engine)
    row = found[found["id"] == call_sign].iloc[0].to_dict()
    if as_json:
        print_json(row)
        return
    console.print(f"{call_sign} ({kind}) available at {lat:.5f}, {lon:.5f}")


@app.command("site")
@handle_errors
def site_cmd(
    site_id: str = typer.Argument(..., help="An id for the launch site."),
    name: str = typer.Option(..., "--name", help="What people call it."),
    lon: float = typer.Option(..., "--lon", help="WGS84 longitude."),
    lat: float = typer.Option(..., "--lat", help="WGS84 latitude."),
    drones: int = typer.Option(1, "--drones", min=0, max=50, help="Drones ready to launch there."),
) -> None:
    """Add or replace a drone launch site in the control room."""
    control.add_site(ready_engine(), site_id, name, lon, lat, drones)
    console.print(f"drone site {site_id} ({name}) with {drones} drone(s)")
