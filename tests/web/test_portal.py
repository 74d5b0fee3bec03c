"""The public portal and its staff triage through the real app on a real store: a report with a
photo gets a reference and code at once; tracking, messages and evidence; triage records a crime
in the POLE store; and abuse is refused (honeypot, speed, disguised and oversized uploads, rate
limits, missing form tokens) with nothing stored, while HTML in a report stays inert."""

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from peelian.db import make_engine, upgrade
from peelian.db.schema import audit_log, events, links, portal_reports
from tests.web.conftest import csrf_of, staffed_app, with_declared_purpose

PURPOSE = {"purpose": "investigation", "case_ref": "TRIAGE-1"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
ANSWERS = {
    "danger_now": "no",
    "offender_present": "no",
    "injured": "no",
    "category": "burglary_home",
    "account": "They forced the back door. <script>alert('x')</script>",
    "location": "12 High Street",
    "postcode": "E1 6AN",
    "time_from": "2026-11-01T18:00",
    "time_to": "2026-11-01T23:30",
    "name": "Jo Bloggs",
    "email": "jo@example.org",
    "is_victim": "yes",
    "item1_description": "Laptop",
    "item1_value": "800",
    "item1_serial": "SN-123",
    "suspect_description": "a tall man in a red coat",
}


@pytest.fixture
def app(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    upgrade(engine, "EPSG:27700")
    application = staffed_app(engine)
    yield application
    engine.dispose()


def form_of(client: TestClient, path: str = "/report") -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    started = re.search(r'name="started" value="([^"]+)"', page.text)
    return {"form_token": token} | ({"started": str(float(started.group(1)) - 10)} if started else {})


def send(client: TestClient, answers: dict, files=None):
    return client.post("/report", data=form_of(client) | answers, files=files or [])


def stored(app) -> int:
    with app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(portal_reports)).scalar_one()


def made(response) -> tuple[str, str]:
    reference = re.search(r'id="reference">(PR-[A-Z0-9-]+)<', response.text).group(1)
    code = re.search(r'id="tracking-code">([A-Z0-9-]+)<', response.text).group(1)
    return reference, code


def test_a_report_gets_a_reference_and_is_tracked(app):
    public = TestClient(app)
    sent = send(public, ANSWERS, [("evidence", ("door.jpg", JPEG, "image/jpeg"))])
    assert sent.status_code == 201, sent.text
    reference, code = made(sent)
    wrong = public.post(
        "/track", data=form_of(public, "/track") | {"reference": reference, "code": "AAAA-AAAA-AAAA"}
    )
    assert wrong.status_code == 400 and "do not match" in wrong.text
    opened = public.post("/track", data=form_of(public, "/track") | {"reference": reference, "code": code})
    assert opened.status_code == 200 and 'id="case-stage">Received<' in opened.text
    assert "door.jpg" in opened.text
    reply = public.post(
        "/track/case",
        data=form_of(public, "/track/case") | {"message": "I found a footprint"},
        files=[("evidence", ("print.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"))],
    )
    assert reply.status_code == 200 and "I found a footprint" in reply.text and "print.png" in reply.text
    stranger = TestClient(app)
    assert stranger.get("/track/case", follow_redirects=False).headers["location"] == "/track"


def test_triage_records_a_crime_in_the_store(app):
    public = TestClient(app)
    reference, code = made(send(public, ANSWERS, [("evidence", ("door.jpg", JPEG, "image/jpeg"))]))
    officer = with_declared_purpose(app, PURPOSE, "officer")
    queue = officer.get("/portal/triage")
    report_id = re.search(r'href="/portal/triage/(pr_[0-9a-f]+)">' + reference, queue.text).group(1)
    page = officer.get(f"/portal/triage/{report_id}")
    assert "&lt;script&gt;alert" in page.text and "<script>alert" not in page.text  # inert
    assert "(intact)" in page.text
    download = officer.get(
        re.search(r'href="(/portal/triage/pr_[0-9a-f]+/files/pf_[0-9a-f]+)"', page.text).group(1)
    )
    assert download.content == JPEG and download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"].startswith("attachment")
    csrf = csrf_of(officer)
    no_reason = officer.post(
        f"/portal/triage/{report_id}/stage", data={"csrf_token": csrf, "stage": "no_crime"}
    )
    assert no_reason.status_code == 400 and "say why" in no_reason.text
    recorded = officer.post(
        f"/portal/triage/{report_id}/stage", data={"csrf_token": csrf, "stage": "recorded"}
    )
    assert recorded.status_code == 200 and 'id="report-stage">Recorded as a crime<' in recorded.text
    with app.state.engine.connect() as conn:
        event = conn.execute(select(events).where(events.c.natural_key == reference)).one()
        roles = sorted(r for (r,) in conn.execute(select(links.c.role).where(links.c.object_id == event.id)))
    assert event.category == "Burglary - residential" and event.time_precision == "range"
    assert roles == ["reporter", "stolen_in", "suspect", "victim"]
    allocated = officer.post(
        f"/portal/triage/{report_id}/stage",
        data={"csrf_token": csrf, "stage": "allocated", "officer": "PC 123 Smith"},
    )
    assert allocated.status_code == 200
    officer.post(
        f"/portal/triage/{report_id}/message", data={"csrf_token": csrf, "body": "Can we visit on Monday?"}
    )
    public.post("/track", data=form_of(public, "/track") | {"reference": reference, "code": code})
    case = public.get("/track/case").text
    assert "Recorded as a crime" in case or "Recorded" in case
    assert "PC 123 Smith" in case and "Can we visit on Monday?" in case
    with app.state.engine.connect() as conn:
        actions = {
            a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.actor == "officer"))
        }
    assert {"portal.recorded", "portal.allocated", "portal.message"} <= actions


