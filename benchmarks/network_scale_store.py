"""The synthetic association store for ``benchmarks.network_scale``: a million people in groups.

People belong to groups of ``GROUP`` and commit crimes with 2 to 4 members of their group (co-
offending), live in households of two across groups (shared addresses), and one in ten uses their
group's "work phone" (shared phones). With ``CRIMES_PER_PERSON`` crimes per person, one million
people make about 5.3 million association rows and 5 million distinct ties when read by
``peelian.network.store.read``, and almost everyone is an offender for harm ranking.

Rows go straight into the store's tables through the bulk writer the ingest pipeline uses, a chunk
at a time (so the writer's memory stays small), so the benchmark reads a store shaped exactly like
an ingested one without spending hours in the pipeline first. The link indexes are dropped while
the links are written and built again after: one sort instead of millions of random inserts.
"""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, Table, text

from peelian.db import make_engine, schema, upgrade
from peelian.db.bulk import bulk_ops, wire_datetimes

SYSTEM = "bench.network"
GROUP = 100
CRIMES_PER_PERSON = 1.3
WORK_PHONE = 0.1  # share of people using their group's shared phone
CATEGORIES = {
    "Burglary": 0.2,
    "Robbery": 0.1,
    "Drugs": 0.2,
    "Violence and sexual offences": 0.2,
    "Vehicle crime": 0.1,
    "Shoplifting": 0.1,
    "Criminal damage and arson": 0.05,
    "Possession of weapons": 0.05,
}
START = np.datetime64("2021-07-01T00:00:00")
DAYS = 3 * 365  # crimes fall in the three years from START
AS_OF = "2024-07-01"  # the end of those three years, for harm windows
CHUNK = 200_000

PERSON_COLUMNS = [
    "id",
    "source_system",
    "natural_key",
    "source_key",
    "source_version",
    "full_name",
    "attributes",
    "ingested_at",
]
EVENT_COLUMNS = [
    "id",
    "source_system",
    "natural_key",
    "version",
    "event_type",
    "category",
    "time_from",
    "time_to",
    "time_precision",
    "ingested_at",
]
LINK_COLUMNS = [
    "id",
    "source_system",
    "source_key",
    "source_version",
    "subject_type",
    "subject_id",
    "role",
    "object_type",
    "object_id",
    "ingested_at",
]


def _id(prefix: str, i: int) -> str:
    return f"{prefix}{i:012x}"


def _write(
    engine: Engine,
    table: Table,
    columns: list[str],
    count: int,
    rows: Callable[[int, int], list[tuple]],
    progress: Callable[[int], None],
) -> None:
    """``count`` rows, made and inserted ``CHUNK`` at a time by ``rows(start, stop)``."""
    for start in range(0, count, CHUNK):
        stop = min(start + CHUNK, count)
        chunk = rows(start, stop)
        with engine.begin() as conn:
            bulk_ops(conn).insert(table, columns, chunk)
        progress(stop - start)


def crimes_for(people: int) -> int:
    return round(people * CRIMES_PER_PERSON)


def build(
    path: Path, people: int, seed: int = 11, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Write the store at ``path`` (a new SQLite file); the row counts written. ``progress(table,
    done, total)`` is called after each chunk."""
    rng = np.random.default_rng(seed)
    crimes = crimes_for(people)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "EPSG:27700")
    now = wire_datetimes(np.array([np.datetime64("2024-07-01T00:00:00")]), "sqlite")[0]
    done: dict[str, int] = {}

    def tick(table: str, total: int) -> Callable[[int], None]:
        def step(rows: int) -> None:
            done[table] = done.get(table, 0) + rows
            if progress:
                progress(table, done[table], total)

        return step

    household = rng.permutation(people) // 2  # pairs, shuffled across groups
    group = np.arange(people) // GROUP
    work_phone = rng.random(people) < WORK_PHONE
    phones = np.where(work_phone, 7_000_000_000 + group, 8_000_000_000 + np.arange(people))

    def person_rows(start: int, stop: int) -> list[tuple]:
        rows = []
        for i, h, p in zip(
            range(start, stop), household[start:stop].tolist(), phones[start:stop].tolist(), strict=True
        ):
            pid = _id("pe_", i)
            contact = json.dumps({"address": f"{h} SYNTH ROAD", "postcode": "E1 6AN", "phone": f"0{p}"})
            rows.append((pid, SYSTEM, pid, pid, 1, f"PERSON {i}", contact, now))
        return rows

    _write(engine, schema.persons, PERSON_COLUMNS, people, person_rows, tick("persons", people))

    names = np.array(list(CATEGORIES))
    category = names[rng.choice(len(names), crimes, p=list(CATEGORIES.values()))]
    times = START + rng.integers(0, DAYS * 86_400, crimes).astype("timedelta64[s]")

    def event_rows(start: int, stop: int) -> list[tuple]:
        began = wire_datetimes(times[start:stop], "sqlite")
        ended = wire_datetimes(times[start:stop] + np.timedelta64(60, "s"), "sqlite")
        return [
            (_id("ev_", i), SYSTEM, _id("ev_", i), 1, "crime", c, s, e, "minute", now)
            for i, c, s, e in zip(
                range(start, stop), category[start:stop].tolist(), began, ended, strict=True
            )
        ]

    _write(engine, schema.events, EVENT_COLUMNS, crimes, event_rows, tick("events", crimes))

    size = rng.integers(2, 5, crimes)
    crime_group = rng.integers(0, max(people // GROUP, 1), crimes)
    crime_of = np.repeat(np.arange(crimes), size)
    member = np.minimum(crime_group[crime_of] * GROUP + rng.integers(0, GROUP, len(crime_of)), people - 1)

    def link_rows(start: int, stop: int) -> list[tuple]:
        rows = []
        for i, c, m in zip(
            range(start, stop), crime_of[start:stop].tolist(), member[start:stop].tolist(), strict=True
        ):
            event = _id("ev_", c)
            rows.append(
                (_id("li_", i), SYSTEM, event, 1, "person", _id("pe_", m), "offender", "event", event, now)
            )
        return rows

    indexes = list(schema.links.indexes)
    with engine.begin() as conn:
        for index in indexes:
            conn.execute(text(f"DROP INDEX {index.name}"))
    _write(engine, schema.links, LINK_COLUMNS, len(crime_of), link_rows, tick("links", len(crime_of)))
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)
    engine.dispose()
    return {"people": people, "crimes": crimes, "links": len(crime_of)}
