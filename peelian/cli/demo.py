"""``peelian demo``: build the sample store and show what is in it."""

import sys

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json
from peelian.cli.serve import serve
from peelian.config import get_settings
from peelian.demo import build


@handle_errors
def demo(
    as_json: bool = JsonOption,
    serve_after: bool | None = typer.Option(
        None, "--serve/--no-serve", help="Start the web app afterwards (default: when run in a terminal)."
    ),
    port: int = typer.Option(8000, min=1, max=65535, help="Port for the web app."),
) -> None:
    """Build a fresh embedded store from the bundled sample (36 months of burglary in Camden,
    Islington and Hackney, data.police.uk, OGL v3) with its LSOA boundaries, then summarise it."""
    url = get_settings().database_url
    if not as_json:
        console.print(f"Building the demo store at [bold]{url}[/] from the bundled sample ...")
    summary = build(url)
    if as_json:
        print_json(summary.as_dict())
        return
    totals = summary.ingest.as_dict()["totals"]
    console.print(
        f"Ingested {totals['files']} monthly files: {totals['rows_read']:,} rows read, "
        f"{totals['inserted']:,} events stored, {totals['quarantined']:,} quarantined. "
        f"Loaded {summary.areas_loaded} LSOA boundaries; {summary.events_assigned:,} events placed in one."
    )
    table = Table(title="Burglary by borough and year (data.police.uk)")
    table.add_column("borough")
    years = list(summary.by_borough_year.columns)
    for year in years:
        table.add_column(str(year), justify="right")
    for borough, row in summary.by_borough_year.iterrows():
        table.add_row(borough, *(f"{row[y]:,}" for y in years))
    console.print(table)
    if summary.quarantine:
        reasons = ", ".join(f"{q['rows']} {q['reason_code']}" for q in summary.quarantine)
        console.print(f"Quarantined (kept with reasons, not lost): {reasons}")
    r = summary.resolution
    q = r["quality"]
    console.print(
        f"Entity resolution: {r['people']:,} synthetic people seen {r['records']:,} times across six "
        f"force systems (custody, crime, intelligence, stop and search, ANPR, vetting) resolved into "
        f"{r['entities']:,} entities; "
        f"against the generator's truth, cluster precision {q['precision']:.3f}, recall {q['recall']:.3f}, "
        f"F1 {q['f1']:.3f}. {r['review_proposed']:,} uncertain pairs wait for review. They are kept in "
        f"their own store, apart from the real crime data: {r['database']}"
    )
    accounts = Table("username", "role", "password", title="Demo accounts")
    accounts.add_column("authenticator secret (TOTP)", overflow="fold")
    for a in summary.accounts:
        accounts.add_row(a.username, a.role, a.password, a.totp_secret or "")
    console.print(accounts)
    console.print(
        "\nNext:\n"
        "  peelian db status                      what the store holds\n"
        "  peelian quarantine list                rows that were set aside, and why\n"
        "  peelian geo areas                      boundaries and assigned events\n"
        "  peelian ingest police-uk PATH          load more data.police.uk files\n"
        "  peelian forecast backtest --scheme lsoa11 --last 6 --out backtest/\n"
        "                                         how each forecasting model did on this data\n"
        "  peelian forecast predict --scheme lsoa11 --out hotspots.geojson\n"
        "                                         next month's hotspots, map, model card, leads\n"
        f"  PEELIAN_DATABASE_URL={r['database']} peelian resolve status\n"
        "                                         entities resolved from the synthetic nominals\n"
        f"  PEELIAN_DATABASE_URL={r['database']} peelian resolve review\n"
        "                                         uncertain pairs with their evidence\n"
        "  peelian serve                          the web app (sign in with a demo account)\n"
        "  peelian --help                         every command"
    )
    if serve_after if serve_after is not None else sys.stdout.isatty():
        console.print(f"Starting the web app at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        serve(port=port)
