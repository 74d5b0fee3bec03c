"""The ``peelian`` command: one sub-command group per area, each a thin shell over the domain."""

import typer

from peelian import __version__
from peelian.cli import (
    audit,
    cctv,
    db,
    dispatch,
    forecast,
    geo,
    harm,
    ingest,
    leads,
    linkage,
    network,
    quarantine,
    resolve,
    search,
    synth,
    users,
    video,
)
from peelian.cli.common import setup_logging
from peelian.cli.demo import demo
from peelian.cli.serve import serve

app = typer.Typer(
    help="Peelian: open policing intelligence. One POLE store for every police source.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(ingest.app, name="ingest")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(geo.app, name="geo")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(leads.app, name="leads")
app.add_typer(forecast.app, name="forecast")
app.add_typer(synth.app, name="synth")
app.add_typer(resolve.app, name="resolve")
app.add_typer(search.app, name="search")
app.add_typer(linkage.app, name="linkage")
app.add_typer(harm.app, name="harm")
app.add_typer(network.app, name="network")
app.add_typer(dispatch.app, name="dispatch")
app.add_typer(cctv.app, name="cctv")
app.add_typer(video.app, name="video")
app.command("demo")(demo)
app.command("serve")(serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"peelian {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show version."),
) -> None:
    setup_logging(verbose)


def main() -> None:
    app()
