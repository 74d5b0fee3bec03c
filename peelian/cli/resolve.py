"""``peelian resolve``: join the dots between records of one person, vehicle or address."""

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from peelian.cli.common import JsonOption, console, handle_errors, print_json, ready_engine
from peelian.cli.users import cli_actor
from peelian.errors import PeelianError
from peelian.governance import leads
from peelian.resolve import incremental, review, service, spec

app = typer.Typer(
    help="Entity resolution: train the matcher, resolve records into entities, review uncertain pairs.",
    no_args_is_help=True,
)
EntityOption = typer.Option("person", "--entity", help=f"Entity type: {', '.join(spec.ENTITIES)}.")
SeedOption = typer.Option(0, "--seed", help="Seed for random-pair sampling in training.")
DECISIONS = {"match": "accept", "not-match": "reject", "unsure": "unsure"}


@app.command("train")
@handle_errors
def train_cmd(entity: str = EntityOption, seed: int = SeedOption, as_json: bool = JsonOption) -> None:
    """Train a new model version on every record in the store, with judged matches as labels."""
    with console.status(f"training the {entity} matcher..."):
        result = service.train(ready_engine(), entity, cli_actor(), seed)
    if as_json:
        print_json(result)
        return
    console.print(
        f"{entity} model {result['model_id']}: {result['records']:,} records, threshold "
        f"{result['threshold']:.3f} (max expected F1), {result['labelled_pairs']} labelled pair(s)"
    )
    if result.get("blocking_recall_judged") is not None:
        console.print(f"blocking recall on judged matches: {result['blocking_recall_judged']:.1%}")


@app.command("run")
@handle_errors
def run_cmd(
    entity: str = EntityOption,
    incremental_only: bool = typer.Option(
        False, "--incremental", help="Only link records no entity holds yet, against existing entities."
    ),
    retrain: bool = typer.Option(False, "--retrain", help="Train a new model version first."),
    truth: Path | None = typer.Option(
        None,
        "--truth",
        help="CSV of record_id,true_id (e.g. from `peelian synth nominals`) to score clusters.",
    ),
    seed: int = SeedOption,
    as_json: bool = JsonOption,
) -> None:
    """Resolve records into entities with stable ids, under people's judgements."""
    eng = ready_engine()
    with console.status(f"resolving {entity} records..."):
        if incremental_only:
            result = incremental.link_new(eng, entity, cli_actor())
            result.pop("entity_of", None)
        else:
            result = service.run(eng, entity, cli_actor(), seed, retrain)
    if truth is not None:
        result["quality"] = service.quality(eng, entity, _truth(truth))
    if as_json:
        print_json(result)
        return
    table = Table("measure", "value", title=f"{entity} resolution, run {result.get('run_id', '-')}")
    for key, value in result.items():
        if key not in ("entity_type", "run_id", "seconds", "quality"):
            table.add_row(
                key.replace("_", " "), f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
            )
    console.print(table)
    if "quality" in result:
        q = result["quality"]
        console.print(
            f"against the truth ({q['records']:,} records): cluster precision {q['precision']:.3f}, "
            f"recall {q['recall']:.3f}, F1 {q['f1']:.3f}"
        )


def _truth(path: Path) -> dict[str, str]:
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, UnicodeError, ValueError) as exc:
        raise PeelianError(f"cannot read truth file {path}: {exc}") from exc
    if {"source_system", "person_key", "true_person"} <= set(frame.columns):
        return service.truth_by_record(ready_engine(), frame)
    if {"record_id", "true_id"} <= set(frame.columns):
        return dict(zip(frame["record_id"], frame["true_id"], strict=True))
    raise PeelianError(f"{path}: need columns source_system,person_key,true_person or record_id,true_id")


