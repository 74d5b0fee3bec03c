"""Quarantine: rows we could not trust, kept whole with the reason, so nothing is lost."""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from peelian.db.schema import quarantine
from peelian.errors import NotFound, PeelianError


@dataclass(frozen=True)
class QuarantineRow:
    line_number: int
    reason_code: str
    reason: str
    raw: str


def escape_raw(raw: str) -> str:
    """Make undecodable bytes visible (``\\xe9``) so the row can be stored as text and repaired."""
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_LISTED = (
    quarantine.c.id,
    quarantine.c.run_id,
    quarantine.c.source_system,
    quarantine.c.source_name,
    quarantine.c.line_number,
    quarantine.c.reason_code,
    quarantine.c.reason,
    quarantine.c.quarantined_at,
)


def _filtered(query, source_system: str | None, reason_code: str | None, run_id: int | None):
    if source_system:
        query = query.where(quarantine.c.source_system == source_system)
    if reason_code:
        query = query.where(quarantine.c.reason_code == reason_code)
    if run_id is not None:
        query = query.where(quarantine.c.run_id == run_id)
    return query


def summary(engine: Engine, source_system: str | None = None) -> list[dict[str, Any]]:
    """Counts by source system and reason."""
    query = _filtered(
        select(quarantine.c.source_system, quarantine.c.reason_code, func.count().label("rows")),
        source_system,
        None,
        None,
    ).group_by(quarantine.c.source_system, quarantine.c.reason_code)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(quarantine.c.source_system))]


def list_rows(
    engine: Engine,
    source_system: str | None = None,
    reason_code: str | None = None,
    run_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = _filtered(select(*_LISTED), source_system, reason_code, run_id)
    query = query.order_by(quarantine.c.id).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def show(engine: Engine, row_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(quarantine).where(quarantine.c.id == row_id)).first()
    if row is None:
        raise NotFound(f"no quarantined row with id {row_id}")
    return dict(row._mapping)


def _stream(engine: Engine, source_system, reason_code, run_id) -> Iterator[dict[str, Any]]:
    query = _filtered(select(quarantine), source_system, reason_code, run_id).order_by(quarantine.c.id)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=5000).execute(query):
            yield dict(row._mapping)


def export(
    engine: Engine,
    path: Path,
    fmt: str = "csv",
    source_system: str | None = None,
    reason_code: str | None = None,
    run_id: int | None = None,
) -> int:
    """Write quarantined rows (with the original text) to CSV or JSON Lines; returns the count."""
    if fmt not in ("csv", "jsonl"):
        raise PeelianError(f"unknown export format {fmt!r}: use csv or jsonl")
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = None
        for row in _stream(engine, source_system, reason_code, run_id):
            row["quarantined_at"] = row["quarantined_at"].isoformat()
            if fmt == "jsonl":
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
            count += 1
    return count
