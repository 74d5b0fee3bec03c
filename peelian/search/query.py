"""Answering a query: candidate records by key, scored, rolled up to resolved entities.

1. Names are widened first: nicknames (shipped list), and stored names within two edits of a typed
   word (their one-letter deletions meet in ``search_term_keys``). Partial registrations, phone
   numbers and postcodes find the stored ones containing them through the trigram index.
2. Each way a record could agree becomes a key; each key is one index probe, capped, so a common
   surname cannot crowd out a rare exact date of birth.
3. Free words also go to the word index (addresses, MO, notes); references also find events by id.
4. Candidates are scored (``peelian.search.score``) and grouped by resolved entity: one row per
   person, vehicle or place, with how many records from which systems, and the reasons of its best.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import jellyfish
import pandas as pd
from sqlalchemy import Connection, Engine, func, select, text

from peelian.db.schema import events, ingest_runs, resolve_members, search_records, search_terms
from peelian.pole.ids import entity_ids
from peelian.resolve import normalise
from peelian.search import docs, keys, score
from peelian.search.parse import Query, parse

TYPES = ("person", "vehicle", "phone", "object", "place", "event")
ENTITY_TYPE = {"person": "person", "vehicle": "vehicle", "place": "address"}  # resolve's entity types
NARROW, BROAD = 400, 150  # records one key may bring: exact keys, and keys as wide as a surname
TEXT_CAP, TERM_CAP, TYPO_CAP = 300, 40, 8


@dataclass(frozen=True)
class Filters:
    source_systems: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    area_code: str | None = None

    def apply(self, statement):
        if self.source_systems:
            statement = statement.where(search_records.c.source_system.in_(self.source_systems))
        if self.types:
            statement = statement.where(search_records.c.record_type.in_(self.types))
        if self.date_from:
            start = datetime.combine(self.date_from, time(), tzinfo=UTC)
            statement = statement.where(search_records.c.seen_at >= start)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), tzinfo=UTC)
            statement = statement.where(search_records.c.seen_at < end)
        if self.area_code:
            statement = statement.where(search_records.c.area_code == self.area_code)
        return statement


@dataclass
class Result:
    """One row of the answer: an entity (or a record no entity holds yet)."""

    entity_id: str
    entity_type: str
    resolved: bool
    label: str
    score: float
    reasons: list[str]
    matched: list[str]  # record ids that answered the query
    sources: dict[str, int] = field(default_factory=dict)  # every record of the entity, by system

    @property
    def records(self) -> int:
        return sum(self.sources.values()) or len(self.matched)


def _typos(conn: Connection, words: list[str]) -> dict[str, list[str]]:
    """Stored name terms within two edits of each typed word (one for short words), nearest first."""
    wanted = {w for w in words if len(w) >= 3}
    if not wanted:
        return {}
    probes = {w: keys.deletions(w) for w in wanted}
    hashes = sorted({h for d in probes.values() for h in keys.hashed(d)})
    found = conn.execute(
        text(
            "SELECT DISTINCT t.term FROM search_term_keys k JOIN search_terms t ON t.id = k.term_id "
            "WHERE k.key IN (" + ",".join(str(h) for h in hashes) + ") AND t.field = 'name'"
        )
    ).scalars()
    terms = list(found)
    out = {}
    for word in wanted:
        limit = 1 if len(word) < 6 else 2
        near = [(jellyfish.damerau_levenshtein_distance(word, t), t) for t in terms if t != word]
        out[word] = [t for d, t in sorted(near) if d <= limit][:TYPO_CAP]
    return out


def _partials(conn: Connection, codes: list[str]) -> list[str]:
    """Keys of stored registrations, phone numbers and postcodes that contain a typed code."""
    found: list[str] = []
    for code in codes:
        wanted = {"vrm": normalise.plate_skeleton(code), "postcode": code}
        if code.isdigit():
            wanted = {"phone": code}
        for field_name, part in wanted.items():
            if len(part) < 3:
                continue
            if conn.dialect.name == "sqlite":
                query = text(
                    "SELECT t.term FROM search_fts_terms f JOIN search_terms t ON t.id = f.rowid "
                    "WHERE search_fts_terms MATCH :match AND t.field = :field LIMIT :cap"
                ).bindparams(match=f'"{part}"', field=field_name, cap=TERM_CAP)
            else:
                query = (
                    select(search_terms.c.term)
                    .where(
                        search_terms.c.field == field_name,
                        search_terms.c.term.contains(part, autoescape=True),
                    )
                    .limit(TERM_CAP)
                )
            prefix = {"vrm": "vrm|", "postcode": "pc|", "phone": "tel|"}[field_name]
            found.extend(prefix + t for t in conn.execute(query).scalars())
    return found


def probe_keys(query: Query, typos: dict[str, list[str]]) -> tuple[set[str], set[str]]:
    """(narrow keys, broad keys) for a parsed query."""
    narrow: set[str] = set()
    broad: set[str] = set()
    dobs = []
    if query.dob and query.dob.day:
        dobs = [d.iso().replace("-", "") for d in (query.dob, query.dob.swapped()) if d]
    names = query.names
    orientations = [(names[0], names[-1]), (names[-1], names[0])] if len(names) >= 2 else []
    for typed_f, typed_s in orientations:
        forenames = {typed_f, *normalise.forename_variants(typed_f), *typos.get(typed_f, [])}
        for surname in {typed_s, *typos.get(typed_s, [])}:
            for part in keys.surname_parts(surname):
                ps = keys.sound(part)
                for forename in forenames:
                    narrow.add(f"fs|{keys.sound(forename)}|{ps}")
                narrow.add(f"fs|{typed_f[0]}|{ps}")
                narrow.update(f"sd|{ps}|{d}" for d in dobs)
                if query.dob and not query.dob.day:
                    broad.add(f"sy|{ps}|{query.dob.year}")
        for forename in forenames:
            narrow.update(f"fd|{keys.sound(forename)}|{d}" for d in dobs)
    if len(names) == 1:
        for surname in {names[0], *typos.get(names[0], [])}:
            for part in keys.surname_parts(surname):
                ps = keys.sound(part)
                narrow.update(f"sd|{ps}|{d}" for d in dobs)
                if query.dob and not query.dob.day:
                    narrow.add(f"sy|{ps}|{query.dob.year}")
                broad.add(f"s|{ps}")
    if not names:
        narrow.update(f"d|{d}" for d in dobs)
    narrow.update("pc|" + p.replace(" ", "") for p in query.postcodes)
    narrow.update("tel|" + p for p in query.phones)
    narrow.update("vrm|" + normalise.plate_skeleton(p) for p in query.plates)
    narrow.update("ref|" + r for r in [*query.refs, *query.codes])
    return narrow, broad


def _probe(conn: Connection, wanted: list[str], cap: int) -> set[int]:
    """Records under each key, at most ``cap`` a key, in one statement."""
    if not wanted:
        return set()
    parts = [f"SELECT rid FROM (SELECT rid FROM search_keys WHERE key = {h} LIMIT {cap}) AS k{i}"
             for i, h in enumerate(keys.hashed(wanted))]  # fmt: skip
    rids: set[int] = set()
    for start in range(0, len(parts), 200):
        rids.update(conn.execute(text(" UNION ALL ".join(parts[start : start + 200]))).scalars())
    return rids


def _text(conn: Connection, words: list[str]) -> set[int]:
    words = [w for w in words if w.isalpha() and len(w) > 1]
    if not words:
        return set()
    if conn.dialect.name == "sqlite":
        query = text("SELECT rowid FROM search_fts_text WHERE search_fts_text MATCH :m LIMIT :cap")
        match = " ".join(f'"{w}"' for w in words)
        return set(conn.execute(query.bindparams(m=match, cap=TEXT_CAP)).scalars())
    query = text(
        "SELECT rid FROM search_records WHERE to_tsvector('simple'::regconfig, coalesce(text, '')) "
        "@@ to_tsquery('simple'::regconfig, :q) LIMIT :cap"
    )
    return set(conn.execute(query.bindparams(q=" & ".join(w.lower() for w in words), cap=TEXT_CAP)).scalars())


def _event_refs(conn: Connection, refs: list[str], filters: Filters) -> list[dict]:
    """Events named by reference, found by id (ids are hashes of system and reference), so an event
    with no free text needs no index row of its own."""
    if not refs or (filters.types and "event" not in filters.types):
        return []
    systems = list(conn.execute(select(ingest_runs.c.source_system).distinct()).scalars())
    if filters.source_systems:
        systems = [s for s in systems if s in filters.source_systems]
    wanted = {i for s in systems for i in entity_ids("event", s, [*refs, *(r.lower() for r in refs)])}
    if not wanted:
        return []
    result = conn.execute(select(*docs.EVENT_COLUMNS).where(events.c.id.in_(sorted(wanted))))
    rows = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return [] if rows.empty else docs.events_docs(rows).to_dict("records")


def _records(conn: Connection, rids: set[int], filters: Filters) -> list[dict]:
    out: list[dict] = []
    ordered = sorted(rids)
    for start in range(0, len(ordered), 900):
        statement = filters.apply(
            select(search_records).where(search_records.c.rid.in_(ordered[start : start + 900]))
        )
        out.extend(dict(r._mapping) for r in conn.execute(statement))
    return out


def _entities(conn: Connection, found: list[tuple[dict, score.Match]]) -> dict[tuple[str, str], str]:
    """(record type, record id) -> resolved entity id, for the records that have one."""
    out: dict[tuple[str, str], str] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for doc, _ in found:
        if doc["record_type"] in ENTITY_TYPE:
            by_type[doc["record_type"]].append(doc["record_id"])
    for record_type, ids in by_type.items():
        for start in range(0, len(ids), 900):
            statement = select(resolve_members.c.record_id, resolve_members.c.entity_id).where(
                resolve_members.c.entity_type == ENTITY_TYPE[record_type],
                resolve_members.c.record_id.in_(ids[start : start + 900]),
            )
            out.update(((record_type, r.record_id), r.entity_id) for r in conn.execute(statement))
    return out


def _sources(conn: Connection, results: list[Result]) -> None:
    """Every record of each resolved entity shown, counted by source system."""
    resolved = [r for r in results if r.resolved]
    if not resolved:
        return
    by_id = {r.entity_id: r for r in resolved}
    statement = (
        select(resolve_members.c.entity_id, search_records.c.source_system, func.count())
        .join(search_records, search_records.c.record_id == resolve_members.c.record_id)
        .where(resolve_members.c.entity_id.in_(list(by_id)))
        .group_by(resolve_members.c.entity_id, search_records.c.source_system)
    )
    for entity_id, system, count in conn.execute(statement):
        by_id[entity_id].sources[system] = by_id[entity_id].sources.get(system, 0) + count


def _roll_up(found: list[tuple[dict, score.Match]], owners: dict[tuple[str, str], str]) -> list[Result]:
    groups: dict[str, Result] = {}
    for doc, match in sorted(found, key=lambda f: -f[1].score):
        owner = owners.get((doc["record_type"], doc["record_id"]))
        group = owner or doc["record_id"]
        if group in groups:
            groups[group].matched.append(doc["record_id"])
            continue
        groups[group] = Result(
            entity_id=group, entity_type=ENTITY_TYPE.get(doc["record_type"], doc["record_type"]),
            resolved=owner is not None, label=doc["label"], score=round(match.score, 2),
            reasons=match.reasons, matched=[doc["record_id"]],
        )  # fmt: skip
        if owner is None:
            groups[group].sources = {doc["source_system"]: 1}
    for result in groups.values():  # more records agreeing: a small lift, never past a better match
        result.score = round(result.score + 0.05 * min(len(result.matched) - 1, 10), 2)
    return sorted(groups.values(), key=lambda r: (-r.score, -len(r.matched), r.label))


def run(
    conn: Connection, query: Query, filters: Filters = Filters(), limit: int = 20
) -> tuple[list[Result], int]:
    """(the best ``limit`` results, how many entities answered) for a parsed query."""
    if query.empty:
        return [], 0
    typos = _typos(conn, query.names)
    narrow, broad = probe_keys(query, typos)
    partial = _partials(conn, query.codes)
    rids = _probe(conn, sorted(narrow | set(partial)), NARROW) | _probe(conn, sorted(broad), BROAD)
    if query.names:
        rids |= _text(conn, query.names)
    candidates = _records(conn, rids, filters)
    seen = {d["record_id"] for d in candidates}
    candidates += [
        d for d in _event_refs(conn, [*query.refs, *query.codes], filters) if d["record_id"] not in seen
    ]
    found = [(doc, m) for doc in candidates if (m := score.score(query, doc)).score > 0]
    results = _roll_up(found, _entities(conn, found))
    shown = results[:limit]
    _sources(conn, shown)
    return shown, len(results)


def search(engine: Engine, text_query: str, filters: Filters = Filters(), limit: int = 20) -> dict[str, Any]:
    """The answer to a query typed into the search box, as a plain document."""
    query = parse(text_query)
    with engine.connect() as conn:
        results, total = run(conn, query, filters, limit)
    return {
        "query": query.text,
        "understood": {k: v for k, v in _understood(query).items() if v},
        "total": total,
        "results": [dict(r.__dict__, records=r.records) for r in results],
    }


def _understood(query: Query) -> dict[str, Any]:
    return {
        "names": query.names, "dob": query.dob.iso() if query.dob else None, "postcodes": query.postcodes,
        "phones": query.phones, "registrations": query.plates, "references": query.refs, "codes": query.codes,
    }  # fmt: skip
