"""Store rows as search records: each record's canonical fields, read in chunks.

One function per record type turns a frame of store rows into search records (the columns of
``search_records``), normalising each distinct value once, so a full rebuild and the incremental
update of a few rows give the same record. Persons carry the time and area of the source row that
named them, so results can be filtered by date and area.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from peelian.db.schema import events, locations, objects, persons
from peelian.pole.ids import entity_ids
from peelian.resolve import normalise
from peelian.resolve.records import split_full_name

COLUMNS = ("record_type", "record_id", "source_system", "label", "forename", "surname", "aliases", "dob",
           "postcode", "phone", "vrm", "refs", "text", "seen_at", "area_code")  # fmt: skip
# Event attributes that hold free text worth searching; an event with none is found by its
# reference (``peelian.search.query``) and its own word index (``peelian.pole.search``).
TEXT_KEYS = ("mo", "notes", "description", "narrative", "summary")
CHUNK = 50_000
PLACE_KINDS = ("address", "premises")  # not the anonymised map points of data.police.uk


def _each(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` once per distinct value."""
    distinct = values.dropna().unique()
    return values.map(dict(zip(distinct, (fn(v) for v in distinct), strict=True)))


def _attributes(values: pd.Series) -> pd.Series:
    return values.map(lambda a: json.loads(a) if isinstance(a, str) else (a if isinstance(a, dict) else {}))


def _get(attrs: pd.Series, key: str) -> pd.Series:
    return attrs.map(lambda a: a.get(key) if a.get(key) not in ("", None) else None)


def _dob(row_dob: Any, text: Any) -> str | None:
    if row_dob is not None and not pd.isna(row_dob):
        return pd.Timestamp(row_dob).date().isoformat()
    found = normalise.date_of_birth(text) if isinstance(text, str) else None
    return found.iso() if found else None


