"""The audit trail: append-only, each entry chained to the one before by SHA-256.

An entry's hash covers its canonical JSON (sorted keys, no spaces, UTC timestamps) and the hash
before it, so altering, deleting or reordering any entry breaks the chain from that point, and
``verify`` names the first entry that no longer fits. The head row (last seq and hash) catches a
truncated tail; anchor it outside the database (``peelian audit head``) to catch a rewritten one.
"""

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from peelian.db.schema import audit_head, audit_log
from peelian.errors import PeelianError

GENESIS = "0" * 64
OUTCOMES = ("allowed", "refused", "failed")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    at = row["at"]
    return {
        "seq": int(row["seq"]),
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": row["actor"],
        "action": row["action"],
        "outcome": row["outcome"],
        "purpose": row["purpose"],
        "case_ref": row["case_ref"],
        "details": json.loads(row["details"]),
    }


def append(
    conn: Connection,
    actor: str,
    action: str,
    outcome: str = "allowed",
    details: dict[str, Any] | None = None,
    purpose: str | None = None,
    case_ref: str | None = None,
    at: datetime | None = None,
) -> int:
    """Record one entry in the caller's transaction (so it commits or rolls back with the act)."""
    entry = Entry(actor, action, outcome, details, purpose, case_ref, at)
    return append_many(conn, [entry])[0]


@dataclass(frozen=True)
class Entry:
    actor: str
    action: str
    outcome: str = "allowed"
    details: dict[str, Any] | None = None
    purpose: str | None = None
    case_ref: str | None = None
    at: datetime | None = None


def append_many(conn: Connection, entries: list[Entry]) -> list[int]:
    """Record entries in order, in the caller's transaction; returns their sequence numbers.
    A web server batches concurrent requests' entries into one call (group commit)."""
    for entry in entries:
        if entry.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
    # Moving the head first takes the write lock (row lock on PostgreSQL, database lock on
    # SQLite) before the previous hash is read: concurrent appends queue instead of forking.
    last, prev_hash = conn.execute(
        update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq + len(entries))
        .returning(audit_head.c.seq, audit_head.c.hash)
    ).one()  # fmt: skip
    rows, seq = [], last - len(entries)
    for entry in entries:
        seq += 1
        row = {
            "seq": seq, "at": (entry.at or datetime.now(UTC)).astimezone(UTC), "actor": entry.actor,
            "action": entry.action, "outcome": entry.outcome, "purpose": entry.purpose,
            "case_ref": entry.case_ref, "details": canonical(entry.details or {}),
        }  # fmt: skip
        digest = _entry_hash(prev_hash, _hashed_fields(row))
        rows.append(row | {"prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    conn.execute(audit_log.insert(), rows)
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=prev_hash))
    return [r["seq"] for r in rows]


@dataclass
class Verification:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(engine: Engine) -> Verification:
    """Recompute the chain; report the first entry that was altered, deleted or moved."""
    with engine.connect() as conn:
        head_seq, head_hash = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        rows = conn.execution_options(yield_per=10_000).execute(select(audit_log).order_by(audit_log.c.seq))
        expected_seq, prev_hash, count = 1, GENESIS, 0
        for row in rows:
            entry = dict(row._mapping)
            count += 1
            seq = int(entry["seq"])
            bad = _check(entry, seq, expected_seq, prev_hash)
            if bad:
                return Verification(False, count, head_seq, head_hash, min(seq, expected_seq), bad)
            expected_seq, prev_hash = seq + 1, entry["hash"]
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        return Verification(
            False, count, head_seq, head_hash, expected_seq,
            f"the trail ends at entry {expected_seq - 1} but the head records entry {head_seq}: "
            "entries at the end were deleted, or the head was altered",
        )  # fmt: skip
    return Verification(True, count, head_seq, head_hash)


def _check(entry: dict[str, Any], seq: int, expected_seq: int, prev_hash: str) -> str | None:
    if seq != expected_seq:
        return f"entry {expected_seq} is missing (next stored entry is {seq}): deleted"
    if entry["prev_hash"] != prev_hash:
        return f"entry {seq} does not follow entry {seq - 1}: entries were reordered or replaced"
    try:
        fields = _hashed_fields(entry)
    except (ValueError, TypeError) as exc:
        return f"entry {seq} is unreadable: {exc}"
    if _entry_hash(prev_hash, fields) != entry["hash"]:
        return f"entry {seq} was altered after it was written"
    return None


def entries(
    engine: Engine,
    viewer: str,
    actor: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[dict]:
    """Entries for an auditor to read: never their own activity (nobody audits themselves)."""
    order = audit_log.c.seq.desc() if newest_first else audit_log.c.seq
    query = select(audit_log).where(audit_log.c.actor != viewer).order_by(order)
    if actor:
        if actor == viewer:
            raise PeelianError("nobody may view the audit of their own activity")
        query = query.where(audit_log.c.actor == actor)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=5_000).execute(query):
            entry = dict(row._mapping)
            entry["at"] = entry["at"].isoformat()
            entry["details"] = json.loads(entry["details"])
            yield entry


def export(engine: Engine, path: Path, viewer: str, fmt: str = "csv") -> int:
    if fmt not in ("csv", "json"):
        raise PeelianError(f"unknown export format {fmt!r}: use csv or json")
    rows = list(entries(engine, viewer))
    with path.open("w", newline="", encoding="utf-8") as out:
        if fmt == "json":
            json.dump(rows, out, ensure_ascii=False, indent=1)
        else:
            names = [c.name for c in audit_log.columns]
            writer = csv.DictWriter(out, fieldnames=names)
            writer.writeheader()
            for row in rows:
                writer.writerow(row | {"details": canonical(row["details"])})
    return len(rows)
