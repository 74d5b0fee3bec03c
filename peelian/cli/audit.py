"""``peelian audit``: verify and export the tamper-evident trail."""

from pathlib import Path

import typer

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.governance import audit

app = typer.Typer(help="Verify and export the tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify(as_json: bool = JsonOption) -> None:
    """Recompute the hash chain; name the first altered, deleted or reordered entry. Exit 1 if broken."""
    result = audit.verify(ready_engine())
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        console.print(f"[green]Audit trail intact[/]: {result.entries:,} entries, head {result.head_hash}")
    else:
        console.print(f"[bold red]Audit trail broken at entry {result.first_bad_seq}[/]: {result.problem}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("head")
@handle_errors
def head(as_json: bool = JsonOption) -> None:
    """The latest entry number and hash: record them outside the database to detect a rewritten tail."""
    result = audit.verify(ready_engine())
    data = {"seq": result.head_seq, "hash": result.head_hash}
    if as_json:
        print_json(data)
    else:
        console.print(f"{data['seq']} {data['hash']}")


@app.command("export")
@handle_errors
def export(
    out: Path = typer.Argument(..., dir_okay=False, help="File to write"),
    viewer: str = typer.Option(..., "--as", help="The auditor exporting: their own entries are left out"),
    fmt: str = typer.Option("csv", "--format", help="csv or json"),
) -> None:
    """Export the trail as CSV or JSON (never the exporting auditor's own activity)."""
    count = audit.export(ready_engine(), out, viewer, fmt)
    console.print(f"Wrote {count:,} entries to {out}")
