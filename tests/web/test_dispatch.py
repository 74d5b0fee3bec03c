"""The control room and the officer's phone through the real app: a purpose first; a call logged,
graded with reasons, the grade confirmed or overridden; the recommended unit assigned; the
officer's job with one-tap updates that set their purpose to the incident; bad input refused."""

import re

import pytest
from sqlalchemy import select

from peelian.db import make_engine, upgrade
from peelian.db.schema import audit_log
from peelian.dispatch import control
from tests.web.conftest import csrf_of, sign_in, staffed_app, with_declared_purpose

PURPOSE = {"purpose": "investigation", "case_ref": "CONTROL-ROOM"}
CALL = {
    "text": "Two men fighting outside the pub, one has a knife, happening now",
    "location_text": "The Crown, 1 High Street",
    "lat": "51.5200",
    "lon": "-0.0700",
    "caller": "Landlord",
}


@pytest.fixture
def app(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'control.db'}")
    upgrade(engine, "EPSG:27700")
    control.add_unit(engine, "MP-1", "officer", -0.0710, 51.5205, account="officer")
    control.add_unit(engine, "MP-2", "vehicle", -0.1200, 51.5100)
    control.add_unit(engine, "DR-1", "drone", -0.0750, 51.5210)
    application = staffed_app(engine)
    yield application
    engine.dispose()


def logged(client) -> str:
    made = client.post("/dispatch/calls", data=CALL | {"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert made.status_code == 303
    return made.headers["location"]


def test_a_call_is_graded_and_the_recommended_unit_sent(app):
    handler = with_declared_purpose(app, PURPOSE, "officer")
    page = handler.get(logged(handler))
    assert "Immediate (suggested)" in page.text and 'id="grade-reasons"' in page.text
    recommended = re.findall(r'aria-label="Assign ([A-Z0-9-]+)"', page.text)
    assert recommended == ["MP-1", "MP-2"]  # nearest first
    assert 'aria-label="Launch DR-1"' in page.text and "does not count as attendance" in page.text
    incident_path = page.url.path
    csrf = csrf_of(handler)
    override = handler.post(f"{incident_path}/grade", data={"csrf_token": csrf, "grade": "Priority"})
    assert override.status_code == 400 and "say why" in override.text
    handler.post(f"{incident_path}/grade", data={"csrf_token": csrf, "grade": "Immediate"})
    sent = handler.post(f"{incident_path}/assign", data={"csrf_token": csrf, "unit": "MP-1"})
    assert sent.status_code == 200 and "MP-1 (officer) assigned" in sent.text
    again = handler.post(f"{incident_path}/assign", data={"csrf_token": csrf, "unit": "MP-1"})
    assert again.status_code == 400 and "not available" in again.text
    board = handler.get("/dispatch")
    assert "Immediate" in board.text and CALL["location_text"] in board.text


def test_the_officers_job_on_a_phone(app):
    handler = with_declared_purpose(app, PURPOSE, "officer")
    incident_path = logged(handler)
    handler.post(f"{incident_path}/assign", data={"csrf_token": csrf_of(handler), "unit": "MP-1"})
    phone = sign_in(app, "officer")  # no purpose declared: the job sets it
    job = phone.get("/job")
    reference = re.search(r"(INC-\d{8}-[0-9A-F]{6})", job.text).group(1)
    assert job.status_code == 200 and 'id="job-map"' in job.text and "On my way" in job.text
    assert phone.get("/api/dispatch/response-times").status_code == 200  # the purpose now holds
    for status in ("en_route", "at_scene"):
        assert (
            phone.post("/job/status", data={"csrf_token": csrf_of(phone), "status": status}).status_code
            == 200
        )
    times = phone.get("/api/dispatch/response-times").json()
    assert times["Immediate"]["attended"] == 1
    phone.post("/job/status", data={"csrf_token": csrf_of(phone), "status": "available"})
    assert "no job" in phone.get("/job").text
    with app.state.engine.connect() as conn:
        entries = conn.execute(
            select(audit_log.c.purpose, audit_log.c.case_ref).where(audit_log.c.action == "dispatch.job_view")
        ).all()
    assert ("response", reference) in entries


def test_refusals(app):
    analyst = with_declared_purpose(app, PURPOSE)
    assert analyst.get("/dispatch").status_code == 403  # analysts do not run the control room
    assert sign_in(app, "analyst").get("/job").status_code == 403
    handler = with_declared_purpose(app, PURPOSE, "officer")
    bad = handler.post("/dispatch/calls", data=CALL | {"lat": "north", "csrf_token": csrf_of(handler)})
    assert bad.status_code == 400 and 'value="Landlord"' in bad.text  # what was typed comes back
    outside = handler.post("/dispatch/calls", data=CALL | {"lat": "10", "csrf_token": csrf_of(handler)})
    assert outside.status_code == 400 and "outside the area" in outside.text
    assert handler.get("/dispatch/incidents/not-an-id").status_code == 422
    assert handler.get("/api/dispatch/incidents/in_0123456789abcdef").status_code == 404
    no_csrf = handler.post("/dispatch/calls", data=CALL)
    assert no_csrf.status_code == 403
