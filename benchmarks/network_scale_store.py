"""The synthetic association store for ``benchmarks.network_scale``: a million people in groups.

People belong to groups of ``GROUP`` and commit crimes with 2 to 4 members of their group (co-
offending), live in households of 1 to 3 across groups (shared addresses) and some share a group
"work phone" (shared phones). Rows go straight into the store's tables through the bulk writer
the ingest pipeline uses, so the benchmark reads a store shaped exactly like an ingested one
without spending an hour in the pipeline first.
"""

import json
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from peelian.db import make_engine, schema, upgrade
from peelian.db.bulk import bulk_ops, wire_datetimes

SYSTEM = "bench.network"
GROUP = 50
CATEGORIES = (
    ("Burglary", 0.2), ("Robbery", 0.1), ("Drugs", 0.2), ("Violence and sexual offences", 0.2),
    ("Vehicle crime", 0.1), ("Shoplifting", 0.1), ("Criminal damage and arson", 0.05),
    ("Possession of weapons", 0.05),
)  # fmt: skip
START = np.datetime64("2021-07-01T00:00:00")
CHUNK = 200_000


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:012x}" for i in range(n)]


def _write(engine: Engine, table, columns: list[str], rows: list[tuple]) -> None:
    with engine.begin() as conn:
        bulk = bulk_ops(conn)
        for start in range(0, len(rows), CHUNK):
            bulk.insert(table, columns, rows[start : start + CHUNK])


def build(path: Path, people: int, crimes: int, seed: int = 11) -> dict[str, int]:
    """Write the store at ``path`` (a new SQLite file); the row counts written."""
    rng = np.random.default_rng(seed)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "EPSG:27700")
    now = wire_datetimes(np.array([np.datetime64("2024-07-01T00:00:00")]), "sqlite")[0]
    person_ids = _ids("pe_", people)
    household = rng.permutation(people) // 2  # pairs, shuffled across groups
    work_phone = rng.random(people) < 0.1  # one in ten uses their group's shared phone
    group = np.arange(people) // GROUP
    phones = np.where(work_phone, 7_000_000_000 + group, 8_000_000_000 + np.arange(people))
    attributes = [
        json.dumps({"address": f"{h} SYNTH ROAD", "postcode": "E1 6AN", "phone": f"0{p}"})
        for h, p in zip(household.tolist(), phones.tolist(), strict=True)
    ]
    _write(
        engine, schema.persons,
        ["id", "source_system", "natural_key", "source_key", "source_version", "full_name", "attributes",
         "ingested_at"],
        [
            (p, SYSTEM, p, p, 1, f"PERSON {i}", a, now)
            for i, (p, a) in enumerate(zip(person_ids, attributes, strict=True))
        ],
    )  # fmt: skip
    del attributes
    event_ids = _ids("ev_", crimes)
    names, shares = zip(*CATEGORIES, strict=True)
    category = np.array(names)[rng.choice(len(names), crimes, p=shares)]
    times = START + rng.integers(0, 3 * 365 * 86_400, crimes).astype("timedelta64[s]")
    starts = wire_datetimes(times, "sqlite")
    ends = wire_datetimes(times + np.timedelta64(60, "s"), "sqlite")
    _write(
        engine, schema.events,
        ["id", "source_system", "natural_key", "version", "event_type", "category", "time_from", "time_to",
         "time_precision", "ingested_at"],
        [(e, SYSTEM, e, 1, "crime", c, s, t, "minute", now)
         for e, c, s, t in zip(event_ids, category.tolist(), starts, ends, strict=True)],
    )  # fmt: skip
    size = rng.integers(2, 5, crimes)
    crime_group = rng.integers(0, people // GROUP, crimes)
    crime_of = np.repeat(np.arange(crimes), size)
    member = crime_group[crime_of] * GROUP + rng.integers(0, GROUP, len(crime_of))
    rows = [
        (
            f"li_{i:012x}",
            SYSTEM,
            event_ids[c],
            1,
            "person",
            person_ids[m],
            "offender",
            "event",
            event_ids[c],
            now,
        )
        for i, (c, m) in enumerate(zip(crime_of.tolist(), member.tolist(), strict=True))
    ]
    _write(
        engine, schema.links,
        ["id", "source_system", "source_key", "source_version", "subject_type", "subject_id", "role",
         "object_type", "object_id", "ingested_at"],
        rows,
    )  # fmt: skip
    engine.dispose()
    return {"people": people, "crimes": crimes, "links": len(rows)}