def test_redaction_keeps_the_original(app):
    public = TestClient(app)
    assert send(public, ANSWERS).status_code == 201
    officer = with_declared_purpose(app, PURPOSE, "officer")
    report_id = re.search(r'href="/portal/triage/(pr_[0-9a-f]+)"', officer.get("/portal/triage").text).group(
        1
    )
    done = officer.post(
        f"/portal/triage/{report_id}/redact",
        data={
            "csrf_token": csrf_of(officer),
            "field": "suspect_description",
            "reason": "names a third party",
        },
    )
    assert done.status_code == 200 and "[redacted: names a third party]" in done.text
    assert "red coat" not in done.text
    with app.state.engine.connect() as conn:
        original = conn.execute(select(portal_reports.c.submission)).scalar_one()
    assert original["suspect_description"] == "a tall man in a red coat"
    assert "(intact)" in done.text


def test_the_999_interrupt_stores_nothing(app):
    public = TestClient(app)
    answer = send(public, ANSWERS | {"offender_present": "yes"})
    assert answer.status_code == 200 and "Call 999 now" in answer.text and "still there" in answer.text
    words = send(public, ANSWERS | {"account": "He is still inside the house"})
    assert "Call 999 now" in words.text
    assert stored(app) == 0


def test_bots_and_bad_files_are_refused_and_nothing_is_stored(app):
    public = TestClient(app)
    assert send(public, ANSWERS | {"website": "http://spam.example"}).status_code == 400
    fast = public.post("/report", data=form_of(public) | ANSWERS | {"started": str(time.time())})
    assert fast.status_code == 400
    program = b"MZ\x90\x00" + b"\x00" * 500
    disguised = send(public, ANSWERS, [("evidence", ("photo.jpg", program, "image/jpeg"))])
    assert disguised.status_code == 400 and "is not a photo" in disguised.text
    assert 'value="Jo Bloggs"' in disguised.text  # the answers come back: nothing typed is lost
    huge = send(public, ANSWERS, [("evidence", ("big.jpg", JPEG + b"\x00" * (10 * 1024**2), "image/jpeg"))])
    assert huge.status_code == 400 and "larger than 10 MB" in huge.text
    no_token = public.post("/report", data=ANSWERS)
    assert no_token.status_code == 403
    bad = send(public, ANSWERS | {"postcode": "NOT A CODE", "time_from": "yesterday"})
    assert bad.status_code == 400
    assert stored(app) == 0


def test_reports_and_tracking_are_rate_limited(app):
    public = TestClient(app)
    answers = [send(public, ANSWERS).status_code for _ in range(6)]
    assert answers == [201] * 5 + [429]
    guesses = [
        public.post(
            "/track", data=form_of(public, "/track") | {"reference": "PR-AAAA-AAAA", "code": "X"}
        ).status_code
        for _ in range(11)
    ]
    assert guesses == [400] * 10 + [429]
    assert stored(app) == 5


def test_staff_only_and_purpose_bound(app):
    public = TestClient(app)
    assert public.get("/portal/triage", follow_redirects=False).status_code in (303, 401)
    assert public.get("/api/portal/reports").status_code == 401
    analyst = with_declared_purpose(app, PURPOSE)
    assert analyst.get("/api/portal/reports").status_code == 200
    assert analyst.get("/api/portal/reports/not-an-id").status_code == 422
    assert analyst.get("/api/portal/reports/pr_0123456789abcdef").status_code == 404
