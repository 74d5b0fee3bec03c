"""``peelian cctv``: upload links for a case, footage sent from this machine (in chunks, resumable),
a case's footage, and a check that an original is still the file received."""

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.users import cli_actor
from peelian.config import get_settings
from peelian.errors import PeelianError
from peelian.video import intake

app = typer.Typer(
    help="CCTV evidence: upload links, uploads with a chain of custody, footage, verification.",
    no_args_is_help=True,
)
CaseArgument = typer.Argument(..., help="The case reference, e.g. OP-1234.")


@app.command("link")
@handle_errors
def link(
    case: str = CaseArgument,
    audience: str = typer.Option("business", "--audience", help="business or officer"),
    owner: str = typer.Option(None, "--owner", help="Who holds the footage, e.g. the shop's name."),
    days: int = typer.Option(7, "--days", min=1, max=intake.MAX_LINK_DAYS, help="How long the link works."),
    base_url: str = typer.Option("", "--base-url", help="This server's address, to print a whole link."),
    as_json: bool = JsonOption,
) -> None:
    """Make a per-case upload link. The link is printed this once: only its hash is kept."""
    settings = get_settings()
    made, token = intake.create_link(
        ready_engine(), case, audience, owner, cli_actor(), max_bytes=settings.max_video_bytes, days=days
    )
    url = f"{base_url.rstrip('/')}/cctv/upload/{token}"
    if as_json:
        print_json(made | {"url": url})
        return
    console.print(f"Upload link for {case} ({audience}), until {made['expires_at']:%Y-%m-%d %H:%M} UTC:")
    console.print(url, soft_wrap=True, highlight=False)


@app.command("upload")
@handle_errors
def upload(
    case: str = CaseArgument,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The video file."),
    camera: str = typer.Option(None, "--camera", help="Which camera."),
    location: str = typer.Option(None, "--location", help="Where the camera is."),
    owner: str = typer.Option(None, "--owner", help="Whose camera it is."),
    clock_offset: float = typer.Option(0.0, "--clock-offset", help="Camera clock minus true time, seconds."),
    camera_start: str = typer.Option(
        None, "--camera-start", help="The first frame's time on the camera clock: ISO, with its UTC offset."
    ),
    resume: str = typer.Option(None, "--resume", help="Carry on with this unfinished upload (its id)."),
    as_json: bool = JsonOption,
) -> None:
    """Send a video file in chunks; it is kept unaltered and its SHA-256 starts its chain of custody."""
    engine, settings, total = ready_engine(), get_settings(), file.stat().st_size
    if resume:
        state = intake.upload_status(engine, resume)
        if (state["case_ref"], state["total_bytes"]) != (case, total):
            raise PeelianError(f"upload {resume} is for another case or another file: start a new one")
    else:
        details = {"camera": camera, "location": location, "owner": owner, "clock_offset_s": clock_offset,
                   "camera_start": camera_start}  # fmt: skip
        state = intake.start_upload(engine, settings, case_ref=case, uploaded_by=cli_actor(), name=file.name,
                                    total_bytes=total, details=details)  # fmt: skip
        console.print(f"Upload {state['id']} (resume with --resume {state['id']})", highlight=False)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=True) as progress, file.open("rb") as source:
        task = progress.add_task(file.name, total=total, completed=state["received_bytes"])
        source.seek(state["received_bytes"])
        while not state.get("complete"):
            offset = state["received_bytes"]
            state = intake.append_chunk(
                engine, settings, state["id"], offset, source.read(intake.CHUNK_BYTES)
            )
            progress.update(task, completed=state["received_bytes"])
    if as_json:
        print_json(state)
        return
    console.print(
        f"[green]Received[/] {state['reference']} for {case}: SHA-256 {state['sha256']}", highlight=False
    )


@app.command("footage")
@handle_errors
def footage(case: str = CaseArgument, as_json: bool = JsonOption) -> None:
    """A case's footage, in the order it was received."""
    found = intake.case_footage(ready_engine(), case)
    if as_json:
        print_json(found)
        return
    if not found:
        console.print(f"No footage for {case}.")
        return
    table = Table("reference", "received (UTC)", "camera", "location", "owner", "offset s", "MiB", "SHA-256")
    for f in found:
        table.add_row(
            f["reference"], f"{f['received_at']:%Y-%m-%d %H:%M}", f["camera"] or "", f["location"] or "",
            f["owner"] or "", f"{f['clock_offset_s']:+.0f}", f"{f['size'] / 1024**2:,.1f}", f["sha256"],
        )  # fmt: skip
    console.print(table)


@app.command("verify")
@handle_errors
def verify(footage_id: str = typer.Argument(..., help="The footage's id or CCTV-... reference.")) -> None:
    """Hash the kept original again and compare it with the digest taken on receipt. Exit 1 if it differs."""
    result = intake.verify(ready_engine(), get_settings(), footage_id, cli_actor())
    if result["intact"]:
        console.print(f"[green]Intact[/]: {result['reference']} still has SHA-256 {result['sha256']}")
        return
    found = "is missing" if result["actual"] is None else f"now has SHA-256 {result['actual']}"
    console.print(f"[bold red]Changed[/]: {result['reference']} {found}; received as {result['sha256']}")
    raise typer.Exit(1)
