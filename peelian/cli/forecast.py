"""``peelian forecast``: backtest the models on the store's own data, and forecast the next period."""

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import shapely
import typer
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select

from peelian.cli.common import JsonOption, console, err_console, handle_errors, print_json, ready_engine
from peelian.config import get_settings
from peelian.db import store_crs
from peelian.db.schema import areas
from peelian.errors import PeelianError
from peelian.forecast import card, catalogue, fairness, outputs, service, terrain, units, weather
from peelian.forecast.backtest import backtest, oracle_hit_rate, report
from peelian.forecast.counts import PERIODS
from peelian.forecast.metrics import COVERAGES
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.study import Study, load

app = typer.Typer(help="Predictive crime mapping: backtests and forecasts on a grid.", no_args_is_help=True)

CategoryOption = typer.Option(
    None, "--category", help="Only this crime category (e.g. Burglary); all if omitted."
)
PeriodOption = typer.Option("month", "--period", help=f"Forecast period: {', '.join(PERIODS)}.")
CellOption = typer.Option(250.0, "--cell", min=25.0, max=5000.0, help="Grid cell side in metres.")
WeatherOption = typer.Option(
    None,
    "--weather",
    help="Daily weather CSV (a 'date' column) for the boosted model; periods without rows are NaN.",
)
WeatherColumnsOption = typer.Option(
    "mean_temp,precipitation,sunshine", "--weather-columns", help="Weather columns to use, comma-separated."
)
SchemeOption = typer.Option(
    None,
    "--scheme",
    help="Boundary scheme whose union is the study area (e.g. borough); else the events' extent.",
)
UnitsOption = typer.Option(
    None,
    "--units",
    help="Rank the areas of this boundary scheme (e.g. lsoa11, beat) instead of grid cells: each area's "
    "forecast is the grid's over it; flagged densest first until --coverage of the area.",
)
GridOffsetOption = typer.Option(
    None,
    "--grid-offset",
    help="Shift the grid's lattice: 'X,Y' in metres, or 'random' (recorded in the output) to see how much "
    "a result depends on where the cell edges fall.",
)
WindowOption = typer.Option(
    None,
    "--window",
    min=1,
    max=100_000,
    help="Training window in periods: what the baselines count over and the boosted model trains on "
    "(default: a year for the baselines; see peelian.forecast.catalogue).",
)
RefitOption = typer.Option(
    None, "--refit", min=1, max=100_000, help="Refit the SEPP and boosted models every N periods."
)
TerrainOption = typer.Option(
    None,
    "--terrain",
    help="GeoJSON of places (pubs, cash machines, ...) for the boosted model: each cell's distance "
    "to the nearest and their density around it. Repeat for several layers.",
)
TerrainRadiusOption = typer.Option(
    terrain.RADIUS_M, "--terrain-radius", min=25.0, max=5000.0, help="Terrain density radius in metres."
)


def _preparer(engine, window: int | None, refit: int | None, weather_file: Path | None, weather_columns: str,
              terrain_files: list[Path] | None, terrain_radius: float) -> service.Prepare:  # fmt: skip
    """What every model this command builds gets: its training window and refit cadence (where it
    has them; else its catalogue setting), and the boosted model's weather of each period and
    risk terrain of each cell. The files are read once, however many models and backtests ask."""
    columns = [c.strip() for c in weather_columns.split(",") if c.strip()]
    daily = weather.read_daily(weather_file) if weather_file else None
    crs = store_crs(engine)
    layers = [terrain.read(path, crs) for path in terrain_files or ()]
    for layer in layers:
        err_console.print(layer.summary(), highlight=False, soft_wrap=True)

    def prepare(models: list, history) -> None:
        for model in models:
            names = {f.name for f in fields(model)}
            for name in ("window", "train_periods") if window else ():
                if name in names:
                    setattr(model, name, window)
            if refit and "refit_every" in names:
                model.refit_every = refit
        if daily is not None:
            values = weather.per_period(daily, history.edges, columns)
            for model in models:
                if isinstance(model, Boosted):
                    model.covariates, model.covariate_names = values, tuple(columns)
        if layers and not terrain.attach(models, history, layers, crs, terrain_radius):
            err_console.print(
                "[bold yellow]warning:[/] only the boosted model uses --terrain", soft_wrap=True
            )

    return prepare


