"""Command and control on both backends: a call graded by the assistant (a lead) and confirmed or
overridden by the handler (its judgement), the nearest available unit recommended and sent, a
drone that never counts as attendance, the officer's status updates timing the response, and
the officer's job with what the store holds near the address."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from peelian.db.schema import judgements
from peelian.dispatch import control, jobview
from peelian.errors import NotFound, PeelianError
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from tests.unit.test_police_uk import row, write

SCENE = (-0.0700, 51.5200)


@pytest.fixture
def room(store):
    control.add_unit(store, "MP-1", "officer", -0.0710, 51.5205, account="pc_near")  # ~100 m
    control.add_unit(store, "MP-2", "officer", -0.1500, 51.5000, account="pc_far")  # ~6 km
    control.add_unit(store, "DR-1", "drone", -0.0750, 51.5210)
    control.add_site(store, "S1", "Station", -0.0800, 51.5250, drones=2)
    return store


def test_a_call_is_graded_recommended_and_attended(room):
    made = control.log_call(
        room, "handler", "A man with a knife is threatening staff in the shop now", "1 High St", *SCENE
    )
    assert made["suggested_grade"] == "Immediate" and made["grading"]["reasons"]
    advice = control.recommendation(room, made["id"])
    assert [u["id"] for u in advice["units"]][:2] == ["MP-1", "MP-2"]
    assert advice["units"][0]["within_target"] and advice["drones"]
    assert "not count as attendance" in advice["note"]
    with pytest.raises(PeelianError, match="say why"):
        control.confirm_grade(room, made["id"], "handler", "Priority")
    control.confirm_grade(room, made["id"], "handler", "Immediate")
    control.assign(room, made["id"], "DR-1", "handler")
    assert control.incident(room, made["id"])["status"] == "open"  # a drone is not attendance
    control.unit_status(room, "DR-1", "at_scene", "handler")
    assert control.incident(room, made["id"])["arrived_at"] is None
    control.assign(room, made["id"], "MP-1", "handler")
    with pytest.raises(PeelianError, match="not available"):
        control.assign(room, made["id"], "MP-1", "handler")
    control.unit_status(room, "MP-1", "en_route", "pc_near")
    control.unit_status(room, "MP-1", "at_scene", "pc_near")
    found = control.incident(room, made["id"])
    assert found["status"] == "at_scene" and found["arrived_at"] is not None
    control.unit_status(room, "MP-1", "available", "pc_near")
    assert control.incident(room, made["id"])["status"] == "closed"
    times = control.response_times(room)
    assert times["Immediate"]["attended"] == 1 and times["Immediate"]["within_target"] == 1.0


def test_an_override_is_a_judgement_on_the_lead(room):
    made = control.log_call(room, "handler", "My shed was broken into last week", "2 High St", *SCENE)
    assert made["suggested_grade"] != "Immediate"
    control.confirm_grade(room, made["id"], "handler", "Priority", "repeat victim, third time this month")
    with room.connect() as conn:
        judged = conn.execute(select(judgements.c.decision, judgements.c.reason)).all()
    assert judged == [("reject", "repeat victim, third time this month")]
    assert control.incident(room, made["id"])["grade"] == "Priority"


def test_refusals(room):
    for text, where, lon, lat in [("", "x", *SCENE), ("help", "", *SCENE), ("help", "x", 120.0, 10.0)]:
        with pytest.raises(PeelianError):
            control.log_call(room, "handler", text, where, lon, lat)
    with pytest.raises(PeelianError, match="unknown call facts"):
        control.log_call(room, "handler", "help", "x", *SCENE, flags={"aliens": True})
    with pytest.raises(NotFound):
        control.assign(room, "in_nothing", "MP-1", "handler")
    with pytest.raises(PeelianError, match="unit reports"):
        control.unit_status(room, "MP-1", "flying", "pc_near")


def test_the_officers_job_shows_what_is_near_first(room, tmp_path):
    month = f"{datetime.now(UTC) - timedelta(days=62):%Y-%m}"  # within the three years the job looks back
    crimes = [
        row("w1", month, crime_type="Possession of weapons", lon="-0.0701", lat="51.5201"),
        row("b1", month, crime_type="Burglary", lon="-0.0702", lat="51.5199"),
        row("far", month, crime_type="Possession of weapons", lon="-0.0900", lat="51.5300"),
        row("old", "2015-06", crime_type="Possession of weapons", lon="-0.0700", lat="51.5200"),
    ]
    ingest(room, PoliceUkAdapter(), write(tmp_path / "in", crimes), 1000, 1 << 30)
    earlier = control.log_call(room, "handler", "Shots fired", "1 High St", *SCENE)
    made = control.log_call(room, "handler", "Loud argument next door", "1 High St", *SCENE)
    control.assign(room, made["id"], "MP-1", "handler")
    job = jobview.job(room, "pc_near")
    assert job["incident"]["reference"] == made["reference"]
    categories = [h["category"] for h in job["history"]]
    assert categories and "Possession of weapons" in categories and len(categories) == 2  # not the far one
    assert job["history"][0]["warning"]  # warnings first
    assert earlier["reference"] in {i["reference"] for i in job["incidents_near"]}
    assert jobview.job(room, "pc_far")["incident"] is None
    with pytest.raises(NotFound):
        jobview.job(room, "nobody")


def test_a_road_network_changes_who_is_quickest(room, tmp_path):
    made = control.log_call(
        room, "handler", "A man with a knife is threatening staff right now", "1 High St", *SCENE
    )
    fleet = control.units(room).set_index("id")
    near, far, scene = fleet.loc["MP-1"], fleet.loc["MP-2"], (made["x"], made["y"])
    detour = (scene[0], scene[1] + 20_000)  # the near unit is across a river: 20 km round by the bridge
    roads = pd.DataFrame(
        [
            (near["x"], near["y"], *detour),
            (*detour, *scene),
            (far["x"], far["y"], *scene),
        ],
        columns=["x1", "y1", "x2", "y2"],
    )
    path = tmp_path / "roads.csv"
    roads.to_csv(path, index=False)
    by_distance = control.recommendation(room, made["id"])
    by_road = control.recommendation(room, made["id"], network=control.road_network(path))
    assert [u["id"] for u in by_distance["units"]] == ["MP-1", "MP-2"] and by_distance[
        "by"
    ] == "distance model"
    assert [u["id"] for u in by_road["units"]] == ["MP-2", "MP-1"] and by_road["by"] == "road network"
    control.assign(room, made["id"], "MP-1", "handler")
    straight = jobview.job(room, "pc_near")["route"]
    assert straight["by"] == "straight line" and len(straight["points"]) == 2
    by_bridge = jobview.job(room, "pc_near", control.road_network(path))["route"]
    assert by_bridge["by"] == "road network" and len(by_bridge["points"]) == 5  # start, 3 road nodes, end
    assert max(lat for _, lat in by_bridge["points"]) > 51.6  # round by the bridge, 20 km north