def _aliases(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    names = [n for n in (normalise.name(p) for p in text.split(";")) if n]
    return "; ".join(dict.fromkeys(names)) or None


def _join(*parts: pd.Series, sep: str = " ") -> pd.Series:
    out = parts[0].fillna("").astype(str)
    for part in parts[1:]:
        out = out + sep + part.fillna("").astype(str)
    out = out.str.strip(sep.strip() + " ")
    return out.where(out != "", None)


def persons_docs(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of persons (with ``seen_at``, ``area_code`` of their source event) as search records."""
    attrs = _attributes(rows["attributes"])
    split = rows["full_name"].map(split_full_name)
    forename = rows["forename"].where(rows["forename"].notna() | rows["surname"].notna(), split.str[0])
    surname = rows["surname"].where(rows["forename"].notna() | rows["surname"].notna(), split.str[1])
    out = pd.DataFrame(
        {"record_type": "person", "record_id": rows["id"], "source_system": rows["source_system"]}
    )
    out["forename"] = _each(forename, normalise.name)
    out["surname"] = _each(surname, normalise.name)
    out["aliases"] = _each(_get(attrs, "aliases"), _aliases)
    typed = _get(attrs, "dob").where(_get(attrs, "dob").notna(), _get(attrs, "dob_partial"))
    out["dob"] = [_dob(d, t) for d, t in zip(rows["dob"], typed, strict=True)]
    out["postcode"] = _each(_get(attrs, "postcode"), normalise.postcode)
    out["phone"] = _each(_get(attrs, "phone"), normalise.phone)
    out["vrm"] = None
    pnc = _get(attrs, "pnc_id")
    own = rows["natural_key"].str.partition(":")[2]  # "person:C123" is known as C123
    out["refs"] = _join(own.where(own != "", rows["natural_key"]), pnc, sep="; ")
    out["text"] = _join(_get(attrs, "address"), _get(attrs, "town"))
    name = _join(out["surname"], out["forename"].fillna("").str.title(), sep=", ")
    out["label"] = _join(name.fillna("(no name)"), ("b. " + out["dob"]).where(out["dob"].notna(), None))
    out["seen_at"], out["area_code"] = rows["seen_at"], rows["area_code"]
    return _final(out)


def objects_docs(rows: pd.DataFrame) -> pd.DataFrame:
    """Vehicles are found by registration; phones by number; other property by its identifier."""
    out = pd.DataFrame({"record_id": rows["id"], "source_system": rows["source_system"]})
    vehicle, phone = rows["kind"] == "vehicle", rows["kind"] == "phone"
    out["record_type"] = rows["kind"].where(vehicle | phone, "object")
    for name in ("forename", "surname", "aliases", "dob", "postcode"):
        out[name] = None
    out["vrm"] = _each(rows["identifier"].where(vehicle), normalise.plate)
    out["phone"] = _each(rows["identifier"].where(phone), normalise.phone)
    out["refs"] = rows["identifier"].where(~vehicle & ~phone).str.upper()
    out["text"] = _join(rows["colour"], rows["make"], rows["model"], rows["description"])
    shown = out["vrm"].fillna(out["phone"]).fillna(rows["identifier"]).fillna(rows["kind"])
    out["label"] = _join(shown, ("(" + out["text"] + ")").where(out["text"].notna(), None))
    out["seen_at"], out["area_code"] = rows["seen_at"], rows["area_code"]
    return _final(out)


def places_docs(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {"record_type": "place", "record_id": rows["id"], "source_system": rows["source_system"]}
    )
    for name in ("forename", "surname", "aliases", "dob", "phone", "vrm", "refs", "seen_at"):
        out[name] = None
    out["postcode"] = _each(rows["postcode"], normalise.postcode)
    out["text"] = rows["name"].where(rows["name"].notna(), None)
    out["label"] = _join(rows["name"], out["postcode"], sep=", ").fillna(rows["kind"])
    out["area_code"] = rows["area_code"]
    return _final(out)


def events_docs(rows: pd.DataFrame) -> pd.DataFrame:
    """Events with free text (MO, notes): found by those words and by their reference."""
    attrs = _attributes(rows["attributes"])
    free = [_join(*(_get(attrs, k) for k in TEXT_KEYS)), rows["category"], rows["subcategory"],
            rows["location_text"]]  # fmt: skip
    out = pd.DataFrame(
        {"record_type": "event", "record_id": rows["id"], "source_system": rows["source_system"]}
    )
    for name in ("forename", "surname", "aliases", "dob", "postcode", "phone", "vrm"):
        out[name] = None
    out["refs"] = rows["natural_key"]
    out["text"] = _join(*free)
    when = pd.to_datetime(rows["time_from"], utc=True).dt.strftime("%Y-%m-%d")
    out["label"] = _join(rows["event_type"], rows["natural_key"], "— " + rows["category"], when)
    out["seen_at"], out["area_code"] = rows["time_from"], rows["area_code"]
    return _final(out)


def _final(out: pd.DataFrame) -> pd.DataFrame:
    """The record columns in order, missing values as None (the key functions test for None)."""
    out = out[list(COLUMNS)].astype(object)
    return out.where(out.notna(), None)


def has_text(attributes: Any) -> bool:
    attrs = json.loads(attributes) if isinstance(attributes, str) else attributes
    return isinstance(attrs, dict) and any(attrs.get(k) for k in TEXT_KEYS)


def _source_events(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """``seen_at`` and ``area_code`` from each row's source event (same system, key = source key)."""
    if frame.empty:
        return frame.assign(seen_at=None, area_code=None)
    ids = pd.Series(index=frame.index, dtype=object)
    for system, part in frame.groupby("source_system"):
        ids[part.index] = entity_ids("event", system, part["source_key"].tolist())
    found: dict[str, tuple] = {}
    wanted = list(dict.fromkeys(ids.tolist()))
    for start in range(0, len(wanted), 900):
        query = select(events.c.id, events.c.time_from, events.c.area_code).where(
            events.c.id.in_(wanted[start : start + 900])
        )
        found.update((r.id, (r.time_from, r.area_code)) for r in conn.execute(query))
    return frame.assign(
        seen_at=[found.get(i, (None, None))[0] for i in ids],
        area_code=[found.get(i, (None, None))[1] for i in ids],
    )


PERSON_COLUMNS = [persons.c[n] for n in ("id", "source_system", "natural_key", "source_key", "forename",
                                          "surname", "full_name", "dob", "attributes")]  # fmt: skip
OBJECT_COLUMNS = [objects.c[n] for n in ("id", "source_system", "source_key", "kind", "identifier", "make",
                                          "model", "colour", "description")]  # fmt: skip
PLACE_COLUMNS = [locations.c[n] for n in ("id", "source_system", "kind", "name", "postcode", "area_code")]
EVENT_COLUMNS = [events.c[n] for n in ("id", "source_system", "natural_key", "event_type", "category",
                                        "subcategory", "time_from", "location_text", "area_code",
                                        "attributes")]  # fmt: skip


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def read(conn: Connection, kind: str, ids: Iterable[str] | None = None) -> Iterator[pd.DataFrame]:
    """Search records of ``kind`` (person, object, place, event), all or those of ``ids``, in chunks."""
    table, columns, build = {
        "person": (persons, PERSON_COLUMNS, persons_docs),
        "object": (objects, OBJECT_COLUMNS, objects_docs),
        "place": (locations, PLACE_COLUMNS, places_docs),
        "event": (events, EVENT_COLUMNS, events_docs),
    }[kind]
    base = select(*columns)
    if kind == "event":
        base = base.where(events.c.attributes.is_not(None))
    if kind == "place":
        base = base.where(locations.c.kind.in_(PLACE_KINDS))
    for rows in _pages(conn, base, table.c.id, ids):
        if kind == "event":
            rows = rows[rows["attributes"].map(has_text)]
        elif kind in ("person", "object"):
            rows = _source_events(conn, rows)
        if not rows.empty:
            yield build(rows.reset_index(drop=True))


def _pages(conn: Connection, base, id_column, ids: Iterable[str] | None) -> Iterator[pd.DataFrame]:
    """The rows of ``base``: those of ``ids`` 900 at a time, or all of them in id order, CHUNK at a time."""
    if ids is not None:
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), 900):
            rows = _frame(conn, base.where(id_column.in_(wanted[start : start + 900])))
            if not rows.empty:
                yield rows
        return
    last = None
    while True:
        query = base.order_by(id_column).limit(CHUNK)
        rows = _frame(conn, query if last is None else query.where(id_column > last))
        if rows.empty:
            return
        last = rows["id"].iloc[-1]
        yield rows
