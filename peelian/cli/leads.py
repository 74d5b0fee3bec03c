"""``peelian leads``: the algorithmic leads awaiting judgement, and how often people disagree."""

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.governance import leads

app = typer.Typer(
    help="List leads and report acceptance, rejection and override rates.", no_args_is_help=True
)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


@app.command("list")
@handle_errors
def list_cmd(
    status: str = typer.Option("open", "--status", help="open, accepted, rejected or all"),
    lead_type: str | None = typer.Option(None, "--type", help="Only this lead type, e.g. hotspot"),
    limit: int = typer.Option(50, min=1, max=10_000, help="Leads to show."),
    offset: int = typer.Option(0, min=0, help="Leads to skip."),
    as_json: bool = JsonOption,
) -> None:
    """Leads in a status (open by default), strongest score first. Judge them in the web review queue."""
    eng = ready_engine()
    wanted = None if status == "all" else status
    total = leads.count(eng, wanted, lead_type)
    rows = leads.queue(eng, wanted, lead_type, limit, offset)
    if as_json:
        print_json({"total": total, "leads": rows})
        return
    table = Table("id", "type", "score", "status", "title", "model", title=f"{total:,} lead(s), {status}")
    for r in rows:
        model = " ".join(str(r["provenance"].get(k) or "") for k in ("model", "version")).strip()
        table.add_row(r["id"], r["lead_type"], f"{r['score']:.4g}", r["status"], r["title"], model)
    console.print(table)


@app.command("rates")
@handle_errors
def rates_cmd(as_json: bool = JsonOption) -> None:
    """Per lead type: proposed, open, accepted, rejected, overrides, rejection and override rates."""
    found = leads.rates(ready_engine())
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("No leads yet.")
        return
    table = Table("type", "proposed", "open", "accepted", "rejected", "overrides", "rejection rate",
                  "override rate", title="Decisions by lead type")  # fmt: skip
    for r in found:
        table.add_row(
            r["lead_type"], *(f"{r[k]:,}" for k in ("proposed", "open", "accepted", "rejected", "overrides")),
            _pct(r["rejection_rate"]), _pct(r["override_rate"]),
        )  # fmt: skip
    console.print(table)
