"""Offences read from the POLE store for harm ranking: who, which crime, when, what, where, whom.

An offender is a person linked to a crime as offender, suspect or confirmed suggested suspect,
counted as the resolved person entity (``pp_``) where there is one, else the record, so harm
recorded by three systems against one person adds up on one line. A person named twice on one
crime (a detainee and their alias) counts that crime once. Suspected offences count, as they do
on police priority lists; the role is kept so the breakdown shows which offences are unproven.
"""

import pandas as pd
from sqlalchemy import Connection, Engine, String, and_, func, select, type_coerce

from peelian.db.frames import read_frame
from peelian.db.schema import events, links, resolve_members
from peelian.pole.model import EventType, Role

OFFENDER_ROLES = (Role.OFFENDER.value, Role.SUSPECT.value, Role.LINKED_SUSPECT.value)
COLUMNS = ["offender", "record", "role", "event_id", "time", "category", "area", "victim"]


def _node(record_id):
    """A person record's resolved entity, else the record itself."""
    return func.coalesce(resolve_members.c.entity_id, record_id)


def _rows(conn: Connection, roles: tuple[str, ...]) -> pd.DataFrame:
    query = (
        select(
            _node(links.c.subject_id),
            links.c.subject_id,
            links.c.role,
            events.c.id,
            type_coerce(events.c.time_from, String),
            events.c.category,
            events.c.area_code,
        )
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
            links.c.subject_type == "person",
            links.c.object_type == "event",
            links.c.role.in_(roles),
            events.c.event_type == EventType.CRIME.value,
        )
    )
    return read_frame(conn, query, ["person", "record", "role", "event_id", "time", "category", "area"])


def offences(engine: Engine) -> pd.DataFrame:
    """One row per offender and crime, with the crime's first recorded victim (a person)."""
    with engine.connect() as conn:
        found = _rows(conn, OFFENDER_ROLES).rename(columns={"person": "offender"})
        victims = _rows(conn, (Role.VICTIM.value,))
    found["time"] = pd.to_datetime(found["time"], utc=True, format="ISO8601")
    # The surest role first (offender over suspect), so the kept row for a crime names it.
    rank = found["role"].map({r: i for i, r in enumerate(OFFENDER_ROLES)})
    found = (
        found.assign(_rank=rank).sort_values(["_rank", "record"]).drop_duplicates(["offender", "event_id"])
    )
    first_victim = victims.sort_values("person").drop_duplicates("event_id").set_index("event_id")["person"]
    found["victim"] = found["event_id"].map(first_victim)
    return found[COLUMNS].sort_values(["offender", "time"], kind="stable").reset_index(drop=True)
