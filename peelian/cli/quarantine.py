"""``peelian quarantine``: the rows ingest could not trust, with their reasons."""

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.ingest import quarantine as store

app = typer.Typer(help="Inspect and export quarantined source rows.", no_args_is_help=True)

SourceOption = typer.Option(None, "--source", help="Only this source system, e.g. police.uk")
ReasonOption = typer.Option(None, "--reason", help="Only this reason code, e.g. missing_coordinates")
RunOption = typer.Option(None, "--run", help="Only rows from this ingest run id")


@app.command("list")
@handle_errors
def list_cmd(
    source: str | None = SourceOption,
    reason: str | None = ReasonOption,
    run: int | None = RunOption,
    limit: int = typer.Option(50, min=1, max=10_000, help="Rows to show."),
    offset: int = typer.Option(0, min=0, help="Rows to skip."),
    as_json: bool = JsonOption,
) -> None:
    """Counts by reason, then the quarantined rows (newest last)."""
    eng = ready_engine()
    counts = store.summary(eng, source)
    rows = store.list_rows(eng, source, reason, run, limit, offset)
    if as_json:
        print_json({"summary": counts, "rows": rows})
        return
    if not counts:
        console.print("Quarantine is empty.")
        return
    summary = Table("source", "reason", "rows", title="Quarantine by reason")
    for c in counts:
        summary.add_row(c["source_system"], c["reason_code"], f"{c['rows']:,}")
    console.print(summary)
    table = Table("id", "run", "file", "line", "reason", title=f"Rows {offset + 1}-{offset + len(rows)}")
    for r in rows:
        table.add_row(str(r["id"]), str(r["run_id"]), r["source_name"], str(r["line_number"]), r["reason"])
    console.print(table)
    console.print("Full row: peelian quarantine show ID")


@app.command("show")
@handle_errors
def show_cmd(row_id: int = typer.Argument(..., help="Quarantine row id"), as_json: bool = JsonOption) -> None:
    """One quarantined row with its original text."""
    row = store.show(ready_engine(), row_id)
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False, markup=True, soft_wrap=True)


@app.command("export")
@handle_errors
def export_cmd(
    out: Path = typer.Argument(..., dir_okay=False, help="File to write"),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl"),
    source: str | None = SourceOption,
    reason: str | None = ReasonOption,
    run: int | None = RunOption,
) -> None:
    """Write quarantined rows, original text included, for the data owner to fix."""
    count = store.export(ready_engine(), out, fmt, source, reason, run)
    console.print(f"Wrote {count:,} row(s) to {out}")
