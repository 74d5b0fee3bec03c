"""``peelian video``: analyse footage taken in, search its events, report review time, and manage
ONNX detection models (carded and measured before they may be switched on)."""

from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.search import CaseOption, PurposeOption
from peelian.cli.users import cli_actor
from peelian.config import get_settings
from peelian.video import models, service
from peelian.video.events import KINDS
from peelian.video.measure import measure, read_labels

app = typer.Typer(
    help="CCTV analytics: events to jump to, review time saved, detection models.", no_args_is_help=True
)
model_app = typer.Typer(
    help="ONNX detection models: list, measure on labelled footage, enable, disable.", no_args_is_help=True
)
app.add_typer(model_app, name="model")


def _bar(quiet: bool) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True, disable=quiet)


@app.command("analyse")
@handle_errors
def analyse_cmd(
    footage_id: str = typer.Argument(..., help="The footage CCTV-... reference (or vf_... id)."),
    no_review_copy: bool = typer.Option(False, "--no-review-copy", help="Skip the browser-playable copy."),
    as_json: bool = JsonOption,
) -> None:
    """Find people, vehicles and events in one video; each event becomes a lead to confirm."""
    with _bar(as_json) as bar:
        task = bar.add_task("analysing", total=None)
        stored = service.analyse_footage(
            ready_engine(),
            get_settings(),
            footage_id,
            cli_actor(),
            progress=lambda done, total: bar.update(task, completed=done, total=total or None),
            review=not no_review_copy,
        )
    summary = {k: v for k, v in stored.summary.items() if k not in ("segments", "people_per_second")}
    if as_json:
        print_json({"footage": stored.footage, "events": stored.events, **summary})
        return
    console.print(
        f"{stored.events} events; {summary['footage_seconds'] / 3600:.3f} h of footage, "
        f"{summary['review_seconds'] / 3600:.3f} h to watch ({summary['review_reduction']:.0%} saved); "
        f"{summary['frames'] / max(summary['processing_seconds'], 1e-9):.0f} frames/s "
        f"with {summary['detector']}"
    )


def _points(text: str) -> list[list[float]]:
    try:
        return [[float(v) for v in pair.split(",")] for pair in text.split()]
    except ValueError:
        raise typer.BadParameter("points are x,y pairs in frame pixels, separated by spaces") from None


@app.command("zone")
@handle_errors
def zone_cmd(
    footage_id: str = typer.Argument(..., help="The footage CCTV-... reference (or vf_... id)."),
    name: str = typer.Argument(..., help="The zone's name, e.g. 'shop door'."),
    points: str = typer.Option(
        None, "--points", help="Polygon corners in frame pixels: '250,60 330,60 330,150'."
    ),
    remove: bool = typer.Option(False, "--remove", help="Remove the zone instead."),
    as_json: bool = JsonOption,
) -> None:
    """Draw a named zone (before analysis): people entering it become events."""
    if remove == (points is not None):
        raise typer.BadParameter("give --points to draw the zone or --remove to remove it")
    zones = service.set_zone(
        ready_engine(), footage_id, name, None if remove else _points(points), cli_actor()
    )
    if as_json:
        print_json(zones)
        return
    console.print(f"zones: {', '.join(zones) or 'none'}")


@app.command("events")
@handle_errors
def events_cmd(
    purpose: str = PurposeOption,
    case_ref: str = CaseOption,
    case: str = typer.Option(None, "--case", help="Events on this case's footage."),
    footage: str = typer.Option(None, "--footage", help="Events in this footage (vf_...)."),
    kind: str = typer.Option(None, "--kind", help=f"One of {', '.join(KINDS)}."),
    zone: str = typer.Option(None, "--zone", help="Only this zone."),
    camera: str = typer.Option(None, "--camera", help="Camera name contains this."),
    since: datetime = typer.Option(None, "--since", help="True time from (UTC)."),
    until: datetime = typer.Option(None, "--until", help="True time to (UTC)."),
    limit: int = typer.Option(200, "--limit", min=1, max=service.MAX_RESULTS),
    as_json: bool = JsonOption,
) -> None:
    """Search the event index by kind, time window, zone, camera and case."""
    found = service.audited_search(
        ready_engine(),
        cli_actor(),
        purpose,
        case_ref,
        case_ref=case,
        footage_id=footage,
        kind=kind,
        zone=zone,
        camera=camera,
        since=since,
        until=until,
        limit=limit,
    )
    if as_json:
        print_json(found)
        return
    table = Table(
        "true time", "in video", "footage", "camera", "event", "zone", "track", "review", title="video events"
    )
    for ev in found:
        table.add_row(
            ev["true_from"].strftime("%Y-%m-%d %H:%M:%S") if ev["true_from"] else "-",
            f"{ev['media_from']:.1f}-{ev['media_to']:.1f} s",
            ev["footage_reference"],
            ev["camera"] or "-",
            ev["kind"],
            ev["zone"] or "",
            str(ev["track"]),
            ev["lead_status"],
        )
    console.print(table)


