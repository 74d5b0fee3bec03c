"""Entity resolution against the store: train, run, link new records, report and explain.

The shell around ``pipeline``: it reads records and judgements from the store, runs the core,
and writes back entities (stable ids), memberships, history, the scored pairs behind them,
blocking keys and term frequencies, and review leads, each write in one transaction with its
audit entry.
"""

import logging
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, case, delete, func, insert, select, update

from peelian.db.schema import (
    persons,
    resolve_entities,
    resolve_history,
    resolve_keys,
    resolve_members,
    resolve_models,
    resolve_pairs,
    resolve_runs,
    resolve_tf,
)
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.resolve import entities as entity_ids
from peelian.resolve import features as feature_builder
from peelian.resolve import keys as store_keys
from peelian.resolve import model as models
from peelian.resolve import pipeline, records, review, waterfall
from peelian.resolve import spec as specs

log = logging.getLogger(__name__)
KEEP_PAIRS = review.BAND[0]  # scored pairs kept for explanations and review
CHUNK = 5_000


def _check(entity: str) -> None:
    if entity not in specs.ENTITIES:
        raise PeelianError(f"unknown entity type {entity!r}: one of {', '.join(specs.ENTITIES)}")


def latest_model(engine: Engine, entity: str) -> tuple[int, models.Model] | None:
    query = (
        select(resolve_models)
        .where(resolve_models.c.entity_type == entity)
        .order_by(resolve_models.c.id.desc())
    )
    with engine.connect() as conn:
        row = conn.execute(query.limit(1)).first()
    if row is None:
        return None
    model = models.Model(entity, "dedupe_only", row.settings, row.threshold, report=row.report)
    return row.id, model


def _records(engine: Engine, entity: str) -> pd.DataFrame:
    frame = records.frame(engine, entity)
    if len(frame) < 2:
        raise PeelianError(f"there are {len(frame)} {entity} record(s) in the store: nothing to resolve")
    return frame


def train(engine: Engine, entity: str, user: str, seed: int = 0) -> dict[str, Any]:
    """Train a new model version on every record, with judged matches as labels."""
    _check(entity)
    frame = _records(engine, entity)
    must, _ = review.constraints(engine, entity)
    feats = feature_builder.build(entity, frame)
    started = time.perf_counter()
    model = models.train(feats, specs.load(entity), labels=review.labels(must), seed=seed)
    pairs = models.predict(feats, model)
    model.threshold = models.choose_threshold(pairs["match_probability"])
    model.report |= {"seconds": round(time.perf_counter() - started, 2), "threshold_rule": "max expected F1"}
    model.report |= _blocking_recall(pairs, must)
    with engine.begin() as conn:
        model_id = conn.execute(
            insert(resolve_models).values(
                entity_type=entity,
                trained_at=datetime.now(UTC),
                trained_by=user,
                settings=model.settings,
                threshold=model.threshold,
                report=model.report,
            )
        ).inserted_primary_key[0]
        audit.append(
            conn,
            user,
            "resolve.train",
            details={
                "entity_type": entity,
                "model_id": model_id,
                "records": len(frame),
                "threshold": model.threshold,
            },
        )
    return {"model_id": model_id, "entity_type": entity, "threshold": model.threshold, **model.report}


