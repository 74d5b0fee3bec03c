"""Taking CCTV footage in: per-case upload links, resumable chunked uploads, and each original kept
unaltered under its SHA-256, whose entry in the audit trail starts the chain of custody.

Never losing an acknowledged chunk: a chunk is written and fsynced to the upload's staging file
before its offset moves in the store, and the sender hears that it arrived only after that
commit. A crash between the write and the commit leaves the file longer than the offset; the next
chunk cuts the unacknowledged tail off first. Appends to one upload are serialised by a
compare-and-set on the offset, which also holds the upload's write lock while its chunk is written.

Sealing, when the last byte is in: the file is hashed, hard-linked into
``originals/<sha[:2]>/<sha>`` (read-only; one file system, so nothing is copied), and the footage
row, the upload's completion and the custody entry commit together; only then does the staging
name go. A crash at any step leaves what a retry (an empty chunk at the end) finishes.
"""

import contextlib
import hashlib
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from peelian.config import Settings
from peelian.db.schema import video_footage, video_links, video_uploads
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.portal.service import ALPHABET
from peelian.portal.uploads import safe_name
from peelian.video import containers
from peelian.video.details import clean, one_line

CHUNK_BYTES = 16 * 1024**2
AUDIENCES = ("business", "officer")
MAX_LINK_DAYS = 30
LINK_REFUSED = (
    "this upload link does not work: it may have expired or been withdrawn. Ask the officer for a new one"
)
CASE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 /_.:#-]{0,59}$"
_CASE = re.compile(CASE_PATTERN)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_READ_BLOCK = 8 * 1024**2


class WrongOffset(PeelianError):
    """A chunk sent for another place than the one the upload has reached; says where that is."""

    def __init__(self, received: int) -> None:
        super().__init__(f"the upload holds {received:,} bytes: send the next chunk from offset {received}")
        self.received = received


def _case_ref(text: str | None) -> str:
    ref = (text or "").strip()
    if not _CASE.match(ref):
        raise PeelianError("a case reference is 1-60 letters, digits, spaces and / _ . : # -")
    return ref


def _size(count: int) -> str:
    return f"{count / 1024**3:,.1f} GiB" if count >= 1024**3 else f"{count / 1024**2:,.1f} MiB"


