"""``peelian forecast``: backtest the models on the store's own data, and forecast the next period."""

from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from peelian.cli.common import JsonOption, console, err_console, handle_errors, print_json, ready_engine
from peelian.db import store_crs
from peelian.errors import PeelianError
from peelian.forecast import card, catalogue, fairness, outputs, weather
from peelian.forecast.backtest import backtest, oracle_hit_rate, ratio_interval
from peelian.forecast.counts import PERIODS
from peelian.forecast.metrics import COVERAGES
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.study import Study, load, period_start
from peelian.governance import leads

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


def _with_weather(models: list, history, path: Path | None, columns: str) -> None:
    """Give the boosted model the weather of each period (the period forecast included)."""
    if path is None:
        return
    names = [c.strip() for c in columns.split(",") if c.strip()]
    values = weather.per_period(weather.read_daily(path), history.edges, names)
    for model in models:
        if isinstance(model, Boosted):
            model.covariates, model.covariate_names = values, tuple(names)


def _study(category: str | None, period: str, cell: float, scheme: str | None) -> Study:
    if period not in PERIODS:
        raise PeelianError(f"--period must be one of {', '.join(PERIODS)}")
    return Study(category, period, cell, scheme)


@app.command("backtest")
@handle_errors
def backtest_cmd(
    category: str | None = CategoryOption,
    period: str = PeriodOption,
    cell: float = CellOption,
    scheme: str | None = SchemeOption,
    last: int = typer.Option(12, "--last", min=1, max=1000, help="Forecast each of the last N periods."),
    models: str = typer.Option(",".join(catalogue.NAMES), "--models", help="Comma-separated model names."),
    weather_file: Path | None = WeatherOption,
    weather_columns: str = WeatherColumnsOption,
    as_json: bool = JsonOption,
) -> None:
    """Rolling-origin backtest: each of the last N periods is forecast from the periods before it."""
    history = load(ready_engine(), _study(category, period, cell, scheme))
    chosen = [catalogue.build(name.strip(), period) for name in models.split(",") if name.strip()]
    _with_weather(chosen, history, weather_file, weather_columns)
    periods = len(history.counts)
    if periods <= last:
        raise PeelianError(f"only {periods} {period}(s) of data: fewer than --last {last} plus history")
    targets = list(range(periods - last, periods))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("backtesting", total=len(chosen) * len(targets))
        results = backtest(history, chosen, targets, lambda *_: progress.advance(task))
    summaries = [r.summary() for r in results]
    baseline = max((r for r in results if r.classic), key=lambda r: r.hit_rate(0.05), default=None)
    best = max((r for r in results if not r.classic), key=lambda r: r.hit_rate(0.05), default=None)
    comparison = ratio_interval(best, baseline, 0.05) if best and baseline else None
    if as_json:
        print_json({"cells": history.grid.n_cells, "targets": len(targets), "models": summaries,
                    "oracle_hit_rate": {c: oracle_hit_rate(results[0], c) for c in COVERAGES},
                    "best_vs_baseline_5pct": comparison})  # fmt: skip
        return
    table = Table("model", *(f"hit {c:.0%}" for c in COVERAGES), "PAI 5%", "PEI 5%",
                  title=f"{len(targets)} forecasts, {history.grid.n_cells:,} cells, {cell:g} m")  # fmt: skip
    for s in summaries:
        table.add_row(s["model"], *(f"{s['hit_rate'][c]:.1%}" for c in COVERAGES), f"{s['pai'][0.05]:.2f}",
                      f"{s['pei'][0.05]:.2f}")  # fmt: skip
    table.add_row("oracle", *(f"{oracle_hit_rate(results[0], c):.1%}" for c in COVERAGES))
    console.print(table)
    if comparison:
        ratio, low, high = comparison
        console.print(
            f"{best.name} / {baseline.name} at 5%: {ratio:.3f} (95% interval {low:.3f} to {high:.3f})"
        )