def _blocking_recall(pairs: pd.DataFrame, must: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of judged matches that blocking puts in front of the model at all."""
    if not must:
        return {"blocking_recall_judged": None, "judged_matches": 0}
    scored = set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True))
    found = sum((a, b) in scored or (b, a) in scored for a, b in must)
    return {"blocking_recall_judged": round(found / len(must), 4), "judged_matches": len(must)}


def _previous(engine: Engine, entity: str) -> tuple[dict[str, str], set[str]]:
    with engine.connect() as conn:
        members = conn.execute(
            select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
                resolve_members.c.entity_type == entity
            )
        )
        previous = {r.record_id: r.entity_id for r in members}
        existing = set(
            conn.execute(
                select(resolve_entities.c.id).where(resolve_entities.c.entity_type == entity)
            ).scalars()
        )
    return previous, existing


def describe(frame: pd.DataFrame) -> dict[str, str]:
    """A short label per record for review titles."""
    shown = [
        c for c in ("forename", "surname", "dob", "vrm", "make", "address", "postcode") if c in frame.columns
    ]
    text = frame[shown].astype("string").fillna("").agg(" ".join, axis=1).str.split().str.join(" ")
    return dict(zip(frame["unique_id"], text + " (" + frame["source_system"].astype(str) + ")", strict=True))


def run(engine: Engine, entity: str, user: str, seed: int = 0, retrain: bool = False) -> dict[str, Any]:
    """Resolve every record: cluster under the judgements, keep ids stable, record the history."""
    _check(entity)
    if retrain or latest_model(engine, entity) is None:
        train(engine, entity, user, seed)
    model_id, model = latest_model(engine, entity)  # type: ignore[misc]
    frame = _records(engine, entity)
    must, cannot = review.constraints(engine, entity)
    started = datetime.now(UTC)
    result = pipeline.resolve_frame(
        frame,
        entity,
        model=model,
        threshold=model.threshold,
        must=must,
        cannot=cannot,
        explain=True,
        count_candidates=False,
    )
    labels_by_id = result.clusters.set_index("unique_id")["cluster_id"]
    previous, existing = _previous(engine, entity)
    assignment = entity_ids.assign(entity, labels_by_id, previous, existing)
    kept = result.pairs[result.pairs["match_probability"] >= KEEP_PAIRS].reset_index(drop=True)
    feats = result.features
    spec = specs.load(entity)
    weak = result.weak_chains.assign(entity=lambda d: d["unique_id_l"].map(assignment.entity_of))
    stats = {
        "records": len(frame),
        "pairs_scored": len(result.pairs),
        "links": int((result.pairs["match_probability"] >= result.threshold).sum()),
        "entities": len(set(assignment.entity_of.values())),
        "created": len(assignment.created),
        "retired": len(assignment.retired),
        "threshold": result.threshold,
        "weak_links": len(weak),
        "must_links": len(must),
        "cannot_links": len(cannot),
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
    }
    with engine.begin() as conn:
        run_id = record_run(conn, entity, model_id, "full", started, user, stats)
        _write_memberships(conn, entity, assignment, previous, run_id, weak)
        _replace_pairs(conn, entity, kept, model.settings, run_id)
        _replace_keys(
            conn, entity, store_keys.blocking_keys(spec, feats), store_keys.term_frequencies(spec, feats)
        )
        audit.append(
            conn,
            user,
            "resolve.run",
            details={
                "entity_type": entity,
                "run_id": run_id,
                **{k: stats[k] for k in ("records", "entities", "created", "retired", "links")},
            },
        )
    stats["review_proposed"] = review.propose(
        engine, entity, kept, model.settings, result.threshold, run_id, model_id, describe(frame)
    )
    return {"run_id": run_id, "entity_type": entity, **stats}


def record_run(conn, entity: str, model_id: int, kind: str, started: datetime, user: str, stats: dict) -> int:
    """One row per run, full or incremental: what the history and members' ``run_id`` point to."""
    values = {"entity_type": entity, "model_id": model_id, "kind": kind, "started_at": started,
              "finished_at": datetime.now(UTC), "started_by": user, "stats": stats}  # fmt: skip
    return conn.execute(insert(resolve_runs).values(**values)).inserted_primary_key[0]


def _write_memberships(conn, entity: str, assignment, previous: dict[str, str], run_id: int, weak) -> None:
    now = datetime.now(UTC)
    changed = {r: e for r, e in assignment.entity_of.items() if previous.get(r) != e}
    moved = [r for r in changed if r in previous]
    for start in range(0, len(moved), CHUNK):
        conn.execute(
            delete(resolve_members).where(
                resolve_members.c.entity_type == entity,
                resolve_members.c.record_id.in_(moved[start : start + CHUNK]),
            )
        )
    rows = [
        {"entity_type": entity, "record_id": r, "entity_id": e, "since": now, "run_id": run_id}
        for r, e in changed.items()
    ]
    insert_rows(conn, resolve_members, rows)
    sizes = pd.Series(assignment.entity_of).value_counts()
    weak_count = weak["entity"].value_counts() if len(weak) else pd.Series(dtype=int)
    known = set(
        conn.execute(select(resolve_entities.c.id).where(resolve_entities.c.entity_type == entity)).scalars()
    )
    fresh = [
        {
            "id": e,
            "entity_type": entity,
            "size": int(n),
            "created_at": now,
            "updated_at": now,
            "weak_links": int(weak_count.get(e, 0)),
        }
        for e, n in sizes.items()
        if e not in known
    ]
    insert_rows(conn, resolve_entities, fresh)
    touched = (
        {e for e in changed.values() if e in known} | {previous[r] for r in moved} | set(weak_count.index)
    )
    for e in touched:
        size = int(sizes.get(e, 0))
        values = {"size": size, "updated_at": now, "weak_links": int(weak_count.get(e, 0))}
        if size == 0:
            values |= {"retired_at": now, "retired_into": assignment.retired.get(e)}
        conn.execute(update(resolve_entities).where(resolve_entities.c.id == e).values(**values))
    history = [{"at": now, "run_id": run_id, "entity_type": entity, **event} for event in assignment.events]
    insert_rows(conn, resolve_history, history)


def pair_rows(entity: str, pairs: pd.DataFrame, settings: dict[str, Any], run_id: int) -> list[dict]:
    steps = waterfall.steps(pairs, settings)
    return [
        {
            "entity_type": entity,
            "record_l": min(a, b),
            "record_r": max(a, b),
            "probability": float(p),
            "weight": float(w),
            "waterfall": s,
            "run_id": run_id,
        }
        for a, b, p, w, s in zip(
            pairs["unique_id_l"],
            pairs["unique_id_r"],
            pairs["match_probability"],
            pairs["match_weight"],
            steps,
            strict=True,
        )
    ]


def _replace_pairs(conn, entity: str, pairs: pd.DataFrame, settings: dict[str, Any], run_id: int) -> None:
    conn.execute(delete(resolve_pairs).where(resolve_pairs.c.entity_type == entity))
    insert_rows(conn, resolve_pairs, pair_rows(entity, pairs, settings, run_id))


def _replace_keys(conn, entity: str, keys: pd.DataFrame, tf: pd.DataFrame) -> None:
    conn.execute(delete(resolve_keys).where(resolve_keys.c.entity_type == entity))
    conn.execute(delete(resolve_tf).where(resolve_tf.c.entity_type == entity))
    insert_rows(conn, resolve_keys, keys.assign(entity_type=entity).to_dict("records"))
    insert_rows(conn, resolve_tf, tf.assign(entity_type=entity).to_dict("records"))


def insert_rows(conn, table, rows: list[dict]) -> None:
    """Bulk insert in chunks: one statement per chunk, not per row."""
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start : start + CHUNK])


