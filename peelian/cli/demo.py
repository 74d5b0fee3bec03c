"""``peelian demo``: build the sample store and show what is in it."""

from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json
from peelian.config import get_settings
from peelian.demo import build


@handle_errors
def demo(as_json: bool = JsonOption) -> None:
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
    console.print(
        "\nNext:\n"
        "  peelian db status                      what the store holds\n"
        "  peelian quarantine list                rows that were set aside, and why\n"
        "  peelian geo areas                      boundaries and assigned events\n"
        "  peelian ingest police-uk PATH          load more data.police.uk files\n"
        "  peelian --help                         every command"
    )
