"""The CCTV intake through the real app on both backends: staff make and withdraw upload links on
a purpose-bound page and send footage over the JSON API; a business sends through its link and
nothing else; wrong, expired and withdrawn links, wrong offsets, non-video and floods are refused."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from peelian.config import Settings
from peelian.db.schema import video_links
from peelian.governance import accounts, audit, sessions
from peelian.web.app import create_app
from tests.integration.test_cctv_intake import make_video
from tests.web.conftest import PASSWORD, csrf_of, with_declared_purpose

CASE = {"purpose": "investigation", "case_ref": "OP-CCTV-7"}
CHUNK = 8192


@pytest.fixture
def app(store, tmp_path):
    accounts.create(store, "officer", "Oli Officer", PASSWORD, ["officer"], actor="test")
    application = create_app(store, Settings(cookie_secure=False, evidence_dir=tmp_path / "evidence"))
    application.state.totp = {}
    return application


@pytest.fixture
def video(tmp_path) -> bytes:
    return make_video(tmp_path / "shop.avi").read_bytes()


@pytest.fixture
def officer(app) -> TestClient:
    return with_declared_purpose(app, CASE, "officer")


def _new_link(officer: TestClient, owner: str = "Corner Shop") -> str:
    """Make a link on the staff page; the token from the URL shown once."""
    form = {"case_ref": "OP-CCTV-7", "audience": "business", "owner": owner, "days": "3"}
    page = officer.post("/cctv/links", data=form | {"csrf_token": csrf_of(officer)})
    assert page.status_code == 200 and "It is shown only now" in page.text
    return re.search(
        r'id="new-link" readonly value="http://testserver/cctv/upload/([^"]+)"', page.text
    ).group(1)


def _send(client: TestClient, url: str, content: bytes, headers: dict | None = None) -> dict:
    done = {}
    for offset in range(0, len(content), CHUNK):
        sent = {"Content-Type": "application/octet-stream"} | (headers or {})
        response = client.put(
            url, params={"offset": offset}, content=content[offset : offset + CHUNK], headers=sent
        )
        assert response.status_code == 200, response.text
        done = response.json()
    return done


def test_the_staff_page_is_purpose_bound_and_makes_and_withdraws_links(app, officer):
    bare = TestClient(app)
    assert bare.get("/cctv", follow_redirects=False).headers["location"].startswith("/sign-in")
    page = officer.get("/cctv")  # the declared case unless another is asked for
    assert page.status_code == 200 and "CCTV evidence for OP-CCTV-7" in page.text
    assert "No footage yet." in page.text and "No links yet." in page.text

    token = _new_link(officer)
    public = TestClient(app)
    shown = public.get(f"/cctv/upload/{token}", headers={"Accept": "text/html"})
    assert shown.status_code == 200 and "OP-CCTV-7" in shown.text and "Corner Shop" in shown.text
    assert "/static/cctv_upload.js" in shown.text and "<script>" not in shown.text
    [link] = re.findall(r'action="/cctv/links/(vl_[0-9a-f]+)/revoke"', officer.get("/cctv").text)
    assert token not in officer.get("/cctv").text  # shown once only

    refused = officer.post(
        f"/cctv/links/{link}/revoke", data={"case_ref": "OP-CCTV-7"}, follow_redirects=False
    )
    assert refused.status_code == 403  # no CSRF token
    withdrawn = officer.post(f"/cctv/links/{link}/revoke", data={"case_ref": "OP-CCTV-7",
                             "csrf_token": csrf_of(officer)}, follow_redirects=False)  # fmt: skip
    assert (
        withdrawn.status_code == 303
        and withdrawn.headers["location"] == "/cctv?case=OP-CCTV-7&done=withdrawn"
    )
    assert "revoked" in officer.get("/cctv", params={"case": "OP-CCTV-7"}).text
    gone = public.get(f"/cctv/upload/{token}", headers={"Accept": "text/html"})
    assert gone.status_code == 403 and "does not work" in gone.text
    again = officer.post(
        f"/cctv/links/{link}/revoke", data={"case_ref": "OP-CCTV-7", "csrf_token": csrf_of(officer)}
    )
    assert again.status_code == 400 and "already withdrawn" in again.text
    bad = officer.post("/cctv/links", data={"case_ref": "<b>", "csrf_token": csrf_of(officer)})
    assert bad.status_code == 400 and "a case reference is" in bad.text


def test_a_business_uploads_through_its_link_and_nowhere_else(app, officer, video):
    token, other = _new_link(officer), _new_link(officer, "Next Door")
    public = TestClient(app)
    base = f"/api/cctv/links/{token}/uploads"
    details = {"camera": "Door", "location": "Shop front", "clock_offset_s": -42}
    opened = public.post(base, json={"name": "door.avi", "total_bytes": len(video), "details": details})
    assert opened.status_code == 201, opened.text
    upload = opened.json()
    assert upload["url"] == f"{base}/{upload['id']}" and upload["received_bytes"] == 0
    assert upload["chunk_bytes"] == 16 * 1024**2

    first = public.put(upload["url"], params={"offset": 0}, content=video[:CHUNK])
    assert first.json()["received_bytes"] == CHUNK and not first.json()["complete"]
    wrong = public.put(upload["url"], params={"offset": 0}, content=video[:CHUNK])
    assert wrong.status_code == 409 and wrong.headers["upload-offset"] == str(CHUNK)
    assert (
        wrong.headers["content-type"] == "application/problem+json"
        and f"offset {CHUNK}" in wrong.json()["detail"]
    )
    assert public.get(upload["url"]).json()["received_bytes"] == CHUNK

    theirs = f"/api/cctv/links/{other}/uploads/{upload['id']}"  # another link's holder
    assert public.get(theirs).status_code == 404
    assert public.put(theirs, params={"offset": CHUNK}, content=video[CHUNK : 2 * CHUNK]).status_code == 404
    for dead in ("not-a-token", token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert public.get(f"/api/cctv/links/{dead}/uploads/{upload['id']}").status_code == 403
    done = {}
    for offset in range(CHUNK, len(video), CHUNK):
        done = public.put(
            upload["url"], params={"offset": offset}, content=video[offset : offset + CHUNK]
        ).json()
    assert done["complete"] and done["sha256"] == hashlib.sha256(video).hexdigest()
    assert done["reference"].startswith("CCTV-")

    page = officer.get("/cctv").text
    assert done["sha256"] in page and done["reference"] in page and "Shop front" in page and "-42" in page
    trail = list(audit.entries(app.state.engine, viewer="nobody"))
    [custody] = [e for e in trail if e["action"] == "video.received"]
    assert custody["details"]["sha256"] == done["sha256"] and custody["actor"].startswith("link:vl_")
    assert audit.verify(app.state.engine).ok
    # the token is the link's credential: the trail names the route, never the token itself
    assert token not in str(trail) and any("/api/cctv/links/{token}/uploads" in str(e) for e in trail)


def test_expired_links_non_video_and_floods_are_refused(app, officer, video):
    token = _new_link(officer)
    public = TestClient(app)
    base = f"/api/cctv/links/{token}/uploads"
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 4000
    upload = public.post(base, json={"name": "x.jpg", "total_bytes": len(photo)}).json()
    refused = public.put(upload["url"], params={"offset": 0}, content=photo)
    assert refused.status_code == 415 and "not a video file" in refused.json()["detail"]
    too_big = public.post(base, json={"name": "big.avi", "total_bytes": 21 * 1024**3})
    assert too_big.status_code == 400 and "files up to" in too_big.json()["detail"]
    unknown = public.post(base, json={"name": "a.avi", "total_bytes": 10, "details": {"colour": "red"}})
    assert unknown.status_code == 400 and "unknown detail" in unknown.json()["detail"]
    assert (
        public.post(base, json={"name": "a.avi", "total_bytes": 10, "case_ref": "OTHER"}).status_code == 422
    )
    flood = [public.post(base, json={"name": "a.avi", "total_bytes": 10}).status_code for _ in range(20)]
    assert flood.count(429) == 3  # 20 an hour from one connection; three were opened above

    with app.state.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(update(video_links).values(expires_at=past))
    assert public.get(f"/cctv/upload/{token}").status_code == 403
    assert public.get(f"{base}/{upload['id']}").status_code == 403


def test_staff_send_footage_with_their_session_or_a_token(app, officer, video):
    opened = officer.post("/api/cctv/uploads", json={"case_ref": "OP-CCTV-7", "name": "bodycam.avi",
                          "total_bytes": len(video)}, headers={"X-CSRF-Token": csrf_of(officer)})  # fmt: skip
    assert opened.status_code == 201, opened.text
    url = opened.json()["url"]
    assert officer.put(url, params={"offset": 0}, content=video[:CHUNK]).status_code == 403  # no CSRF
    done = _send(officer, url, video, {"X-CSRF-Token": csrf_of(officer)})
    assert done["complete"] and done["sha256"] == hashlib.sha256(video).hexdigest()
    assert officer.get(url).json()["status"] == "complete"

    token = sessions.issue_token(app.state.engine, "officer", "body-worn video sync")
    script = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    assert script.post("/api/cctv/uploads", json={}, headers=auth).status_code == 428  # purpose first
    auth |= {"X-Purpose": "investigation", "X-Case-Ref": "OP-CCTV-7"}
    body = {"case_ref": "OP-CCTV-7", "name": "again.avi", "total_bytes": len(video)}
    started = script.post("/api/cctv/uploads", headers=auth, json=body)
    again = _send(script, started.json()["url"], video, auth)
    assert again["sha256"] == done["sha256"] and again["reference"] != done["reference"]
    huge = script.put(started.json()["url"], params={"offset": 0}, content=b"\x00" * (16 * 1024**2 + 1),
                      headers=auth)  # fmt: skip
    assert huge.status_code == 413
    page = officer.get("/cctv").text
    assert page.count(done["sha256"]) == 2 and page.count(">officer<") == 2
