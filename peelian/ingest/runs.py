"""The ingest history: one run per file, with its fingerprint, outcome and counts."""

from typing import Any

from sqlalchemy import Engine, select

from peelian.db.schema import ingest_runs

_SHOWN = [
    "id", "adapter", "source_system", "source_name", "source_path", "file_sha256", "file_bytes", "status",
    "message", "started_at", "finished_at", "rows_read", "rows_inserted", "rows_updated", "rows_unchanged",
    "rows_quarantined",
]  # fmt: skip


def list_runs(
    engine: Engine, source_system: str | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest runs first: what was loaded, from which file (SHA-256), when, and with what result."""
    query = select(*(ingest_runs.c[name] for name in _SHOWN)).order_by(ingest_runs.c.id.desc()).limit(limit)
    if source_system:
        query = query.where(ingest_runs.c.source_system == source_system)
    if status:
        query = query.where(ingest_runs.c.status == status)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
