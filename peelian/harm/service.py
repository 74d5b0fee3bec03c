"""Harm rankings as acts on the store: rank, explain one offender, harm by area.

A priority list names people, so every act needs a declared purpose and is audited with the ids it
returned. A refresh that is kept (``propose``) is stored with its parameters, its churn against
the last kept refresh is reported, and each offender new to the list becomes a ``harm_priority``
lead: nobody is acted on because a formula ranked them until a person has accepted the lead with a
reason. Offenders still on the list keep the lead they already have.
"""

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, select

from peelian.db.schema import harm_rankings, persons, resolve_members
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit, leads
from peelian.harm import churn, load_index, rank_offenders
from peelian.harm.indices import HarmIndex
from peelian.harm.rfg import RFGParams, rfg, rfg_breakdown
from peelian.harm.scores import breakdown, harm_by
from peelian.harm.store import offences as read_offences
from peelian.search.service import MAX_AUDITED, check_purpose

LEAD_TYPE = "harm_priority"
METHODS = ("harm", "rfg")
MAX_TOP = 1_000
VERSION = "1"


def _as_of(found: pd.DataFrame, as_of: datetime | None) -> pd.Timestamp:
    """The ranking date: given, else the latest recorded offence (a store loaded from an old
    extract still ranks its last year, not an empty window ending today)."""
    if as_of is None:
        return found["time"].max()
    stamp = pd.Timestamp(as_of)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


def _offences(engine: Engine) -> pd.DataFrame:
    found = read_offences(engine)
    if found.empty:
        raise NotFound("no crimes with a known offender or suspect in the store")
    return found


def labels(engine: Engine, ids: list[str]) -> dict[str, str]:
    """A display name per person node (entity or record): the first named record."""
    node = resolve_members.c.entity_id
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            direct = select(persons.c.id, persons.c.full_name, persons.c.forename, persons.c.surname).where(
                persons.c.id.in_(chunk)
            )
            members = (
                select(node, persons.c.full_name, persons.c.forename, persons.c.surname)
                .select_from(resolve_members.join(persons, persons.c.id == resolve_members.c.record_id))
                .where(resolve_members.c.entity_type == "person", node.in_(chunk))
                .order_by(persons.c.id)
            )
            for query in (direct, members):
                for key, full, fore, sur in conn.execute(query):
                    name = full or " ".join(p for p in (fore, sur) if p)
                    if name and key not in found:
                        found[key] = name
    return found