def _state(row, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "live"


def _link(row, now: datetime) -> dict[str, Any]:
    found = {k: v for k, v in row._mapping.items() if k != "token_sha256"}
    return found | {"state": _state(row, now)}


def create_link(
    engine: Engine, case_ref: str, audience: str, owner: str | None, created_by: str, *,
    max_bytes: int, days: int = 7,
) -> tuple[dict[str, Any], str]:  # fmt: skip
    """A link for one case that works until it expires; the token is shown once (only its hash
    is kept), so a leaked store gives no way to upload."""
    case_ref = _case_ref(case_ref)
    if audience not in AUDIENCES:
        raise PeelianError(f"a link is for a {' or an '.join(AUDIENCES)}")
    owner = one_line("owner", owner)
    if not 1 <= days <= MAX_LINK_DAYS:
        raise PeelianError(f"a link lasts 1 to {MAX_LINK_DAYS} days")
    if max_bytes < 1:
        raise PeelianError("the largest file a link accepts must be at least one byte")
    token, now = secrets.token_urlsafe(32), datetime.now(UTC)
    values = {
        "id": f"vl_{secrets.token_hex(12)}", "case_ref": case_ref,
        "token_sha256": hashlib.sha256(token.encode()).hexdigest(), "audience": audience, "owner": owner,
        "note": None, "created_by": created_by, "created_at": now, "expires_at": now + timedelta(days=days),
        "revoked_at": None, "max_bytes": max_bytes,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(video_links).values(**values))
        entry = {"link": values["id"], "audience": audience, "owner": owner, "days": days}
        audit.append(conn, created_by, "video.link_created", details=entry | {"max_bytes": max_bytes},
                     case_ref=case_ref)  # fmt: skip
    values.pop("token_sha256")
    return values | {"state": "live"}, token


def revoke_link(engine: Engine, link_id: str, user: str) -> None:
    """Stop a link working at once (uploads already made through it are kept)."""
    with engine.begin() as conn:
        row = conn.execute(select(video_links).where(video_links.c.id == link_id)).first()
        if row is None:
            raise NotFound(f"no upload link {link_id[:40]!r}")
        if row.revoked_at is not None:
            raise PeelianError("that link is already withdrawn")
        withdrawn = update(video_links).where(video_links.c.id == row.id)
        conn.execute(withdrawn.values(revoked_at=datetime.now(UTC)))
        audit.append(conn, user, "video.link_revoked", details={"link": row.id}, case_ref=row.case_ref)


def links(engine: Engine, case_ref: str) -> list[dict[str, Any]]:
    """A case's upload links, newest first, each live, expired or revoked."""
    now = datetime.now(UTC)
    query = select(video_links).where(video_links.c.case_ref == _case_ref(case_ref))
    with engine.connect() as conn:
        return [_link(row, now) for row in conn.execute(query.order_by(video_links.c.created_at.desc()))]


def link_for_token(engine: Engine, token: str) -> dict[str, Any]:
    """The live link a token opens; one refusal for unknown, expired and withdrawn alike."""
    if not token or len(token) > 100:
        raise PeelianError(LINK_REFUSED)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with engine.connect() as conn:
        row = conn.execute(select(video_links).where(video_links.c.token_sha256 == digest)).first()
    now = datetime.now(UTC)
    if row is None or _state(row, now) != "live":
        raise PeelianError(LINK_REFUSED)
    return _link(row, now)


def start_upload(
    engine: Engine, settings: Settings, *, case_ref: str, uploaded_by: str, name: str | None,
    total_bytes: int, details: dict[str, Any] | None, link_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Open a resumable upload of ``total_bytes`` for a case, with what the sender says about the
    footage (see ``peelian.video.details``); through a link, within the link's limit and case."""
    case_ref, found = _case_ref(case_ref), clean(details)
    if isinstance(total_bytes, bool) or not isinstance(total_bytes, int) or total_bytes < 1:
        raise PeelianError("say how large the file is, in bytes")
    limit, now = settings.max_video_bytes, datetime.now(UTC)
    with engine.begin() as conn:
        if link_id is not None:
            link = conn.execute(select(video_links).where(video_links.c.id == link_id)).first()
            if link is None or _state(link, now) != "live":
                raise PeelianError(LINK_REFUSED)
            if link.case_ref != case_ref:
                raise PeelianError("this link is for another case")
            limit = min(limit, link.max_bytes)
            found["owner"] = found["owner"] or link.owner
        if total_bytes > limit:
            raise PeelianError(f"the file is {_size(total_bytes)}; files up to {_size(limit)} are accepted")
        row = {
            "id": f"vu_{secrets.token_hex(12)}", "case_ref": case_ref, "link_id": link_id,
            "uploaded_by": uploaded_by[:200], "name": safe_name(name), "total_bytes": total_bytes,
            "received_bytes": 0, "media_type": None, "details": found, "status": "receiving",
            "footage_id": None, "created_at": now, "updated_at": now,
        }  # fmt: skip
        conn.execute(insert(video_uploads).values(**row))
        entry = {"upload": row["id"], "name": row["name"], "total_bytes": total_bytes, "link": link_id}
        audit.append(conn, _actor(row), "video.upload_started", details=entry, case_ref=case_ref)
    return row


def _actor(upload) -> str:
    """Who the trail names for an upload: the account, or the link (a business has no account)."""
    upload = upload if isinstance(upload, dict) else upload._mapping
    return f"link:{upload['link_id']}" if upload["link_id"] else upload["uploaded_by"]


def _upload(conn: Connection, upload_id: str, link_id: str | None):
    row = conn.execute(select(video_uploads).where(video_uploads.c.id == upload_id)).first()
    if row is None or (link_id is not None and row.link_id != link_id):
        raise NotFound(f"no upload {upload_id[:40]!r}")  # another link's upload is not there to it
    return row


def upload_status(engine: Engine, upload_id: str, *, link_id: str | None = None) -> dict[str, Any]:
    """Where an upload has got to (the offset to resume from) and, once complete, its footage."""
    with engine.connect() as conn:
        row = _upload(conn, upload_id, link_id)
        sealed = None
        if row.footage_id:
            sealed = conn.execute(
                select(video_footage.c.reference, video_footage.c.sha256).where(
                    video_footage.c.id == row.footage_id
                )
            ).first()
    return {
        "id": row.id, "case_ref": row.case_ref, "name": row.name, "total_bytes": row.total_bytes,
        "received_bytes": row.received_bytes, "status": row.status, "complete": row.status == "complete",
        "footage_id": row.footage_id, "reference": sealed.reference if sealed else None,
        "sha256": sealed.sha256 if sealed else None,
    }  # fmt: skip


def staging_path(settings: Settings, upload_id: str) -> Path:
    return settings.evidence_dir / "staging" / f"{upload_id}.part"


def original_path(settings: Settings, sha256: str) -> Path:
    """Where the original with this digest is kept (read it; never write it)."""
    if not _SHA256.match(sha256):
        raise PeelianError("a SHA-256 digest is 64 lower-case hexadecimal digits")
    return settings.evidence_dir / "originals" / sha256[:2] / sha256


def append_chunk(
    engine: Engine, settings: Settings, upload_id: str, offset: int, data: bytes, *,
    link_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Add ``data`` at ``offset`` (where the upload has got to), durably, and return the upload's
    state; the chunk that completes the file seals it as footage. An empty chunk at the end seals
    an upload whose last reply was lost (or whose sealing a crash interrupted)."""
    if len(data) > CHUNK_BYTES:
        raise PeelianError(f"a chunk is at most {CHUNK_BYTES // 1024**2} MiB")
    if data:
        _append(engine, settings, upload_id, offset, data, link_id)
    state = upload_status(engine, upload_id, link_id=link_id)
    if not data and offset != state["received_bytes"]:
        raise WrongOffset(state["received_bytes"])
    if state["status"] == "receiving" and state["received_bytes"] == state["total_bytes"]:
        return _seal(engine, settings, upload_id)
    return state


def _append(
    engine: Engine, settings: Settings, upload_id: str, offset: int, data: bytes, link_id: str | None
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        # Compare-and-set first: it takes the write lock, so a second append waits, then misses.
        claimed = conn.execute(
            update(video_uploads)
            .where(video_uploads.c.id == upload_id, video_uploads.c.status == "receiving",
                   video_uploads.c.received_bytes == offset)
            .values(updated_at=now)
        ).rowcount  # fmt: skip
        row = _upload(conn, upload_id, link_id)
        if row.status != "receiving":
            raise PeelianError("this upload is already complete")
        if not claimed:
            raise WrongOffset(row.received_bytes)
        if offset + len(data) > row.total_bytes:
            raise PeelianError(f"that chunk goes past the {row.total_bytes:,} bytes the upload was for")
        path, media_type = staging_path(settings, row.id), row.media_type
        if offset == 0:
            if len(data) < min(row.total_bytes, containers.HEAD_BYTES):
                raise PeelianError(f"the first chunk must hold the first {containers.HEAD_BYTES} bytes")
            try:
                media_type = containers.check(data[: containers.HEAD_BYTES])
            except containers.NotVideo:
                path.unlink(missing_ok=True)
                raise
        _write(path, offset, data)
        conn.execute(
            update(video_uploads)
            .where(video_uploads.c.id == row.id)
            .values(received_bytes=offset + len(data), media_type=media_type)
        )


def _write(path: Path, offset: int, data: bytes) -> None:
    """Put ``data`` at ``offset`` and make it durable before returning. Bytes past ``offset`` were
    never acknowledged (a crash came between their write and their commit): they go first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as out:
        held = out.seek(0, os.SEEK_END)
        if held < offset:
            raise PeelianError("the staging file has lost bytes already acknowledged: start the upload again")
        if held > offset:
            out.truncate(offset)
        out.seek(offset)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    if offset == 0:
        _fsync_dir(path.parent)  # the new file's name must survive a crash too


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _keep(staging: Path, original: Path) -> None:
    """The original under its digest, read-only and durable; identical bytes are kept once."""
    original.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # the same SHA-256: the same bytes, kept already
        os.link(staging, original)  # the same file under a second name: nothing copied
    os.chmod(original, 0o444)
    _fsync_dir(original.parent)


def _reference() -> str:
    return "CCTV-" + "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(2))


def _seal(engine: Engine, settings: Settings, upload_id: str) -> dict[str, Any]:
    staging = staging_path(settings, upload_id)
    try:
        size, sha256 = staging.stat().st_size, _sha256(staging)
    except FileNotFoundError:  # sealed meanwhile by a concurrent request (which removed the name)
        state = upload_status(engine, upload_id)
        if state["complete"]:
            return state
        raise PeelianError("the upload's staging file is missing: start the upload again") from None
    _keep(staging, original_path(settings, sha256))
    for _attempt in range(5):
        try:
            with engine.begin() as conn:
                _record(conn, upload_id, sha256, size)
            break
        except IntegrityError:
            continue  # a reference already taken (about one in 800 million): draw another
    else:
        raise PeelianError("could not issue a footage reference: send the last chunk again")
    staging.unlink(missing_ok=True)
    return upload_status(engine, upload_id)


def _record(conn: Connection, upload_id: str, sha256: str, size: int) -> None:
    """The footage row, the upload complete and the custody entry, in the caller's transaction."""
    footage_id, now = f"vf_{secrets.token_hex(12)}", datetime.now(UTC)
    claimed = conn.execute(
        update(video_uploads)
        .where(video_uploads.c.id == upload_id, video_uploads.c.status == "receiving",
               video_uploads.c.received_bytes == video_uploads.c.total_bytes)
        .values(status="complete", footage_id=footage_id, updated_at=now)
    ).rowcount  # fmt: skip
    if not claimed:
        return  # another request sealed it first
    row = conn.execute(select(video_uploads).where(video_uploads.c.id == upload_id)).one()
    if size != row.total_bytes:
        raise PeelianError("the staging file does not hold the bytes acknowledged: start the upload again")
    same = conn.execute(select(video_footage.c.reference).where(video_footage.c.sha256 == sha256)).first()
    given = row.details
    start = given.get("camera_start")
    values = {
        "id": footage_id, "reference": _reference(), "case_ref": row.case_ref, "sha256": sha256, "size": size,
        "media_type": row.media_type, "name": row.name, "received_at": now, "received_by": row.uploaded_by,
        "link_id": row.link_id, "camera": given.get("camera"), "location": given.get("location"),
        "lon": given.get("lon"), "lat": given.get("lat"), "owner": given.get("owner"),
        "camera_start": datetime.fromisoformat(start) if start else None,
        "clock_offset_s": given.get("clock_offset_s", 0.0), "zones": given.get("zones") or {},
        "status": "received", "analysis": None, "analysed_at": None,
    }  # fmt: skip
    conn.execute(insert(video_footage).values(**values))
    entry = {
        "footage": footage_id, "reference": values["reference"], "sha256": sha256, "size": size,
        "media_type": row.media_type, "name": row.name, "upload": row.id, "link": row.link_id,
        "received_by": row.uploaded_by, "same_bytes_as": same.reference if same else None,
    }  # fmt: skip
    audit.append(conn, _actor(row), "video.received", details=entry, case_ref=row.case_ref)


def _footage_row(conn: Connection, footage_id: str):
    column = video_footage.c.reference if footage_id.startswith("CCTV-") else video_footage.c.id
    row = conn.execute(select(video_footage).where(column == footage_id)).first()
    if row is None:
        raise NotFound(f"no footage {footage_id[:40]!r}")
    return row


def footage(engine: Engine, footage_id: str) -> dict[str, Any]:
    """One piece of footage, by id or reference."""
    with engine.connect() as conn:
        return dict(_footage_row(conn, footage_id)._mapping)


def case_footage(engine: Engine, case_ref: str) -> list[dict[str, Any]]:
    """A case's footage in the order it was received."""
    query = select(video_footage).where(video_footage.c.case_ref == _case_ref(case_ref))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(video_footage.c.received_at, video_footage.c.id))
        return [dict(row._mapping) for row in rows]


def verify(engine: Engine, settings: Settings, footage_id: str, user: str) -> dict[str, Any]:
    """Hash the kept original again: does it still match the digest taken on receipt? (Audited,
    whatever the answer: the check is part of the chain of custody.)"""
    with engine.connect() as conn:
        row = _footage_row(conn, footage_id)
    path = original_path(settings, row.sha256)
    try:
        actual, read_only = _sha256(path), not path.stat().st_mode & 0o222
    except FileNotFoundError:
        actual, read_only = None, False
    result = {
        "footage": row.id, "reference": row.reference, "sha256": row.sha256, "actual": actual,
        "intact": actual == row.sha256, "read_only": read_only, "path": str(path),
    }  # fmt: skip
    with engine.begin() as conn:
        entry = {k: result[k] for k in ("footage", "reference", "sha256", "actual", "intact", "read_only")}
        audit.append(conn, user, "video.verified", details=entry, case_ref=row.case_ref)
    return result
