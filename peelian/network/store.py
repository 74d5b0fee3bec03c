"""Association edges read from the POLE store: who is connected to whom, how, when and how surely.

A node is a person as entity resolution knows them: the resolved entity (``pp_``) where there is
one, else the person record itself (``pe_``), so one offender recorded by three systems is one
node. Edges come from six kinds of evidence, each row naming what it rests on:

- ``co_offending``: two people linked as offender, suspect or confirmed suggested suspect to the
  same crime (or any event);
- ``shared_address`` / ``shared_phone``: the same home address (resolved address entity, else the
  normalised address and postcode) or the same normalised phone number in their records;
- ``shared_vehicle``: the same vehicle (resolved vehicle entity, else the record) kept by or used
  in an offence of both;
- ``intelligence``: the subjects of one intelligence log, and person-to-person links;
- ``same_series``: offenders of crimes an analyst confirmed as one series.

Confidence multiplies a documented prior for the kind of evidence (a suspect is less sure than a
convicted offender; a shared phone more telling than a shared address) by how sure resolution is
that each person's record belongs to its entity, so a doubtful merge weakens every edge it makes.
An item shared by more than ``MAX_SHARERS`` people (a hostel, a switchboard, a riot) is left out
and counted: it would join strangers into one clique.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, String, and_, func, select, type_coerce

from peelian.db.frames import read_frame
from peelian.db.schema import events, links, objects, persons, resolve_members, resolve_pairs
from peelian.pole.model import EventType, ObjectKind, Role
from peelian.resolve import normalise
from peelian.resolve.records import HOME

# Prior confidence of one piece of evidence, before entity-resolution uncertainty.
ROLE_CONFIDENCE = {Role.OFFENDER.value: 1.0, Role.SUSPECT.value: 0.8, Role.LINKED_SUSPECT.value: 0.7}
KIND_CONFIDENCE = {
    "shared_phone": 0.8,
    "shared_vehicle": 0.7,
    "shared_address": 0.6,
    "intelligence": 0.5,
    "same_series": 0.6,
}
KINDS = ("co_offending", *KIND_CONFIDENCE)
MAX_SHARERS = 25
EDGE_COLUMNS = ["source", "target", "kind", "weight", "confidence", "first_seen", "last_seen", "evidence"]


@dataclass
class Associations:
    """The edge rows (one per shared item and pair) and the nodes they join."""

    edges: pd.DataFrame
    nodes: pd.DataFrame  # id, label, records
    left_out: dict[str, int] = field(default_factory=dict)  # kind -> items shared too widely

    def joined(self, edges: pd.DataFrame | None = None) -> pd.DataFrame:
        """The nodes that ``edges`` (by default all of them) join, in node order. Looked up in a hash
        index of the distinct ends: ``Series.isin`` on pandas' Arrow strings makes a Python object of
        every value it is given, nearly two minutes for the ten million ends of a million people."""
        edges = self.edges if edges is None else edges
        ends = pd.Index(pd.concat([edges["source"], edges["target"]], ignore_index=True).unique())
        return self.nodes[ends.get_indexer(self.nodes["id"]) >= 0]


def _people(conn: Connection) -> pd.DataFrame:
    """Person records with their node (entity or record), resolution confidence, label and contacts."""
    query = select(
        persons.c.id,
        resolve_members.c.entity_id,
        persons.c.full_name,
        persons.c.forename,
        persons.c.surname,
        persons.c.attributes["address"].as_string(),
        persons.c.attributes["postcode"].as_string(),
        persons.c.attributes["phone"].as_string(),
    ).select_from(
        persons.outerjoin(
            resolve_members,
            and_(resolve_members.c.entity_type == "person", resolve_members.c.record_id == persons.c.id),
        )
    )
    people = read_frame(
        conn, query, ["record", "entity", "full_name", "forename", "surname", "address", "postcode", "phone"]
    )
    people["node"] = people["entity"].fillna(people["record"])
    # How sure resolution is that a record belongs to its entity: its best scored pair with another
    # member (1.0 for a record alone, or one placed by a person's judgement without a scored pair).
    left, right = resolve_members.alias("l"), resolve_members.alias("r")
    pairs = (
        select(resolve_pairs.c.record_l, resolve_pairs.c.record_r, resolve_pairs.c.probability)
        .select_from(
            resolve_pairs.join(
                left, and_(left.c.entity_type == "person", left.c.record_id == resolve_pairs.c.record_l)
            ).join(
                right, and_(right.c.entity_type == "person", right.c.record_id == resolve_pairs.c.record_r)
            )
        )
        .where(resolve_pairs.c.entity_type == "person", left.c.entity_id == right.c.entity_id)
    )
    scored = read_frame(conn, pairs, ["l", "r", "p"])
    best = (
        pd.concat(
            [
                scored[["l", "p"]].set_axis(["record", "p"], axis=1),
                scored[["r", "p"]].set_axis(["record", "p"], axis=1),
            ]
        )
        .groupby("record")["p"]
        .max()
    )
    people["confidence"] = people["record"].map(best).fillna(1.0).clip(0.01, 1.0)
    return people


def _appearances(conn: Connection) -> pd.DataFrame:
    """Every person record -> event link, with the role, the event's type and start time. Times are
    read as the driver gives them and parsed in one vectorised pass, not row by row."""
    query = select(
        links.c.subject_id, links.c.object_id, links.c.role, events.c.event_type,
        type_coerce(events.c.time_from, String),
    ).select_from(links.join(events, events.c.id == links.c.object_id)).where(
        links.c.subject_type == "person", links.c.object_type == "event"
    )  # fmt: skip
    found = read_frame(conn, query, ["record", "item", "role", "event_type", "time"])
    found["time"] = pd.to_datetime(found["time"], utc=True, format="ISO8601")
    return found


def _pairs(members: pd.DataFrame, kind: str, left_out: dict[str, int]) -> pd.DataFrame:
    """Every pair of distinct nodes sharing an item. ``members``: item, node, confidence, first, last,
    evidence; a node on an item twice counts once, at its best confidence.

    Pairs come from offsets within each item's run of sorted rows, never a self-join, so an item's
    k members make exactly k(k-1)/2 rows and a million items need no quadratic intermediate.
    """
    item, _ = pd.factorize(members["item"])
    node, _ = pd.factorize(members["node"])
    order = np.lexsort((-members["confidence"].to_numpy(dtype=float), node, item))
    item, node = item[order], node[order]
    distinct = np.ones(len(order), dtype=bool)
    distinct[1:] = (item[1:] != item[:-1]) | (node[1:] != node[:-1])
    order, item = order[distinct], item[distinct]
    sizes = np.bincount(item, minlength=1)
    left_out[kind] = int((sizes > MAX_SHARERS).sum())
    fits = (sizes[item] >= 2) & (sizes[item] <= MAX_SHARERS)
    order, item = order[fits], item[fits]
    left, right = [], []
    for offset in range(1, MAX_SHARERS):
        same = np.flatnonzero(item[:-offset] == item[offset:])
        if not len(same):
            break
        left.append(order[same])
        right.append(order[same + offset])
    if not left:
        return pd.DataFrame(columns=EDGE_COLUMNS)
    a, b = np.concatenate(left), np.concatenate(right)
    confidence = members["confidence"].to_numpy(dtype=float)
    first, last = members["first"].reset_index(drop=True), members["last"].reset_index(drop=True)
    return pd.DataFrame(
        {
            "source": members["node"].to_numpy()[a],
            "target": members["node"].to_numpy()[b],
            "kind": kind,
            "weight": 1.0,
            "confidence": KIND_CONFIDENCE.get(kind, 1.0) * confidence[a] * confidence[b],
            "first_seen": _later(first.iloc[a], first.iloc[b]),
            "last_seen": _later(last.iloc[a], last.iloc[b]),
            "evidence": members["evidence"].to_numpy()[a],
        }
    )


def _later(a: pd.Series, b: pd.Series) -> pd.DatetimeIndex:
    """Element-wise later of two UTC times; unknown when either is (both must hold the item by then)."""
    naive = np.maximum(_utc(a).dt.tz_localize(None).to_numpy(), _utc(b).dt.tz_localize(None).to_numpy())
    return pd.DatetimeIndex(naive).tz_localize("UTC")


def _utc(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True)


def _seen(people: pd.DataFrame, appearances: pd.DataFrame) -> pd.DataFrame:
    """When each person record was first and last seen on any event: the dates a shared contact held."""
    span = appearances.groupby("record")["time"].agg(first="min", last="max")
    return people.merge(span, left_on="record", right_index=True, how="left")


def _co_offending(people: pd.DataFrame, offences: pd.DataFrame, left_out: dict[str, int]) -> pd.DataFrame:
    on = offences.merge(people[["record", "node", "confidence"]], on="record")
    on["confidence"] = on["confidence"] * on["role"].map(ROLE_CONFIDENCE).fillna(0.5)
    members = on.assign(first=on["time"], last=on["time"], evidence=on["item"])
    edges = _pairs(members, "co_offending", left_out)
    edges["confidence"] = edges["confidence"] / KIND_CONFIDENCE.get("co_offending", 1.0)
    return edges


def _distinct_map(values: pd.Series, clean: Callable[[object], str | None]) -> pd.Series:
    """``clean`` applied once per distinct value: a household's postcode is typed on many records."""
    codes, distinct = pd.factorize(values)
    cleaned = np.array([clean(v) for v in distinct] + [None], dtype=object)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _contacts(people: pd.DataFrame, left_out: dict[str, int], homes: pd.Series) -> list[pd.DataFrame]:
    """Shared addresses (resolved address entity, else normalised address and postcode) and phones."""
    postcode = _distinct_map(people["postcode"], normalise.postcode)
    line = people["address"].str.upper().str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip()
    typed = (line + " " + postcode).where(line.str.len().gt(0) & postcode.notna())
    home = (
        (HOME + people["record"]).map(homes).astype("string").fillna(typed.astype("string"))
    )  # resolved entity first
    address = people.assign(item=home, evidence="address " + home)
    phone = _distinct_map(people["phone"], normalise.phone)
    phones = people.assign(item=phone, evidence="phone " + phone)
    return [
        _pairs(address[address["item"].notna()], "shared_address", left_out),
        _pairs(phones[phones["item"].notna()], "shared_phone", left_out),
    ]


