"""Linking new records to existing entities without re-running everything.

A new record's candidates are the resolved records sharing one of its blocking keys (an indexed
look-up); the trained model scores new against candidates (Splink ``predict_between``) and new
against new (``predict_within``), with the store's term frequencies registered so scores match a
full run. Each new record joins the entity it matches best at or above the threshold; a second
entity above the threshold is not merged silently but proposed for review, since merging two
people on one new record is a decision for a person.
"""

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from splink import Linker
from sqlalchemy import Engine, insert, select, update

from peelian.db.schema import (
    resolve_entities,
    resolve_history,
    resolve_keys,
    resolve_members,
    resolve_pairs,
    resolve_tf,
)
from peelian.errors import PeelianError
from peelian.governance import audit
from peelian.resolve import entities as entity_ids
from peelian.resolve import features as feature_builder
from peelian.resolve import keys as store_keys
from peelian.resolve import model as models
from peelian.resolve import records, review, service
from peelian.resolve import spec as specs
from peelian.resolve.cluster import cluster

MAX_CANDIDATES_PER_KEY = 2_000  # a key shared by more records than this blocks nothing


def unresolved(engine: Engine, entity: str) -> list[str]:
    """Records in the store that no entity holds yet."""
    ids = records.ids(engine, entity)
    with engine.connect() as conn:
        held = set(
            conn.execute(
                select(resolve_members.c.record_id).where(resolve_members.c.entity_type == entity)
            ).scalars()
        )
    return [i for i in ids if i not in held]


def _candidates(conn, entity: str, keys: pd.DataFrame, exclude: set[str]) -> list[str]:
    found: set[str] = set()
    for key in keys["key"].unique().tolist():
        ids = (
            conn.execute(
                select(resolve_keys.c.record_id)
                .where(resolve_keys.c.entity_type == entity, resolve_keys.c.key == key)
                .limit(MAX_CANDIDATES_PER_KEY + 1)
            )
            .scalars()
            .all()
        )
        if len(ids) <= MAX_CANDIDATES_PER_KEY:
            found.update(ids)
    return sorted(found - exclude)


