"""A public report's life: submitted with a reference at once, tracked by the reporter with a
private code, triaged by staff into a recorded crime (or no crime, with the reason), allocated,
and closed with an outcome; messages and evidence both ways throughout.

The submission is stored once, as sent, with its SHA-256 digest; nothing rewrites it. Staff may
redact a field with a reason (kept beside it, applied whenever it is shown or recorded). Every
staff act is audited.
"""

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from peelian.db.schema import portal_files, portal_reports, portal_updates, store_meta
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.portal.answers import CATEGORIES, Answers
from peelian.portal.uploads import MAX_FILES, Evidence

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
STAGES = ("received", "assessed", "recorded", "no_crime", "allocated", "outcome")
STAGE_TITLES = {
    "received": "Received",
    "assessed": "Assessed",
    "recorded": "Recorded as a crime",
    "no_crime": "No crime recorded",
    "allocated": "Allocated to an officer",
    "outcome": "Outcome",
}
# Which stage may follow which: a report is assessed, then recorded or not; only a recorded
# crime is allocated; an outcome closes a recorded or allocated crime.
NEXT = {
    "received": {"assessed", "recorded", "no_crime"},
    "assessed": {"recorded", "no_crime"},
    "recorded": {"allocated", "outcome"},
    "allocated": {"outcome", "allocated"},
    "no_crime": set(),
    "outcome": set(),
}
REDACTABLE = ("account", "suspect_name", "suspect_description", "location", "phone", "email")
MAX_MESSAGE = 5000
_hasher = PasswordHasher()


def _token(groups: int) -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(groups))


def _digest(submission: dict[str, Any]) -> str:
    canonical = json.dumps(submission, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


CLIENT_KEY = "portal_client_key"


def _client_key(engine: Engine) -> bytes:
    """This store's secret for hashing senders' addresses, made on first use. Unkeyed, a hash of
    an IPv4 address is reversed by trying all four billion."""
    with engine.begin() as conn:
        found = conn.execute(select(store_meta.c.value).where(store_meta.c.key == CLIENT_KEY)).scalar()
        if found is None:
            found = secrets.token_hex(32)
            conn.execute(insert(store_meta).values(key=CLIENT_KEY, value=found))
    return bytes.fromhex(found)


def client_hash(engine: Engine, address: str) -> str:
    """The sender's address, keyed and hashed: enough to spot abuse from one place, not to read it."""
    return hmac.new(_client_key(engine), address.encode(), hashlib.sha256).hexdigest()


def _add_files(conn: Connection, report_id: str, files: list[Evidence], now: datetime) -> None:
    held = conn.execute(
        select(func.count()).select_from(portal_files).where(portal_files.c.report_id == report_id)
    ).scalar_one()
    if held + len(files) > MAX_FILES:
        raise PeelianError(f"a report can hold at most {MAX_FILES} files; it has {held}")
    for evidence in files:
        conn.execute(
            insert(portal_files).values(
                id=f"pf_{secrets.token_hex(12)}",
                report_id=report_id,
                uploaded_at=now,
                name=evidence.name,
                media_type=evidence.media_type,
                size=len(evidence.content),
                sha256=evidence.sha256,
                content=evidence.content,
            )
        )


def _update(conn: Connection, report_id: str, kind: str, author: str, body: str, stage: str | None = None):
    conn.execute(
        insert(portal_updates).values(
            report_id=report_id, at=datetime.now(UTC), kind=kind, stage=stage, author=author, body=body
        )
    )


def submit(engine: Engine, answers: Answers, files: list[Evidence], client: str) -> dict[str, str]:
    """Store the report and its files in one transaction; the reference and the tracking code
    (shown once: only its hash is kept)."""
    if len(files) > MAX_FILES:
        raise PeelianError(f"at most {MAX_FILES} files with a report")
    submission = answers.as_json()
    code = _token(3)
    now = datetime.now(UTC)
    for _attempt in range(5):
        reference = f"PR-{_token(2)}"
        report_id = f"pr_{secrets.token_hex(12)}"
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(portal_reports).values(
                        id=report_id,
                        reference=reference,
                        code_hash=_hasher.hash(code),
                        submitted_at=now,
                        submission=submission,
                        digest=_digest(submission),
                        category=answers.recorded_category,
                        stage="received",
                        redactions=[],
                        client=client,
                    )
                )
                _update(conn, report_id, "stage", "portal", "We have your report.", "received")
                _add_files(conn, report_id, files, now)
            return {"id": report_id, "reference": reference, "code": code}
        except IntegrityError:
            continue  # a reference already taken (about one in 800 million): draw another
    raise PeelianError("could not issue a reference: please try again")


