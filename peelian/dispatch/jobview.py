"""What an officer is walking into: their assigned incident with warning markers first, then what
the store holds at and near the address (earlier crimes and incidents, the people and vehicles
linked to them), read the moment the job is opened.

The reads name people, so the officer's purpose is set to the incident itself and every person
and record shown is audited against it.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, select

from peelian.db.engine import store_crs
from peelian.db.schema import dispatch_units, events, incidents, links, objects, persons
from peelian.dispatch import control
from peelian.dispatch.roads import RoadNetwork
from peelian.errors import NotFound
from peelian.geo.crs import projector
from peelian.governance import audit

NEAR_M = 150.0  # "at or near the address": about a street's length
YEARS = 3
SHOWN = 25
# Crime categories that warn an officer before arrival (data.police.uk and RMS names).
WARNING_WORDS = ("weapon", "firearm", "knife", "violen", "assault", "robbery", "wounding", "threat", "drug")
WARNING_ROLES = ("suspect", "offender", "subject", "linked_suspect")


def _warns(category: str | None) -> bool:
    return any(word in (category or "").lower() for word in WARNING_WORDS)


def unit_of(engine: Engine, username: str):
    """The unit ``username`` signs in as (NotFound when the control room has not added them)."""
    with engine.connect() as conn:
        unit = conn.execute(select(dispatch_units).where(dispatch_units.c.account == username)).first()
    if unit is None:
        raise NotFound("you are not signed on to a unit: ask the control room to add you")
    return unit


def job(engine: Engine, username: str, network: RoadNetwork | None = None) -> dict[str, Any]:
    """The job of the unit ``username`` signs in as (NotFound when they have none), with the route
    by ``network`` when the force has loaded one (else the straight line)."""
    unit = unit_of(engine, username)
    if unit.incident_id is None:
        return {"unit": dict(unit._mapping), "incident": None}
    found = control.incident(engine, unit.incident_id)
    history = _history(engine, found)
    earlier = _incidents_near(engine, found)
    warnings = [h for h in history if h["warning"]] + [
        {"category": i["grade"] or i["suggested_grade"], "when": i["received_at"], "text": i["text"]}
        for i in earlier
        if (i["grade"] or i["suggested_grade"]) == "Immediate"
    ]
    people, vehicles = _linked(engine, [h["id"] for h in history])
    with engine.begin() as conn:
        audit.append(
            conn,
            username,
            "dispatch.job_view",
            details={
                "incident": found["reference"],
                "records": [h["id"] for h in history] + [p["id"] for p in people],
            },
            purpose="response",
            case_ref=found["reference"],
        )
    return {
        "unit": dict(unit._mapping),
        "incident": found,
        "route": _route(engine, network, unit, found),
        "warnings": warnings,
        "history": history,
        "incidents_near": earlier,
        "people": people,
        "vehicles": vehicles,
    }


def _route(engine: Engine, network: RoadNetwork | None, unit, found: dict[str, Any]) -> dict[str, Any]:
    """Lon/lat points from the unit to the incident, and what drew them."""
    if network is None:
        return {"by": "straight line", "points": [[unit.lon, unit.lat], [found["lon"], found["lat"]]]}
    path = network.route(unit.x, unit.y, found["x"], found["y"])
    lon, lat = projector(store_crs(engine)).to_wgs84(path[:, 0], path[:, 1])
    return {
        "by": "road network",
        "points": [[round(a, 6), round(b, 6)] for a, b in zip(lon, lat, strict=True)],
    }


def _history(engine: Engine, found: dict[str, Any]) -> list[dict[str, Any]]:
    since = datetime.now(UTC) - timedelta(days=365 * YEARS)
    x, y = found["x"], found["y"]
    query = (
        select(
            events.c.id, events.c.category, events.c.time_from, events.c.location_text, events.c.x, events.c.y
        )
        .where(
            events.c.x.between(x - NEAR_M, x + NEAR_M),
            events.c.y.between(y - NEAR_M, y + NEAR_M),
            events.c.time_from >= since,
        )
        .order_by(events.c.time_from.desc())
        .limit(500)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    near = [r for r in rows if (r.x - x) ** 2 + (r.y - y) ** 2 <= NEAR_M**2]
    shown = [
        {
            "id": r.id,
            "category": r.category,
            "when": r.time_from,
            "where": r.location_text,
            "metres": round(((r.x - x) ** 2 + (r.y - y) ** 2) ** 0.5),
            "warning": _warns(r.category),
        }
        for r in near
    ]
    return sorted(shown, key=lambda h: (not h["warning"], -h["when"].timestamp()))[:SHOWN]


def _incidents_near(engine: Engine, found: dict[str, Any]) -> list[dict[str, Any]]:
    x, y = found["x"], found["y"]
    query = (
        select(incidents)
        .where(
            incidents.c.id != found["id"],
            incidents.c.x.between(x - NEAR_M, x + NEAR_M),
            incidents.c.y.between(y - NEAR_M, y + NEAR_M),
        )
        .order_by(incidents.c.received_at.desc())
        .limit(SHOWN)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _linked(engine: Engine, event_ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """People linked to those events as suspects, offenders or subjects; vehicles linked in any role."""
    if not event_ids:
        return [], []
    on = and_(links.c.object_type == "event", links.c.object_id.in_(event_ids))
    people_query = (
        select(persons.c.id, persons.c.full_name, persons.c.dob, links.c.role, links.c.object_id)
        .join(links, and_(links.c.subject_type == "person", links.c.subject_id == persons.c.id))
        .where(on, links.c.role.in_(WARNING_ROLES))
        .limit(SHOWN)
    )
    vehicle_query = (
        select(objects.c.id, objects.c.identifier, objects.c.make, objects.c.colour, links.c.role)
        .join(links, and_(links.c.subject_type == "object", links.c.subject_id == objects.c.id))
        .where(on, objects.c.kind == "vehicle")
        .limit(SHOWN)
    )
    with engine.connect() as conn:
        people = [dict(r._mapping) for r in conn.execute(people_query)]
        vehicles = [dict(r._mapping) for r in conn.execute(vehicle_query)]
    return people, vehicles
