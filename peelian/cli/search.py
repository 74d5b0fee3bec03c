"""``peelian search``: one query across every source, a subject's profile, and the index."""

from datetime import date
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.users import cli_actor
from peelian.search import index, query, service

app = typer.Typer(
    help="Search every source at once; profile a person, vehicle or place.", no_args_is_help=True
)
PurposeOption = typer.Option(
    None, "--purpose", help="Why you are searching (investigation, safeguarding, ...)."
)
CaseOption = typer.Option(None, "--case-ref", help="The case or task reference (recorded in the audit).")


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@app.command("query")
@handle_errors
def query_cmd(
    text: str = typer.Argument(..., help='What you know: "John Smtih 12/03/1985", "AB12", "07700 900123".'),
    purpose: str | None = PurposeOption,
    case_ref: str | None = CaseOption,
    source: list[str] = typer.Option([], "--source", help="Only these source systems (repeatable)."),
    kind: list[str] = typer.Option([], "--type", help=f"Only these record types: {', '.join(query.TYPES)}."),
    date_from: str | None = typer.Option(None, "--from", help="Recorded on or after (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(None, "--to", help="Recorded on or before (YYYY-MM-DD)."),
    area: str | None = typer.Option(None, "--area", help="Area code the source recorded (e.g. an LSOA)."),
    limit: int = typer.Option(20, "--limit", min=1, max=200, help="Rows to show."),
    as_json: bool = JsonOption,
) -> None:
    """Search every source; one row per resolved person, vehicle or place, with the reasons."""
    try:
        filters = query.Filters(tuple(source), tuple(kind), _date(date_from), _date(date_to), area)
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD ({exc})") from None
    found = service.find(ready_engine(), text, filters, cli_actor(), purpose, case_ref, limit)
    if as_json:
        print_json(found)
        return
    console.print(f"understood: {found['understood'] or 'nothing searchable'}; {found['total']} answer(s)")
    table = Table("who / what", "score", "why", "records by system")
    table.add_column("entity", no_wrap=True)
    for r in found["results"]:
        systems = ", ".join(f"{s} {n}" for s, n in sorted(r["sources"].items()))
        table.add_row(r["label"], f"{r['score']:.1f}", "; ".join(r["reasons"]), systems, r["entity_id"])
    console.print(table)


@app.command("profile")
@handle_errors
def profile_cmd(
    entity_id: str = typer.Argument(..., help="Entity id (pp_..., pv_...) or a record id (pe_...)."),
    purpose: str | None = PurposeOption,
    case_ref: str | None = CaseOption,
    export: Path | None = typer.Option(None, "--export", help="Write the case-file HTML here instead."),
    as_json: bool = JsonOption,
) -> None:
    """Everything held on one entity, from every source (the read is audited)."""
    engine = ready_engine()
    if export is not None:
        export.write_text(
            service.export_profile(engine, entity_id, cli_actor(), purpose, case_ref), encoding="utf-8"
        )
        console.print(f"wrote {export}")
        return
    found = service.read_profile(engine, entity_id, cli_actor(), purpose, case_ref)
    if as_json:
        print_json(found)
        return
    s = found["summary"]
    console.print(f"[bold]{s['label']}[/] {found['entity']['id']}: {s['records']} record(s) from "
                  f"{', '.join(s['sources']) or 'one source'}, {s['events']} event(s)")  # fmt: skip
    for w in found["warnings"]:
        console.print(f"[red]warning: {w['value']}[/] ({', '.join(w['sources'])})")
    for i in found["identities"]:
        console.print(f"  {i['name']} {i['dob'] or ''} — {', '.join(i['sources'])}")
    table = Table("when", "type", "what", "role", "source", title="timeline")
    for e in found["timeline"][:50]:
        table.add_row(f"{e['time_from']:%Y-%m-%d}", e["event_type"], e["category"], ", ".join(e["roles"]),
                      e["source_system"])  # fmt: skip
    console.print(table)
    for a in found["associates"][:20]:
        console.print(f"  associate {a['label']} ({a['entity_id']}): {a['shared_events']} shared event(s)")


@app.command("index")
@handle_errors
def index_cmd(as_json: bool = JsonOption) -> None:
    """Rebuild the search index from the store (ingest keeps it current; use after a restore)."""
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("indexing", total=None)
        counts = index.rebuild(
            ready_engine(), lambda kind, n: progress.update(task, advance=n, description=kind)
        )
    if as_json:
        print_json(counts)
        return
    console.print("indexed " + ", ".join(f"{n:,} {kind} record(s)" for kind, n in counts.items()))
