"""``peelian db``: create, migrate and inspect the store."""

import typer
from rich.table import Table
from sqlalchemy import func, select

from peelian.cli.common import JsonOption, console, engine, handle_errors, print_json
from peelian.config import get_settings
from peelian.db import require_current, schema, store_crs, upgrade
from peelian.db.engine import current_revision, head_revision

app = typer.Typer(help="Create, migrate and inspect the database.", no_args_is_help=True)

COUNTED = ["events", "persons", "objects", "locations", "links", "source_records", "quarantine", "areas"]


@app.command("upgrade")
@handle_errors
def upgrade_cmd() -> None:
    """Create the store or migrate it to the latest schema (safe to repeat)."""
    eng = engine()
    before, after = upgrade(eng, get_settings().crs)
    crs = store_crs(eng)
    if before == after:
        console.print(f"Database already at revision {after} (CRS {crs}).")
    else:
        console.print(f"Database migrated from {before or 'empty'} to revision {after} (CRS {crs}).")


@app.command("status")
@handle_errors
def status_cmd(as_json: bool = JsonOption) -> None:
    """Show the schema revision and how many rows each POLE table holds."""
    eng = engine()
    current, head = current_revision(eng), head_revision()
    info = {"url": eng.url.render_as_string(hide_password=True), "revision": current, "head": head}
    if current == head:
        require_current(eng)
        with eng.connect() as conn:
            info["crs"] = store_crs(eng)
            info["rows"] = {
                name: conn.execute(select(func.count()).select_from(schema.metadata.tables[name])).scalar()
                for name in COUNTED
            }
    if as_json:
        print_json(info)
        return
    console.print(f"Database {info['url']}: revision {current or 'none'} (latest {head})")
    if "rows" not in info:
        console.print("[yellow]Not migrated.[/] Run: peelian db upgrade")
        return
    table = Table("table", "rows", title=f"POLE store (CRS {info['crs']})")
    for name, count in info["rows"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
