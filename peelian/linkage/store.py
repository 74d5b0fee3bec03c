"""Linkage's shell over the store: crimes in, models kept, confirmed leads out as intelligence links.

A crime's offenders are the people linked to it as suspect or offender, each counted as the
resolved person entity it belongs to (so one offender recorded by two systems is one offender),
or as the person record itself where resolution has not placed it yet.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from peelian.config import get_settings
from peelian.db.schema import events, linkage_models, links, resolve_members
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit, leads
from peelian.linkage.crimes import Crimes, from_frame
from peelian.linkage.model import LinkageModel
from peelian.pole.ids import content_hash
from peelian.pole.model import Role

SYSTEM = "peelian.linkage"
OFFENDER_ROLES = (Role.SUSPECT.value, Role.OFFENDER.value)
# MO fields compared as categories when the source records them (attributes of the event)
MO_FIELDS = ("entry_point", "entry_method", "search_style", "premises_type", "property_taken", "victim_type",
             "target_type", "MO1", "MO2", "MO3")  # fmt: skip
MO_TEXT = ("mo_text", "mo")
MIN_FIELD_SHARE = 0.2  # a field recorded on fewer crimes than this says too little to compare on
SERIES, SUSPECT = "crime_series", "series_offender"


def _category(category: str) -> str:
    if not isinstance(category, str) or not category.strip() or len(category) > 120:
        raise PeelianError("name the crime category to link, e.g. 'Burglary' (up to 120 characters)")
    return category.strip()


def load_frame(engine: Engine, category: str) -> pd.DataFrame:
    """Every placed crime of a category, with its MO attributes and known offenders."""
    category = _category(category)
    wanted = func.lower(events.c.category) == category.lower()
    query = select(
        events.c.id, events.c.x, events.c.y, events.c.lon, events.c.lat, events.c.time_from, events.c.time_to,
        events.c.natural_key, events.c.location_text, events.c.attributes,
    ).where(wanted, events.c.x.is_not(None), events.c.y.is_not(None))  # fmt: skip
    offenders = (
        select(links.c.object_id, func.coalesce(resolve_members.c.entity_id, links.c.subject_id))
        .select_from(
            links.join(events, events.c.id == links.c.object_id).outerjoin(
                resolve_members,
                and_(
                    resolve_members.c.entity_type == "person",
                    resolve_members.c.record_id == links.c.subject_id,
                ),
            )
        )
        .where(
            wanted,
            links.c.subject_type == "person",
            links.c.object_type == "event",
            links.c.role.in_(OFFENDER_ROLES),
        )
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in query.selected_columns])
        known: dict[str, set[str]] = {}
        for event_id, offender in conn.execute(offenders):
            known.setdefault(event_id, set()).add(offender)
    if frame.empty:
        raise NotFound(f"no crimes of category {category!r} with a place in the store")
    attributes = pd.json_normalize(
        [a if isinstance(a, dict) else json.loads(a or "{}") for a in frame.pop("attributes")]
    )
    attributes.index = frame.index
    for name in (*MO_FIELDS, *MO_TEXT):
        if name in attributes and attributes[name].notna().mean() >= MIN_FIELD_SHARE:
            frame[name] = attributes[name].astype("string")
    # Wall-clock time in the force's zone: a burglar's habits follow the clock on the wall, not UTC.
    zone = get_settings().timezone
    for column, source in (("t_from", "time_from"), ("t_to", "time_to")):
        frame[column] = pd.to_datetime(frame.pop(source), utc=True).dt.tz_convert(zone).dt.tz_localize(None)
    frame["offenders"] = [frozenset(known.get(i, ())) for i in frame["id"]]
    return frame.sort_values("t_from", kind="stable").reset_index(drop=True)


def to_crimes(frame: pd.DataFrame) -> Crimes:
    categorical = [c for c in MO_FIELDS if c in frame]
    text = next((c for c in MO_TEXT if c in frame), None)
    return from_frame(frame, categorical, text, offender="offenders")


def save_model(engine: Engine, category: str, model: LinkageModel, user: str) -> int:
    with engine.begin() as conn:
        model_id = conn.execute(
            insert(linkage_models).values(
                category=_category(category), trained_at=datetime.now(UTC), trained_by=user,
                model=model.to_json(), report=model.report,
            )
        ).inserted_primary_key[0]  # fmt: skip
        audit.append(conn, user, "linkage.train", details={"model_id": model_id, "category": category,
                                                           "pairs": model.report.get("pairs")})  # fmt: skip
    return int(model_id)


def latest_model(engine: Engine, category: str) -> tuple[int, LinkageModel]:
    query = (
        select(linkage_models.c.id, linkage_models.c.model)
        .where(func.lower(linkage_models.c.category) == _category(category).lower())
        .order_by(linkage_models.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(
            f"no linkage model for {category!r}: run 'peelian linkage train --category {category}'"
        )
    return row.id, LinkageModel.from_json(row.model)


def _link_id(lead_id: str, subject_id: str, role: str, object_id: str) -> str:
    return "li_" + content_hash(f"{SYSTEM}\x1f{lead_id}\x1f{subject_id}\x1f{role}\x1f{object_id}")[:24]


def _write_links(conn: Connection, lead_id: str, rows: list[tuple[str, str, str, str, str]]) -> None:
    """(subject_type, subject_id, role, object_type, object_id) rows asserted by a lead."""
    now = datetime.now(UTC)
    for subject_type, subject_id, role, object_type, object_id in rows:
        link_id = _link_id(lead_id, subject_id, role, object_id)
        if conn.execute(select(links.c.id).where(links.c.id == link_id)).first() is None:
            conn.execute(insert(links).values(
                id=link_id, source_system=SYSTEM, source_key=lead_id, source_version=1,
                subject_type=subject_type, subject_id=subject_id, role=role, object_type=object_type,
                object_id=object_id, ingested_at=now,
            ))  # fmt: skip


def _retract(conn: Connection, lead_id: str) -> None:
    conn.execute(delete(links).where(links.c.source_system == SYSTEM, links.c.source_key == lead_id))


def _events(subjects: Any) -> list[str]:
    """The crimes a series lead names. A lead proposed by hand in another shape names none: the
    decision on it still stands, it just links nothing."""
    events = subjects.get("events") if isinstance(subjects, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        return []
    return events


@leads.on_decision(SERIES)
def _series_decided(conn: Connection, lead: dict[str, Any], status: str, user: str) -> None:
    """An accepted series links every crime to its first: confirmed intelligence, with the lead as source."""
    if status != "accepted":
        _retract(conn, lead["id"])
        return
    crimes = _events(lead["subjects"])
    _write_links(
        conn, lead["id"], [("event", c, Role.SAME_SERIES.value, "event", crimes[0]) for c in crimes[1:]]
    )


@leads.on_decision(SUSPECT)
def _suspect_decided(conn: Connection, lead: dict[str, Any], status: str, user: str) -> None:
    if status != "accepted":
        _retract(conn, lead["id"])
        return
    subjects = lead["subjects"]
    if not isinstance(subjects, dict) or not all(
        isinstance(subjects.get(k), str) for k in ("person_record", "event")
    ):
        return  # proposed by hand without a person record and crime: nothing to link
    _write_links(conn, lead["id"], [("person", subjects["person_record"], Role.LINKED_SUSPECT.value, "event",
                                     subjects["event"])])  # fmt: skip