@app.command("predict")
@handle_errors
def predict_cmd(
    out: Path = typer.Option(..., "--out", help="File to write (GeoJSON, CSV or Parquet)."),
    category: str | None = CategoryOption,
    period: str = PeriodOption,
    cell: float = CellOption,
    scheme: str | None = SchemeOption,
    model: str = typer.Option("boosted", "--model", help=f"One of: {', '.join(catalogue.NAMES)}."),
    coverage: float = typer.Option(0.05, "--coverage", help="Share of the study area to flag (0.05 = 5%)."),
    fmt: str = typer.Option("geojson", "--format", help=f"One of: {', '.join(outputs.FORMATS)}."),
    propose: int = typer.Option(
        10, "--leads", min=0, max=1000, help="Propose the N riskiest patrol areas as leads for review."
    ),
    weather_file: Path | None = WeatherOption,
    weather_columns: str = WeatherColumnsOption,
    as_json: bool = JsonOption,
) -> None:
    """Forecast the period after the data ends; write the top cells with reasons and patrol areas."""
    if fmt not in outputs.FORMATS:
        raise PeelianError(f"--format must be one of {', '.join(outputs.FORMATS)}")
    engine = ready_engine()
    study = _study(category, period, cell, scheme)
    history = load(engine, study)
    forecaster = catalogue.build(model, period)
    _with_weather([forecaster], history, weather_file, weather_columns)
    target = len(history.counts)  # the period after the last one with data
    risk = forecaster.forecast(history, target)
    cells = outputs.top_cells(history, risk, coverage)
    contributions = forecaster.explain(history, target) if isinstance(forecaster, Boosted) else None
    names = forecaster.feature_names if isinstance(forecaster, Boosted) else []
    why = outputs.reasons(contributions, names, cells, f"{forecaster.name}: past crimes in and near the cell")
    crs = store_crs(engine)
    frame = outputs.table(history, risk, cells, why, crs)
    starts = period_start(history, target)
    about = {"model": forecaster.name, "period": period, "period_start": starts.isoformat(), "cell_m": cell,
             "category": category, "coverage": coverage, "data_from": period_start(history, 0).isoformat(),
             "periods_of_data": target}  # fmt: skip
    outputs.write(frame, history, crs, out, fmt, about)
    if scheme:  # who the forecast sends patrols to, area by area
        recent = history.window(target, catalogue.WINDOW[period]).sum(axis=0)
        report_path = out.with_name(out.name + ".fairness.csv")
        fairness.report(engine, scheme, history, risk, cells, recent).to_csv(report_path, index=False)
        about = about | {"fairness_report": str(report_path)}
    card_path = out.with_name(out.name + ".card.md")
    card_written = card.write(card_path, forecaster, about)
    for warning in card_written["warnings"]:
        err_console.print(f"[bold yellow]warning:[/] {warning}", soft_wrap=True)
    about = about | {"model_card": str(card_path), "warnings": card_written["warnings"]}
    proposed = _propose(engine, frame, about, propose)
    summary = about | {"cells": len(frame), "patrol_areas": int(frame["patrol_area"].max()), "out": str(out),
                       "leads": proposed}  # fmt: skip
    if as_json:
        print_json(summary)
        return
    console.print(f"{len(frame):,} cells in {summary['patrol_areas']:,} patrol areas for the {period} from "
                  f"{starts:%Y-%m-%d} ({forecaster.name}); written to {out}; "
                  f"{len(proposed)} lead(s) proposed")  # fmt: skip


def _propose(engine, frame, about: dict, count: int) -> list[str]:
    """The riskiest patrol areas become hotspot leads: nobody acts on them until a person accepts."""
    ids = []
    for area, group in list(frame.groupby("patrol_area"))[:count]:
        expected = float(group["expected_crimes"].sum())
        when = f"{about['period']} from {about['period_start'][:10]}"
        title = f"Hotspot: patrol area {area} ({len(group)} cells), {when}"
        explanation = (f"{about['model']} expects {expected:.1f} {about['category'] or 'crime'}(s) here; "
                       f"top reasons: {group['why'].iloc[0]}.")  # fmt: skip
        explanation += "".join(f" Warning: {warning}" for warning in about.get("warnings", []))
        subjects = {
            "cells": group["cell"].tolist(),
            "centre": [float(group["lon"].mean()), float(group["lat"].mean())],
        }
        ids.append(
            leads.propose(engine, "hotspot", title, explanation, about, subjects, expected, "forecast")
        )
    return ids