def _term_frequencies(
    conn, entity: str, spec: specs.Spec, frames: list[pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    out = {}
    for column in spec.tf_columns:
        values = set().union(*(set(f[column].dropna().astype(str)) for f in frames if column in f.columns))
        rows = []
        for chunk in (sorted(values)[i : i + 500] for i in range(0, len(values), 500)):
            rows += conn.execute(
                select(resolve_tf.c.value, resolve_tf.c.tf).where(
                    resolve_tf.c.entity_type == entity,
                    resolve_tf.c.column_name == column,
                    resolve_tf.c.value.in_(chunk),
                )
            ).all()
        smallest = conn.execute(
            select(resolve_tf.c.tf)
            .where(resolve_tf.c.entity_type == entity, resolve_tf.c.column_name == column)
            .order_by(resolve_tf.c.tf)
            .limit(1)
        ).scalar()
        known = {v for v, _ in rows}
        rows += [(v, smallest or 1e-6) for v in values - known]  # unseen: as rare as the rarest seen
        out[column] = pd.DataFrame(rows, columns=[column, f"tf_{column}"])
    return out


def score(
    new: pd.DataFrame, existing: pd.DataFrame, model: models.Model, tf: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Scored pairs new-existing and new-new, with waterfall columns."""
    api = models.db_api()
    settings = dict(model.settings, retain_intermediate_calculation_columns=True)
    left = api.register(feature_builder.to_arrow(new))
    linker = Linker(left, settings, log_level=40)
    for column, table in tf.items():
        if column in new.columns:
            linker.table_management.register_term_frequency_lookup(api.register(table), column)
    parts = []
    if len(existing):
        right = api.register(feature_builder.to_arrow(existing))
        parts.append(
            linker.inference.predict_between(left, right, threshold_match_probability=service.KEEP_PAIRS)
        )
    if len(new) > 1:
        parts.append(linker.inference.predict_within(left, threshold_match_probability=service.KEEP_PAIRS))
    frames = [p.as_pandas_dataframe() for p in parts]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability", "match_weight"])
    return pd.concat(frames, ignore_index=True)


def link_new(engine: Engine, entity: str, user: str, ids: list[str] | None = None) -> dict[str, Any]:
    """Link the given records (default: every record no entity holds) to existing entities."""
    found = service.latest_model(engine, entity)
    if found is None:
        raise PeelianError(f"no {entity} model yet: run `peelian resolve run --entity {entity}` first")
    model_id, model = found
    ids = unresolved(engine, entity) if ids is None else ids
    if not ids:
        return {"entity_type": entity, "records": 0, "joined": 0, "created": 0, "review_proposed": 0}
    started = datetime.now(UTC)
    spec = specs.load(entity)
    new_frame = records.frame(engine, entity, ids)
    new = feature_builder.build(entity, new_frame)
    new_keys = store_keys.blocking_keys(spec, new)
    with engine.connect() as conn:
        candidate_ids = _candidates(conn, entity, new_keys, set(ids))
    candidate_frame = records.frame(engine, entity, candidate_ids)
    existing = feature_builder.build(entity, candidate_frame) if candidate_ids else new.iloc[:0]
    with engine.connect() as conn:
        tf = _term_frequencies(conn, entity, spec, [new, existing])
        member_of = (
            dict(
                conn.execute(
                    select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
                        resolve_members.c.entity_type == entity,
                        resolve_members.c.record_id.in_(candidate_ids),
                    )
                ).all()
            )
            if candidate_ids
            else {}
        )
        taken = set(
            conn.execute(
                select(resolve_entities.c.id).where(resolve_entities.c.entity_type == entity)
            ).scalars()
        )
    pairs = score(new, existing, model, tf)
    _, cannot = review.constraints(engine, entity)
    decision = _decide(ids, pairs, member_of, model.threshold or 0.5, set(map(frozenset, cannot)))
    now = datetime.now(UTC)
    joined, created, conflicts = decision
    events = []
    entity_of: dict[str, str] = {}
    for record, target in joined.items():
        entity_of[record] = target
        events.append({"entity_id": target, "action": "grow", "related": [], "records": [record]})
    created_ids = set()
    for group in created:
        new_id = entity_ids.new_id(entity, group, taken)
        taken.add(new_id)
        created_ids.add(new_id)
        for record in group:
            entity_of[record] = new_id
        events.append({"entity_id": new_id, "action": "create", "related": [], "records": sorted(group)})
    stats = {
        "records": len(ids),
        "candidates": len(candidate_ids),
        "pairs_scored": len(pairs),
        "joined": len(joined),
        "created": len(created),
        "conflicts": len(conflicts),
    }
    with engine.begin() as conn:
        run_id = service.record_run(conn, entity, model_id, "incremental", started, user, stats)
        service.insert_rows(conn, resolve_members, [
            {"entity_type": entity, "record_id": r, "entity_id": e, "since": now, "run_id": run_id}
            for r, e in entity_of.items()
        ])  # fmt: skip
        for e, n in pd.Series(entity_of).value_counts().items():
            if e in created_ids:
                row = {"id": e, "entity_type": entity, "size": int(n), "created_at": now, "updated_at": now}
                conn.execute(insert(resolve_entities).values(**row, weak_links=0))
            else:
                conn.execute(
                    update(resolve_entities)
                    .where(resolve_entities.c.id == e)
                    .values(size=resolve_entities.c.size + int(n), updated_at=now)
                )
        service.insert_rows(
            conn,
            resolve_history,
            [{"at": now, "run_id": run_id, "entity_type": entity, **ev} for ev in events],
        )
        kept = pairs[pairs["match_probability"] >= service.KEEP_PAIRS]
        _upsert_pairs(conn, service.pair_rows(entity, kept, model.settings, run_id))
        service.insert_rows(conn, resolve_keys, new_keys.assign(entity_type=entity).to_dict("records"))
        audit.append(conn, user, "resolve.link", details={"entity_type": entity, "run_id": run_id, **stats})
    stats["review_proposed"] = (
        review.propose(
            engine,
            entity,
            conflicts,
            model.settings,
            model.threshold or 0.5,
            run_id,
            model_id,
            service.describe(pd.concat([new_frame, candidate_frame])),
        )
        if len(conflicts)
        else 0
    )
    return {"entity_type": entity, "run_id": run_id, **stats, "entity_of": entity_of}


def _upsert_pairs(conn, rows: list[dict]) -> None:
    for row in rows:
        key = (
            (resolve_pairs.c.entity_type == row["entity_type"])
            & (resolve_pairs.c.record_l == row["record_l"])
            & (resolve_pairs.c.record_r == row["record_r"])
        )
        if conn.execute(update(resolve_pairs).where(key).values(**row)).rowcount == 0:
            conn.execute(insert(resolve_pairs).values(**row))


def _decide(
    ids: list[str], pairs: pd.DataFrame, member_of: dict[str, str], threshold: float, cannot: set[frozenset]
) -> tuple[dict[str, str], list[list[str]], pd.DataFrame]:
    """(record -> existing entity it joins, groups of new records forming new entities, pairs
    that would merge a second entity, for review)."""
    strong = pairs[pairs["match_probability"] >= threshold]
    strong = strong[
        [
            frozenset((a, b)) not in cannot
            for a, b in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True)
        ]
    ]
    joined: dict[str, str] = {}
    conflicts = []
    new_set = set(ids)
    to_existing = strong[strong["unique_id_l"].isin(new_set) & strong["unique_id_r"].isin(member_of)]
    for record, group in to_existing.sort_values("match_probability", ascending=False).groupby(
        "unique_id_l", sort=False
    ):
        targets = group["unique_id_r"].map(member_of)
        joined[record] = targets.iloc[0]
        conflicts.append(group[targets != targets.iloc[0]])
    # A new record matching only another new record that joined an entity joins it too.
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        for record, other in ((left, right), (right, left)):
            if record in new_set and record not in joined and other in joined:
                joined[record] = joined[other]
    # The rest form new entities among themselves (new-new pairs).
    rest = [i for i in ids if i not in joined]
    within = strong[strong["unique_id_l"].isin(rest) & strong["unique_id_r"].isin(rest)]
    labels = cluster(rest, within, threshold)
    created = [sorted(g.index.tolist()) for _, g in labels.groupby(labels)] if len(rest) else []
    conflict = pd.concat(conflicts, ignore_index=True) if conflicts else pairs.iloc[:0]
    return joined, created, conflict