def _records(table: pd.DataFrame, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows as plain JSON values (no NaN, numpy scalars or timestamps), each offender with a label."""
    rows = []
    for row in table.to_dict("records"):
        clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for key, value in clean.items():
            if isinstance(value, pd.Timestamp):
                clean[key] = value.isoformat()
            elif isinstance(value, np.generic):
                clean[key] = value.item()
        rows.append(clean if names is None else clean | {"label": names.get(row["offender"], "")})
    return rows


def _score(
    found: pd.DataFrame,
    index: HarmIndex,
    method: str,
    as_of: pd.Timestamp,
    window: float,
    half_life: float | None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    if method == "harm":
        scored = rank_offenders(found, index, as_of, window, half_life)
        return scored.table, scored.unmapped, {"window_days": window, "half_life_days": half_life}
    params = RFGParams(window_days=window, recency_half_life_days=half_life)
    scored = rfg(found, index, as_of, params)
    return scored.table, scored.unmapped, {"window_days": window, "recency_half_life_days": half_life}


def _previous(engine: Engine, method: str, index: str) -> dict[str, Any] | None:
    query = (
        select(harm_rankings.c.id, harm_rankings.c.made_at, harm_rankings.c.ranking)
        .where(harm_rankings.c.method == method, harm_rankings.c.harm_index == index)
        .order_by(harm_rankings.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else {"id": row.id, "made_at": row.made_at.isoformat(), "ranking": row.ranking}


def _churn(previous: dict[str, Any] | None, top: list[dict[str, Any]]) -> dict[str, Any] | None:
    if previous is None:
        return None
    moved = churn([r["offender"] for r in previous["ranking"]], [r["offender"] for r in top])
    return {
        "previous_refresh": previous["id"],
        "previous_made_at": previous["made_at"],
        "entered": list(moved.entered),
        "left": list(moved.left),
        "stayed": len(moved.stayed),
        "jaccard": round(float(moved.jaccard), 4),
        "moves": _records(moved.moves),
    }


def _explanation(row: dict[str, Any], parts: pd.DataFrame, index: HarmIndex, method: str, total: int) -> str:
    counted = parts[parts["weight"].notna()]
    by_category = (
        counted.groupby("category")["contribution"].agg(["size", "sum"]).sort_values("sum", ascending=False)
    )
    listed = "; ".join(f"{int(n)} x {c} ({s:,.1f})" for c, (n, s) in by_category.head(5).iterrows())
    score = f"score {row['score']:.3f} (recency, frequency, gravity)" if method == "rfg" else ""
    unweighted = int(parts["weight"].isna().sum())
    return (
        f"Ranked {row['rank']} of {total:,} by {'RFG' if method == 'rfg' else 'harm'} on the {index.title}. "
        f"{score + '. ' if score else ''}Harm {row['harm']:,.1f} {index.unit} from {len(counted)} weighted "
        f"offence(s): {listed or 'none'}."
        + (f" {unweighted} offence(s) have no weight in this index and add nothing." if unweighted else "")
        + " A ranking is a lead, not a finding: check each offence before acting."
    )


def rank(
    engine: Engine,
    user: str,
    purpose: str | None,
    case_ref: str | None,
    index: str = "cchi",
    method: str = "harm",
    as_of: datetime | None = None,
    window_days: float = 365.0,
    half_life_days: float | None = None,
    top: int = 50,
    propose: bool = False,
) -> dict[str, Any]:
    """``ranking`` for a declared purpose, audited with the offenders it named."""
    check_purpose(purpose, case_ref)
    result = ranking(engine, user, index, method, as_of, window_days, half_life_days, top, propose)
    with engine.begin() as conn:
        audit.append(
            conn,
            user,
            "harm.rank",
            purpose=purpose,
            case_ref=case_ref,
            details={
                "method": method,
                "index": result["index"],
                "as_of": result["as_of"],
                "refresh": result["refresh"],
                "records": [r["offender"] for r in result["top"]][:MAX_AUDITED],
            },
        )
    return result


def ranking(
    engine: Engine,
    user: str,
    index: str = "cchi",
    method: str = "harm",
    as_of: datetime | None = None,
    window_days: float = 365.0,
    half_life_days: float | None = None,
    top: int = 50,
    propose: bool = False,
) -> dict[str, Any]:
    """The top offenders by harm (or RFG), with the unmapped offences and, when kept, the churn.
    Unaudited: callers audit the read (``rank``, or the web app's audit middleware)."""
    if method not in METHODS:
        raise PeelianError(f"unknown ranking method {method!r}: choose from {', '.join(METHODS)}")
    if not 1 <= top <= MAX_TOP:
        raise PeelianError(f"--top must be between 1 and {MAX_TOP:,}")
    harm_index = load_index(index)
    found = _offences(engine)
    when = _as_of(found, as_of)
    table, unmapped, settings = _score(found, harm_index, method, when, window_days, half_life_days)
    head = table.head(top)
    names = labels(engine, head["offender"].tolist())
    listed = _records(head, names)
    result: dict[str, Any] = {
        "method": method,
        "index": harm_index.name,
        "index_title": harm_index.title,
        "unit": harm_index.unit,
        "as_of": when.isoformat(),
        **settings,
        "offenders_ranked": len(table),
        "top": listed,
        "unmapped": _records(unmapped),
        "refresh": None,
        "churn": None,
        "leads": [],
    }
    if propose:
        result.update(_keep(engine, user, result, found, harm_index, table))
    return result


def _keep(
    engine: Engine,
    user: str,
    result: dict[str, Any],
    found: pd.DataFrame,
    index: HarmIndex,
    table: pd.DataFrame,
) -> dict[str, Any]:
    """Store the refresh, report its churn and propose a lead for each offender new to the list."""
    previous = _previous(engine, result["method"], index.name)
    moved = _churn(previous, result["top"])
    ranking = [
        {k: r[k] for k in ("offender", "rank", "harm", "events", "label") if k in r} for r in result["top"]
    ]
    parameters = {
        k: result[k]
        for k in ("as_of", "window_days", "half_life_days", "recency_half_life_days")
        if k in result
    }
    with engine.begin() as conn:
        refresh = conn.execute(
            insert(harm_rankings).values(
                method=result["method"],
                harm_index=index.name,
                made_at=datetime.now(UTC),
                made_by=user,
                parameters=parameters,
                ranking=ranking,
                report={
                    "churn": moved,
                    "unmapped": result["unmapped"],
                    "offenders_ranked": result["offenders_ranked"],
                },
            )
        ).inserted_primary_key[0]
    holding = leads.held(engine, LEAD_TYPE)
    proposed = []
    window = float(result["window_days"])
    half_life = result.get("half_life_days")
    for row in result["top"]:
        if row["offender"] in holding:
            continue
        parts = breakdown(found, row["offender"], index, pd.Timestamp(result["as_of"]), window, half_life)
        lead_id = leads.propose(
            engine,
            LEAD_TYPE,
            f"Priority offender #{row['rank']}: {row['label'] or row['offender']}"[:200],
            _explanation(row, parts, index, result["method"], result["offenders_ranked"]),
            {
                "model": f"harm-{result['method']}",
                "version": VERSION,
                "refresh": int(refresh),
                "index": index.name,
                "inputs": {"events": parts["event_id"].astype(str).tolist()[:MAX_AUDITED]},
            },
            {"person": row["offender"], "rank": int(row["rank"]), "refresh": int(refresh)},
            float(row.get("score", row["harm"])),
            f"harm-{result['method']}",
        )
        proposed.append(lead_id)
    return {"refresh": int(refresh), "churn": moved, "leads": proposed}


def explain(
    engine: Engine,
    user: str,
    purpose: str | None,
    case_ref: str | None,
    offender: str,
    index: str = "cchi",
    method: str = "harm",
    as_of: datetime | None = None,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> dict[str, Any]:
    """``breakdown_of`` for a declared purpose, audited."""
    check_purpose(purpose, case_ref)
    result = breakdown_of(engine, offender, index, method, as_of, window_days, half_life_days)
    with engine.begin() as conn:
        audit.append(
            conn,
            user,
            "harm.explain",
            purpose=purpose,
            case_ref=case_ref,
            details={"offender": offender, "index": result["index"], "records": [offender]},
        )
    return result


def breakdown_of(
    engine: Engine,
    offender: str,
    index: str = "cchi",
    method: str = "harm",
    as_of: datetime | None = None,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> dict[str, Any]:
    """One offender's score with every offence behind it: weight, index entry, decay, contribution."""
    harm_index = load_index(index)
    found = _offences(engine)
    when = _as_of(found, as_of)
    parts = breakdown(found, offender, harm_index, when, window_days, half_life_days)
    result: dict[str, Any] = {
        "offender": offender,
        "label": labels(engine, [offender]).get(offender, ""),
        "index": harm_index.name,
        "unit": harm_index.unit,
        "as_of": when.isoformat(),
        "window_days": window_days,
        "half_life_days": half_life_days,
        "harm": float(parts["contribution"].sum()),
        "offences": _records(parts),
        "rfg": None,
    }
    if method == "rfg":
        scored = rfg(found, harm_index, when, RFGParams(window_days=window_days))
        result["rfg"] = _records(rfg_breakdown(scored, offender))
    return result


def areas(
    engine: Engine,
    user: str,
    index: str = "cchi",
    as_of: datetime | None = None,
    window_days: float = 365.0,
    top: int = 50,
) -> dict[str, Any]:
    """Harm per area (the area code the source gave): where harm falls, naming no one."""
    harm_index = load_index(index)
    found = _offences(engine).drop_duplicates("event_id")  # a crime's harm once, however many offenders
    found = found[found["area"].notna()]
    if found.empty:
        raise NotFound("no crimes with a known offender carry an area code")
    when = _as_of(found, as_of)
    scored = harm_by(found, "area", harm_index, when, window_days)
    with engine.begin() as conn:
        audit.append(conn, user, "harm.areas", details={"index": harm_index.name, "as_of": when.isoformat()})
    return {
        "index": harm_index.name,
        "unit": harm_index.unit,
        "as_of": when.isoformat(),
        "areas": _records(scored.table.head(top)),
    }