def _vehicles(
    conn: Connection, people: pd.DataFrame, offences: pd.DataFrame, left_out: dict[str, int]
) -> pd.DataFrame:
    """People who keep a vehicle, and offenders of crimes it was used in, share the vehicle."""
    vehicle = func.coalesce(resolve_members.c.entity_id, objects.c.id)
    on_vehicle = objects.outerjoin(
        resolve_members,
        and_(resolve_members.c.entity_type == "vehicle", resolve_members.c.record_id == objects.c.id),
    )
    kept = (
        select(links.c.subject_id, vehicle)
        .select_from(links.join(on_vehicle, objects.c.id == links.c.object_id))
        .where(
            links.c.subject_type == "person",
            links.c.role == Role.OWNER.value,
            objects.c.kind == ObjectKind.VEHICLE.value,
        )
    )
    used = (
        select(links.c.object_id, vehicle)
        .select_from(links.join(on_vehicle, objects.c.id == links.c.subject_id))
        .where(
            links.c.subject_type == "object",
            links.c.object_type == "event",
            links.c.role == Role.USED_IN.value,
            objects.c.kind == ObjectKind.VEHICLE.value,
        )
    )
    keepers = read_frame(conn, kept, ["record", "item"])
    in_crimes = read_frame(conn, used, ["event", "item"]).merge(
        offences[["item", "record", "time"]].rename(columns={"item": "event"}), on="event"
    )
    undated = pd.Series(pd.NaT, index=keepers.index, dtype="datetime64[ns, UTC]")
    members = pd.concat(
        [keepers.assign(time=undated), in_crimes[["record", "item", "time"]]], ignore_index=True
    )
    members = members.merge(people[["record", "node", "confidence"]], on="record")
    members = members.assign(
        first=members["time"], last=members["time"], evidence="vehicle " + members["item"]
    )
    return _pairs(members, "shared_vehicle", left_out)


