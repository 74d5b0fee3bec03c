"""Footage taken in on both backends: a real video sent in chunks through a link, sealed under its
SHA-256 with the custody entry in a trail that verifies; resumed after a crash; refused when it is
not video, too large or sent at the wrong place; kept once when sent twice; tampering detected."""

import hashlib
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select, update

from peelian.config import Settings
from peelian.db.schema import audit_log, video_footage, video_links, video_uploads
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.video import intake
from peelian.video.containers import NotVideo

CHUNK = 4096
DETAILS = {"camera": "Till camera", "location": "Corner Shop", "clock_offset_s": 95.0}


def make_video(path: Path, frames: int = 12, size: tuple[int, int] = (96, 64)) -> Path:
    """A small real video (Motion JPEG in AVI) of noise, so it does not compress to nothing."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, size)
    noise = np.random.default_rng(7)
    for _ in range(frames):
        writer.write(noise.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()
    return path


@pytest.fixture
def video(tmp_path) -> bytes:
    return make_video(tmp_path / "shop.avi").read_bytes()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(evidence_dir=tmp_path / "evidence", max_video_bytes=10 * 1024**2)


def _link(store, settings, **options):
    options = {"max_bytes": settings.max_video_bytes} | options
    return intake.create_link(store, "OP-CCTV-1", "business", "Corner Shop", "officer", **options)


def _start(store, settings, content: bytes, link=None, **options):
    return intake.start_upload(
        store, settings, case_ref="OP-CCTV-1", uploaded_by=link["owner"] if link else "officer",
        name="../../shop.avi", total_bytes=len(content), details=DETAILS,
        link_id=link["id"] if link else None, **options,
    )  # fmt: skip


def _send(store, settings, upload_id: str, content: bytes, start: int = 0, link=None) -> dict:
    state = {}
    for offset in range(start, len(content), CHUNK):
        link_id = link["id"] if link else None
        state = intake.append_chunk(
            store, settings, upload_id, offset, content[offset : offset + CHUNK], link_id=link_id
        )
        assert state["received_bytes"] == min(offset + CHUNK, len(content))
    return state


def _trail(store, action: str) -> list[dict]:
    with store.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq))
        return [dict(r._mapping) | {"details": json.loads(r.details)} for r in rows]


def test_a_business_sends_footage_through_its_link(store, settings, video):
    link, token = _link(store, settings)
    assert intake.link_for_token(store, token)["id"] == link["id"] and "token_sha256" not in link
    with store.connect() as conn:
        assert (
            conn.execute(select(video_links.c.token_sha256)).scalar()
            == hashlib.sha256(token.encode()).hexdigest()
        )
    upload = _start(store, settings, video, link)
    assert upload["name"] == "shop.avi" and upload["details"]["owner"] == "Corner Shop"  # the link's owner
    assert len(video) > 5 * CHUNK
    state = _send(store, settings, upload["id"], video, link=link)

    digest = hashlib.sha256(video).hexdigest()
    assert state["complete"] and state["sha256"] == digest and state["reference"].startswith("CCTV-")
    original = intake.original_path(settings, digest)
    assert original.read_bytes() == video and not os.stat(original).st_mode & 0o222  # read-only
    assert not intake.staging_path(settings, upload["id"]).exists()
    [kept] = intake.case_footage(store, "OP-CCTV-1")
    assert (kept["sha256"], kept["size"], kept["media_type"]) == (digest, len(video), "video/x-msvideo")
    described = (kept["camera"], kept["clock_offset_s"], kept["zones"], kept["status"])
    assert described == ("Till camera", 95.0, {}, "received")
    assert intake.footage(store, kept["reference"])["id"] == kept["id"]

    [custody] = _trail(store, "video.received")
    assert custody["actor"] == f"link:{link['id']}" and custody["case_ref"] == "OP-CCTV-1"
    assert {k: custody["details"][k] for k in ("sha256", "size", "reference", "link", "same_bytes_as")} == {
        "sha256": digest, "size": len(video), "reference": kept["reference"], "link": link["id"],
        "same_bytes_as": None,
    }  # fmt: skip
    assert [e["action"] for e in _trail(store, "video.link_created")] == ["video.link_created"]
    assert audit.verify(store).ok


def test_a_chunk_sent_for_the_wrong_place_is_told_where_to_resume(store, settings, video):
    upload = _start(store, settings, video)
    intake.append_chunk(store, settings, upload["id"], 0, video[:CHUNK])
    for offset in (0, 2 * CHUNK, CHUNK - 1):
        with pytest.raises(intake.WrongOffset) as wrong:
            intake.append_chunk(store, settings, upload["id"], offset, video[offset : offset + CHUNK])
        assert wrong.value.received == CHUNK and f"offset {CHUNK}" in str(wrong.value)
    assert intake.upload_status(store, upload["id"])["received_bytes"] == CHUNK
    state = _send(store, settings, upload["id"], video, start=CHUNK)
    assert state["sha256"] == hashlib.sha256(video).hexdigest()


def test_bytes_written_but_never_acknowledged_are_cut_off(store, settings, video):
    """A crash after a chunk reached the disk but before its offset was committed."""
    upload = _start(store, settings, video)
    intake.append_chunk(store, settings, upload["id"], 0, video[:CHUNK])
    with intake.staging_path(settings, upload["id"]).open("ab") as part:
        part.write(b"\x00garbage that was never acknowledged" * 50)
    state = _send(store, settings, upload["id"], video, start=CHUNK)
    assert state["sha256"] == hashlib.sha256(video).hexdigest()
    assert intake.original_path(settings, state["sha256"]).read_bytes() == video


def test_a_crash_while_sealing_is_finished_by_an_empty_chunk(store, settings, video, monkeypatch):
    upload = _start(store, settings, video)
    real = intake._record

    def crash(*args):
        raise OSError("power cut")

    monkeypatch.setattr(intake, "_record", crash)
    with pytest.raises(OSError):
        _send(store, settings, upload["id"], video)
    state = intake.upload_status(store, upload["id"])
    assert (state["received_bytes"], state["status"]) == (len(video), "receiving")  # acknowledged, kept
    monkeypatch.setattr(intake, "_record", real)
    with pytest.raises(intake.WrongOffset):
        intake.append_chunk(store, settings, upload["id"], 0, b"")
    sealed = intake.append_chunk(store, settings, upload["id"], len(video), b"")
    assert sealed["complete"] and sealed["sha256"] == hashlib.sha256(video).hexdigest()
    again = intake.append_chunk(store, settings, upload["id"], len(video), b"")  # a retry changes nothing
    assert again == sealed and len(intake.case_footage(store, "OP-CCTV-1")) == 1


def test_the_same_file_twice_is_kept_once_and_recorded_twice(store, settings, video):
    first = _send(store, settings, _start(store, settings, video)["id"], video)
    second = _send(store, settings, _start(store, settings, video)["id"], video)
    assert first["sha256"] == second["sha256"] and first["reference"] != second["reference"]
    assert len(intake.case_footage(store, "OP-CCTV-1")) == 2
    kept = list((settings.evidence_dir / "originals").rglob("*"))
    assert [p for p in kept if p.is_file()] == [intake.original_path(settings, first["sha256"])]
    custody = _trail(store, "video.received")
    assert [e["details"]["same_bytes_as"] for e in custody] == [None, first["reference"]]


def test_what_is_not_video_is_refused_and_not_kept(store, settings):
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 5000
    upload = _start(store, settings, photo)
    with pytest.raises(NotVideo, match="not a video file"):
        intake.append_chunk(store, settings, upload["id"], 0, photo[:CHUNK])
    assert not intake.staging_path(settings, upload["id"]).exists()
    assert intake.upload_status(store, upload["id"])["received_bytes"] == 0
    with pytest.raises(PeelianError, match="first 512 bytes"):
        intake.append_chunk(store, settings, upload["id"], 0, photo[:100])


def test_sizes_are_capped(store, settings, video):
    with pytest.raises(PeelianError, match=r"files up to 10\.0 MiB"):
        _start(store, settings, b"x" * (settings.max_video_bytes + 1))
    small, _ = _link(store, settings, max_bytes=1000)
    with pytest.raises(PeelianError, match="files up to"):
        _start(store, settings, video, small)
    with pytest.raises(PeelianError, match="how large"):
        intake.start_upload(store, settings, case_ref="OP-CCTV-1", uploaded_by="o", name="a", total_bytes=0,
                            details={})  # fmt: skip
    upload = _start(store, settings, video)
    with pytest.raises(PeelianError, match="at most 16 MiB"):
        intake.append_chunk(store, settings, upload["id"], 0, b"\x00" * (intake.CHUNK_BYTES + 1))
    _send(store, settings, upload["id"], video[: len(video) - CHUNK])
    with pytest.raises(PeelianError, match="goes past"):
        at = intake.upload_status(store, upload["id"])["received_bytes"]
        intake.append_chunk(store, settings, upload["id"], at, video[at:] + b"extra")


def test_links_expire_are_withdrawn_and_keep_to_their_own_uploads(store, settings, video):
    mine, token = _link(store, settings)
    theirs, their_token = _link(store, settings)
    upload = _start(store, settings, video, mine)
    intake.append_chunk(store, settings, upload["id"], 0, video[:CHUNK], link_id=mine["id"])
    with pytest.raises(NotFound):
        intake.upload_status(store, upload["id"], link_id=theirs["id"])
    with pytest.raises(NotFound):
        intake.append_chunk(
            store, settings, upload["id"], CHUNK, video[CHUNK : 2 * CHUNK], link_id=theirs["id"]
        )
    assert intake.upload_status(store, upload["id"])["received_bytes"] == CHUNK

    intake.revoke_link(store, theirs["id"], "supervisor")
    with pytest.raises(PeelianError, match="already withdrawn"):
        intake.revoke_link(store, theirs["id"], "supervisor")
    with store.begin() as conn:
        past = datetime.now(UTC) - timedelta(minutes=1)
        conn.execute(update(video_links).where(video_links.c.id == mine["id"]).values(expires_at=past))
    for dead in (token, their_token, "not-a-token", "x" * 500, ""):
        with pytest.raises(PeelianError, match="does not work"):
            intake.link_for_token(store, dead)
    with pytest.raises(PeelianError, match="does not work"):
        _start(store, settings, video, mine)
    assert {row["id"]: row["state"] for row in intake.links(store, "OP-CCTV-1")} == {
        mine["id"]: "expired", theirs["id"]: "revoked",
    }  # fmt: skip
    with pytest.raises(PeelianError, match="1 to 30 days"):
        _link(store, settings, days=31)
    with pytest.raises(PeelianError, match="business or an officer"):
        intake.create_link(store, "OP-1", "public", None, "o", max_bytes=10)
    with pytest.raises(PeelianError, match="case reference"):
        intake.create_link(store, "<b>", "business", None, "o", max_bytes=10)


def test_two_appends_to_one_upload_do_not_interleave(store, settings, video):
    upload = _start(store, settings, video)
    barrier, outcomes = threading.Barrier(4), []

    def send(part: bytes) -> None:
        barrier.wait()
        try:
            intake.append_chunk(store, settings, upload["id"], 0, part)
            outcomes.append(part)
        except intake.WrongOffset:
            outcomes.append(None)

    parts = [video[:CHUNK], video[: CHUNK // 2 + 512], video[: CHUNK * 2], video[: CHUNK + 7]]
    threads = [threading.Thread(target=send, args=(p,)) for p in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [won] = [o for o in outcomes if o is not None]
    assert outcomes.count(None) == 3
    assert intake.upload_status(store, upload["id"])["received_bytes"] == len(won)
    assert intake.staging_path(settings, upload["id"]).read_bytes() == won


def test_verify_detects_tampering_and_is_audited(store, settings, video):
    state = _send(store, settings, _start(store, settings, video)["id"], video)
    first = intake.verify(store, settings, state["reference"], "auditor")
    assert first["intact"] and first["read_only"] and first["actual"] == state["sha256"]
    original = intake.original_path(settings, state["sha256"])
    os.chmod(original, 0o644)
    with original.open("r+b") as changed:
        changed.seek(len(video) // 2)
        changed.write(b"\xff")
    second = intake.verify(store, settings, state["footage_id"], "auditor")
    assert not second["intact"] and not second["read_only"] and second["actual"] != state["sha256"]
    original.unlink()
    assert intake.verify(store, settings, state["footage_id"], "auditor")["actual"] is None
    assert [e["details"]["intact"] for e in _trail(store, "video.verified")] == [True, False, False]
    with pytest.raises(NotFound):
        intake.footage(store, "CCTV-NONE-NONE")
    with pytest.raises(PeelianError, match="64 lower-case"):
        intake.original_path(settings, "../../etc/passwd")
    with store.connect() as conn:
        assert conn.execute(select(video_uploads.c.status)).scalar() == "complete"
        assert conn.execute(select(video_footage.c.received_by)).scalar() == "officer"
    assert audit.verify(store).ok
