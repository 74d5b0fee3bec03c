"""The review queue: uncertain pairs become leads; people's judgements become constraints.

A pair whose match probability falls in the review band is proposed as an ``entity_match`` lead
with its waterfall. Its judgement is read back on every run: accepted is a must-link (and a
labelled match for training), rejected a cannot-link, unsure leaves the model to decide. Judging
again reverses it, so every correction is undoable and kept.
"""

from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from peelian.db.schema import leads
from peelian.errors import PeelianError
from peelian.governance import leads as lead_store
from peelian.resolve import waterfall

LEAD_TYPE = "entity_match"
BAND = (0.2, 0.95)  # below: clearly different; above: clearly the same (unless the threshold is higher)
MAX_PROPOSALS = 500  # per run: a queue nobody can finish helps nobody


def _pair_key(entity: str, left: str, right: str) -> tuple[str, str, str]:
    return (entity, *sorted((left, right)))


def judged(engine: Engine, entity: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every entity-match lead for ``entity`` by its record pair: id, status, score."""
    query = select(leads.c.id, leads.c.status, leads.c.provenance).where(leads.c.lead_type == LEAD_TYPE)
    out = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            prov = row.provenance or {}
            records = prov.get("records") or []
            if prov.get("entity_type") == entity and len(records) == 2:
                out[_pair_key(entity, *records)] = {"lead_id": row.id, "status": row.status}
    return out


def constraints(engine: Engine, entity: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(must-link, cannot-link) pairs from the latest judgement on each lead."""
    must, cannot = [], []
    for (_, left, right), lead in judged(engine, entity).items():
        if lead["status"] == "accepted":
            must.append((left, right))
        elif lead["status"] == "rejected":
            cannot.append((left, right))
    return must, cannot


def labels(must: list[tuple[str, str]]) -> pd.DataFrame | None:
    """Judged matches as Splink's pairwise labels table."""
    if not must:
        return None
    return pd.DataFrame(must, columns=["unique_id_l", "unique_id_r"]).astype(str)


def propose(
    engine: Engine,
    entity: str,
    pairs: pd.DataFrame,
    settings: dict[str, Any],
    threshold: float,
    run_id: int,
    model_id: int,
    describe: dict[str, str],
) -> int:
    """Leads for pairs in the review band not already proposed; nearest the threshold first.
    ``describe`` names each record for titles ("J SMITH 1985-03-12 (custody)")."""
    low, high = BAND[0], max(BAND[1], threshold)
    band = pairs[(pairs["match_probability"] >= low) & (pairs["match_probability"] < high)]
    if band.empty:
        return 0
    known = judged(engine, entity)
    band = band.assign(gap=(band["match_probability"] - threshold).abs()).sort_values("gap")
    fresh = [
        i
        for i, (l_id, r_id) in zip(
            band.index, zip(band["unique_id_l"], band["unique_id_r"], strict=True), strict=True
        )
        if _pair_key(entity, l_id, r_id) not in known
    ][:MAX_PROPOSALS]
    band = band.loc[fresh]
    made = 0
    for row, steps in zip(band.to_dict("records"), waterfall.steps(band, settings), strict=True):
        left, right = row["unique_id_l"], row["unique_id_r"]
        p = float(row["match_probability"])
        lead_store.propose(
            engine,
            LEAD_TYPE,
            title=f"Same {entity}? {describe.get(left, left)} / {describe.get(right, right)}"[:200],
            explanation=(
                f"The model gives {p:.0%} that these two {entity} records are one {entity} "
                f"(records join at {threshold:.0%}). {waterfall.sentence(steps)}"
            ),
            provenance={
                "model": "peelian.resolve",
                "version": model_id,
                "run": run_id,
                "entity_type": entity,
                "records": [left, right],
                "match_probability": p,
                "match_weight": float(row["match_weight"]),
                "waterfall": steps,
            },
            subjects=[{"type": entity, "id": left}, {"type": entity, "id": right}],
            score=p,
            created_by="peelian.resolve",
        )
        made += 1
    return made


def ask(engine: Engine, entity: str, left: str, right: str, user: str) -> str:
    """A pair an analyst wants judged (e.g. to split a record out of an entity): a lead like any
    other, with the model's evidence when the pair was scored. Returns the lead id (an existing
    one if the pair was already proposed)."""
    from peelian.db.schema import resolve_pairs

    if left == right:
        raise PeelianError("a pair needs two different records")
    known = judged(engine, entity).get(_pair_key(entity, left, right))
    if known is not None:
        return known["lead_id"]
    low, high = sorted((left, right))
    with engine.connect() as conn:
        scored = conn.execute(
            select(resolve_pairs).where(
                resolve_pairs.c.entity_type == entity,
                resolve_pairs.c.record_l == low,
                resolve_pairs.c.record_r == high,
            )
        ).first()
    p = scored.probability if scored else 0.0
    steps = scored.waterfall if scored else []
    evidence = waterfall.sentence(steps) or "The model has not scored these two together."
    return lead_store.propose(
        engine,
        LEAD_TYPE,
        title=f"Same {entity}? {left} / {right}",
        explanation=f"Asked by {user}. The model gives {p:.0%}. {evidence}",
        provenance={
            "model": "peelian.resolve",
            "entity_type": entity,
            "records": [left, right],
            "match_probability": p,
            "waterfall": steps,
            "asked_by": user,
        },
        subjects=[{"type": entity, "id": left}, {"type": entity, "id": right}],
        score=p,
        created_by=user,
    )
