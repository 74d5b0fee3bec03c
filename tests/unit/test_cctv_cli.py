"""``peelian cctv`` on a real SQLite file: a link, an upload resumed after an interruption, the
case's footage and a verification that fails once the original is altered."""

import hashlib
import json
import os

import pytest

from peelian.config import get_settings
from peelian.db import make_engine
from peelian.video import intake
from tests.integration.test_cctv_intake import make_video
from tests.unit.test_cli import db_env, invoke  # noqa: F401  (db_env is a fixture)


@pytest.fixture
def evidence(db_env, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PEELIAN_EVIDENCE_DIR", str(tmp_path / "evidence"))
    get_settings.cache_clear()
    assert invoke("db", "upgrade").exit_code == 0
    return tmp_path / "evidence"


def test_link_upload_resume_footage_and_verify(evidence, tmp_path):
    for command in ("link", "upload", "footage", "verify"):
        assert invoke("cctv", command, "--help").exit_code == 0
    made = invoke(
        "cctv", "link", "OP-9", "--owner", "Corner Shop", "--days", "2", "--base-url", "https://p.example/"
    )
    assert made.exit_code == 0 and "https://p.example/cctv/upload/" in made.output
    assert invoke("cctv", "link", "OP-9", "--audience", "public").exit_code == 1

    video = make_video(tmp_path / "door.avi")
    content = video.read_bytes()
    engine = make_engine(get_settings().database_url)
    started = intake.start_upload(engine, get_settings(), case_ref="OP-9", uploaded_by="cli:test",
                                  name=video.name, total_bytes=len(content), details={})  # fmt: skip
    intake.append_chunk(engine, get_settings(), started["id"], 0, content[:1000])  # then the line dropped
    engine.dispose()
    wrong_case = invoke("cctv", "upload", "OP-10", str(video), "--resume", started["id"])
    assert wrong_case.exit_code == 1 and "another case" in wrong_case.output
    resumed = invoke("cctv", "upload", "OP-9", str(video), "--resume", started["id"], "--json")
    assert resumed.exit_code == 0, resumed.output
    sha = hashlib.sha256(content).hexdigest()
    assert json.loads(resumed.output)["sha256"] == sha

    fresh = invoke("cctv", "upload", "OP-9", str(video), "--camera", "Door", "--clock-offset", "-30",
                   "--camera-start", "2026-03-01T21:15:00+00:00")  # fmt: skip
    assert fresh.exit_code == 0 and sha in fresh.output and "Received CCTV-" in fresh.output
    listed = json.loads(invoke("cctv", "footage", "OP-9", "--json").output)
    assert [f["camera"] for f in listed] == [None, "Door"] and listed[1]["clock_offset_s"] == -30
    assert "No footage for OP-1." in invoke("cctv", "footage", "OP-1").output
    assert sha in invoke("cctv", "footage", "OP-9").output

    assert "Intact" in invoke("cctv", "verify", listed[0]["reference"]).output
    original = evidence / "originals" / sha[:2] / sha
    os.chmod(original, 0o644)
    original.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))
    changed = invoke("cctv", "verify", listed[1]["id"])
    assert changed.exit_code == 1 and "Changed" in changed.output
    bad = invoke("cctv", "upload", "OP-9", str(tmp_path / "evidence" / "originals"))
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 600)
    refused = invoke("cctv", "upload", "OP-9", str(photo))
    assert refused.exit_code == 1 and "not a video file" in refused.output
