"""Command and control on the store: calls logged and graded, units recommended and assigned,
officers' status updates, and response times against the targets.

The assistant's THRIVE grade is a lead; the handler's confirmation or override (with a reason)
is its judgement, so grading advice is overseen like every other algorithm. Every act is
audited and written to the incident's own log.
"""

import secrets
from dataclasses import fields
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update

from peelian.db.engine import store_crs
from peelian.db.frames import read_frame
from peelian.db.schema import dispatch_units, drone_sites, incident_log, incidents
from peelian.dispatch.grades import Grade
from peelian.dispatch.grading import Call, grade_call
from peelian.dispatch.performance import response_summary
from peelian.dispatch.recommend import KINDS, STATUSES, recommend
from peelian.dispatch.roads import RoadNetwork, load_road_network
from peelian.errors import NotFound, PeelianError
from peelian.geo.crs import projector
from peelian.governance import audit, leads

LEAD_TYPE = "call_grade"
VERSION = "1.0"
FLAGS = tuple(f.name for f in fields(Call) if f.name != "text")
GROUND = ("officer", "vehicle")
UNIT_COLUMNS = ["id", "kind", "status", "x", "y", "lon", "lat", "account", "incident_id"]


def _now() -> datetime:
    return datetime.now(UTC)


def _place(engine: Engine, lon: float, lat: float) -> tuple[float, float]:
    """Store-CRS metres for a WGS84 point inside the store's area, or a plain refusal."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise PeelianError("the location needs a longitude and a latitude")
    project = projector(store_crs(engine))
    if not project.in_area(np.array([lon]), np.array([lat]))[0]:
        raise PeelianError(f"({lon:.5f}, {lat:.5f}) is outside the area this store covers")
    x, y = project.project(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def _log(conn: Connection, incident_id: str, actor: str, entry: str) -> None:
    conn.execute(insert(incident_log).values(incident_id=incident_id, at=_now(), actor=actor, entry=entry))


def add_unit(
    engine: Engine, unit_id: str, kind: str, lon: float, lat: float, account: str | None = None
) -> None:
    """Add a unit, or move it and make it available again (a new shift)."""
    if kind not in KINDS:
        raise PeelianError(f"a unit is one of: {', '.join(KINDS)}")
    if not unit_id or len(unit_id) > 40:
        raise PeelianError("a call sign is 1 to 40 characters")
    x, y = _place(engine, lon, lat)
    values = {"kind": kind, "status": "available", "x": x, "y": y, "lon": lon, "lat": lat,
              "account": account, "incident_id": None, "updated_at": _now()}  # fmt: skip
    with engine.begin() as conn:
        if conn.execute(select(dispatch_units.c.id).where(dispatch_units.c.id == unit_id)).first():
            conn.execute(update(dispatch_units).where(dispatch_units.c.id == unit_id).values(**values))
        else:
            conn.execute(insert(dispatch_units).values(id=unit_id, **values))


def add_site(engine: Engine, site_id: str, name: str, lon: float, lat: float, drones: int) -> None:
    if drones < 0:
        raise PeelianError("a site holds zero or more drones")
    x, y = _place(engine, lon, lat)
    with engine.begin() as conn:
        conn.execute(drone_sites.delete().where(drone_sites.c.id == site_id))
        conn.execute(
            insert(drone_sites).values(id=site_id, name=name, x=x, y=y, lon=lon, lat=lat, drones=drones)
        )


def units(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        query = select(*[dispatch_units.c[c] for c in UNIT_COLUMNS]).order_by(dispatch_units.c.id)
        return read_frame(conn, query, UNIT_COLUMNS)


def sites(engine: Engine) -> pd.DataFrame:
    columns = ["id", "name", "x", "y", "lon", "lat", "drones"]
    with engine.connect() as conn:
        return read_frame(conn, select(*[drone_sites.c[c] for c in columns]), columns)


def log_call(
    engine: Engine,
    user: str,
    text: str,
    location_text: str,
    lon: float,
    lat: float,
    caller: str | None = None,
    caller_phone: str | None = None,
    flags: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """Open an incident from a call, graded by the assistant (a lead for the handler to judge)."""
    text, location_text = (text or "").strip(), (location_text or "").strip()
    if not text or len(text) > 10_000:
        raise PeelianError("say what the caller reported (up to 10,000 characters)")
    if not location_text or len(location_text) > 200:
        raise PeelianError("say where (up to 200 characters)")
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    unknown = sorted(set(flags) - set(FLAGS))
    if unknown:
        raise PeelianError(f"unknown call facts {', '.join(unknown)}: use {', '.join(FLAGS)}")
    x, y = _place(engine, lon, lat)
    grading = grade_call(Call(text, **flags))
    now = _now()
    reference = f"INC-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
    incident_id = f"in_{secrets.token_hex(12)}"
    lead_id = leads.propose(
        engine,
        LEAD_TYPE,
        f"{reference}: {grading.grade.label}",
        "THRIVE assessment. " + " ".join(grading.reasons),
        {"model": "thrive-rules", "version": VERSION, "inputs": {"incident": incident_id, "flags": flags}},
        {"incident": incident_id, "reference": reference},
        float(3 - grading.grade),
        user,
    )
    with engine.begin() as conn:
        conn.execute(
            insert(incidents).values(
                id=incident_id, reference=reference, received_at=now, caller=(caller or None),
                caller_phone=(caller_phone or None), location_text=location_text, x=x, y=y, lon=lon, lat=lat,
                text=text, flags=flags, suggested_grade=grading.grade.label, grading=grading.to_dict(),
                lead_id=lead_id, status="open",
            )
        )  # fmt: skip
        _log(conn, incident_id, user, f"Call logged; assistant suggests {grading.grade.label}.")
        audit.append(
            conn, user, "dispatch.log_call", details={"incident": reference, "grade": grading.grade.label}
        )
    return incident(engine, incident_id)


def _row(conn: Connection, incident_id: str):
    column = incidents.c.reference if incident_id.startswith("INC-") else incidents.c.id
    row = conn.execute(select(incidents).where(column == incident_id)).first()
    if row is None:
        raise NotFound(f"no incident {incident_id[:40]!r}")
    return row


def incident(engine: Engine, incident_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = _row(conn, incident_id)
        log = conn.execute(
            select(incident_log).where(incident_log.c.incident_id == row.id).order_by(incident_log.c.id)
        )
        entries = [dict(r._mapping) for r in log]
        assigned = conn.execute(
            select(dispatch_units.c.id, dispatch_units.c.kind, dispatch_units.c.status).where(
                dispatch_units.c.incident_id == row.id
            )
        )
        on_it = [dict(r._mapping) for r in assigned]
    return dict(row._mapping) | {"log": entries, "units": on_it}


def open_incidents(engine: Engine) -> list[dict[str, Any]]:
    """Open incidents, most urgent grade first, then oldest."""
    query = select(incidents).where(incidents.c.status != "closed").order_by(incidents.c.received_at)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return sorted(rows, key=lambda r: Grade.parse(r["grade"] or r["suggested_grade"]))


def confirm_grade(engine: Engine, incident_id: str, user: str, grade: str, reason: str = "") -> None:
    """The handler's grade: the assistant's confirmed, or overridden with a reason (its judgement)."""
    chosen = Grade.parse(grade)
    with engine.connect() as conn:
        row = _row(conn, incident_id)
    agrees = chosen.label == row.suggested_grade
    if not agrees and not reason.strip():
        raise PeelianError(f"say why you grade it {chosen.label} rather than {row.suggested_grade}")
    leads.judge(
        engine,
        row.lead_id,
        "accept" if agrees else "reject",
        reason.strip() or f"confirmed {chosen.label}",
        user,
    )
    with engine.begin() as conn:
        conn.execute(
            update(incidents).where(incidents.c.id == row.id).values(grade=chosen.label, graded_by=user)
        )
        _log(
            conn,
            row.id,
            user,
            f"Graded {chosen.label}" + ("" if agrees else f" (override: {reason.strip()})"),
        )


def recommendation(
    engine: Engine, incident_id: str, k: int = 5, network: RoadNetwork | None = None
) -> dict[str, Any]:
    """The fastest available units (by ``network`` when the force has loaded one) and drones."""
    with engine.connect() as conn:
        row = _row(conn, incident_id)
    fleet = units(engine)
    grade = Grade.parse(row.grade or row.suggested_grade)
    found = recommend(
        row.x, row.y, fleet[["id", "kind", "status", "x", "y"]], grade, k, sites(engine), network=network
    )
    return found.to_dict() | {"grade": grade.label, "by": "road network" if network else "distance model"}


def assign(engine: Engine, incident_id: str, unit_id: str, user: str) -> None:
    """Send a unit. A drone gives eyes on scene; it never counts as attendance."""
    with engine.begin() as conn:
        row = _row(conn, incident_id)
        if row.status == "closed":
            raise PeelianError(f"{row.reference} is closed")
        unit = conn.execute(select(dispatch_units).where(dispatch_units.c.id == unit_id)).first()
        if unit is None:
            raise NotFound(f"no unit {unit_id[:40]!r}")
        if unit.status != "available":
            raise PeelianError(f"{unit_id} is {unit.status.replace('_', ' ')}, not available")
        conn.execute(
            update(dispatch_units)
            .where(dispatch_units.c.id == unit_id)
            .values(status="assigned", incident_id=row.id, updated_at=_now())
        )
        if unit.kind in GROUND and row.status == "open":
            conn.execute(
                update(incidents)
                .where(incidents.c.id == row.id)
                .values(status="assigned", assigned_at=_now())
            )
        note = " (eyes on scene only: not attendance)" if unit.kind == "drone" else ""
        _log(conn, row.id, user, f"{unit_id} ({unit.kind}) assigned{note}.")
        audit.append(conn, user, "dispatch.assign", details={"incident": row.reference, "unit": unit_id})


def unit_status(engine: Engine, unit_id: str, status: str, user: str) -> None:
    """A unit's one-tap update: en route, at scene, or clear (available again)."""
    if status not in STATUSES or status == "assigned":
        raise PeelianError("a unit reports en_route, at_scene, available or unavailable")
    now = _now()
    with engine.begin() as conn:
        unit = conn.execute(select(dispatch_units).where(dispatch_units.c.id == unit_id)).first()
        if unit is None:
            raise NotFound(f"no unit {unit_id[:40]!r}")
        clear = status in ("available", "unavailable")
        values = {"status": status, "updated_at": now} | ({"incident_id": None} if clear else {})
        conn.execute(update(dispatch_units).where(dispatch_units.c.id == unit_id).values(**values))
        if unit.incident_id:
            row = _row(conn, unit.incident_id)
            _log(conn, row.id, user, f"{unit_id}: {status.replace('_', ' ')}.")
            if status == "at_scene" and unit.kind in GROUND and row.arrived_at is None:
                conn.execute(
                    update(incidents)
                    .where(incidents.c.id == row.id)
                    .values(status="at_scene", arrived_at=now)
                )
            if clear and unit.kind in GROUND and _last_ground(conn, row.id) and row.arrived_at is not None:
                conn.execute(
                    update(incidents).where(incidents.c.id == row.id).values(status="closed", closed_at=now)
                )
                _log(conn, row.id, user, "Incident closed: the last unit cleared.")
        audit.append(conn, user, "dispatch.status", details={"unit": unit_id, "status": status})


def _last_ground(conn: Connection, incident_id: str) -> bool:
    left = conn.execute(
        select(dispatch_units.c.id).where(
            dispatch_units.c.incident_id == incident_id, dispatch_units.c.kind.in_(GROUND)
        )
    ).first()
    return left is None


@lru_cache(maxsize=2)
def road_network(path: Path | None) -> RoadNetwork | None:
    """The configured road graph, read once per process (None: use the distance model)."""
    return load_road_network(path) if path else None


def response_times(engine: Engine) -> dict[str, dict]:
    """Median and 90th percentile minutes to the first officer or vehicle on scene, by grade."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                incidents.c.grade,
                incidents.c.suggested_grade,
                incidents.c.received_at,
                incidents.c.arrived_at,
            )
        ).all()
    if not rows:
        return {}
    grades = np.array([Grade.parse(r.grade or r.suggested_grade) for r in rows])
    seconds = np.array(
        [(r.arrived_at - r.received_at).total_seconds() if r.arrived_at else np.nan for r in rows],
        dtype=float,
    )
    return response_summary(grades, seconds)
