"""``peelian linkage``: learn how one offender's crimes resemble each other, then find series and suspects."""

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.search import CaseOption, PurposeOption
from peelian.cli.users import cli_actor
from peelian.linkage import service

app = typer.Typer(
    help="Crime linkage: train on solved crimes, evaluate, find series, suggest links and offenders.",
    no_args_is_help=True,
)
CategoryOption = typer.Option(..., "--category", "-c", help="Crime category as stored, e.g. 'Burglary'.")


def _spinner() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True)


@app.command("train")
@handle_errors
def train_cmd(category: str = CategoryOption, as_json: bool = JsonOption) -> None:
    """Fit the linkage model on solved crimes (offenders known through suspect/offender links)."""
    with _spinner() as progress:
        task = progress.add_task("training")
        report = service.train(
            ready_engine(), category, cli_actor(), lambda m: progress.update(task, description=m)
        )
    if as_json:
        print_json(report)
        return
    console.print(
        f"model {report['model_id']}: {report['solved']:,} solved of {report['crimes']:,} crimes, "
        f"{report['pairs']:,} pairs ({report['linked_pairs']:,} linked)"
    )
    table = Table("evidence", "weight (per sd, log-odds)", title="what links crimes")
    for name, weight in sorted(report["weights"].items(), key=lambda kv: -abs(kv[1])):
        table.add_row(name.replace("_", " "), f"{weight:+.3f}")
    console.print(table)
    if report["left_out"]:
        console.print(
            f"left out (learnt the wrong way round on these pairs): {', '.join(report['left_out'])}"
        )


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    category: str = CategoryOption,
    splits: int = typer.Option(50, min=2, max=500, help="Random splits by co-offending group."),
    seed: int = typer.Option(2016, help="Seed of the first split (split k uses seed + k)."),
    as_json: bool = JsonOption,
) -> None:
    """Train/test by offender group on the store's solved crimes; the model beside Porter's naive Bayes."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("splits", total=splits)
        report = service.evaluate_store(
            ready_engine(), category, splits, seed, lambda k: progress.update(task, completed=k)
        )
    if as_json:
        print_json({k: v for k, v in report.items() if k != "runs"})
        return
    table = Table("metric", "model", "naive Bayes (Porter)", title=f"{report['category']}: {splits} splits")
    for metric in ("auc", "tpr5", "hit10", "hit50", "hit10_all", "hit50_all"):
        m, b = report["summary"]["model"][metric], report["summary"]["baseline"][metric]
        table.add_row(metric, f"{m['mean']:.3f} ± {m['sd']:.3f}", f"{b['mean']:.3f} ± {b['sd']:.3f}")
    console.print(table)


@app.command("series")
@handle_errors
def series_cmd(
    category: str = CategoryOption,
    strictness: float = typer.Option(
        0.3, min=0.01, max=0.99, help="Average link probability a series must hold."
    ),
    min_size: int = typer.Option(2, min=2, help="Smallest series to report."),
    propose: bool = typer.Option(True, "--propose/--no-propose", help="File new series as leads for review."),
    limit: int = typer.Option(20, min=1, help="Series to show."),
    as_json: bool = JsonOption,
) -> None:
    """Cluster every crime of a category into suspected series (each new one becomes a lead)."""
    with _spinner() as progress:
        task = progress.add_task("series")
        found = service.find_series(
            ready_engine(),
            category,
            cli_actor(),
            strictness,
            min_size,
            propose,
            lambda m: progress.update(task, description=m),
        )
    if as_json:
        print_json(found)
        return
    console.print(
        f"{found['series']:,} series holding {found['in_series']:,} of {found['crimes']:,} crimes "
        f"({found['pairs']:,} pairs scored); {found['proposed']:,} new lead(s)"
    )
    table = Table("crimes", "mean p", "solved", "when", "lead", "first crimes")
    for s in found["found"][:limit]:
        table.add_row(
            str(s["size"]),
            f"{s['mean_probability']:.2f}",
            str(s["solved"]),
            s["when"],
            s.get("lead_id", "-"),
            ", ".join(s["events"][:3]),
        )
    console.print(table)


@app.command("suggest")
@handle_errors
def suggest_cmd(
    crime_id: str = typer.Argument(..., help="The crime's event id (ev_...)."),
    purpose: str | None = PurposeOption,
    case_ref: str | None = CaseOption,
    limit: int = typer.Option(10, min=1, max=100, help="Related crimes and offenders to show."),
    min_probability: float = typer.Option(0.5, min=0.0, max=1.0, help="Propose leads from this probability."),
    propose: bool = typer.Option(True, "--propose/--no-propose", help="File strong suggestions as leads."),
    as_json: bool = JsonOption,
) -> None:
    """The crimes most likely in this crime's series, and known offenders who may have committed it."""
    found = service.suggest(
        ready_engine(), crime_id, cli_actor(), purpose, case_ref, limit, min_probability, propose
    )
    if as_json:
        print_json(found)
        return
    table = Table("crime", "p", "when", "solved", "evidence", title=f"related to {crime_id}")
    for r in found["related"]:
        why = "; ".join(
            f"{e['evidence'].replace('_', ' ')}: {e['reads']} ({e['log_odds']:+.1f})"
            for e in r["evidence"][:3]
        )
        table.add_row(r["event"], f"{r['probability']:.2f}", r["when"], "yes" if r["solved"] else "", why)
    console.print(table)
    table = Table("offender", "strongest p", "combined", "their crimes", title="possible offenders")
    for s in found["offenders"]:
        table.add_row(
            s["offender"],
            f"{s['probability']:.2f}",
            f"{s['combined']:.2f}",
            ", ".join(c["event"] for c in s["crimes"][:3]),
        )
    console.print(table)
    console.print(f"{len(found['proposed'])} lead(s) proposed for review")
