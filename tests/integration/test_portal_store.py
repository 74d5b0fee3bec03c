"""A public report's life on both backends: stored as sent with its digest, tracked by code,
recorded through the ingest pipeline as a crime with its people and property, moved only along
the allowed stages, and redacted without touching the original."""

import hashlib

import pytest
from sqlalchemy import select

from peelian.db.schema import events, links, objects, persons, portal_reports
from peelian.errors import NotFound, PeelianError
from peelian.portal import check, parse, record, service

FORM = {
    "category": "bicycle",
    "account": "My bike was cut from the rack outside the station.",
    "location": "Station Road racks",
    "lat": "51.5202",
    "lon": "-0.0712",
    "time_from": "2026-11-01T08:00",
    "time_to": "2026-11-01T18:30",
    "name": "Alex Doe",
    "email": "alex@example.org",
    "is_victim": "yes",
    "item1_description": "Blue road bike",
    "item1_value": "650",
    "item1_serial": "WTU123456",
}


@pytest.fixture
def report(store):
    photo = check("lock.jpg", b"\xff\xd8\xff\xe0" + b"\x01" * 64)
    return store, service.submit(store, parse(FORM), [photo], service.client_hash(store, "192.0.2.1"))


def test_tracking_needs_the_right_code(report):
    engine, made = report
    assert made["reference"].startswith("PR-") and len(made["code"]) == 14
    report_id = service.open_case(engine, made["reference"].lower(), made["code"].lower())
    assert report_id == made["id"]
    for reference, code in [(made["reference"], "AAAA-AAAA-AAAA"), ("PR-ZZZZ-ZZZZ", made["code"])]:
        with pytest.raises(PeelianError, match="do not match"):
            service.open_case(engine, reference, code)
    case = service.case(engine, report_id)
    assert case["stage"] == "received" and case["files"][0]["name"] == "lock.jpg" and case["files_left"] == 4


def test_recording_writes_the_crime_people_and_property(report):
    engine, made = report
    with pytest.raises(PeelianError, match="cannot move"):
        service.advance(engine, made["id"], "sgt", "allocated", "", officer="PC 1")
    service.advance(engine, made["id"], "sgt", "assessed", "")
    event_id = record.record(engine, made["id"], "sgt")
    with engine.connect() as conn:
        event = conn.execute(select(events).where(events.c.id == event_id)).one()
        roles = dict(
            conn.execute(
                select(links.c.role, links.c.subject_type).where(links.c.object_id == event_id)
            ).all()
        )
        bike = conn.execute(select(objects.c.identifier, objects.c.kind)).one()
        reporter = conn.execute(select(persons.c.full_name, persons.c.attributes)).one()
        stage = conn.execute(select(portal_reports.c.stage, portal_reports.c.event_id)).one()
    assert event.category == "Bicycle theft" and event.location_id and event.source_system == "public.portal"
    assert roles == {"reporter": "person", "victim": "person", "stolen_in": "object"}
    assert tuple(bike) == ("WTU123456", "property")
    assert reporter.full_name == "Alex Doe" and reporter.attributes["email"] == "alex@example.org"
    assert tuple(stage) == ("recorded", event_id)
    with pytest.raises(PeelianError, match="cannot be recorded"):
        record.record(engine, made["id"], "sgt")
    service.advance(engine, made["id"], "sgt", "outcome", "Bike recovered and returned.")
    with pytest.raises(PeelianError, match="closed"):
        service.advance(engine, made["id"], "sgt", "allocated", "", officer="PC 1")


def test_redaction_applies_when_shown_and_recorded(report):
    engine, made = report
    service.redact(engine, made["id"], "sgt", "account", "contains a third party's details")
    with pytest.raises(PeelianError, match="only these"):
        service.redact(engine, made["id"], "sgt", "digest", "no")
    view = service.staff_view(engine, made["id"])
    assert view["answers"]["account"].startswith("[redacted:") and view["digest_ok"]
    record.record(engine, made["id"], "sgt")
    with engine.connect() as conn:
        kept = conn.execute(select(events.c.attributes)).scalar_one()
        original = conn.execute(select(portal_reports.c.submission)).scalar_one()
    assert kept["account"].startswith("[redacted:") and original["account"].startswith("My bike")


def test_senders_are_hashed_with_the_stores_own_key(report):
    engine, _ = report
    first = service.client_hash(engine, "192.0.2.1")
    assert first == service.client_hash(engine, "192.0.2.1") != service.client_hash(engine, "192.0.2.2")
    assert first != hashlib.sha256(b"192.0.2.1").hexdigest() and len(first) == 64
    with engine.connect() as conn:
        assert conn.execute(select(portal_reports.c.client)).scalar_one() == first


def test_unknown_reports_and_limits(report):
    engine, made = report
    with pytest.raises(NotFound):
        service.staff_view(engine, "pr_nothing")
    more = [check(f"p{i}.jpg", b"\xff\xd8\xff" + bytes([i])) for i in range(5)]
    with pytest.raises(PeelianError, match="at most 5 files"):
        service.add_evidence(engine, made["id"], more)
    assert len(service.case(engine, made["id"])["files"]) == 1  # refused whole: nothing half-added
    with pytest.raises(PeelianError, match="unknown stage"):
        service.queue(engine, "lost")
