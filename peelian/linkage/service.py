"""Crime linkage as acts on the store: train, evaluate, find series, suggest for one crime.

Each act reads the crimes of one category, runs the functional core (features, model, series)
and writes its findings back as leads for an analyst. Reading who committed what is a read of
personal data: suggestions name offenders, so they need a declared purpose and are audited with
the records they returned.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from peelian.db.schema import events, linkage_models, resolve_members
from peelian.db.schema import leads as leads_table
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit, leads
from peelian.linkage import series as series_core
from peelian.linkage.candidates import candidate_pairs
from peelian.linkage.crimes import Crimes
from peelian.linkage.evaluate import cooffending_groups, evaluate, linked
from peelian.linkage.features import Evidence
from peelian.linkage.model import VERSION, LinkageModel
from peelian.linkage.store import (
    MO_FIELDS,
    MO_TEXT,
    SERIES,
    SUSPECT,
    latest_model,
    load_frame,
    save_model,
    to_crimes,
)
from peelian.pole.ids import content_hash
from peelian.search.service import check_purpose

MAX_EVALUATED = 3000  # solved crimes an evaluation pairs all-with-all (n^2 / 2 pairs)
Progress = Callable[[str], None]


def _note(progress: Progress | None, message: str) -> None:
    if progress:
        progress(message)


def training_pairs(crimes: Crimes) -> tuple[np.ndarray, np.ndarray]:
    """The solved crimes' own candidate pairs: the model learns the odds of a link among exactly the
    kind of pairs it will score. (Adding linked pairs from outside the candidate search taught an
    earlier version that linked crimes lie far apart in time; sampling all pairs instead made every
    probability depend on how many crimes were held.)"""
    return candidate_pairs(crimes)


def train(engine: Engine, category: str, user: str, progress: Progress | None = None) -> dict[str, Any]:
    _note(progress, "reading crimes")
    frame = load_frame(engine, category)
    crimes = to_crimes(frame)
    solved = np.flatnonzero(crimes.solved)
    if len(solved) < 10:
        raise PeelianError(
            f"{len(solved)} solved {category} crime(s) with a known offender: training needs at least 10"
        )
    crimes = crimes.take(solved)
    _note(progress, f"pairing {len(solved):,} solved crimes")
    left, right = training_pairs(crimes)
    evidence = Evidence(crimes).pairs(left, right)
    truth = linked(crimes, left, right)
    report = {
        "category": category,
        "crimes": len(frame),
        "solved": len(solved),
        "pairs": len(truth),
        "linked_pairs": int(truth.sum()),
        "features": list(evidence.columns),
    }
    _note(progress, f"fitting on {len(truth):,} pairs ({int(truth.sum()):,} linked)")
    model = LinkageModel.fit(evidence, truth, report)
    report["model_id"] = save_model(engine, category, model, user)
    report["weights"] = dict(zip(model.features, np.round(model.weights, 3).tolist(), strict=True))
    report["left_out"] = model.report["left_out"]
    return report


def evaluate_store(
    engine: Engine,
    category: str,
    splits: int = 50,
    seed: int = 2016,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The benchmark protocol on the store's own solved crimes (at most MAX_EVALUATED of them)."""
    crimes = to_crimes(load_frame(engine, category))
    solved = np.flatnonzero(crimes.solved)
    if len(solved) > MAX_EVALUATED:
        solved = np.sort(np.random.default_rng(seed).choice(solved, MAX_EVALUATED, replace=False))
    crimes = crimes.take(solved)
    groups = cooffending_groups(crimes)
    if len(np.unique(groups[groups >= 0])) < 10:
        raise PeelianError("evaluation needs solved crimes from at least 10 separate offender groups")
    return evaluate(crimes, groups, splits=splits, seed=seed, progress=progress) | {"category": category}