# -- reports -----------------------------------------------------------------------------------


def status(engine: Engine, entity: str) -> dict[str, Any]:
    """Where resolution stands: records, entities, the model, the last run, the review queue."""
    _check(entity)
    found = latest_model(engine, entity)
    with engine.connect() as conn:
        live = (
            select(resolve_entities)
            .where(resolve_entities.c.entity_type == entity, resolve_entities.c.retired_at.is_(None))
            .subquery()
        )
        entities_n, multi, largest, weak = conn.execute(
            select(
                func.count(),
                func.sum(case((live.c.size > 1, 1), else_=0)),
                func.max(live.c.size),
                func.sum(case((live.c.weak_links > 0, 1), else_=0)),
            )
        ).one()
        resolved = conn.execute(
            select(func.count()).select_from(resolve_members).where(resolve_members.c.entity_type == entity)
        ).scalar_one()
        last = conn.execute(
            select(resolve_runs)
            .where(resolve_runs.c.entity_type == entity)
            .order_by(resolve_runs.c.id.desc())
            .limit(1)
        ).first()
    leads_open = {s: 0 for s in ("open", "accepted", "rejected", "unsure")}
    for lead in review.judged(engine, entity).values():
        leads_open[lead["status"]] = leads_open.get(lead["status"], 0) + 1
    return {
        "entity_type": entity,
        "records": len(records.ids(engine, entity)),
        "resolved_records": resolved,
        "entities": entities_n,
        "multi_record_entities": int(multi or 0),
        "largest_entity": int(largest or 0),
        "entities_with_weak_links": int(weak or 0),
        "model": None
        if found is None
        else {"id": found[0], "threshold": found[1].threshold, **found[1].report},
        "last_run": None
        if last is None
        else {
            "id": last.id,
            "kind": last.kind,
            "at": last.finished_at.isoformat(),
            **last.stats,
        },
        "review": leads_open,
    }


