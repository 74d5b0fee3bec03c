"""``peelian harm``: harm indices, harm-weighted priority lists (rolling window or RFG), breakdowns."""

from datetime import datetime

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.search import CaseOption, PurposeOption
from peelian.cli.users import cli_actor
from peelian.harm import available_indices, load_index, service

app = typer.Typer(
    help="The powerful few: harm indices, harm-weighted offender rankings (kept as leads) and breakdowns.",
    no_args_is_help=True,
)
IndexOption = typer.Option("cchi", "--index", help="Harm index: cchi (Cambridge) or ons_css (ONS).")
AsOfOption = typer.Option(
    None, "--as-of", formats=["%Y-%m-%d"], help="Rank as on this date (default: the latest offence held)."
)
WindowOption = typer.Option(365.0, "--window", min=1, max=3650, help="Days of offending counted (like V100).")
HalfLifeOption = typer.Option(
    None, "--half-life", min=1, max=3650, help="Days after which an offence counts half (default: no decay)."
)
MethodOption = typer.Option("harm", "--method", help="harm (summed weights in the window) or rfg.")


@app.command("indices")
@handle_errors
def indices_cmd(as_json: bool = JsonOption) -> None:
    """The harm indices shipped, with their entries and sources (see peelian/data/harm/SOURCES.md)."""
    found = [load_index(name) for name in available_indices()]
    rows = [{"name": i.name, "title": i.title, "unit": i.unit, "entries": len(i.entries)} for i in found]
    if as_json:
        print_json(rows)
        return
    table = Table("index", "title", "unit", "entries", title="harm indices")
    for row in rows:
        table.add_row(row["name"], row["title"], row["unit"], str(row["entries"]))
    console.print(table)


@app.command("rank")
@handle_errors
def rank_cmd(
    purpose: str = PurposeOption,
    case_ref: str = CaseOption,
    index: str = IndexOption,
    method: str = MethodOption,
    as_of: datetime | None = AsOfOption,
    window: float = WindowOption,
    half_life: float | None = HalfLifeOption,
    top: int = typer.Option(25, "--top", min=1, max=1000, help="How many offenders to list."),
    propose: bool = typer.Option(
        False, "--propose", help="Keep this refresh: report churn and propose leads for new entries."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Rank offenders by harm: who causes the most, by which offences, and what changed since last time."""
    found = service.rank(
        ready_engine(), cli_actor(), purpose, case_ref, index, method, as_of, window, half_life, top, propose
    )
    if as_json:
        print_json(found)
        return
    table = Table(
        "rank",
        "offender",
        "name",
        "harm",
        "score" if method == "rfg" else "events",
        "last offence",
        title=f"{found['index_title']} ({found['unit']}), {window:g} days to {found['as_of'][:10]}",
    )
    for row in found["top"]:
        other = f"{row['score']:.3f}" if method == "rfg" else str(row["events"])
        table.add_row(
            str(row["rank"]),
            row["offender"],
            row["label"],
            f"{row['harm']:,.1f}",
            other,
            (row["last_offence"] or "")[:10],
        )
    console.print(table)
    console.print(f"{found['offenders_ranked']:,} offenders with offences in the window")
    for gap in found["unmapped"]:
        console.print(
            f"[yellow]unmapped[/]: {gap['category']} x{gap['offences']} ({gap['reason']}): adds nothing"
        )
    if found["churn"]:
        c = found["churn"]
        console.print(
            f"churn since refresh {c['previous_refresh']}: {len(c['entered'])} entered, "
            f"{len(c['left'])} left, {c['stayed']} stayed (Jaccard {c['jaccard']:.2f})"
        )
    if found["refresh"]:
        console.print(
            f"kept as refresh {found['refresh']}; {len(found['leads'])} new lead(s) in the review queue"
        )


@app.command("explain")
@handle_errors
def explain_cmd(
    offender: str = typer.Argument(..., help="Person entity (pp_...) or record (pe_...) id."),
    purpose: str = PurposeOption,
    case_ref: str = CaseOption,
    index: str = IndexOption,
    method: str = MethodOption,
    as_of: datetime | None = AsOfOption,
    window: float = WindowOption,
    half_life: float | None = HalfLifeOption,
    as_json: bool = JsonOption,
) -> None:
    """One offender's score, offence by offence: index entry, weight, decay and contribution."""
    found = service.explain(
        ready_engine(), cli_actor(), purpose, case_ref, offender, index, method, as_of, window, half_life
    )
    if as_json:
        print_json(found)
        return
    table = Table(
        "when",
        "offence",
        "index entry",
        "weight",
        "decay",
        "contribution",
        "role",
        title=f"{found['label'] or offender}: {found['harm']:,.1f} {found['unit']}",
    )
    for row in found["offences"]:
        weight = "unmapped" if row["weight"] is None else f"{row['weight']:,.2f}"
        contribution = "" if row["contribution"] is None else f"{row['contribution']:,.2f}"
        table.add_row(
            row["time"][:16],
            row["category"],
            row["entry"] or "",
            weight,
            f"{row['decay']:.3f}",
            contribution,
            row.get("role") or "",
        )
    console.print(table)
    for part in found["rfg"] or []:
        console.print(f"{part['component']}: {part['measure']} -> {part['value']:.3f} x {part['weight']:.2f}")


@app.command("areas")
@handle_errors
def areas_cmd(
    index: str = IndexOption,
    as_of: datetime | None = AsOfOption,
    window: float = WindowOption,
    top: int = typer.Option(20, "--top", min=1, max=1000, help="How many areas to list."),
    as_json: bool = JsonOption,
) -> None:
    """Harm per area (each crime once, however many offenders): where harm falls."""
    found = service.areas(ready_engine(), cli_actor(), index, as_of, window, top)
    if as_json:
        print_json(found)
        return
    table = Table("area", "harm", "crimes", title=f"harm per area ({found['unit']}) to {found['as_of'][:10]}")
    for row in found["areas"]:
        table.add_row(str(row["area"]), f"{row['harm']:,.1f}", str(row["events"]))
    console.print(table)