def _reason(evidence: dict[str, Any]) -> str:
    """One piece of evidence in words: "entry method: same", "distance: 420 m apart"."""
    return f"{evidence['evidence'].removeprefix('same_').replace('_', ' ')}: {evidence['reads']}"


def _existing_series(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(leads_table.c.provenance).where(leads_table.c.lead_type == SERIES))
        return {p.get("key") for (p,) in rows if isinstance(p, dict)}


def _when(frame: pd.DataFrame, rows: list[int]) -> str:
    first, last = frame["t_from"].iloc[rows].min(), frame["t_from"].iloc[rows].max()
    return f"{first:%d %b %Y} to {last:%d %b %Y}" if first.date() != last.date() else f"{first:%d %b %Y}"


def _inside_pairs(
    labels: np.ndarray, left: np.ndarray, right: np.ndarray, probability: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per series label: the mean probability of its scored member pairs (0 if none) and the index of
    its strongest pair (-1 if none), in one pass over the pairs rather than a loop per series."""
    size = int(labels.max()) + 1 if len(labels) else 0
    inside = np.flatnonzero((labels[left] >= 0) & (labels[left] == labels[right]))
    label = labels[left[inside]]
    counts = np.bincount(label, minlength=size)
    sums = np.bincount(label, weights=probability[inside], minlength=size)
    strength = np.divide(sums, counts, out=np.zeros(size), where=counts > 0)
    strongest = np.full(size, -1)
    order = np.lexsort((-probability[inside], label))  # by label, strongest first within each
    first = np.unique(label[order], return_index=True)
    strongest[first[0]] = inside[order[first[1]]]
    return strength, strongest


def find_series(
    engine: Engine,
    category: str,
    user: str,
    strictness: float = 0.3,
    min_size: int = 2,
    propose: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Cluster every crime of a category into suspected series; each new series becomes a lead."""
    model_id, model = latest_model(engine, category)
    _note(progress, "reading crimes")
    frame = load_frame(engine, category)
    crimes = to_crimes(frame)
    _note(progress, f"pairing {len(crimes):,} crimes")
    left, right = candidate_pairs(crimes)
    _note(progress, f"scoring {len(left):,} candidate pairs")
    evidence = Evidence(crimes).pairs(left, right)
    probability = model.probability(evidence)
    _note(progress, "clustering")
    labels = series_core.cluster(len(crimes), left, right, probability, strictness)
    known = _existing_series(engine) if propose else set()
    found, proposed = [], 0
    strength, strongest = _inside_pairs(labels, left, right, probability)
    solved = crimes.solved
    for label in np.unique(labels[labels >= 0]):
        rows = np.flatnonzero(labels == label).tolist()
        if len(rows) < min_size:
            continue
        ids = frame["id"].iloc[rows].tolist()
        key = content_hash("\x1f".join(sorted(ids)))
        entry = {
            "events": ids,
            "size": len(ids),
            "mean_probability": round(float(strength[label]), 4),
            "when": _when(frame, rows),
            "solved": int(solved[rows].sum()),
            "key": key,
        }
        if propose and key not in known:
            reasons = ""
            if strongest[label] >= 0:
                top = model.explain(evidence.iloc[[strongest[label]]])[:3]
                reasons = " Strongest pair: " + "; ".join(_reason(t) for t in top) + "."
            entry["lead_id"] = leads.propose(
                engine,
                SERIES,
                f"Suspected series: {len(ids)} {category} crimes, {entry['when']}",
                f"{len(ids)} crimes joined by an average linkage probability of {strength[label]:.0%} "
                f"between scored pairs (strictness {strictness}).{reasons}",
                {
                    "model": "peelian.linkage",
                    "version": VERSION,
                    "model_id": model_id,
                    "strictness": strictness,
                    "key": key,
                    "inputs": {"events": ids},
                },
                {"events": ids, "category": category},
                float(strength[label]),
                user,
            )
            proposed += 1
        found.append(entry)
    found.sort(key=lambda s: (-s["size"], -s["mean_probability"]))
    return {
        "category": category,
        "model_id": model_id,
        "crimes": len(crimes),
        "pairs": len(left),
        "series": len(found),
        "in_series": sum(s["size"] for s in found),
        "proposed": proposed,
        "strictness": strictness,
        "found": found,
    }


def _person_record(engine: Engine, offender: str) -> str:
    """A person record standing for an offender (an entity id names a group of records)."""
    if offender.startswith("pe_"):
        return offender
    with engine.connect() as conn:
        record = conn.execute(
            select(resolve_members.c.record_id).where(resolve_members.c.entity_id == offender).limit(1)
        ).scalar()
    return record or offender


def suggest(
    engine: Engine,
    crime_id: str,
    user: str,
    purpose: str | None,
    case_ref: str | None,
    limit: int = 10,
    min_probability: float = 0.5,
    propose: bool = True,
) -> dict[str, Any]:
    """For one crime: the crimes most likely in its series and, from solved ones, likely offenders."""
    check_purpose(purpose, case_ref)
    if not isinstance(crime_id, str) or not crime_id.startswith("ev_") or len(crime_id) > 40:
        raise PeelianError("a crime is named by its event id (ev_...)")
    with engine.connect() as conn:
        category = conn.execute(select(events.c.category).where(events.c.id == crime_id)).scalar()
    if category is None:
        raise NotFound(f"no crime {crime_id!r}")
    model_id, model = latest_model(engine, category)
    frame = load_frame(engine, category)
    crimes = to_crimes(frame)
    where = np.flatnonzero(frame["id"].to_numpy() == crime_id)
    if not len(where):
        raise PeelianError(f"crime {crime_id} has no place recorded, so it cannot be compared")
    me = int(where[0])
    others = np.delete(np.arange(len(crimes)), me)
    evidence = Evidence(crimes).pairs(np.full(len(others), me), others)
    probability = model.probability(evidence)
    order = np.argsort(-probability, kind="stable")[:limit]
    related = [
        {
            "event": frame["id"].iloc[others[k]],
            "probability": round(float(probability[k]), 4),
            "when": f"{frame['t_from'].iloc[others[k]]:%d %b %Y %H:%M}",
            "solved": bool(crimes.offenders[others[k]]),
            "evidence": model.explain(evidence.iloc[[k]])[:4],
        }
        for k in order
    ]
    own = crimes.offenders[me]
    suspects = []
    for s in series_core.offenders(probability, others, crimes.offenders, limit):
        entry = {
            "offender": s.offender,
            "probability": round(s.probability, 4),
            "combined": round(s.combined, 4),
            "crimes": [{"event": frame["id"].iloc[i], "probability": round(p, 4)} for i, p in s.crimes],
            "already_linked": s.offender in own,
        }
        suspects.append(entry)
    proposed = []
    if propose:
        proposed += _propose_related(
            engine, frame, crime_id, category, related, min_probability, model_id, user
        )
        for s in suspects:
            if s["probability"] < min_probability or s["already_linked"]:
                continue
            evidence_crimes = ", ".join(c["event"] for c in s["crimes"][:3])
            proposed.append(
                leads.propose(
                    engine,
                    SUSPECT,
                    f"Possible offender for {category} {crime_id}: {s['offender']}",
                    f"The crime resembles {len(s['crimes'])} of this offender's solved crimes; "
                    f"the strongest link has probability {s['probability']:.0%} ({evidence_crimes}).",
                    {
                        "model": "peelian.linkage",
                        "version": VERSION,
                        "model_id": model_id,
                        "inputs": {"events": [crime_id, *[c["event"] for c in s["crimes"]]]},
                    },
                    {
                        "event": crime_id,
                        "person": s["offender"],
                        "person_record": _person_record(engine, s["offender"]),
                    },
                    s["probability"],
                    user,
                )
            )
    found = {
        "crime": crime_id,
        "category": category,
        "model_id": model_id,
        "compared": len(others),
        "related": related,
        "offenders": suspects,
        "proposed": proposed,
    }
    with engine.begin() as conn:
        audit.append(
            conn,
            user,
            "linkage.suggest",
            details={
                "crime": crime_id,
                "offenders": [s["offender"] for s in suspects],
                "related": [r["event"] for r in related],
                "leads": proposed,
            },
            purpose=purpose,
            case_ref=case_ref,
        )
    return found


def _propose_related(
    engine: Engine,
    frame: pd.DataFrame,
    crime_id: str,
    category: str,
    related: list[dict],
    floor: float,
    model_id: int,
    user: str,
) -> list[str]:
    known, made = _existing_series(engine), []
    for r in related:
        ids = [crime_id, r["event"]]
        key = content_hash("\x1f".join(sorted(ids)))
        if r["probability"] < floor or key in known:
            continue
        reasons = "; ".join(_reason(e) for e in r["evidence"][:3])
        made.append(
            leads.propose(
                engine,
                SERIES,
                f"Possible link: {category} {crime_id} and {r['event']}",
                f"Linkage probability {r['probability']:.0%}: {reasons}.",
                {
                    "model": "peelian.linkage",
                    "version": VERSION,
                    "model_id": model_id,
                    "key": key,
                    "inputs": {"events": ids},
                },
                {
                    "events": sorted(ids, key=lambda i: frame.loc[frame["id"] == i, "t_from"].iloc[0]),
                    "category": category,
                },
                r["probability"],
                user,
            )
        )
    return made


def series_detail(engine: Engine, lead_id: str) -> dict[str, Any]:
    """A series lead with its crimes and the model's evidence for every pair, for the series page."""
    lead = leads.get(engine, lead_id)
    subjects = lead["subjects"]
    if (
        lead["lead_type"] != SERIES
        or not isinstance(subjects, dict)
        or not isinstance(subjects.get("category"), str)
    ):
        raise NotFound(f"lead {lead_id} is not a crime series found by linkage")
    ids = [i for i in subjects.get("events") or [] if isinstance(i, str)]
    category = subjects["category"]
    with engine.connect() as conn:
        stored = conn.execute(
            select(linkage_models.c.model).where(linkage_models.c.id == lead["provenance"].get("model_id"))
        ).scalar()
    frame = load_frame(engine, category)
    frame = frame[frame["id"].isin(ids)].reset_index(drop=True)
    pairs = []
    if stored is not None and len(frame) >= 2:
        crimes = to_crimes(frame)
        model = LinkageModel.from_json(stored)
        left, right = np.triu_indices(len(frame), 1)
        evidence = Evidence(crimes).pairs(left, right)
        probability = model.probability(evidence)
        for k in np.argsort(-probability, kind="stable")[:200]:
            pairs.append(
                {
                    "left": frame["id"].iloc[left[k]],
                    "right": frame["id"].iloc[right[k]],
                    "probability": round(float(probability[k]), 4),
                    "evidence": model.explain(evidence.iloc[[k]]),
                }
            )
    crimes_out = []
    for _, row in frame.iterrows():
        crimes_out.append(
            {
                "id": row["id"],
                "reference": row["natural_key"],
                "from": row["t_from"].isoformat(),
                "to": row["t_to"].isoformat(),
                "place": row["location_text"],
                "lon": None if pd.isna(row["lon"]) else float(row["lon"]),
                "lat": None if pd.isna(row["lat"]) else float(row["lat"]),
                "mo": {
                    c: (None if pd.isna(row[c]) else str(row[c]))
                    for c in frame.columns
                    if c in (*MO_FIELDS, *MO_TEXT)
                },
                "solved": bool(row["offenders"]),
            }
        )
    missing = sorted(set(ids) - set(frame["id"]))
    return {"lead": lead, "category": category, "crimes": crimes_out, "pairs": pairs, "missing": missing}
