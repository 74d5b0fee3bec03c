"""The subject profile: everything held on one entity, assembled from every source.

An entity is a resolved person, vehicle or place (``pp_``, ``pv_``, ``pa_``), or a single record
no entity holds yet (``pe_``, ``ob_``, ``lo_``; a record that does belong to one answers with its
entity). Each fact keeps the source system and record it came from. Associates are the people on
the same events (co-occurrence), with the shared events as evidence; the resolution evidence is
every scored pair between the entity's records, with the history of merges and splits.
Each read is a handful of indexed look-ups, so a profile assembles in milliseconds.
"""

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, select

from peelian.db.schema import (
    events,
    links,
    objects,
    persons,
    resolve_entities,
    resolve_history,
    resolve_members,
    resolve_pairs,
)
from peelian.errors import NotFound
from peelian.resolve import normalise
from peelian.resolve.records import split_full_name

ENTITY_PREFIX = {"pp": "person", "pv": "vehicle", "pa": "address"}
RECORD_PREFIX = {"pe": "person", "ob": "vehicle"}
MAX_RECORDS, MAX_EVENTS, MAX_PAIRS = 500, 2_000, 500


def _attrs(value: Any) -> dict:
    value = json.loads(value) if isinstance(value, str) else value
    return value if isinstance(value, dict) else {}


def _in(conn: Connection, statement, column, values: list) -> list:
    rows: list = []
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), 900):
        rows.extend(conn.execute(statement.where(column.in_(values[start : start + 900]))))
    return rows


def _members(conn: Connection, entity_id: str) -> tuple[dict[str, Any], list[str]]:
    """The entity row (followed through merges) and its member record ids."""
    prefix = entity_id[:2]
    if prefix in RECORD_PREFIX:
        kind = RECORD_PREFIX[prefix]
        owner = conn.execute(
            select(resolve_members.c.entity_id).where(
                resolve_members.c.entity_type == kind, resolve_members.c.record_id == entity_id
            )
        ).scalar()
        if owner is None:
            return {"id": entity_id, "entity_type": kind, "resolved": False, "size": 1, "weak_links": 0}, [
                entity_id
            ]
        entity_id = owner
    row = conn.execute(select(resolve_entities).where(resolve_entities.c.id == entity_id)).first()
    if row is None:
        raise NotFound(f"no entity or record {entity_id!r}")
    target = row.retired_into or row.id
    if target != row.id:
        row = conn.execute(select(resolve_entities).where(resolve_entities.c.id == target)).first()
    members = list(
        conn.execute(
            select(resolve_members.c.record_id)
            .where(resolve_members.c.entity_id == target)
            .limit(MAX_RECORDS)
        ).scalars()
    )
    asked = entity_id if entity_id != row.id else None
    entity = {"id": row.id, "entity_type": row.entity_type, "resolved": True, "size": row.size,
              "weak_links": row.weak_links, "asked_for": asked}  # fmt: skip
    return entity, members


def _person_records(conn: Connection, ids: list[str]) -> list[dict]:
    out = []
    for r in _in(conn, select(persons), persons.c.id, ids):
        forename, surname = r.forename, r.surname
        if not forename and not surname:
            forename, surname = split_full_name(r.full_name)
        attrs = _attrs(r.attributes)
        out.append({
            "record_id": r.id, "source_system": r.source_system, "natural_key": r.natural_key,
            "forename": forename, "surname": surname,
            "dob": r.dob.isoformat() if r.dob else attrs.get("dob_partial"),
            "gender": r.gender, "ethnicity": r.ethnicity, "attributes": attrs,
        })  # fmt: skip
    return sorted(out, key=lambda r: (r["source_system"], r["natural_key"]))


def _identities(records: list[dict]) -> list[dict]:
    """Each distinct (name, date of birth) with the sources that hold it, most held first."""
    groups: dict[tuple, dict] = {}
    for r in records:
        name = " ".join(
            p for p in (normalise.name(r["forename"]) or "", normalise.name(r["surname"]) or "") if p
        )
        key = (name, r["dob"] or "")
        group = groups.setdefault(
            key, {"name": name or "(no name)", "dob": r["dob"], "sources": [], "records": []}
        )
        group["sources"].append(r["source_system"])
        group["records"].append(r["record_id"])
    return sorted(groups.values(), key=lambda g: (-len(g["records"]), g["name"]))