def _row(conn: Connection, reference_or_id: str):
    column = portal_reports.c.reference if reference_or_id.startswith("PR-") else portal_reports.c.id
    row = conn.execute(select(portal_reports).where(column == reference_or_id)).first()
    if row is None:
        raise NotFound(f"no report {reference_or_id[:40]!r}")
    return row


def open_case(engine: Engine, reference: str, code: str) -> str:
    """The report id when the code is the report's tracking code; one message for every failure,
    so that a guess learns nothing about which part was wrong."""
    refused = PeelianError("that reference and code do not match a report: check both and try again")
    reference, code = reference.strip().upper()[:20], code.strip().upper()[:20]
    with engine.connect() as conn:
        try:
            row = _row(conn, reference)
        except NotFound:
            _hasher.hash(code)  # as slow as a real check, so timing says nothing either
            raise refused from None
    try:
        _hasher.verify(row.code_hash, code)
    except (VerificationError, InvalidHashError):
        raise refused from None
    return row.id


def redacted(row) -> dict[str, Any]:
    """The submission as it may be shown and recorded: redacted fields replaced by the reason."""
    shown = dict(row.submission)
    for redaction in row.redactions or []:
        shown[redaction["field"]] = f"[redacted: {redaction['reason']}]"
    return shown


def _history(conn: Connection, report_id: str) -> list[dict[str, Any]]:
    query = (
        select(portal_updates).where(portal_updates.c.report_id == report_id).order_by(portal_updates.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def _files(conn: Connection, report_id: str) -> list[dict[str, Any]]:
    query = select(
        portal_files.c.id,
        portal_files.c.name,
        portal_files.c.media_type,
        portal_files.c.size,
        portal_files.c.sha256,
        portal_files.c.uploaded_at,
    ).where(portal_files.c.report_id == report_id)
    return [dict(r._mapping) for r in conn.execute(query.order_by(portal_files.c.uploaded_at))]


def case(engine: Engine, report_id: str) -> dict[str, Any]:
    """The report as its reporter sees it: stages with dates, messages, files."""
    with engine.connect() as conn:
        row = _row(conn, report_id)
        history = _history(conn, row.id)
        files = _files(conn, row.id)
    shown = redacted(row)
    return {
        "reference": row.reference,
        "submitted_at": row.submitted_at,
        "category": CATEGORIES[shown["category"]][0],
        "stage": row.stage,
        "stage_title": STAGE_TITLES[row.stage],
        "stages": [h for h in history if h["kind"] == "stage"],
        "messages": [h for h in history if h["kind"] == "message"],
        "files": [{k: f[k] for k in ("name", "media_type", "size", "uploaded_at")} for f in files],
        "files_left": MAX_FILES - len(files),
    }


def message(engine: Engine, report_id: str, author: str, body: str) -> None:
    text = (body or "").strip()
    if not text:
        raise PeelianError("write a message first")
    if len(text) > MAX_MESSAGE:
        raise PeelianError(f"a message is at most {MAX_MESSAGE:,} characters")
    with engine.begin() as conn:
        row = _row(conn, report_id)
        _update(conn, row.id, "message", author, text)
        if author != "reporter":
            audit.append(conn, author, "portal.message", details={"report": row.reference})


def add_evidence(engine: Engine, report_id: str, files: list[Evidence], author: str = "reporter") -> None:
    if not files:
        raise PeelianError("choose a file to add")
    with engine.begin() as conn:
        row = _row(conn, report_id)
        _add_files(conn, row.id, files, datetime.now(UTC))
        names = ", ".join(f.name for f in files)
        _update(conn, row.id, "message", author, f"Added evidence: {names}"[:MAX_MESSAGE])


def queue(engine: Engine, stage: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Reports waiting for staff, oldest first (a stage, or every open one)."""
    if stage is not None and stage not in STAGES:
        raise PeelianError(f"unknown stage {stage[:20]!r}: choose from {', '.join(STAGES)}")
    wanted = [stage] if stage else ["received", "assessed", "recorded", "allocated"]
    query = (
        select(
            portal_reports.c.id,
            portal_reports.c.reference,
            portal_reports.c.submitted_at,
            portal_reports.c.category,
            portal_reports.c.stage,
            portal_reports.c.allocated_to,
        )
        .where(portal_reports.c.stage.in_(wanted))
        .order_by(portal_reports.c.submitted_at, portal_reports.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) | {"stage_title": STAGE_TITLES[r.stage]} for r in conn.execute(query)]


def staff_view(engine: Engine, report_id: str) -> dict[str, Any]:
    """Everything staff need to triage: the (redacted) answers, history, files and the digest."""
    with engine.connect() as conn:
        row = _row(conn, report_id)
        history = _history(conn, row.id)
        files = _files(conn, row.id)
    return {
        "id": row.id,
        "reference": row.reference,
        "submitted_at": row.submitted_at,
        "category": row.category,
        "stage": row.stage,
        "stage_title": STAGE_TITLES[row.stage],
        "next": sorted(NEXT[row.stage]),
        "answers": redacted(row),
        "redactions": row.redactions or [],
        "digest": row.digest,
        "digest_ok": _digest(row.submission) == row.digest,
        "event_id": row.event_id,
        "allocated_to": row.allocated_to,
        "history": history,
        "files": files,
    }


def evidence_file(engine: Engine, report_id: str, file_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(portal_files).where(portal_files.c.id == file_id, portal_files.c.report_id == report_id)
        ).first()
    if row is None:
        raise NotFound(f"no file {file_id[:40]!r} on this report")
    return dict(row._mapping)


def advance(
    engine: Engine, report_id: str, user: str, stage: str, note: str, officer: str | None = None
) -> None:
    """Move the report on (not to ``recorded``: that is ``record``), telling the reporter why."""
    note = (note or "").strip()
    if stage == "recorded":
        raise PeelianError("record the crime with the record action, which writes it to the store")
    if stage == "no_crime" and not note:
        raise PeelianError("say why no crime is recorded: the reporter is told the reason")
    if stage == "allocated" and not (officer or "").strip():
        raise PeelianError("name the officer the crime is allocated to")
    if stage == "outcome" and not note:
        raise PeelianError("describe the outcome for the reporter")
    if len(note) > MAX_MESSAGE:
        raise PeelianError(f"a note is at most {MAX_MESSAGE:,} characters")
    with engine.begin() as conn:
        row = _row(conn, report_id)
        _move(conn, row, stage)
        values: dict[str, Any] = {"stage": stage}
        if stage == "allocated":
            values["allocated_to"] = officer.strip()[:80]
            note = note or f"Your crime has been allocated to {values['allocated_to']}."
        conn.execute(update(portal_reports).where(portal_reports.c.id == row.id).values(**values))
        _update(conn, row.id, "stage", user, note or STAGE_TITLES[stage] + ".", stage)
        audit.append(conn, user, f"portal.{stage}", details={"report": row.reference, "note": note[:500]})


def _move(conn: Connection, row, stage: str) -> None:
    if stage not in STAGES:
        raise PeelianError(f"unknown stage {stage[:20]!r}: choose from {', '.join(STAGES)}")
    if stage not in NEXT[row.stage]:
        allowed = ", ".join(sorted(NEXT[row.stage])) or "none: the report is closed"
        raise PeelianError(f"a report at '{row.stage}' cannot move to '{stage}' (next: {allowed})")


def redact(engine: Engine, report_id: str, user: str, field: str, reason: str) -> None:
    """Hide a field wherever the report is shown or recorded; the original stays, untouched."""
    if field not in REDACTABLE:
        raise PeelianError(f"only these can be redacted: {', '.join(REDACTABLE)}")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise PeelianError("give a reason for the redaction (at most 200 characters)")
    with engine.begin() as conn:
        row = _row(conn, report_id)
        entry = {"field": field, "reason": reason, "by": user, "at": datetime.now(UTC).isoformat()}
        done = [*(row.redactions or []), entry]
        conn.execute(update(portal_reports).where(portal_reports.c.id == row.id).values(redactions=done))
        audit.append(
            conn, user, "portal.redact", details={"report": row.reference, "field": field, "reason": reason}
        )


def mark_recorded(engine: Engine, report_id: str, user: str, event_id: str) -> None:
    with engine.begin() as conn:
        row = _row(conn, report_id)
        _move(conn, row, "recorded")
        conn.execute(
            update(portal_reports)
            .where(portal_reports.c.id == row.id)
            .values(stage="recorded", event_id=event_id)
        )
        _update(conn, row.id, "stage", user, "We have recorded this as a crime.", "recorded")
        audit.append(conn, user, "portal.recorded", details={"report": row.reference, "event": event_id})
