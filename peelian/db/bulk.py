"""Bulk write paths per backend: executemany on SQLite, COPY on PostgreSQL.

The ORM's per-row path manages a few thousand rows a second; ingest needs a hundred thousand.
Both classes work on the DBAPI connection underneath an open SQLAlchemy transaction, so the
caller's ``engine.begin()`` block stays the one unit of commit or rollback.
Values arrive already in wire form: datetimes as ISO text (see ``wire_datetimes``), JSON as text.
"""

import json
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Connection, Table

Rows = Sequence[tuple[Any, ...]]


class BulkOps(Protocol):
    dialect: str

    def insert(self, table: Table, columns: Sequence[str], rows: Rows) -> None: ...

    def insert_ignore(
        self, table: Table, columns: Sequence[str], rows: Rows, conflict: Sequence[str]
    ) -> None: ...

    def upsert(self, table: Table, columns: Sequence[str], rows: Rows, conflict: Sequence[str]) -> None: ...

    def lookup(
        self,
        table: Table,
        key_column: str,
        keys: Sequence[str],
        fixed: dict[str, Any],
        columns: Sequence[str],
    ) -> list[tuple]: ...

    def delete_in(self, table: Table, column: str, values: Sequence[str], fixed: dict[str, Any]) -> None: ...


def wire_datetimes(values: np.ndarray, dialect: str) -> list[str | None]:
    """UTC datetime64 values as the text each backend stores (SQLite compares it as text).

    Each distinct value is formatted once: a chunk holds few (police.uk: one month per file).
    """
    distinct, inverse = np.unique(values.astype("datetime64[us]"), return_inverse=True)
    suffix = "+00" if dialect == "postgresql" else ""
    text = [
        None if t == "NaT" else t.replace("T", " ") + suffix
        for t in np.datetime_as_string(distinct, unit="us").tolist()
    ]
    return [text[i] for i in inverse.ravel().tolist()]


def bulk_ops(conn: Connection) -> BulkOps:
    name = conn.dialect.name
    raw = conn.connection.driver_connection
    if name == "sqlite":
        return SQLiteBulk(raw)
    if name == "postgresql":
        return PostgresBulk(raw)
    raise ValueError(f"no bulk path for {name}")


def _where(fixed: dict[str, Any], alias: str, marker: str) -> tuple[str, list[Any]]:
    clauses = [f"{alias}.{col} = {marker}" for col in fixed]
    return (" AND " + " AND ".join(clauses)) if clauses else "", list(fixed.values())


class SQLiteBulk:
    dialect = "sqlite"

    def __init__(self, raw) -> None:
        self.raw = raw

    def _many(self, sql: str, rows: Rows) -> None:
        if rows:
            self.raw.executemany(sql, rows)

    def insert(self, table: Table, columns: Sequence[str], rows: Rows) -> None:
        marks = ",".join("?" * len(columns))
        self._many(f"INSERT INTO {table.name} ({','.join(columns)}) VALUES ({marks})", rows)

    def insert_ignore(self, table, columns, rows, conflict) -> None:
        marks = ",".join("?" * len(columns))
        self._many(
            f"INSERT INTO {table.name} ({','.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({','.join(conflict)}) DO NOTHING",
            rows,
        )

    def upsert(self, table, columns, rows, conflict) -> None:
        marks = ",".join("?" * len(columns))
        updates = ",".join(f"{c}=excluded.{c}" for c in columns if c not in conflict)
        self._many(
            f"INSERT INTO {table.name} ({','.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({','.join(conflict)}) DO UPDATE SET {updates}",
            rows,
        )

    def lookup(self, table, key_column, keys, fixed, columns) -> list[tuple]:
        if not keys:
            return []
        # Keys travel as one JSON array: a temp-table join let the planner scan the whole table
        # once per chunk (it has no statistics for the temp table), quadratic over a long run.
        where, params = _where(fixed, "t", "?")
        sql = (
            f"SELECT {','.join('t.' + c for c in columns)} FROM {table.name} t "
            f"WHERE t.{key_column} IN (SELECT value FROM json_each(?)){where}"
        )
        return self.raw.execute(sql, [_json_keys(keys), *params]).fetchall()

    def delete_in(self, table, column, values, fixed) -> None:
        if not values:
            return
        where, params = _where(fixed, table.name, "?")
        self.raw.execute(
            f"DELETE FROM {table.name} WHERE {column} IN (SELECT value FROM json_each(?)){where}",
            [_json_keys(values), *params],
        )


def _json_keys(keys: Sequence[str]) -> str:
    return json.dumps(list(keys), ensure_ascii=False)


class PostgresBulk:
    dialect = "postgresql"

    def __init__(self, raw) -> None:
        self.raw = raw

    def _copy(self, target: str, columns: Sequence[str], rows: Rows) -> None:
        with self.raw.cursor() as cur, cur.copy(f"COPY {target} ({','.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _staged(self, table: Table, columns: Sequence[str], rows: Rows) -> str:
        stage = f"_stage_{table.name}"
        with self.raw.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            cur.execute(f"TRUNCATE {stage}")
        self._copy(stage, columns, rows)
        return stage

    def insert(self, table, columns, rows) -> None:
        if rows:
            self._copy(table.name, columns, rows)

    def _merge(self, table, columns, rows, conflict, action: str) -> None:
        if not rows:
            return
        stage = self._staged(table, columns, rows)
        cols = ",".join(columns)
        # DISTINCT ON keeps one row per key: ON CONFLICT cannot touch a row twice in one statement.
        with self.raw.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table.name} ({cols}) SELECT DISTINCT ON ({','.join(conflict)}) {cols} "
                f"FROM {stage} ON CONFLICT ({','.join(conflict)}) {action}"
            )

    def insert_ignore(self, table, columns, rows, conflict) -> None:
        self._merge(table, columns, rows, conflict, "DO NOTHING")

    def upsert(self, table, columns, rows, conflict) -> None:
        updates = ",".join(f"{c}=excluded.{c}" for c in columns if c not in conflict)
        self._merge(table, columns, rows, conflict, f"DO UPDATE SET {updates}")

    def _load_keys(self, keys: Sequence[str]) -> None:
        with self.raw.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _bulk_keys (k text) ON COMMIT DELETE ROWS")
            cur.execute("TRUNCATE _bulk_keys")
        self._copy("_bulk_keys", ["k"], [(k,) for k in keys])

    def lookup(self, table, key_column, keys, fixed, columns) -> list[tuple]:
        if not keys:
            return []
        # This is always a key probe. During a bulk load the table has no fresh statistics, and
        # the planner, believing it tiny, would scan all of it for every chunk: forbid that here.
        # Keys go as one JSON text: psycopg adapts a Python list element by element, ~30% slower.
        where, params = _where(fixed, "t", "%s")
        with self.raw.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute(
                f"SELECT {','.join('t.' + c for c in columns)} FROM {table.name} t "
                f"WHERE t.{key_column} = ANY(ARRAY(SELECT json_array_elements_text(%s::json))){where}",
                [_json_keys(keys), *params],
            )
            found = cur.fetchall()
            cur.execute("SET LOCAL enable_seqscan = on")
            return found

    def delete_in(self, table, column, values, fixed) -> None:
        if not values:
            return
        self._load_keys(values)
        where, params = _where(fixed, table.name, "%s")
        with self.raw.cursor() as cur:
            cur.execute(
                f"DELETE FROM {table.name} WHERE {column} IN (SELECT k FROM _bulk_keys){where}", params
            )