@app.command("status")
@handle_errors
def status_cmd(entity: str = EntityOption, as_json: bool = JsonOption) -> None:
    """Records, entities, the model, the last run and the review queue."""
    found = service.status(ready_engine(), entity)
    if as_json:
        print_json(found)
        return
    table = Table("measure", "value", title=f"{entity} resolution")
    for key in (
        "records",
        "resolved_records",
        "entities",
        "multi_record_entities",
        "largest_entity",
        "entities_with_weak_links",
    ):
        table.add_row(key.replace("_", " "), f"{found[key]:,}")
    model = found["model"]
    table.add_row(
        "model",
        "none (run `peelian resolve train`)"
        if model is None
        else f"{model['id']} (threshold {model['threshold']:.3f})",
    )
    if model and model.get("blocking_recall_judged") is not None:
        table.add_row("blocking recall (judged matches)", f"{model['blocking_recall_judged']:.1%}")
    last = found["last_run"]
    table.add_row(
        "last run", "never" if last is None else f"{last['id']} ({last['kind']}, {last['at'][:19]})"
    )
    table.add_row("review queue", ", ".join(f"{k} {v:,}" for k, v in found["review"].items()))
    console.print(table)


@app.command("review")
@handle_errors
def review_cmd(
    lead_id: str | None = typer.Argument(
        None, help="Judge this pair (from the list); omit to list the queue."
    ),
    decision: str | None = typer.Option(None, "--decision", help="match, not-match or unsure."),
    reason: str | None = typer.Option(None, "--reason", help="Why: kept with the judgement and audited."),
    entity: str = EntityOption,
    limit: int = typer.Option(20, min=1, max=1000, help="Pairs to list."),
    as_json: bool = JsonOption,
) -> None:
    """List uncertain pairs with their evidence, or judge one (judging again reverses it)."""
    eng = ready_engine()
    if lead_id is None:
        rows = [
            r
            for r in leads.queue(eng, "open", review.LEAD_TYPE, limit=limit)
            if r["provenance"].get("entity_type") == entity
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("lead", "p(match)", "pair", "evidence", title=f"{entity} pairs to review")
        for r in rows:
            steps = r["provenance"].get("waterfall") or []
            evidence = "\n".join(f"{s['field']}: {s['level']} {s['weight']:+.1f}" for s in steps)
            table.add_row(r["id"], f"{r['score']:.2f}", r["title"], evidence)
        console.print(table)
        return
    if decision not in DECISIONS:
        raise PeelianError("give --decision match, not-match or unsure")
    if not reason:
        raise PeelianError("give --reason: it is kept with the judgement and in the audit trail")
    leads.judge(eng, lead_id, DECISIONS[decision], reason, cli_actor())
    message = {"lead_id": lead_id, "decision": decision}
    if as_json:
        print_json(message)
    else:
        console.print(f"{lead_id}: {decision}. It applies at the next `peelian resolve run`.")


@app.command("explain")
@handle_errors
def explain_cmd(
    entity_id: str = typer.Argument(..., help="Entity id, e.g. pp_..."),
    purpose: str | None = typer.Option(
        None, "--purpose", help="Why you are looking (recorded in the audit)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Which records make up an entity, why they were joined (pair evidence), and its history."""
    found = service.explain(ready_engine(), entity_id, cli_actor(), purpose)
    if as_json:
        print_json(found)
        return
    note = f", merged into {found['retired_into']}" if found["retired_into"] else ""
    console.print(f"[bold]{found['entity_id']}[/] ({found['entity_type']}, {found['size']} record(s){note})")
    if found["records"]:
        columns = [c for c in found["records"][0] if any(r[c] for r in found["records"])]
        table = Table(*columns, title="records")
        for r in found["records"]:
            table.add_row(*(str(r[c] or "") for c in columns))
        console.print(table)
    pairs = Table("pair", "p(match)", "evidence", title="why they were joined")
    for p in found["pairs"]:
        evidence = "; ".join(f"{s['field']} {s['level']} {s['weight']:+.1f}" for s in p["waterfall"][1:])
        pairs.add_row(f"{p['record_l']}\n{p['record_r']}", f"{p['probability']:.3f}", evidence)
    console.print(pairs)
    for h in found["history"]:
        related = ", ".join(h["related"])
        console.print(f"{h['at']:%Y-%m-%d %H:%M} {h['action']} {related} ({len(h['records'])} record(s))")
