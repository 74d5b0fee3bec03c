"""CCTV review through the real app on both backends: the case and review pages for staff with a
purpose (and nobody else), analysis started from the page and finished in the background, the
event search API with its filters and its refusals, the review copy served in byte ranges (the
player seeks with them), thumbnails, and every read audited with the ids it returned.

One short yard scene is written per module and analysed once through the service."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from peelian.config import Settings
from peelian.governance import accounts, audit
from peelian.video import service
from peelian.web.app import create_app
from tests.conftest import BACKENDS, _store
from tests.integration.test_video_store import OFFSET, take_in
from tests.video_scenes import write_scene
from tests.web.conftest import PASSWORD, csrf_of, sign_in, with_declared_purpose

CASE = "OP-YARD"
PURPOSE = {"purpose": "investigation", "case_ref": CASE}
EBML = b"\x1a\x45\xdf\xa3"  # the first bytes of every WebM (Matroska) file


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return write_scene(tmp_path_factory.mktemp("scene") / "yard.avi", frames=200)


@pytest.fixture(scope="module", params=BACKENDS)
def video_app(request, tmp_path_factory, scene):
    """The app on a fresh store holding one analysed video on ``CASE``."""
    root = tmp_path_factory.mktemp("video")
    stores = _store(request, root, "EPSG:27700")
    engine = next(stores)
    settings = Settings(cookie_secure=False, evidence_dir=root / "evidence", video_models_dir=root / "models")
    for username, roles in (("analyst", ["analyst"]), ("officer", ["officer"]), ("citizen", ["public"])):
        accounts.create(engine, username, username.title(), PASSWORD, roles, actor="test")
    footage_id = take_in(engine, settings, scene, CASE)
    service.analyse_footage(engine, settings, footage_id, "analyst")
    app = create_app(engine, settings)
    app.state.totp = {}
    app.state.footage_id = footage_id
    yield app
    next(stores, None)


@pytest.fixture(scope="module")
def analyst(video_app) -> TestClient:
    return with_declared_purpose(video_app, PURPOSE)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def _last(app, path: str, actor: str = "analyst") -> dict:
    entries = audit.entries(app.state.engine, viewer="someone-else", actor=actor, newest_first=True)
    return next(e for e in entries if e["details"].get("path") == path)


def test_pages_need_staff_with_a_purpose(video_app, analyst):
    footage_id = video_app.state.footage_id
    no_purpose = sign_in(video_app, "analyst")
    page = no_purpose.get("/video", params={"case": CASE}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/purpose?next=/video"
    assert _problem(no_purpose.get(f"/api/video/footage/{footage_id}"), 428)["title"] == "Purpose required"
    citizen = sign_in(video_app, "citizen")
    for path in ("/video", f"/video/footage/{footage_id}", f"/api/video/footage/{footage_id}",
                 f"/video/footage/{footage_id}/review.webm", f"/api/video/cases/{CASE}"):  # fmt: skip
        assert citizen.get(path, follow_redirects=False).status_code == 403, path

    case_page = analyst.get("/video", params={"case": CASE})
    assert case_page.status_code == 200
    reference = service.footage_report(video_app.state.engine, footage_id)["reference"]
    for text in (reference, "Yard camera 2", "analysed", "Saved", "Review", "Find events"):
        assert text in case_page.text
    assert f'href="/video/footage/{footage_id}"' in case_page.text
    assert "/thumbnail.jpg" in case_page.text and "?t=" in case_page.text

    review = analyst.get(f"/video/footage/{footage_id}")
    assert review.status_code == 200
    assert "of footage" in review.text and "to watch" in review.text and "saved)" in review.text
    sha256 = service.footage_report(video_app.state.engine, footage_id)["sha256"]
    assert sha256 in review.text and f"{OFFSET:+.0f} s (fast)" in review.text
    assert f'src="/video/footage/{footage_id}/review.webm"' in review.text
    assert '<script type="application/json" id="video-data">' in review.text
    assert "Confirm" in review.text and "<script>" not in review.text.split("</head>", 1)[1]
    assert ' style="' not in review.text and ' style="' not in case_page.text  # CSP: no inline style

    officer = with_declared_purpose(video_app, PURPOSE, "officer")
    seen = officer.get(f"/video/footage/{footage_id}")
    assert seen.status_code == 200 and 'data-decision="accept"' not in seen.text  # officers do not judge
    nav = officer.get("/").text
    assert 'href="/video"' in nav


def test_analyse_from_the_page_finishes_in_the_background(video_app, analyst, scene):
    engine, settings = video_app.state.engine, video_app.state.settings
    footage_id = take_in(engine, settings, scene, "OP-YARD-2")
    page = analyst.get("/video", params={"case": "OP-YARD-2"})
    assert "received" in page.text and f'action="/video/footage/{footage_id}/analyse"' in page.text
    refused = analyst.post(
        f"/video/footage/{footage_id}/analyse", data={"back": "case"}, follow_redirects=False
    )
    assert refused.status_code == 403  # no CSRF token
    started = analyst.post(
        f"/video/footage/{footage_id}/analyse",
        data={"back": "case", "csrf_token": csrf_of(analyst)},
        follow_redirects=False,
    )
    assert started.status_code == 303 and started.headers["location"] == "/video?case=OP-YARD-2"
    deadline, status = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        status = analyst.get(f"/api/video/footage/{footage_id}").json()["status"]
        if status not in ("received", "analysing"):
            break
        time.sleep(0.5)
    assert status == "analysed"
    report = analyst.get(f"/api/video/footage/{footage_id}").json()
    assert report["events"] and report["review_copy_url"] == f"/video/footage/{footage_id}/review.webm"
    again = analyst.post(
        f"/api/video/footage/{footage_id}/analyse", headers={"X-CSRF-Token": csrf_of(analyst)}
    )
    assert "analysed once" in _problem(again, 409)["detail"]
    case = analyst.get("/api/video/cases/OP-YARD-2").json()
    assert case["analysed"] == 1 and case["footage_hours"] > 0 and case["review_reduction"] is not None


def test_event_search_api_and_its_filters(video_app, analyst):
    footage_id = video_app.state.footage_id
    everything = analyst.get("/api/video/events", params={"case": CASE}).json()
    assert everything["count"] == len(everything["events"]) > 3
    assert {e["footage_id"] for e in everything["events"]} == {footage_id}
    door = analyst.get("/api/video/events", params={"case": CASE, "kind": "enters_zone"}).json()["events"]
    assert door and all(e["kind"] == "enters_zone" and e["zone"] == "door" for e in door)
    assert analyst.get("/api/video/events", params={"case": CASE, "zone": "door"}).json()["count"] >= 1
    assert analyst.get("/api/video/events", params={"case": CASE, "camera": "YARD"}).json()["count"] == len(
        everything["events"]
    )
    assert analyst.get("/api/video/events", params={"case": CASE, "camera": "front"}).json()["count"] == 0
    by_footage = analyst.get("/api/video/events", params={"footage": footage_id, "limit": 2}).json()
    assert by_footage["count"] == 2
    first = datetime.fromisoformat(door[0]["true_from"])
    window = {"case": CASE, "since": first.isoformat(), "until": (first + timedelta(seconds=1)).isoformat()}
    assert door[0]["id"] in {
        e["id"] for e in analyst.get("/api/video/events", params=window).json()["events"]
    }
    before = {"case": CASE, "until": (first - timedelta(hours=1)).isoformat()}
    assert analyst.get("/api/video/events", params=before).json()["count"] == 0
    naive = {"case": CASE, "since": first.replace(tzinfo=None).isoformat(), "kind": "enters_zone"}
    assert analyst.get("/api/video/events", params=naive).json()["count"] == len(door)  # naive is UTC

    assert (
        "event kind"
        in _problem(analyst.get("/api/video/events", params={"case": CASE, "kind": "dancing"}), 400)["detail"]
    )
    assert (
        "ISO 8601"
        in _problem(analyst.get("/api/video/events", params={"case": CASE, "since": "yesterday"}), 400)[
            "detail"
        ]
    )
    backwards = {"case": CASE, "since": "2026-03-15T00:00Z", "until": "2026-03-14T00:00Z"}
    assert "ends before" in _problem(analyst.get("/api/video/events", params=backwards), 400)["detail"]
    assert "which case" in _problem(analyst.get("/api/video/events"), 400)["detail"]
    _problem(analyst.get("/api/video/events", params={"footage": "vf_NOT-HEX"}), 422)
    _problem(analyst.get("/api/video/events", params={"case": CASE, "limit": 0}), 422)

    report = analyst.get(f"/api/video/footage/{footage_id}").json()
    assert report["footage_hours"] > 0 and report["analysis"]["segments"]
    assert len(report["analysis"]["people_per_second"]) >= 19 and report["events_by_kind"]
    case = analyst.get(f"/api/video/cases/{CASE}").json()
    assert case["videos"][0]["id"] == footage_id and case["footage_hours"] == report["footage_hours"]
    assert "OP-NOWHERE" in _problem(analyst.get("/api/video/cases/OP-NOWHERE"), 404)["detail"]
    _problem(analyst.get("/api/video/footage/vf_0123456789abcdef"), 404)
    _problem(analyst.get("/api/video/footage/not-an-id"), 422)
    _problem(analyst.get("/api/video/footage/vf_0123' OR 1=1"), 422)
    schema = analyst.get("/api/openapi.json").json()["paths"]
    for path in ("/api/video/events", "/api/video/footage/{footage_id}", "/api/video/cases/{case_ref}",
                 "/api/video/footage/{footage_id}/analyse"):  # fmt: skip
        assert path in schema and "video" in next(iter(schema[path].values()))["tags"]


def test_the_search_page_reads_local_times(video_app, analyst):
    door = analyst.get("/api/video/events", params={"case": CASE, "kind": "enters_zone"}).json()["events"]
    first = datetime.fromisoformat(door[0]["true_from"])
    local = first.astimezone(ZoneInfo(video_app.state.settings.timezone)).replace(tzinfo=None)
    window = {"from": (local - timedelta(seconds=1)).isoformat(timespec="seconds"),
              "to": (local + timedelta(seconds=1)).isoformat(timespec="seconds")}  # fmt: skip
    page = analyst.get("/video", params={"case": CASE, "kind": "enters_zone"} | window)
    assert page.status_code == 200 and f'data-event="{door[0]["id"]}"' in page.text
    early = {"from": "2000-01-01T00:00", "to": "2000-01-02T00:00"}
    assert 'data-event="' not in analyst.get("/video", params={"case": CASE} | early).text
    bad = analyst.get("/video", params={"case": CASE, "kind": "dancing"})
    assert bad.status_code == 400 and "event kind must be one of" in bad.text
    assert analyst.get("/video", params={"case": CASE, "from": "soon"}).status_code == 400
    none_yet = analyst.get("/video", params={"case": "OP-EMPTY"})
    assert none_yet.status_code == 200 and "no footage on OP-EMPTY yet" in none_yet.text


def test_review_copy_is_served_in_ranges(video_app, analyst):
    footage_id = video_app.state.footage_id
    url = f"/video/footage/{footage_id}/review.webm"
    whole = analyst.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/webm"
    assert whole.headers["accept-ranges"] == "bytes" and whole.content[:4] == EBML
    assert whole.headers["cache-control"] == "no-store"
    part = analyst.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100 and part.content == whole.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(whole.content)}"
    tail = analyst.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    assert analyst.get(url, headers={"Range": f"bytes={len(whole.content) + 5}-"}).status_code == 416
    entry = _last(video_app, url)
    assert entry["details"]["records"]["ids"] == [footage_id] and entry["case_ref"] == CASE


def test_thumbnails_are_jpeg_and_bad_ids_are_refused(video_app, analyst):
    event = analyst.get("/api/video/events", params={"case": CASE}).json()["events"][0]
    image = analyst.get(event["thumbnail_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    assert analyst.get("/video/events/ve_0123456789abcdef/thumbnail.jpg").status_code == 404
    assert analyst.get("/video/events/ve_XYZ/thumbnail.jpg").status_code == 422
    assert analyst.get("/video/footage/vf_0123456789abcdef").status_code == 404
    assert analyst.get("/video/footage/vf_0123456789abcdef/review.webm").status_code == 404


def test_event_reads_are_audited_with_their_ids(video_app, analyst):
    found = analyst.get("/api/video/events", params={"case": CASE}).json()["events"]
    entry = _last(video_app, "/api/video/events")
    assert entry["purpose"] == "investigation" and entry["case_ref"] == CASE
    assert entry["details"]["records"]["ids"] == [e["id"] for e in found]
    assert entry["details"]["records"]["count"] == len(found)
    footage_id = video_app.state.footage_id
    analyst.get(f"/video/footage/{footage_id}")
    page = _last(video_app, f"/video/footage/{footage_id}")["details"]["records"]
    assert page["ids"][0] == footage_id and set(page["ids"][1:]) == {e["id"] for e in found}
    assert audit.verify(video_app.state.engine).ok


def test_a_confirmed_event_counts_as_evidence(video_app, analyst):
    footage_id = video_app.state.footage_id
    event = analyst.get("/api/video/events", params={"case": CASE, "kind": "enters_zone"}).json()["events"][0]
    judged = analyst.post(
        f"/api/leads/{event['lead_id']}/judgements",
        json={"decision": "accept", "reason": "Watched it: a person goes to the door"},
        headers={"X-CSRF-Token": csrf_of(analyst)},
    )
    assert judged.status_code == 201 and judged.json()["status"] == "accepted"
    report = analyst.get(f"/api/video/footage/{footage_id}").json()
    assert report["events_by_decision"].get("accepted") == 1
    accepted = next(e for e in report["events"] if e["id"] == event["id"])
    assert accepted["lead_status"] == "accepted"
