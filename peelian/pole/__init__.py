"""The POLE domain: Person, Object, Location, Event, and the provenance of every fact."""

from peelian.pole.ids import content_hash, entity_id
from peelian.pole.model import EventType, LocationKind, ObjectKind, Role, TimePrecision

__all__ = [
    "EventType",
    "LocationKind",
    "ObjectKind",
    "Role",
    "TimePrecision",
    "content_hash",
    "entity_id",
]
