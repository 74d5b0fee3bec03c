"""``peelian synth``: synthetic police data with its ground truth, for demos, tests and benchmarks."""

import shlex
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.config import get_settings
from peelian.ingest.pipeline import IngestReport
from peelian.synth import groups as ocg
from peelian.synth.load import ingest_nominals
from peelian.synth.nominals import SYSTEMS, Nominals, check, generate, prepare, write

app = typer.Typer(help="Synthetic police data with ground truth, for demos and tests.", no_args_is_help=True)


@app.command("nominals")
@handle_errors
def nominals(
    people: int = typer.Option(1000, "--people", "-n", help="How many true people to invent."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed writes the same files."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder for the CSVs, truth files and README (created if need be)."
    ),
    load: bool = typer.Option(
        False, "--ingest", help="Also load all six CSVs through their mappings into the configured store."
    ),
    as_json: bool = JsonOption,
):
    """People seen through six police systems (custody, crime, intel, stops, ANPR, vetting), each CSV
    in its own schema with its own errors, plus truth.csv and vehicle_truth.csv naming the true
    person and vehicle behind every record as the store keys it."""
    check(people, seed)  # before the folder is made
    prepare(out)
    engine = ready_engine() if load else None
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=as_json, transient=True) as bar:
        task = bar.add_task("people", total=len(SYSTEMS) + 2)
        data = generate(people, seed, lambda stage: bar.update(task, advance=1, description=f"{stage} done"))
        bar.update(task, description="writing files")
        paths = write(data, out)
        bar.advance(task)
        reports: dict[str, IngestReport] = {}
        if engine is not None:
            settings = get_settings()
            step = bar.add_task("ingest", total=len(SYSTEMS))

            def notify(event: str, _count: int) -> None:
                if event.startswith("file:"):
                    bar.update(step, description=f"ingest {event[5:]}")
                elif event == "done":
                    bar.advance(step)

            reports = ingest_nominals(engine, out, settings.chunk_size, settings.max_file_bytes, notify)
    if as_json:
        ingested = {name: r.as_dict()["totals"] for name, r in reports.items()}
        print_json(data.summary() | {"out": str(out), "files": [p.name for p in paths], "ingest": ingested})
    else:
        _summary(data, reports, out)
    if any(r.failed for r in reports.values()):
        raise typer.Exit(1)


def _summary(data: Nominals, reports: dict[str, IngestReport], out: Path) -> None:
    summary = data.summary()
    table = Table(title=f"{data.people:,} true people (seed {data.seed}) in {out}: records per system")
    names = ["system", "rows", "persons", "vehicles", "true people"]
    names += ["inserted", "quarantined"] if reports else []
    for name in names:
        table.add_column(name, justify="left" if name == "system" else "right")
    for name, s in summary["systems"].items():
        counts = [f"{s[k]:,}" for k in ("rows", "person_records", "vehicle_records", "true_people")]
        if reports:
            counts += [f"{reports[name].total(k):,}" for k in ("inserted", "quarantined")]
        table.add_row(name, *counts)
    console.print(table)
    spread = ", ".join(f"{v:,} in {k}" for k, v in summary["people_by_systems_seen_in"].items())
    console.print(f"People by how many systems hold them: {spread}.")
    console.print(
        f"Files: <system>.csv ({', '.join(summary['systems'])}), truth.csv, vehicle_truth.csv, "
        "and README.txt with the schemas and error rates."
    )
    for name, report in reports.items():
        for failed in report.failed:
            console.print(f"[red]{name}: {failed.status}[/]: {failed.message}")
    quarantined = sum(r.total("quarantined") for r in reports.values())
    if quarantined:
        console.print(f"[yellow]{quarantined:,} row(s) quarantined.[/] See: peelian quarantine list")


@app.command("groups")
@handle_errors
def planted(
    groups: int = typer.Option(50, "--groups", "-g", help="How many organised crime groups to plant."),
    crimes: int | None = typer.Option(
        None, "--crimes", "-n", help=f"How many crimes (default {ocg.CRIMES_PER_GROUP} per group)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed writes the same files."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder for the crimes CSV and truth files (created if need be)."
    ),
    as_json: bool = JsonOption,
):
    """Crimes by planted organised crime groups (leaders, core and peripheral members, a few brokers
    who also offend with a second group), as one RMS extract with up to four offenders per crime, their
    shared addresses and phones and the vehicles they lend each other; plus the truth:
    truth_groups.csv (each offender's group, role, broker flag, crimes and harm), truth_crimes.csv and
    truth_vehicles.csv."""
    ocg.check(groups, seed, crimes)  # before the folder is made
    prepare(out)
    with nullcontext() if as_json else console.status("planting groups..."):
        data = ocg.planted_groups(groups, seed, crimes=crimes)
        paths = ocg.write(data, out)
    command = f"peelian ingest mapped --mapping {ocg.MAPPING} {shlex.quote(str(paths[0]))}"
    summary = data.summary()
    if as_json:
        print_json(summary | {"out": str(out), "files": [p.name for p in paths], "ingest": command})
        return
    table = Table(title=f"{summary['groups']:,} planted groups (seed {seed})")
    table.add_column("", justify="left")
    table.add_column("count", justify="right")
    for name in ("people", "leaders", "brokers", "crimes", "cross_group_crimes", "vehicles"):
        table.add_row(name.replace("_", " "), f"{summary[name]:,}")
    console.print(table)
    console.print(f"Files in {out}: {', '.join(p.name for p in paths)}.")
    console.print(f"Load the crimes with: {command}", highlight=False, soft_wrap=True)