def _study(
    category: str | None, period: str, cell: float, scheme: str | None, offset: str | None = None
) -> Study:
    if period not in PERIODS:
        raise PeelianError(f"--period must be one of {', '.join(PERIODS)}")
    return Study(category, period, cell, scheme, offset=_offset(offset, cell), zone=get_settings().timezone)


def _offset(text: str | None, cell: float) -> tuple[float, float]:
    if not text:
        return 0.0, 0.0
    if text.strip().lower() == "random":
        x, y = np.random.default_rng().uniform(0, cell, 2)
        return round(float(x), 1), round(float(y), 1)
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise PeelianError("--grid-offset is 'X,Y' in metres (e.g. 125,0) or 'random'") from None
    if not (np.isfinite(x) and np.isfinite(y)):
        raise PeelianError("--grid-offset must be finite numbers")
    return x % cell, y % cell


@app.command("backtest")
@handle_errors
def backtest_cmd(
    category: str | None = CategoryOption,
    period: str = PeriodOption,
    cell: float = CellOption,
    scheme: str | None = SchemeOption,
    units_scheme: str | None = UnitsOption,
    grid_offset: str | None = GridOffsetOption,
    window: int | None = WindowOption,
    refit: int | None = RefitOption,
    last: int = typer.Option(12, "--last", min=1, max=1000, help="Forecast each of the last N periods."),
    models: str = typer.Option(",".join(catalogue.NAMES), "--models", help="Comma-separated model names."),
    weather_file: Path | None = WeatherOption,
    weather_columns: str = WeatherColumnsOption,
    terrain_files: list[Path] | None = TerrainOption,
    terrain_radius: float = TerrainRadiusOption,
    out_dir: Path | None = typer.Option(
        None, "--out", help="Folder to write backtest.json (with each period's scores) and coverage.png."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Rolling-origin backtest: each of the last N periods is forecast from the periods before it.
    Stability is the share of the top 5% of cells flagged again next period; compactness the mean
    cells per patrol area among them (1: every flagged cell alone)."""
    engine = ready_engine()
    study = _study(category, period, cell, scheme, grid_offset)
    history = load(engine, study)
    places = units.build(engine, units_scheme, history) if units_scheme else None
    chosen = [catalogue.build(name.strip(), period) for name in models.split(",") if name.strip()]
    prepare = _preparer(engine, window, refit, weather_file, weather_columns, terrain_files, terrain_radius)
    prepare(chosen, history)
    periods = len(history.counts)
    if periods <= last:
        raise PeelianError(f"only {periods} {period}(s) of data: fewer than --last {last} plus history")
    targets = list(range(periods - last, periods))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("backtesting", total=len(chosen) * len(targets))
        results = backtest(history, chosen, targets, lambda *_: progress.advance(task), places)
    settings = {model.name: card.parameters(model) for model in chosen}  # windows, refits, ...
    extra = {"grid_offset_m": list(study.offset), "parameters": settings}
    found = report(history, results, units=places) | extra
    about = f"{category or 'all crime'}, {period}s"
    written = _write_backtest(out_dir, history, results, about, places, extra) if out_dir else []
    if as_json:
        print_json(found)
        return
    table = Table("model", *(f"hit {c:.0%}" for c in COVERAGES), "PAI 5%", "PEI 5%", "stable 5%",
                  f"{'units' if places else 'cells'}/area 5%", title=f"{len(targets)} forecasts, "
                  f"{_places(history, places)}")  # fmt: skip
    for s in found["models"]:
        table.add_row(s["model"], *(f"{s['hit_rate'][c]:.1%}" for c in COVERAGES), f"{s['pai'][0.05]:.2f}",
                      f"{s['pei'][0.05]:.2f}", f"{s['stability']:.2f}",
                      f"{s['compactness']:.1f}")  # fmt: skip
    table.add_row("oracle", *(f"{oracle_hit_rate(results[0], c):.1%}" for c in COVERAGES))
    console.print(table)
    if found["best_vs_baseline_5pct"]:
        ratio, low, high = found["best_vs_baseline_5pct"]
        console.print(f"{found['best_model']} / {found['best_baseline']} at 5%: {ratio:.3f} "
                      f"(95% interval {low:.3f} to {high:.3f})")  # fmt: skip
    if written:
        console.print(f"written: {', '.join(str(path) for path in written)}")


def _places(history, places: units.Units | None) -> str:
    """What a backtest ranked, for titles."""
    if places:
        return f"{places.n_units:,} {places.scheme} units (grid {history.grid.size:g} m)"
    return f"{history.grid.n_cells:,} cells, {history.grid.size:g} m"


def _write_backtest(
    folder: Path, history, results: list, about: str, places: units.Units | None, extra: dict
) -> list[Path]:
    """The backtest with each period's scores as JSON, and its coverage curve as a PNG."""
    from peelian.forecast import plots  # matplotlib loads only for the commands that draw

    folder.mkdir(parents=True, exist_ok=True)
    data, picture = folder / "backtest.json", folder / "coverage.png"
    found = report(history, results, steps=True, units=places) | extra
    data.write_text(json.dumps(found, indent=2, default=str), encoding="utf-8")
    title = f"{about}: {len(results[0].steps)} forecasts, {_places(history, places)}"
    picture.write_bytes(plots.coverage_curve(results, title=title))
    return [data, picture]


@app.command("predict")
@handle_errors
def predict_cmd(
    out: Path = typer.Option(..., "--out", help="File to write (GeoJSON, CSV or Parquet)."),
    category: str | None = CategoryOption,
    period: str = PeriodOption,
    cell: float = CellOption,
    scheme: str | None = SchemeOption,
    units_scheme: str | None = UnitsOption,
    grid_offset: str | None = GridOffsetOption,
    window: int | None = WindowOption,
    refit: int | None = RefitOption,
    per_shift: bool = typer.Option(
        False,
        "--shifts",
        help="With --period day: one forecast per patrol shift (07-15, 15-23, 23-07 local time), each "
        "cell's day split by its own last year's shift shares; files get .early/.late/.night before "
        "the suffix.",
    ),
    model: str = typer.Option("boosted", "--model", help=f"One of: {', '.join(catalogue.NAMES)}."),
    coverage: float = typer.Option(0.05, "--coverage", help="Share of the study area to flag (0.05 = 5%)."),
    fmt: str = typer.Option("geojson", "--format", help=f"One of: {', '.join(outputs.FORMATS)}."),
    propose: int = typer.Option(
        10, "--leads", min=0, max=1000, help="Propose the N riskiest patrol areas as leads for review."
    ),
    weather_file: Path | None = WeatherOption,
    weather_columns: str = WeatherColumnsOption,
    terrain_files: list[Path] | None = TerrainOption,
    terrain_radius: float = TerrainRadiusOption,
    population_attribute: str | None = typer.Option(
        None,
        "--population-attribute",
        help="Boundary attribute holding each area's population, for the fairness report (with --scheme); "
        "default: the first of population, pop, usualres, all_ages, ... that the areas carry.",
    ),
    backtest_last: int = typer.Option(
        6,
        "--backtest",
        min=0,
        max=1000,
        help="Backtest the model and prior counts over the last N periods of data, for the model card "
        "(0: skip).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Forecast the period after the data ends; write the top cells with reasons and patrol areas, a
    map (<out>.png) and a model card (<out>.card.md) with the model's recent backtest."""
    if fmt not in outputs.FORMATS:
        raise PeelianError(f"--format must be one of {', '.join(outputs.FORMATS)}")
    if population_attribute and not scheme:
        raise PeelianError("--population-attribute is for the fairness report, which needs --scheme")
    engine = ready_engine()

    prepare = _preparer(engine, window, refit, weather_file, weather_columns, terrain_files, terrain_radius)
    spec = service.Spec(_study(category, period, cell, scheme, grid_offset), model, coverage, units_scheme)
    forecast = service.make(engine, spec, prepare)
    checked = _card_backtest(forecast, backtest_last, prepare)
    parts = service.by_shift(forecast) if per_shift else [forecast]
    summaries = []
    for part in parts:
        path = out.with_name(f"{out.stem}.{part.about['shift']}{out.suffix}") if per_shift else out
        summaries.append(_deliver(engine, part, path, fmt, population_attribute, checked, propose))
    if as_json:
        print_json(summaries if per_shift else summaries[0])
        return
    for summary in summaries:
        when = f"{summary['period']} from {summary['period_start'][:10]}"
        when += f", {summary['shift']} shift" if per_shift else ""
        console.print(f"{summary['flagged']:,} {summary['flagged_kind']} in {summary['patrol_areas']:,} "
                      f"patrol areas for the {when} ({summary['model']}); written to {summary['out']}; "
                      f"{len(summary['leads'])} lead(s) proposed")  # fmt: skip


def _deliver(engine, forecast: service.Forecast, out: Path, fmt: str, population_attribute: str | None,
             checked: dict, propose: int) -> dict:  # fmt: skip
    """Everything a forecast hands over: the file, fairness report, map, model card and leads."""
    study, frame = forecast.spec.study, forecast.frame
    about = {k: v for k, v in forecast.about.items() if k != "warnings"}  # the card says them again
    outputs.write(frame, forecast.shapes(), forecast.crs, out, fmt, about)
    if study.scheme:  # who the forecast sends patrols to, area by area
        about |= _fairness(engine, forecast, out.with_name(out.name + ".fairness.csv"), population_attribute)
    map_path = out.with_name(out.name + ".png")
    title = f"{forecast.model.name}: {study.category or 'all crime'}, {study.period} from "
    title += f"{about['period_start'][:10]}{', ' + about['shift'] + ' shift' if 'shift' in about else ''}, "
    title += f"top {forecast.spec.coverage:.0%}"
    map_path.write_bytes(_risk_map(engine, forecast, study.scheme, title))
    about |= {"map": str(map_path)}
    card_path = out.with_name(out.name + ".card.md")
    card_written = card.write(card_path, forecast.model, about, checked)
    for warning in card_written["warnings"]:
        err_console.print(f"[bold yellow]warning:[/] {warning}", soft_wrap=True)
    about |= {"model_card": str(card_path), "warnings": card_written["warnings"]}
    provenance = about | {"card": service.card_for_lead(card_written)}  # the card outlives its file
    proposed = service.propose(engine, forecast, propose, "forecast", provenance)
    kind = "units" if forecast.units else "cells"
    return about | {kind: len(frame), "flagged": len(frame), "flagged_kind": kind,
                    "patrol_areas": int(frame["patrol_area"].max()), "out": str(out), "leads": proposed,
                    "backtest": checked}  # fmt: skip


def _fairness(engine, forecast: service.Forecast, path: Path, population_attribute: str | None) -> dict:
    """Shares of flagged cells and dosage per area of the scheme, beside the forecast."""
    study = forecast.spec.study
    recent = forecast.history.window(forecast.target, catalogue.WINDOW[study.period]).sum(axis=0)
    fair = fairness.report(engine, study.scheme, forecast.history, forecast.risk, forecast.cells, recent,
                           population_attribute)  # fmt: skip
    fair.to_csv(path, index=False)
    population = fairness.population_note(fair)
    if fair.attrs["population"] and not fair.attrs["population"]["complete"]:
        err_console.print(f"[bold yellow]warning:[/] population {population}", soft_wrap=True)
    return {"fairness_report": str(path), "fairness_population": population}


def _risk_map(engine, forecast: service.Forecast, scheme: str | None, title: str) -> bytes:
    """The forecast drawn over the units, or the scheme's boundaries, or the grid's outline."""
    from peelian.forecast import plots  # matplotlib loads only for the commands that draw

    drawn = (forecast.history, forecast.risk, forecast.cells)
    if forecast.units is not None:
        shapes = forecast.units.shapes
        groups = sorted(forecast.frame.groupby("patrol_area").indices.items())  # the table's numbering
        outlines = [shapely.union_all(forecast.shapes()[rows]) for _, rows in groups]
        label = f"{len(forecast.frame):,} flagged {forecast.units.scheme} units"
        return plots.risk_map(*drawn, list(shapes), forecast.crs, title, f"{forecast.units.scheme} units",
                              outlines=outlines, flagged_label=label)  # fmt: skip
    if not scheme:
        return plots.risk_map(*drawn, None, forecast.crs, title, "study area (the grid's outline)")
    with engine.connect() as conn:
        shapes = conn.execute(select(areas.c.geometry).where(areas.c.scheme == scheme)).scalars().all()
    return plots.risk_map(*drawn, list(shapely.from_wkb(shapes)), forecast.crs, title, f"{scheme} areas")


def _card_backtest(forecast: service.Forecast, last: int, prepare) -> dict:
    """The model beside prior counts (the bar to beat) over the last ``last`` periods, for its card."""
    if last == 0:
        return {"skipped": "not asked for (--backtest 0)"}
    try:
        results = service.recent_backtest(forecast.history, forecast.spec, last, prepare, forecast.units)
        return report(forecast.history, results, units=forecast.units)
    except PeelianError as exc:
        return {"skipped": str(exc)}