def _facts(records: list[dict]) -> dict[str, list[dict]]:
    """Aliases, addresses, phones, emails, PNC ids and warning markers, each with its sources."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)

    def note(kind: str, value: Any, record: dict) -> None:
        if value in (None, ""):
            return
        entry = found[kind].setdefault(str(value), {"value": str(value), "sources": [], "records": []})
        entry["sources"].append(record["source_system"])
        entry["records"].append(record["record_id"])

    for r in records:
        a = r["attributes"]
        address = ", ".join(str(a[k]) for k in ("address", "town") if a.get(k))
        note(
            "addresses",
            " ".join(filter(None, [address, normalise.postcode(a.get("postcode")) or a.get("postcode")])),
            r,
        )
        note("phones", normalise.phone(a.get("phone")) or a.get("phone"), r)
        note("emails", normalise.email(a.get("email")), r)
        note("pnc_ids", a.get("pnc_id"), r)
        for kind, key in (("aliases", "aliases"), ("warnings", "warnings"), ("warnings", "warning_markers")):
            for value in str(a.get(key) or "").split(";"):
                note(kind, value.strip().upper() if kind == "warnings" else value.strip(), r)
    return {k: sorted(v.values(), key=lambda e: -len(e["records"])) for k, v in found.items()}


def _event_rows(conn: Connection, ids: list[str]) -> dict[str, Any]:
    return {r.id: r for r in _in(conn, select(events), events.c.id, ids)}


def _timeline(conn: Connection, own: list) -> tuple[list[dict], dict[str, list], dict[str, Any]]:
    """Events the member records' own links name, newest first; and every link to those events."""
    roles: dict[str, list[str]] = defaultdict(list)
    for link in own:
        if link.object_type == "event":
            roles[link.object_id].append(link.role)
    event_ids = list(roles)[:MAX_EVENTS]
    rows = _event_rows(conn, event_ids)
    on_events: dict[str, list] = defaultdict(list)
    for link in _in(conn, select(links), links.c.object_id, event_ids):
        on_events[link.object_id].append(link)
    timeline = []
    for event_id, row in rows.items():
        attrs = _attrs(row.attributes)
        text = "; ".join(str(attrs[k]) for k in ("mo", "notes", "description", "narrative") if attrs.get(k))
        timeline.append({
            "event_id": event_id, "time_from": row.time_from, "time_to": row.time_to,
            "time_precision": row.time_precision, "event_type": row.event_type, "category": row.category,
            "subcategory": row.subcategory, "roles": sorted(set(roles[event_id])),
            "source_system": row.source_system,
            "reference": row.natural_key, "location_text": row.location_text, "lon": row.lon, "lat": row.lat,
            "area_code": row.area_code, "outcome": row.outcome, "text": text or None,
        })  # fmt: skip
    timeline.sort(key=lambda e: e["time_from"], reverse=True)
    return timeline, on_events, rows


def _owners(conn: Connection, kind: str, record_ids: list[str]) -> dict[str, str]:
    statement = select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
        resolve_members.c.entity_type == kind
    )
    return {r.record_id: r.entity_id for r in _in(conn, statement, resolve_members.c.record_id, record_ids)}


def _associates(conn: Connection, members: set[str], on_events: dict[str, list], rows: dict) -> list[dict]:
    """People on the same events, grouped by resolved entity, with the shared events as evidence."""
    ours = {
        e: sorted({link.role for link in ls if link.subject_id in members}) for e, ls in on_events.items()
    }
    others = [(e, link) for e, ls in on_events.items() for link in ls
              if link.subject_type == "person" and link.subject_id not in members]  # fmt: skip
    if not others:
        return []
    owners = _owners(conn, "person", [link.subject_id for _, link in others])
    people = {
        r.id: r for r in _in(conn, select(persons), persons.c.id, [link.subject_id for _, link in others])
    }
    grouped: dict[str, dict] = {}
    for event_id, link in others:
        key = owners.get(link.subject_id, link.subject_id)
        person = people.get(link.subject_id)
        name = _name(person) if person else link.subject_id
        entry = grouped.setdefault(key, {"entity_id": key, "resolved": key in owners.values(), "label": name,
                                         "evidence": [], "records": set()})  # fmt: skip
        entry["records"].add(link.subject_id)
        event = rows.get(event_id)
        entry["evidence"].append({
            "event_id": event_id, "when": event.time_from if event else None,
            "category": event.category if event else None, "their_role": link.role,
            "our_roles": ours.get(event_id, []), "source_system": link.source_system,
        })  # fmt: skip
    out = []
    for entry in grouped.values():
        entry["shared_events"] = len({e["event_id"] for e in entry["evidence"]})
        entry["records"] = sorted(entry["records"])
        out.append(entry)
    return sorted(out, key=lambda a: (-a["shared_events"], a["label"]))


def _name(person) -> str:
    forename, surname = person.forename, person.surname
    if not forename and not surname:
        forename, surname = split_full_name(person.full_name)
    return ", ".join(p for p in ((surname or "").upper(), (forename or "").title()) if p) or person.id


