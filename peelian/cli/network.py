"""``peelian network``: organised crime networks from the store: communities, central people, key players."""

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.search import CaseOption, PurposeOption
from peelian.cli.users import cli_actor
from peelian.network import service
from peelian.network.store import KINDS

app = typer.Typer(
    help="Association networks: communities, centrality, key players, change.", no_args_is_help=True
)
KindsOption = typer.Option(
    None, "--kind", help=f"Association kinds to use (repeat; default all): {', '.join(KINDS)}."
)
DATE = ["%Y-%m-%d"]


@app.command("analyse")
@handle_errors
def analyse_cmd(
    purpose: str = PurposeOption,
    case_ref: str = CaseOption,
    kind: list[str] | None = KindsOption,
    since: datetime | None = typer.Option(None, "--since", formats=DATE, help="Evidence from this date."),
    until: datetime | None = typer.Option(None, "--until", formats=DATE, help="Evidence before this date."),
    top: int = typer.Option(20, "--top", min=1, max=500, help="Most central people to list."),
    key: int = typer.Option(3, "--key-players", min=1, max=20, help="Key players per group."),
    groups: int = typer.Option(3, "--groups", min=1, max=20, help="Largest communities to analyse."),
    image: Path | None = typer.Option(None, "--image", help="Write a picture of the network (.png or .svg)."),
    resolution: float = typer.Option(
        1.0, "--resolution", min=0.01, max=100, help="Higher: smaller groups (10 suits a force area)."
    ),
    propose: bool = typer.Option(
        False, "--propose", help="Send the key players to the review queue as leads for sign-off."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Build the association network, find its groups and the people who hold them together."""
    engine, user = ready_engine(), cli_actor()
    found = service.analyse(
        engine, user, purpose, case_ref, kind, since, until, top, key, groups, image, resolution
    )
    if propose:
        found["leads"] = service.propose_key_players(engine, user, found)
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found['nodes']:,} people, {found['edges']:,} associations, {found['communities']:,} communities "
        f"(modularity {found['modularity']:.3f}, seed stability ARI {found['stability_ari'] or 1:.3f})"
    )
    table = Table(
        "person", "name", "group", "degree", "betweenness", "core", "constraint", title="most central"
    )
    for row in found["top"]:
        table.add_row(
            row["id"],
            row["label"] or "",
            str(row["community"]),
            str(row["degree"]),
            f"{row['betweenness']:.3f}",
            str(row["coreness"]),
            f"{row['constraint']:.2f}",
        )
    console.print(table)
    for group in found["groups"]:
        players = ", ".join(f"{p['id']} (F={p['fragmentation']:.2f})" for p in group["key_players"]) or "none"
        console.print(
            f"group {group['community']}: {group['size']} people, stability {group['stability']:.2f}; "
            f"key players: {players}"
        )
    if found["image"]:
        console.print(f"picture written to {found['image']}")
    if propose:
        console.print(f"{len(found['leads'])} key-player lead(s) sent to the review queue ('peelian leads')")


@app.command("change")
@handle_errors
def change_cmd(
    split: datetime = typer.Option(..., "--split", formats=DATE, help="Compare before this date with after."),
    purpose: str = PurposeOption,
    case_ref: str = CaseOption,
    kind: list[str] | None = KindsOption,
    as_json: bool = JsonOption,
) -> None:
    """How the network changed: who entered, who left, who rose in the ranking."""
    found = service.change(ready_engine(), cli_actor(), purpose, case_ref, split, kind)
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found['people_before']:,} people before, {found['people_after']:,} after: {found['entered']} "
        f"entered, {found['left']} left (people Jaccard {found['node_jaccard']:.2f}, "
        f"ties {found['edge_jaccard']:.2f})"
    )
    for row in found["risers"]:
        console.print(f"rose: {row['id']} rank {row['rank_before']} -> {row['rank_after']}")
