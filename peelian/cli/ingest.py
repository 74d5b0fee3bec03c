"""``peelian ingest``: load source files into the POLE store."""

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.config import get_settings
from peelian.ingest.adapter import Adapter
from peelian.ingest.chicago import ChicagoAdapter
from peelian.ingest.mapped import MappedAdapter
from peelian.ingest.mapping import examples, load_mapping
from peelian.ingest.pipeline import IngestReport, ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.ingest.runs import list_runs

app = typer.Typer(help="Load police source files into the POLE store.", no_args_is_help=True)

PathArg = typer.Argument(..., exists=True, help="A file, a folder, or a zip archive.")
ParallelOption = typer.Option(
    None, "--parallel/--no-parallel", help="Parse in worker processes (default: for inputs over 20 MB)."
)


def run_ingest(adapter: Adapter, path: Path, as_json: bool, parallel: bool | None) -> IngestReport:
    """Shared by every ingest command: progress bar, summary table, exit status."""
    settings = get_settings()
    eng = ready_engine()
    started = time.perf_counter()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[rows]:,} rows · {task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=as_json, transient=False) as bar:
        task = bar.add_task(f"{adapter.name}", total=None, rows=0, rate=0.0)
        rows = 0

        def notify(event: str, count: int) -> None:
            nonlocal rows
            if event == "files":
                bar.update(task, total=count)
            elif event == "done":
                bar.advance(task)
            elif event.startswith("file:"):
                bar.update(task, description=event[5:])
            else:
                rows += count
                bar.update(task, rows=rows, rate=rows / max(time.perf_counter() - started, 1e-9))

        report = ingest(eng, adapter, path, settings.chunk_size, settings.max_file_bytes, notify, parallel)
        bar.update(task, completed=len(report.files), description=adapter.name)
    seconds = time.perf_counter() - started
    data = report.as_dict() | {"seconds": round(seconds, 3)}
    if as_json:
        print_json(data)
    else:
        _summary(report, seconds)
    if report.failed:
        raise typer.Exit(1)
    return report


def _summary(report: IngestReport, seconds: float) -> None:
    table = Table(title=f"{report.adapter}: {len(report.files)} file(s) in {seconds:.1f} s")
    for name in ("file", "status", "read", "inserted", "updated", "unchanged", "quarantined"):
        table.add_column(name, justify="left" if name in ("file", "status") else "right")
    shown = report.files if len(report.files) <= 15 else report.failed
    for f in shown:
        status = f.status if f.status == "completed" else f"[red]{f.status}[/]: {f.message}"
        table.add_row(
            Path(f.source).name, status, *(f"{getattr(f, n):,}" for n in
            ("rows_read", "inserted", "updated", "unchanged", "quarantined"))
        )  # fmt: skip
    totals = [report.total(n) for n in ("rows_read", "inserted", "updated", "unchanged", "quarantined")]
    table.add_row("[bold]total", f"{len(report.failed)} failed", *(f"[bold]{t:,}" for t in totals))
    console.print(table)
    read, changed = totals[0], totals[1] + totals[2]
    if read and not changed and report.total("quarantined_new") == 0:
        console.print("Nothing changed: every row was already in the store.")
    if totals[4]:
        console.print(f"{totals[4]:,} row(s) quarantined. See: peelian quarantine list")


@app.command("police-uk")
@handle_errors
def police_uk(path: Path = PathArg, as_json: bool = JsonOption, parallel: bool | None = ParallelOption):
    """data.police.uk street-level CSVs: YYYY-MM-<force>-street.csv[.gz], a folder, or the archive zip."""
    run_ingest(PoliceUkAdapter(), path, as_json, parallel)


@app.command("chicago")
@handle_errors
def chicago(path: Path = PathArg, as_json: bool = JsonOption, parallel: bool | None = ParallelOption):
    """City of Chicago Data Portal 'Crimes' CSV export (.csv or .csv.gz)."""
    run_ingest(ChicagoAdapter(), path, as_json, parallel)


@app.command("mapped")
@handle_errors
def mapped(
    path: Path = PathArg,
    mapping: str = typer.Option(
        ...,
        "--mapping",
        "-m",
        help="A TOML mapping file, or the name of a shipped one (peelian ingest mappings).",
    ),
    as_json: bool = JsonOption,
    parallel: bool | None = ParallelOption,
):
    """Any CSV or Parquet source, read through a declarative TOML mapping (docs/mapped-sources.md)."""
    run_ingest(MappedAdapter(load_mapping(mapping)), path, as_json, parallel)


@app.command("mappings")
@handle_errors
def mappings(as_json: bool = JsonOption):
    """The example mappings shipped with Peelian: copy one to start a new source."""
    rows = []
    for file in examples():
        spec = load_mapping(file)
        rows.append(
            {"name": file.stem, "system": spec.source.system, "format": spec.source.format,
             "description": spec.source.description, "path": str(file)}
        )  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table(title="Shipped mappings (use the name with --mapping, or copy the file)")
    for name in ("name", "system", "description", "path"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(row["name"], row["system"], row["description"] or "", row["path"])
    console.print(table)


@app.command("runs")
@handle_errors
def runs(
    source: str | None = typer.Option(None, "--source", help="Only this source system, e.g. police.uk"),
    status: str | None = typer.Option(None, "--status", help="completed, failed, interrupted or running"),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many runs, newest first."),
    as_json: bool = JsonOption,
):
    """The ingest history: each file loaded, its SHA-256, when, the outcome and the row counts."""
    eng = ready_engine()
    found = list_runs(eng, source, status, limit)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("No ingest runs yet.")
        return
    table = Table(title="Ingest runs, newest first (new / changed / same / quarantined rows)")
    table.add_column("run", justify="right")
    table.add_column("file", overflow="fold")
    table.add_column("status", overflow="fold")
    table.add_column("started UTC")
    for name in ("read", "new", "chg", "same", "quar"):
        table.add_column(name, justify="right")
    for r in found:
        status_text = r["status"] if r["status"] == "completed" else f"[red]{r['status']}[/]: {r['message']}"
        counts = (
            r[k] for k in ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged", "rows_quarantined")
        )
        started = f"{r['started_at']:%m-%d %H:%M}"
        table.add_row(str(r["id"]), r["source_name"], status_text, started, *(f"{c:,}" for c in counts))
    console.print(table)