def _vehicles(conn: Connection, own: list, on_events: dict[str, list]) -> list[dict]:
    """Vehicles the person owns (their own records say so) or that were used in their events."""
    how: dict[str, set[str]] = defaultdict(set)
    for link in own:
        if link.object_type == "object":
            how[link.object_id].add(link.role)
    for event_links in on_events.values():
        for link in event_links:
            if link.subject_type == "object":
                how[link.subject_id].add(f"{link.role} (event)")
    if not how:
        return []
    owners = _owners(conn, "vehicle", list(how))
    out = []
    for r in _in(conn, select(objects), objects.c.id, list(how)):
        out.append({
            "record_id": r.id, "entity_id": owners.get(r.id), "kind": r.kind,
            "identifier": normalise.plate(r.identifier) if r.kind == "vehicle" else r.identifier,
            "make": r.make, "model": r.model, "colour": r.colour, "how": sorted(how[r.id]),
            "source_system": r.source_system,
        })  # fmt: skip
    return sorted(out, key=lambda v: (v["kind"], v["identifier"] or ""))


def _places(timeline: list[dict]) -> list[dict]:
    """Points for the map: where their events happened (home addresses have no coordinates)."""
    return [
        {"lon": e["lon"], "lat": e["lat"], "label": f"{e['category']} ({e['event_type']})",
         "when": e["time_from"], "location": e["location_text"], "event_id": e["event_id"]}
        for e in timeline if e["lon"] is not None and e["lat"] is not None
    ]  # fmt: skip


def _resolution(conn: Connection, entity: dict, members: list[str]) -> dict[str, Any]:
    if not entity["resolved"]:
        return {"pairs": [], "history": [], "note": "this record is not yet part of a resolved entity"}
    pairs = []
    if len(members) <= MAX_PAIRS:
        statement = (
            select(resolve_pairs)
            .where(resolve_pairs.c.entity_type == entity["entity_type"],
                   resolve_pairs.c.record_l.in_(members), resolve_pairs.c.record_r.in_(members))
            .order_by(resolve_pairs.c.probability.desc())
        )  # fmt: skip
        pairs = [{k: v for k, v in p._mapping.items() if k != "entity_type"} for p in conn.execute(statement)]
    history = [
        dict(h._mapping)
        for h in conn.execute(
            select(resolve_history)
            .where(resolve_history.c.entity_id == entity["id"])
            .order_by(resolve_history.c.id)
        )
    ]
    return {"pairs": pairs, "history": history}


def assemble(engine: Engine, entity_id: str) -> dict[str, Any]:
    """The profile document of one entity (or unresolved record)."""
    if not isinstance(entity_id, str) or entity_id[:2] not in {**ENTITY_PREFIX, **RECORD_PREFIX}:
        raise NotFound(f"no entity or record {str(entity_id)[:60]!r}")
    with engine.connect() as conn:
        entity, members = _members(conn, entity_id)
        records = _person_records(conn, members) if entity["entity_type"] == "person" else []
        own = _in(conn, select(links), links.c.subject_id, members)  # links the records themselves assert
        timeline, on_events, rows = _timeline(conn, own)
        facts = _facts(records)
        profile = {
            "entity": entity,
            "records": records,
            "identities": _identities(records),
            "facts": facts,
            "warnings": facts.get("warnings", []),
            "timeline": timeline,
            "associates": _associates(conn, set(members), on_events, rows)
            if entity["entity_type"] == "person"
            else [],
            "vehicles": _vehicles(conn, own, on_events),
            "places": _places(timeline),
            "harm": None,  # filled by the harm module once it exists; absent, not zero
            "resolution": _resolution(conn, entity, members),
        }
    profile["summary"] = _summary(profile)
    return profile


def _summary(profile: dict) -> dict[str, Any]:
    sources: dict[str, int] = defaultdict(int)
    for r in profile["records"]:
        sources[r["source_system"]] += 1
    times = [e["time_from"] for e in profile["timeline"]]
    top = profile["identities"][0] if profile["identities"] else None
    label = (
        f"{top['name']}" + (f" (b. {top['dob']})" if top and top["dob"] else "")
        if top
        else profile["entity"]["id"]
    )
    if not top and profile["vehicles"]:
        label = profile["vehicles"][0]["identifier"] or label
    return {
        "label": label, "sources": dict(sources),
        "records": len(profile["records"]) or profile["entity"]["size"],
        "events": len(profile["timeline"]), "first_seen": min(times) if times else None,
        "last_seen": max(times) if times else None,
    }  # fmt: skip


def geojson(profile: dict) -> dict[str, Any]:
    """The profile's places as GeoJSON points, for the page's map."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
         "properties": {"label": p["label"], "when": p["when"].strftime("%Y-%m-%d"),
                        "location": p["location"]}}
        for p in profile["places"]
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def record_ids(profile: dict) -> list[str]:
    """What a profile read shows, for the audit entry."""
    return [r["record_id"] for r in profile["records"]] or [profile["entity"]["id"]]