@app.command("report")
@handle_errors
def report_cmd(
    case: str = typer.Argument(..., help="The case reference."), as_json: bool = JsonOption
) -> None:
    """Footage hours against the hours a reviewer must actually watch, per video and for the case."""
    found = service.case_report(ready_engine(), case)
    if as_json:
        print_json(found)
        return
    table = Table(
        "footage", "camera", "status", "footage h", "watch h", "saved", "events", title=f"CCTV on {case}"
    )
    for v in found["videos"]:
        saved = f"{v['review_reduction']:.0%}" if v["review_reduction"] is not None else "-"
        events = ", ".join(f"{k} {n}" for k, n in sorted(v["events_by_kind"].items()))
        table.add_row(
            v["reference"],
            v["camera"] or "-",
            v["status"],
            f"{v['footage_hours']:.3f}",
            f"{v['review_hours']:.3f}",
            saved,
            events,
        )
    console.print(table)
    if found["review_reduction"] is not None:
        console.print(
            f"{found['analysed']} analysed: {found['footage_hours']:.3f} h of footage, "
            f"{found['review_hours']:.3f} h to watch ({found['review_reduction']:.0%} saved)"
        )


@model_app.command("list")
@handle_errors
def model_list(as_json: bool = JsonOption) -> None:
    """Models in the models directory, their measured accuracy, and which is switched on."""
    engine, directory = ready_engine(), Path(get_settings().video_models_dir)
    on = models.enabled(engine)
    rows = []
    for card in models.cards(directory):
        measured = models.measurement(engine, card.name) or {}
        current = measured.get("sha256") == card.sha256
        rows.append(
            {
                "name": card.name,
                "version": card.fields["version"],
                "enabled": card.name == on,
                "precision": measured.get("precision") if current else None,
                "recall": measured.get("recall") if current else None,
            }
        )
    if as_json:
        print_json({"enabled": on or "motion", "models": rows})
        return
    table = Table("model", "version", "precision", "recall", "on", title=f"detection models in {directory}")
    for r in rows:
        p, rc = (
            (f"{r['precision']:.3f}", f"{r['recall']:.3f}")
            if r["precision"] is not None
            else ("not measured", "")
        )
        table.add_row(r["name"], r["version"], p, rc, "yes" if r["enabled"] else "")
    console.print(table)
    console.print(f"in use: {on or 'the built-in motion detector'}")


@model_app.command("measure")
@handle_errors
def model_measure(
    name: str = typer.Argument(..., help="The model's name (its card is NAME.toml)."),
    video: Path = typer.Option(..., "--video", exists=True, dir_okay=False, help="Labelled footage."),
    labels: Path = typer.Option(
        ..., "--labels", exists=True, dir_okay=False, help="Labels CSV: frame,x,y,w,h,ignore."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Measure person detection precision and recall at IoU 0.5 on labelled footage, and keep it."""
    engine = ready_engine()
    card = models.card(Path(get_settings().video_models_dir), name)
    found, analysis = measure(video, read_labels(labels), models.OnnxDetector(card))
    entry = models.record_measurement(
        engine,
        card,
        {
            **found.as_dict(),
            "video": video.name,
            "frames_per_second": round(analysis.frames / analysis.elapsed, 2),
        },
        cli_actor(),
    )
    if as_json:
        print_json(entry)
        return
    console.print(
        f"{name}: precision {found.precision:.3f}, recall {found.recall:.3f} "
        f"on {found.frames} labelled frames"
    )


@model_app.command("enable")
@handle_errors
def model_enable(
    name: str = typer.Argument(..., help="The model's name."),
    min_precision: float = typer.Option(0.8, "--min-precision", min=0, max=1),
    min_recall: float = typer.Option(0.8, "--min-recall", min=0, max=1),
) -> None:
    """Use this model for new analyses: refused unless its current file was measured and met the bar."""
    card = models.card(Path(get_settings().video_models_dir), name)
    models.enable(ready_engine(), card, cli_actor(), min_precision, min_recall)
    console.print(f"{name} is on for new analyses")


@model_app.command("disable")
@handle_errors
def model_disable() -> None:
    """Go back to the built-in motion detector."""
    models.disable(ready_engine(), cli_actor())
    console.print("the built-in motion detector is in use")