def read(engine: Engine) -> Associations:
    """Every association edge in the store, one row per shared item and pair of people."""
    left_out: dict[str, int] = {}
    with engine.connect() as conn:
        people = _people(conn)
        appearances = _appearances(conn)
        offences = appearances[appearances["role"].isin(ROLE_CONFIDENCE)]
        people = _seen(people, appearances)
        homes = dict(
            conn.execute(
                select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
                    resolve_members.c.entity_type == "address", resolve_members.c.record_id.startswith(HOME)
                )
            ).all()
        )
        found = [_co_offending(people, offences, left_out), *_contacts(people, left_out, pd.Series(homes))]
        found.append(_vehicles(conn, people, offences, left_out))
        intel = appearances[appearances["event_type"] == EventType.INTELLIGENCE.value]
        intel = intel.merge(people[["record", "node", "confidence"]], on="record")
        found.append(
            _pairs(
                intel.assign(first=intel["time"], last=intel["time"], evidence=intel["item"]),
                "intelligence",
                left_out,
            )
        )
        found.append(_series(conn, people, offences, left_out))
    edges = pd.concat(
        [f for f in found if not f.empty] or [pd.DataFrame(columns=EDGE_COLUMNS)], ignore_index=True
    )
    labels = people["full_name"].fillna(
        (people["forename"].fillna("") + " " + people["surname"].fillna("")).str.strip()
    )
    nodes = (
        people.assign(label=labels.replace("", None))
        .groupby("node")
        .agg(label=("label", "first"), records=("record", "size"))
        .reset_index()
        .rename(columns={"node": "id"})
    )
    return Associations(edges, nodes, left_out)


