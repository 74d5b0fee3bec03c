"""Writing the search index: a full rebuild, and the incremental update as records arrive.

Four parts, kept in step:
- ``search_records``: one row per record in canonical form (``peelian.search.docs``);
- ``search_keys``: the record's exact-match keys, hashed (``peelian.search.keys``);
- ``search_terms``: distinct names, registrations, phone numbers and postcodes; names with their
  one-letter deletions in ``search_term_keys`` (typos), the rest under a trigram index (partials);
- a word index over each record's free text.
The trigram and word indexes are FTS5 tables on SQLite (rowids: term ids and record rids) and GIN
indexes on PostgreSQL (pg_trgm, tsvector), created by migration 0011.

A rebuild drops the key indexes, loads everything, and builds them once; the ingest writer calls
``refresh`` inside its own transaction with the ids it wrote, so the index never lags the store.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from peelian.db.bulk import bulk_ops
from peelian.db.schema import search_keys, search_records, search_term_keys, search_terms
from peelian.search import docs, keys

KINDS = ("person", "object", "place", "event")
PG_TEXT = "to_tsvector('simple'::regconfig, coalesce(text, ''))"  # migration 0011's index expression
_RECORD_COLUMNS = ["rid", *docs.COLUMNS]
_INDEXES = (("ix_search_keys_key", "search_keys", "key, rid"), ("ix_search_term_keys_key", "search_term_keys",
            "key, term_id"))  # fmt: skip


def _wire(frame: pd.DataFrame, columns: list[str], dialect: str) -> list[tuple]:
    out = frame[columns].astype(object)
    if "seen_at" in columns:
        suffix = "+00" if dialect == "postgresql" else ""
        out["seen_at"] = [
            None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f") + suffix
            for moment in map(_aware, out["seen_at"])
        ]
        out = out.astype(object)
    return list(out.where(out.notna(), None).itertuples(index=False, name=None))


def _key_rows(frame: pd.DataFrame) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    for rid, doc in zip(frame["rid"].tolist(), frame.to_dict("records"), strict=True):
        rows.extend((k, rid) for k in keys.hashed(keys.record_keys(doc)))
    return rows


def _terms(frame: pd.DataFrame) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for doc in frame.to_dict("records"):
        found |= keys.record_terms(doc)
    return found


def _add_terms(conn: Connection, terms: set[tuple[str, str]]) -> None:
    """Store the terms not yet known, with their deletion keys or trigram rows."""
    if not terms:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(search_terms)
        .on_conflict_do_nothing(index_elements=["field", "term"])
        .returning(search_terms.c.id, search_terms.c.field, search_terms.c.term)
    )
    rows = conn.execute(statement, [{"field": f, "term": t} for f, t in sorted(terms)]).all()
    if not rows:
        return
    deletion_rows = [
        (k, term_id)
        for term_id, field, term in rows
        if field == "name"
        for k in keys.hashed(keys.deletions(term))
    ]
    bulk_ops(conn).insert(search_term_keys, ["key", "term_id"], deletion_rows)
    if conn.dialect.name == "sqlite":
        trigram = [(i, term) for i, field, term in rows if field != "name"]
        conn.connection.driver_connection.executemany(
            "INSERT INTO search_fts_terms (rowid, term) VALUES (?, ?)", trigram
        )


def _add_text(conn: Connection, frame: pd.DataFrame) -> None:
    """SQLite's word index (PostgreSQL's is an expression index on the table itself)."""
    if conn.dialect.name != "sqlite":
        return
    written = frame[frame["text"].notna()]
    conn.connection.driver_connection.executemany(
        "INSERT INTO search_fts_text (rowid, text) VALUES (?, ?)",
        list(zip(written["rid"].tolist(), written["text"].tolist(), strict=True)),
    )


def _forget(conn: Connection, old: pd.DataFrame) -> None:
    """Delete exactly the keys and words the stored rows gave (the rows themselves stay)."""
    pairs = [{"k": k, "r": r} for k, r in _key_rows(old)]
    if pairs:
        conn.execute(delete(search_keys).where(search_keys.c.key == bindparam("k"),
                                               search_keys.c.rid == bindparam("r")), pairs)  # fmt: skip
    if conn.dialect.name == "sqlite":
        written = old[old["text"].notna()]
        conn.connection.driver_connection.executemany(
            "INSERT INTO search_fts_text (search_fts_text, rowid, text) VALUES ('delete', ?, ?)",
            list(zip(written["rid"].tolist(), written["text"].tolist(), strict=True)),
        )


def refresh(conn: Connection, kind: str, ids: Iterable[str]) -> int:
    """Index (again) the records ``ids`` of ``kind`` inside the caller's transaction; a record no
    longer in the store, or no longer searchable, is dropped. Returns how many were written."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    written = 0
    for start in range(0, len(wanted), 5_000):
        part = wanted[start : start + 5_000]
        fresh = pd.concat(list(docs.read(conn, kind, part)) or [pd.DataFrame(columns=list(docs.COLUMNS))])
        old = _stored(conn, part)
        if not old.empty:
            _forget(conn, old)
            conn.execute(delete(search_records).where(search_records.c.rid.in_(old["rid"].tolist())))
        if fresh.empty:
            continue
        fresh = fresh.reset_index(drop=True)
        params = fresh[list(docs.COLUMNS)].to_dict("records")
        for row in params:  # the table's type wants aware datetimes
            row["seen_at"] = _aware(row["seen_at"])
        returned = conn.execute(
            search_records.insert().returning(search_records.c.rid, search_records.c.record_id), params
        ).all()
        fresh["rid"] = fresh["record_id"].map(dict((r.record_id, r.rid) for r in returned))
        _write(conn, fresh, records=False)
        written += len(fresh)
    return written


