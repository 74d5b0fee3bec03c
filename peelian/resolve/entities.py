"""Stable entity ids across runs, and the history of every merge and split.

A re-run clusters from scratch, but an entity keeps its id when its records stay together: each
new cluster takes the id of the old entity it shares most records with, largest overlaps first,
one id per cluster and one cluster per id. A cluster with no old id gets a new one (derived from
its smallest record id, so a rebuilt store gives the same ids); an old entity that lends no id is
retired into the entity that took most of its records, so links to it still resolve.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

PREFIX = {"person": "pp_", "vehicle": "pv_", "address": "pa_"}


@dataclass
class Assignment:
    entity_of: dict[str, str]  # record id -> entity id
    created: list[str] = field(default_factory=list)
    retired: dict[str, str] = field(default_factory=dict)  # old id -> the id it went into
    events: list[dict] = field(default_factory=list)  # history rows: entity_id, action, related, records


def new_id(entity: str, members: list[str], taken: set[str]) -> str:
    seed = f"{entity}|{min(members)}"
    for salt in range(1000):
        candidate = PREFIX[entity] + hashlib.sha256(f"{seed}|{salt}".encode()).hexdigest()[:20]
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free entity id after 1000 tries")  # 2^80 ids: cannot happen


def assign(entity: str, clusters: pd.Series, previous: dict[str, str], existing: set[str]) -> Assignment:
    """Entity ids for ``clusters`` (cluster label per record id), given the previous membership
    (record -> entity) and every entity id ever issued for this type (``existing``)."""
    members: dict[int, list[str]] = defaultdict(list)
    for record, label in clusters.items():
        members[int(label)].append(str(record))
    overlap: dict[tuple[int, str], int] = defaultdict(int)
    for label, records in members.items():
        for record in records:
            if record in previous:
                overlap[(label, previous[record])] += 1
    claims = sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    id_of: dict[int, str] = {}
    used: set[str] = set()
    for (label, old), _ in claims:
        if label not in id_of and old not in used:
            id_of[label] = old
            used.add(old)
    taken = set(existing)
    out = Assignment({})
    for label, records in sorted(members.items(), key=lambda kv: min(kv[1])):
        if label not in id_of:
            id_of[label] = new_id(entity, records, taken)
            taken.add(id_of[label])
            out.created.append(id_of[label])
        for record in records:
            out.entity_of[record] = id_of[label]
    _history(out, previous)
    return out


def _history(out: Assignment, previous: dict[str, str]) -> None:
    moves: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for record, now in out.entity_of.items():
        before = previous.get(record)
        if before != now:
            moves[(before, now)].append(record)
    alive = set(out.entity_of.values())
    outflow: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for (before, now), records in moves.items():
        if before is not None:
            outflow[before][now] = records
    for entity in out.created:
        parents = sorted({b for (b, n) in moves if n == entity and b is not None})
        records = sorted(r for (b, n), rs in moves.items() if n == entity for r in rs)
        out.events.append({"entity_id": entity, "action": "create", "related": parents, "records": records})
    for before, targets in sorted(outflow.items()):
        moved = sorted(r for rs in targets.values() for r in rs)
        if before not in alive:
            into = max(targets, key=lambda t: (len(targets[t]), t))
            out.retired[before] = into
            out.events.append({"entity_id": before, "action": "retire", "related": [into], "records": moved})
            for target, records in sorted(targets.items()):
                if target not in out.created:
                    out.events.append(
                        {
                            "entity_id": target,
                            "action": "merge",
                            "related": [before],
                            "records": sorted(records),
                        }
                    )
        else:
            out.events.append(
                {"entity_id": before, "action": "split", "related": sorted(targets), "records": moved}
            )
    for (before, now), records in sorted(moves.items(), key=lambda kv: kv[0][1]):
        if before is None and now not in out.created:
            out.events.append({"entity_id": now, "action": "grow", "related": [], "records": sorted(records)})
