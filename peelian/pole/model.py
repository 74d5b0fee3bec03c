"""The POLE vocabulary: the controlled values the store accepts."""

from enum import StrEnum


class EventType(StrEnum):
    CRIME = "crime"
    INCIDENT = "incident"
    REPORT = "report"
    STOP = "stop"
    CUSTODY = "custody"  # a detention: booked into a custody suite
    INTELLIGENCE = "intelligence"  # an intelligence log entry about a subject
    SIGHTING = "sighting"  # a person or vehicle seen at a time and place (an ANPR read)


class TimePrecision(StrEnum):
    """How exactly the source knows when; the event window spans one unit at this precision."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"  # a from/to window given by the source (e.g. "between 18:00 and 07:30")


class ObjectKind(StrEnum):
    VEHICLE = "vehicle"
    PHONE = "phone"
    PROPERTY = "property"
    WEAPON = "weapon"
    DOCUMENT = "document"


class LocationKind(StrEnum):
    POINT = "point"  # an (anonymised) map point, e.g. data.police.uk "On or near ..."
    ADDRESS = "address"
    PREMISES = "premises"
    BLOCK = "block"  # a block-level address, e.g. Chicago "014XX S AVERS AVE"


class Role(StrEnum):
    """How an entity takes part: the ``role`` of a link, read as subject -role-> object."""

    SUSPECT = "suspect"
    OFFENDER = "offender"
    VICTIM = "victim"
    WITNESS = "witness"
    REPORTER = "reporter"
    SUBJECT = "subject"  # the person stopped or searched
    OWNER = "owner"
    USED_IN = "used_in"
    STOLEN_IN = "stolen_in"
    RESIDES_AT = "resides_at"
    OCCURRED_AT = "occurred_at"
    SAME_SERIES = "same_series"  # event -> event: an analyst confirmed a linkage lead
    LINKED_SUSPECT = "linked_suspect"  # person -> event: an analyst confirmed a suggested offender