def explain(engine: Engine, entity_id: str, user: str, purpose: str | None = None) -> dict[str, Any]:
    """One entity: its records, the scored pairs between them (with waterfalls), its history."""
    if not isinstance(entity_id, str) or not 0 < len(entity_id) <= 40:
        raise NotFound(f"no entity {str(entity_id)[:60]!r}")
    with engine.begin() as conn:
        row = conn.execute(select(resolve_entities).where(resolve_entities.c.id == entity_id)).first()
        if row is None:
            raise NotFound(f"no entity {entity_id!r}")
        target = row.retired_into or entity_id
        members = list(
            conn.execute(
                select(resolve_members.c.record_id).where(resolve_members.c.entity_id == target)
            ).scalars()
        )
        pairs = (
            [
                dict(p._mapping)
                for p in conn.execute(
                    select(resolve_pairs)
                    .where(
                        resolve_pairs.c.entity_type == row.entity_type,
                        resolve_pairs.c.record_l.in_(members),
                        resolve_pairs.c.record_r.in_(members),
                    )
                    .order_by(resolve_pairs.c.probability.desc())
                )
            ]
            if len(members) <= 500
            else []
        )
        history = [
            dict(h._mapping)
            for h in conn.execute(
                select(resolve_history)
                .where(resolve_history.c.entity_id == entity_id)
                .order_by(resolve_history.c.id)
            )
        ]
        audit.append(
            conn,
            user,
            "resolve.explain",
            details={"entity_id": entity_id, "records": members},
            purpose=purpose,
        )
    frame = records.frame(engine, row.entity_type, members)
    return {
        "entity_id": entity_id,
        "entity_type": row.entity_type,
        "retired_into": row.retired_into,
        "size": row.size,
        "weak_links": row.weak_links,
        "records": frame.where(frame.notna(), None).to_dict("records"),
        "pairs": [{k: v for k, v in p.items() if k != "entity_type"} for p in pairs],
        "history": history,
    }


def truth_by_record(engine: Engine, truth: pd.DataFrame) -> dict[str, str]:
    """Record id -> true id, from a truth file keyed as sources key records (``source_system``,
    ``person_key``, ``true_person``: what ``peelian synth nominals`` writes)."""
    with engine.connect() as conn:
        ids = pd.DataFrame(
            conn.execute(select(persons.c.id, persons.c.source_system, persons.c.natural_key)).all(),
            columns=["id", "source_system", "person_key"],
        )
    joined = ids.merge(truth.astype(str), on=["source_system", "person_key"])
    return dict(zip(joined["id"], joined["true_person"], strict=True))


def quality(engine: Engine, entity: str, truth: dict[str, str]) -> dict[str, float]:
    """Cluster precision, recall and F1 over co-clustered pairs, against a known truth
    (record id -> true id), counted by contingency so it scales."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
                resolve_members.c.entity_type == entity
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["record_id", "entity_id"])
    frame["true"] = frame["record_id"].map(truth)
    frame = frame.dropna(subset=["true"])

    def pairs(counts: pd.Series) -> float:
        return float((counts * (counts - 1) / 2).sum())

    both = pairs(frame.groupby(["entity_id", "true"]).size())
    predicted, actual = pairs(frame.groupby("entity_id").size()), pairs(frame.groupby("true").size())
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records": len(frame),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }
