"""``peelian video`` on a real SQLite file: footage taken in with ``peelian cctv upload``, analysed
with a progress bar, its events searched for a declared purpose and the case's review time
reported; the model slot lists nothing and refuses an unmeasured model."""

import json

import pytest

from peelian.config import get_settings
from tests.unit.test_cli import db_env, invoke  # noqa: F401  (db_env is a fixture)
from tests.video_scenes import DOOR, write_scene


@pytest.fixture
def cctv(db_env, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PEELIAN_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("PEELIAN_VIDEO_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    assert invoke("db", "upgrade").exit_code == 0
    video = write_scene(tmp_path / "yard.avi", frames=200)
    sent = invoke("cctv", "upload", "OP-YARD", str(video), "--camera", "Yard 2", "--clock-offset", "60",
                  "--camera-start", "2026-03-14T22:00:00+00:00")  # fmt: skip
    assert sent.exit_code == 0, sent.output
    return json.loads(invoke("cctv", "footage", "OP-YARD", "--json").output)[0]


def test_analyse_search_and_report(cctv):
    for command in (("analyse",), ("events",), ("report",), ("model", "list"), ("model", "enable")):
        assert invoke("video", *command, "--help").exit_code == 0
    footage_id = cctv["reference"]
    door = " ".join(f"{x},{y}" for x, y in DOOR)
    assert json.loads(invoke("video", "zone", footage_id, "door", "--points", door, "--json").output) == {
        "door": [[float(x), float(y)] for x, y in DOOR]
    }
    assert invoke("video", "zone", footage_id, "gate", "--points", "1,2 3").exit_code != 0
    assert invoke("video", "zone", footage_id, "gate", "--points", "1,1 5,1 5,5", "--remove").exit_code != 0
    assert "zones: door" in invoke("video", "zone", footage_id, "gate", "--points", "1,1 50,1 50,50").output
    assert "zones: door" in invoke("video", "zone", footage_id, "gate", "--remove").output
    done = invoke("video", "analyse", footage_id, "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["events"] >= 2 and summary["frames"] == 200 and summary["detector"] == "motion"
    again = invoke("video", "analyse", footage_id)
    assert again.exit_code == 1 and "analysed once" in again.output
    late = invoke("video", "zone", footage_id, "gate", "--points", "1,1 50,1 50,50")
    assert late.exit_code == 1 and "before analysis" in late.output
    entered = invoke("video", "events", "--case", "OP-YARD", "--zone", "door", "--purpose", "investigation",
                     "--case-ref", "OP-YARD", "--json")  # fmt: skip
    assert [e["kind"] for e in json.loads(entered.output)] == ["enters_zone"]

    refused = invoke("video", "events", "--case", "OP-YARD")
    assert refused.exit_code == 1 and "purpose" in refused.output.lower()
    found = invoke("video", "events", "--case", "OP-YARD", "--kind", "person_appears", "--purpose",
                   "investigation", "--case-ref", "OP-YARD", "--json")  # fmt: skip
    events = json.loads(found.output)
    assert events and {e["kind"] for e in events} == {"person_appears"}
    assert all(e["camera"] == "Yard 2" and e["lead_status"] == "open" for e in events)
    table = invoke(
        "video", "events", "--case", "OP-YARD", "--purpose", "investigation", "--case-ref", "OP-YARD"
    )
    assert "person_appears" in table.output and "Yard 2" in table.output
    bad = invoke("video", "events", "--case", "OP-YARD", "--kind", "dancing", "--purpose", "investigation",
                 "--case-ref", "OP-YARD")  # fmt: skip
    assert bad.exit_code == 1 and "event kind" in bad.output

    report = json.loads(invoke("video", "report", "OP-YARD", "--json").output)
    assert report["analysed"] == 1 and report["footage_hours"] == pytest.approx(20 / 3600, abs=1e-4)
    assert "saved" in invoke("video", "report", "OP-YARD").output
    assert invoke("video", "report", "OP-NONE").exit_code == 1


def test_model_slot_from_the_command_line(cctv, tmp_path):
    listed = json.loads(invoke("video", "model", "list", "--json").output)
    assert listed == {"enabled": "motion", "models": []}
    missing = invoke("video", "model", "enable", "nothing")
    assert missing.exit_code == 1 and "no model card" in missing.output
    assert invoke("video", "model", "disable").exit_code == 0