def _series(
    conn: Connection, people: pd.DataFrame, offences: pd.DataFrame, left_out: dict[str, int]
) -> pd.DataFrame:
    """Offenders of crimes confirmed as one series: each series is an item they share."""
    confirmed = read_frame(
        conn,
        select(links.c.subject_id, links.c.object_id).where(
            links.c.role == Role.SAME_SERIES.value,
            links.c.subject_type == "event",
            links.c.object_type == "event",
        ),
        ["event", "series"],
    )
    crimes = pd.concat(
        [
            confirmed,
            pd.DataFrame({"event": confirmed["series"].unique(), "series": confirmed["series"].unique()}),
        ]
    )
    on = crimes.merge(offences.rename(columns={"item": "event"}), on="event").merge(
        people[["record", "node", "confidence"]], on="record"
    )
    return _pairs(
        on.assign(item=on["series"], first=on["time"], last=on["time"], evidence="series " + on["series"]),
        "same_series",
        left_out,
    )


def in_period(edges: pd.DataFrame, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    """Edges whose evidence falls in [since, until); undated evidence counts in every period."""
    keep = pd.Series(True, index=edges.index)
    if since is not None:
        keep &= edges["last_seen"].isna() | (edges["last_seen"] >= _instant(since))
    if until is not None:
        keep &= edges["first_seen"].isna() | (edges["first_seen"] < _instant(until))
    return edges[keep]


def _instant(moment: datetime) -> pd.Timestamp:
    """A date given without a zone (a command-line date) is read as UTC."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
