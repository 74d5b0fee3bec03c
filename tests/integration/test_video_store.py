"""Footage analysed on both backends: a synthetic yard scene taken in through intake, analysed
into an event index whose every event is a lead; true times corrected for the camera clock;
search by kind, zone, camera and time; reports of footage against review time; a failed run is
recorded and may be retried; analysed once only."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from peelian.config import Settings
from peelian.db.schema import audit_log, leads, video_footage
from peelian.errors import PeelianError
from peelian.governance import audit
from peelian.governance.leads import judge
from peelian.video import intake, service
from tests.video_scenes import DOOR, write_scene

START = datetime(2026, 3, 14, 22, 0, 0, tzinfo=UTC)
OFFSET = 95.0  # the camera clock is 95 s fast


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(evidence_dir=tmp_path / "evidence", video_models_dir=tmp_path / "models")


def take_in(store, settings, path, case_ref="OP-YARD", zones=None) -> str:
    content = path.read_bytes()
    details = {
        "camera": "Yard camera 2",
        "location": "Rear yard, 4 Mill Lane",
        "owner": "Mill Lane Stores",
        "camera_start": START.isoformat(),
        "clock_offset_s": OFFSET,
        "zones": zones or {"door": DOOR},
    }
    upload = intake.start_upload(
        store,
        settings,
        case_ref=case_ref,
        uploaded_by="officer",
        name=path.name,
        total_bytes=len(content),
        details=details,
    )
    state = intake.append_chunk(store, settings, upload["id"], 0, content)
    return state["footage_id"]


@pytest.fixture
def analysed(store, settings, tmp_path):
    footage_id = take_in(store, settings, write_scene(tmp_path / "yard.avi"))
    stored = service.analyse_footage(store, settings, footage_id, "analyst")
    return footage_id, stored


def test_analysis_indexes_events_as_leads_with_corrected_times(store, settings, analysed):
    footage_id, stored = analysed
    found = service.search(store, footage_id=footage_id)
    kinds = {ev["kind"] for ev in found}
    assert {"person_appears", "enters_zone", "loitering", "vehicle_appears", "vehicle_stops"} <= kinds
    assert stored.events == len(found)
    door = next(ev for ev in found if ev["kind"] == "enters_zone")
    assert door["zone"] == "door"
    # true time = camera start + offset into the footage - the camera clock's error
    assert door["true_from"] == START + timedelta(seconds=door["media_from"] - OFFSET)
    assert all(ev["lead_status"] == "open" for ev in found)
    with store.connect() as conn:
        lead = conn.execute(select(leads).where(leads.c.id == door["lead_id"])).mappings().one()
    assert lead["lead_type"] == "video_event" and "Watch the footage" in lead["explanation"]
    assert lead["provenance"]["inputs"]["sha256"] == intake.footage(store, footage_id)["sha256"]
    image, case_ref = service.thumbnail(store, door["id"])
    assert image[:3] == b"\xff\xd8\xff" and case_ref == "OP-YARD"
    assert service.review_copy(settings, footage_id).stat().st_size > 0
    assert audit.verify(store).ok


def test_search_filters_and_confirmed_events_count_as_evidence(store, settings, analysed):
    footage_id, _ = analysed
    loiter = service.search(store, case_ref="OP-YARD", kind="loitering")
    assert loiter and all(ev["kind"] == "loitering" for ev in loiter)
    assert service.search(store, case_ref="OP-YARD", zone="door")
    assert service.search(store, case_ref="OP-YARD", camera="yard CAMERA")
    assert not service.search(store, case_ref="OP-YARD", camera="front")
    first = min(ev["true_from"] for ev in service.search(store, case_ref="OP-YARD"))
    assert not service.search(store, case_ref="OP-YARD", until=first - timedelta(seconds=1))
    assert service.search(store, case_ref="OP-YARD", since=first, until=first + timedelta(seconds=2))
    with pytest.raises(PeelianError, match="event kind"):
        service.search(store, case_ref="OP-YARD", kind="dancing")
    with pytest.raises(PeelianError, match="which case"):
        service.search(store)
    judge(store, loiter[0]["lead_id"], "accept", "Seen on the footage: waits by the door 30 s", "sergeant")
    report = service.footage_report(store, footage_id)
    assert report["events_by_decision"]["accepted"] == 1


def test_reports_set_footage_against_review_time(store, settings, analysed, tmp_path):
    footage_id, _ = analysed
    report = service.footage_report(store, footage_id)
    assert report["footage_hours"] == pytest.approx(42 / 3600, abs=1e-4)
    assert 0 < report["review_hours"] < report["footage_hours"]
    seconds = report["analysis"]
    assert report["review_reduction"] == pytest.approx(
        1 - seconds["review_seconds"] / seconds["footage_seconds"], abs=1e-3
    )
    second = take_in(store, settings, write_scene(tmp_path / "quiet.avi", frames=60))
    case = service.case_report(store, "OP-YARD")
    assert [v["id"] for v in case["videos"]] == [footage_id, second]
    assert case["analysed"] == 1 and case["footage_hours"] == report["footage_hours"]


def test_analysed_once_and_a_failure_is_recorded_then_retried(store, settings, analysed, tmp_path):
    footage_id, _ = analysed
    with pytest.raises(PeelianError, match="analysed once"):
        service.analyse_footage(store, settings, footage_id, "analyst")
    other = take_in(store, settings, write_scene(tmp_path / "other.avi", frames=80))
    original = intake.original_path(settings, intake.footage(store, other)["sha256"])
    original.chmod(0o644)
    kept = original.read_bytes()
    original.unlink()
    with pytest.raises(PeelianError, match="missing"):
        service.analyse_footage(store, settings, other, "analyst")
    with store.connect() as conn:
        row = conn.execute(select(video_footage).where(video_footage.c.id == other)).mappings().one()
        failed = conn.execute(
            select(audit_log).where(audit_log.c.action == "video.analysed", audit_log.c.outcome == "failed")
        ).all()
    assert row["status"] == "failed" and "missing" in row["analysis"]["error"] and len(failed) == 1
    original.write_bytes(kept)
    assert service.analyse_footage(store, settings, other, "analyst").events >= 1


def test_a_run_that_died_is_taken_over_only_when_stale(store, settings, tmp_path):
    footage_id = take_in(store, settings, write_scene(tmp_path / "stuck.avi", frames=60))
    started = datetime.now(UTC) - timedelta(minutes=5)
    with store.begin() as conn:
        conn.execute(
            update(video_footage)
            .where(video_footage.c.id == footage_id)
            .values(status="analysing", analysed_at=started)
        )
    with pytest.raises(PeelianError, match="is analysing"):
        service.analyse_footage(store, settings, footage_id, "analyst", review=False)
    with store.begin() as conn:
        conn.execute(
            update(video_footage)
            .where(video_footage.c.id == footage_id)
            .values(analysed_at=datetime.now(UTC) - service.STALE - timedelta(minutes=1))
        )
    assert service.analyse_footage(store, settings, footage_id, "analyst", review=False).footage == footage_id