def _aware(value) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    moment = pd.Timestamp(value)
    return (moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")).to_pydatetime()


def _stored(conn: Connection, record_ids: list[str]) -> pd.DataFrame:
    result = conn.execute(select(search_records).where(search_records.c.record_id.in_(record_ids)))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _write(conn: Connection, frame: pd.DataFrame, records: bool = True) -> None:
    """Keys, terms and words of ``frame`` (with rids); its records too unless already inserted."""
    ops = bulk_ops(conn)
    if records:
        ops.insert(search_records, _RECORD_COLUMNS, _wire(frame, _RECORD_COLUMNS, ops.dialect))
    ops.insert(search_keys, ["key", "rid"], _key_rows(frame))
    _add_terms(conn, _terms(frame))
    _add_text(conn, frame)


def rebuild(engine: Engine, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Index every record from scratch. The key indexes are dropped while rows load and built once
    at the end (one sort instead of millions of B-tree inserts). Returns counts by kind."""
    counts = {kind: 0 for kind in KINDS}
    with engine.begin() as conn:
        for table in (search_keys, search_term_keys, search_records, search_terms):
            conn.execute(delete(table))
        if conn.dialect.name == "sqlite":
            for name in ("search_fts_terms", "search_fts_text"):
                conn.execute(text(f"INSERT INTO {name} ({name}) VALUES ('delete-all')"))
        else:
            conn.execute(text("DROP INDEX IF EXISTS ix_search_fts_text"))
        for name, _, _ in _INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    rid = 1
    for kind in KINDS:
        with engine.begin() as conn:
            for frame in docs.read(conn, kind):
                frame = frame.reset_index(drop=True)
                frame["rid"] = range(rid, rid + len(frame))
                rid += len(frame)
                _write(conn, frame)
                counts[kind] += len(frame)
                if progress:
                    progress(kind, len(frame))
    with engine.begin() as conn:
        for name, table, columns in _INDEXES:
            conn.execute(text(f"CREATE INDEX {name} ON {table} ({columns})"))
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"CREATE INDEX ix_search_fts_text ON search_records USING gin ({PG_TEXT})"))
            conn.execute(text("SELECT setval(pg_get_serial_sequence('search_records', 'rid'), "
                              "greatest(1, (SELECT max(rid) FROM search_records)))"))  # fmt: skip
            conn.execute(text("ANALYZE search_records; ANALYZE search_keys; ANALYZE search_term_keys; "
                              "ANALYZE search_terms"))  # fmt: skip
        else:
            conn.execute(text("ANALYZE"))
    return counts
