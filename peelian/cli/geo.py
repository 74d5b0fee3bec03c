"""``peelian geo``: load boundary files and place events in their areas."""

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, engine, handle_errors, print_json
from peelian.geo import boundaries

app = typer.Typer(help="Boundaries: load areas and assign events to them.", no_args_is_help=True)

SchemeOption = typer.Option(..., "--scheme", help="Name of the area scheme, e.g. lsoa11, borough, beat.")


def _assign_table(report: boundaries.AssignReport) -> Table:
    table = Table("scheme", "areas", "considered", "assigned", "outside", title="Event assignment")
    table.add_row(
        report.scheme,
        f"{report.areas:,}",
        f"{report.considered:,}",
        f"{report.assigned:,}",
        f"{report.outside:,}",
    )
    return table


@app.command("load-boundaries")
@handle_errors
def load_cmd(
    path: Path = typer.Argument(..., help="Shapefile (.shp or zipped), GeoJSON or GeoPackage"),
    scheme: str = SchemeOption,
    code_field: str = typer.Option(..., "--code-field", help="Field holding each area's code."),
    name_field: str | None = typer.Option(None, "--name-field", help="Field holding each area's name."),
    layer: str | None = typer.Option(None, "--layer", help="Layer to read from a multi-layer file."),
    assign: bool = typer.Option(
        True, "--assign/--no-assign", help="Assign events to the areas after loading."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Load (or update) the areas of one scheme from a boundary file."""
    eng = engine()
    loaded = boundaries.load_boundaries(eng, path, scheme, code_field, name_field, layer)
    assigned = boundaries.assign_events(eng, scheme) if assign else None
    if as_json:
        print_json({"load": loaded.as_dict(), "assign": assigned.as_dict() if assigned else None})
        return
    table = Table("", "", title=f"Boundaries loaded: {loaded.scheme}", show_header=False)
    for label, value in [
        ("file", loaded.source_name),
        ("CRS", f"{loaded.source_crs} -> {loaded.store_crs}"),
        ("areas", f"{loaded.features:,}"),
        ("new", f"{loaded.inserted:,}"),
        ("updated", f"{loaded.updated:,}"),
        ("unchanged", f"{loaded.unchanged:,}"),
        ("repaired (invalid polygons fixed)", f"{loaded.repaired:,}"),
    ]:
        table.add_row(label, value)
    console.print(table)
    if loaded.assignments_cleared:
        console.print(f"{loaded.assignments_cleared:,} assignment(s) to changed areas were cleared.")
    if assigned:
        console.print(_assign_table(assigned))


@app.command("assign")
@handle_errors
def assign_cmd(
    scheme: str = SchemeOption,
    reassign: bool = typer.Option(False, "--reassign", help="Forget this scheme's assignments and redo all."),
    as_json: bool = JsonOption,
) -> None:
    """Assign located events that have no area yet in the scheme."""
    report = boundaries.assign_events(engine(), scheme, reassign=reassign)
    if as_json:
        print_json(report.as_dict())
        return
    if report.cleared:
        console.print(f"Cleared {report.cleared:,} earlier assignment(s).")
    console.print(_assign_table(report))


@app.command("areas")
@handle_errors
def areas_cmd(as_json: bool = JsonOption) -> None:
    """Schemes loaded, with their area and assigned-event counts."""
    rows = boundaries.list_areas(engine())
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No boundaries loaded. Run: peelian geo load-boundaries PATH --scheme S --code-field F")
        return
    table = Table("scheme", "areas", "events assigned", "source", "loaded", title="Area schemes")
    for r in rows:
        loaded = r["loaded_at"].strftime("%Y-%m-%d %H:%M UTC") if r["loaded_at"] else ""
        table.add_row(r["scheme"], f"{r['areas']:,}", f"{r['events_assigned']:,}", r["source_name"], loaded)
    console.print(table)
