"""Declarative source mappings: a force onboards a new source system with a TOML file, no code.

A mapping says which file columns become which POLE fields. It is checked whole when loaded, so a
typo fails at once with the key it is in, not halfway through a million rows. Shape (every key is
described in ``docs/mapped-sources.md``)::

    [source]                      # required
    system = "met_cris"           # source system stored as provenance (required)
    format = "csv"                # csv | parquet
    files = '\\.csv(\\.gz)?$'       # regex on file names to ingest; named groups become file.<name>
    encoding = "utf-8"            # csv only
    delimiter = ","               # csv only
    crs = "EPSG:27700"            # CRS of event.x / event.y
    natural_key = ["crime_ref"]   # columns that identify a row in the source (required)

    [event]                       # optional: a row may describe only persons and objects
    type = "crime"                # an EventType: a constant or {column = "...", values = {...}}
    category = {column = "offence"}
    time_from = {column = "from", format = "%d/%m/%Y %H:%M", timezone = "Europe/London",
                 precision = "minute"}
    time_to = {column = "to"}     # inherits format, timezone and precision from time_from
    x = {column = "easting"}      # or lon/lat
    y = {column = "northing"}
    attributes = ["mo_text"]      # or {json_name = "column"}

    [[persons]]                   # any number
    role = "suspect"              # a Role: person -role-> event
    key = ["suspect_id"]          # [] = no id in the source: one person per row
    surname = {column = "suspect_surname"}

    [[objects]]                   # any number
    kind = "vehicle"              # an ObjectKind
    role = "used_in"
    key = ["vrm"]
    identifier = {column = "vrm"}
    owner = "suspect"             # optional: person(s) of that role -owner-> object

A field is a constant string or a table naming a ``column``. Columns named ``file.name`` or
``file.<group>`` are read from the file name, for sources that keep a fact (the force, the month)
only there.
"""

import codecs
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peelian.errors import MappingError
from peelian.pole.model import EventType, ObjectKind, Role, TimePrecision

ISO8601 = "ISO8601"
FORMATS = ("csv", "parquet")
DEFAULT_FILES = {"csv": r"(?i)\.csv(\.gz)?$", "parquet": r"(?i)\.parquet$"}
FILE_PREFIX = "file."
PRECISIONS = [p.value for p in TimePrecision if p is not TimePrecision.RANGE]
EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "mappings"


@dataclass(frozen=True)
class Field:
    """A constant, or a column whose stripped text (translated through ``values``) is the value."""

    column: str | None = None
    constant: str | None = None
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TimeField:
    column: str
    format: str  # strptime directives, or ISO8601 (offsets honoured)
    timezone: str | None  # zone of wall-clock text; None: UTC (ISO8601 only)
    precision: TimePrecision


@dataclass(frozen=True)
class DateField:
    column: str
    format: str


@dataclass(frozen=True)
class Source:
    system: str
    natural_key: tuple[str, ...]
    format: str = "csv"
    files: str = DEFAULT_FILES["csv"]
    encoding: str = "utf-8"
    delimiter: str = ","
    crs: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class EventSpec:
    type: Field
    category: Field
    time_from: TimeField
    time_to: TimeField | None = None
    subcategory: Field | None = None
    lon: Field | None = None
    lat: Field | None = None
    x: Field | None = None
    y: Field | None = None
    location_required: bool = False
    location_text: Field | None = None
    area_code: Field | None = None
    area_name: Field | None = None
    outcome: Field | None = None
    force: Field | None = None
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PersonSpec:
    key: tuple[str, ...]  # empty: one person per row
    role: Role | None = None
    namespace: str = "person"
    forename: Field | None = None
    surname: Field | None = None
    full_name: Field | None = None
    dob: DateField | None = None
    gender: Field | None = None
    ethnicity: Field | None = None
    age_range: Field | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def fields(self) -> dict[str, Field]:
        names = ("forename", "surname", "full_name", "gender", "ethnicity", "age_range")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


@dataclass(frozen=True)
class ObjectSpec:
    kind: Field
    key: tuple[str, ...]
    role: Role | None = None
    namespace: str | None = None  # default: the object's kind
    identifier: Field | None = None
    make: Field | None = None
    model: Field | None = None
    colour: Field | None = None
    description: Field | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    owner: Role | None = None

    @property
    def fields(self) -> dict[str, Field]:
        names = ("identifier", "make", "model", "colour", "description")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


@dataclass(frozen=True)
class SourceMapping:
    source: Source
    event: EventSpec | None = None
    persons: tuple[PersonSpec, ...] = ()
    objects: tuple[ObjectSpec, ...] = ()
    origin: str = field(default="<mapping>", compare=False)

    def columns(self) -> list[str]:
        """Every column the mapping reads, file-name columns included, in first-use order."""
        names: list[str] = list(self.source.natural_key)
        for spec in (self.event, *self.persons, *self.objects):
            if spec is not None:
                names.extend(_spec_columns(spec))
        return list(dict.fromkeys(names))


def _spec_columns(spec: Any) -> list[str]:
    out: list[str] = list(getattr(spec, "key", ()))
    for value in vars(spec).values():
        if isinstance(value, Field | TimeField | DateField) and getattr(value, "column", None):
            out.append(value.column)
    out.extend(column for _, column in getattr(spec, "attributes", ()))
    return out


# -- loading ---------------------------------------------------------------------------------


def load_mapping(ref: str | Path) -> SourceMapping:
    """A mapping file, or the name of a mapping shipped with Peelian (see ``examples``)."""
    path = Path(ref)
    if not path.exists() and (EXAMPLES / f"{ref}.toml").is_file():
        path = EXAMPLES / f"{ref}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"mapping {ref}: no such file (nor a shipped mapping of that name)") from None
    except (OSError, UnicodeError) as exc:
        raise MappingError(f"mapping {ref}: cannot read it: {exc}") from exc
    return loads_mapping(text, str(path))


def loads_mapping(text: str, origin: str = "<mapping>") -> SourceMapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping {origin} is not valid TOML: {exc}") from exc
    return parse_mapping(data, origin)


def examples() -> list[Path]:
    """Mappings shipped with Peelian, to copy and adapt."""
    return sorted(EXAMPLES.glob("*.toml"))


def parse_mapping(data: Any, origin: str = "<mapping>") -> SourceMapping:
    """Validate a parsed TOML document; every problem is a ``MappingError`` naming its key."""
    try:
        return _parse(data, origin)
    except MappingError as exc:
        raise MappingError(f"mapping {origin}: {exc}") from None


def _parse(data: Any, origin: str) -> SourceMapping:
    top = _table(data, "the mapping")
    _allow(top, {"source", "event", "persons", "objects"}, "the mapping")
    if "source" not in top:
        raise MappingError("[source] is required")
    source = _source(_table(top["source"], "source"))
    groups = set(re.compile(source.files).groupindex)
    event = _event(_table(top["event"], "event"), source) if "event" in top else None
    persons = tuple(
        _person(_table(t, f"persons[{i}]"), f"persons[{i}]", event is not None)
        for i, t in enumerate(_array(top, "persons"), 1)
    )
    objects = tuple(
        _object(_table(t, f"objects[{i}]"), f"objects[{i}]", event is not None)
        for i, t in enumerate(_array(top, "objects"), 1)
    )
    if event is None and not persons and not objects:
        raise MappingError("nothing to ingest: give [event], [[persons]] or [[objects]]")
    roles = {p.role for p in persons}
    for i, spec in enumerate(objects, 1):
        if spec.owner is not None and spec.owner not in roles:
            raise MappingError(f"objects[{i}].owner: no [[persons]] has role {spec.owner.value!r}")
    mapping = SourceMapping(source, event, persons, objects, origin)
    for column in mapping.columns():
        name = column.removeprefix(FILE_PREFIX)
        if column.startswith(FILE_PREFIX) and name != "name" and name not in groups:
            raise MappingError(
                f"column {column!r} reads the file name, but source.files has no group (?P<{name}>...)"
            )
    return mapping


def _source(t: dict) -> Source:
    where = "source"
    _allow(
        t,
        {"system", "format", "files", "encoding", "delimiter", "crs", "natural_key", "description"},
        where,
    )
    fmt = _str(t, "format", where) or "csv"
    if fmt not in FORMATS:
        raise MappingError(f"source.format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt != "csv":
        for key in ("encoding", "delimiter"):
            if key in t:
                raise MappingError(f"source.{key} applies to csv files only")
    system = _str(t, "system", where, required=True)
    if len(system) > 80:
        raise MappingError("source.system is longer than 80 characters")
    encoding = _str(t, "encoding", where) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise MappingError(f"source.encoding: unknown encoding {encoding!r}") from None
    delimiter = _str(t, "delimiter", where) or ","
    if len(delimiter) != 1 or delimiter in '\r\n"':
        raise MappingError(f"source.delimiter must be one character (not a quote or newline): {delimiter!r}")
    files = _str(t, "files", where) or DEFAULT_FILES[fmt]
    try:
        re.compile(files)
    except re.error as exc:
        raise MappingError(f"source.files is not a valid regular expression: {exc}") from None
    crs = _str(t, "crs", where)
    if crs is not None:
        _check_crs(crs)
    key = _columns(t, "natural_key", where, required=True)
    if not key:
        raise MappingError("source.natural_key must name at least one column")
    return Source(system, key, fmt, files, encoding, delimiter, crs, _str(t, "description", where))


def _check_crs(crs: str) -> None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(crs)
    except CRSError as exc:
        raise MappingError(f"source.crs: unknown coordinate reference system {crs!r}: {exc}") from None


EVENT_TEXT = ("subcategory", "location_text", "area_code", "area_name", "outcome", "force")


def _event(t: dict, source: Source) -> EventSpec:
    where = "event"
    allowed = {"type", "category", "time_from", "time_to", "lon", "lat", "x", "y", "location_required"}
    _allow(t, allowed | set(EVENT_TEXT) | {"attributes"}, where)
    event_type = _field(t, "type", where, required=True, vocabulary=EventType)
    category = _field(t, "category", where, required=True)
    time_from = _time(t, "time_from", where, None)
    assert time_from is not None
    time_to = _time(t, "time_to", where, time_from)
    coords = {k: _field(t, k, where, constant=False) for k in ("lon", "lat", "x", "y")}
    given = {k for k, v in coords.items() if v is not None}
    if given not in (set(), {"lon", "lat"}, {"x", "y"}):
        raise MappingError("event: give coordinates as both lon and lat, or as both x and y (not a mix)")
    if given == {"x", "y"} and source.crs is None:
        raise MappingError("event.x/event.y need source.crs: the coordinate system of those columns")
    required = t.get("location_required", False)
    if not isinstance(required, bool):
        raise MappingError("event.location_required must be true or false")
    if required and not given:
        raise MappingError("event.location_required is true but no lon/lat or x/y columns are mapped")
    text = {k: _field(t, k, where) for k in EVENT_TEXT}
    return EventSpec(
        event_type, category, time_from, time_to, **coords, location_required=required, **text,
        attributes=_attributes(t, where),
    )  # fmt: skip


def _person(t: dict, where: str, has_event: bool) -> PersonSpec:
    names = ("forename", "surname", "full_name", "gender", "ethnicity", "age_range")
    _allow(t, {"role", "key", "namespace", "dob", "attributes", *names}, where)
    role = _role(t, "role", where, required=has_event)
    key = _columns(t, "key", where, required=True)
    namespace = _str(t, "namespace", where) or "person"
    spec = PersonSpec(
        key, role, namespace, **{n: _field(t, n, where) for n in names}, dob=_date(t, "dob", where),
        attributes=_attributes(t, where),
    )  # fmt: skip
    if not key and not spec.fields and spec.dob is None and not spec.attributes:
        raise MappingError(f"{where}: with key = [] the person needs at least one mapped column")
    return spec


def _object(t: dict, where: str, has_event: bool) -> ObjectSpec:
    names = ("identifier", "make", "model", "colour", "description")
    _allow(t, {"kind", "role", "key", "namespace", "attributes", "owner", *names}, where)
    spec = ObjectSpec(
        kind=_field(t, "kind", where, required=True, vocabulary=ObjectKind),
        key=_columns(t, "key", where, required=True),
        role=_role(t, "role", where, required=has_event),
        namespace=_str(t, "namespace", where),
        **{n: _field(t, n, where) for n in names},
        attributes=_attributes(t, where),
        owner=_role(t, "owner", where),
    )
    if not spec.key and not spec.fields and not spec.attributes:
        raise MappingError(f"{where}: with key = [] the object needs at least one mapped column")
    return spec


# -- typed readers: each names the key it rejects -------------------------------------------


def _table(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise MappingError(f"{where} must be a table, not {_kind(value)}")
    return value


def _array(top: dict, key: str) -> list:
    value = top.get(key, [])
    if not isinstance(value, list):
        raise MappingError(f"{key} must be an array of tables ([[{key}]]), not {_kind(value)}")
    return value


def _allow(t: dict, allowed: set[str], where: str) -> None:
    for key in t:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(sorted(allowed))}"
            raise MappingError(f"{where}: unknown key {key!r}{hint}")


def _kind(value: Any) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value), f"a {type(value).__name__}")


def _str(t: dict, key: str, where: str, required: bool = False) -> Any:
    if key not in t:
        if required:
            raise MappingError(f"{where}.{key} is required")
        return None
    value = t[key]
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where}.{key} must be a non-empty string, not {_kind(value)} {value!r}")
    return value


def _columns(t: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
    if key not in t:
        if required:
            raise MappingError(f"{where}.{key} is required (a list of column names)")
        return ()
    value = t[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MappingError(f"{where}.{key} must be a list of column names, not {value!r}")
    if len(set(value)) != len(value):
        raise MappingError(f"{where}.{key} names a column twice: {value!r}")
    return tuple(value)


def _role(t: dict, key: str, where: str, required: bool = False) -> Role | None:
    value = _str(t, key, where, required)
    if value is None:
        return None
    if value not in _values(Role):
        raise MappingError(f"{where}.{key}: {value!r} is not a role; use one of {_choices(Role)}")
    return Role(value)


def _values(vocabulary) -> list[str]:
    return [v.value for v in vocabulary]


def _choices(vocabulary) -> str:
    return ", ".join(_values(vocabulary))


def _field(
    t: dict, key: str, where: str, required: bool = False, constant: bool = True, vocabulary=None
) -> Field | None:
    path = f"{where}.{key}"
    if key not in t:
        if required:
            raise MappingError(f"{path} is required")
        return None
    value = t[key]
    if isinstance(value, str) and constant:
        if not value.strip():
            raise MappingError(f"{path} must not be an empty string")
        _in_vocabulary(value, vocabulary, path)
        return Field(constant=value)
    if not isinstance(value, dict):
        wanted = "a constant string or {column = ...}" if constant else "{column = ...}"
        raise MappingError(f"{path} must be {wanted}, not {_kind(value)}")
    _allow(value, {"column", "values"}, path)
    column = _str(value, "column", path, required=True)
    values = _table(value.get("values", {}), f"{path}.values")
    for source_value, target in values.items():
        if not isinstance(target, str):
            raise MappingError(f"{path}.values.{source_value} must be a string, not {_kind(target)}")
        _in_vocabulary(target, vocabulary, f"{path}.values.{source_value}")
    return Field(column=column, values=tuple(values.items()))


def _in_vocabulary(value: str, vocabulary, path: str) -> None:
    if vocabulary is not None and value not in _values(vocabulary):
        raise MappingError(f"{path}: {value!r} is not allowed; use one of {_choices(vocabulary)}")


def _check_format(fmt: str, path: str) -> None:
    if fmt == ISO8601:
        return
    if "%" not in fmt:
        raise MappingError(f"{path}.format {fmt!r} has no % directives; use strptime codes or ISO8601")
    try:
        datetime.strptime(datetime(2001, 2, 3, 4, 5, 6).strftime(fmt), fmt)
    except ValueError as exc:
        raise MappingError(f"{path}.format {fmt!r} is not a usable strptime format: {exc}") from None


def _time(t: dict, key: str, where: str, parent: TimeField | None) -> TimeField | None:
    path = f"{where}.{key}"
    if key not in t:
        if parent is None:
            raise MappingError(f"{path} is required")
        return None
    spec = _table(t[key], path)
    _allow(spec, {"column", "format", "timezone", "precision"}, path)
    column = _str(spec, "column", path, required=True)
    fmt = _str(spec, "format", path) or (parent.format if parent else ISO8601)
    _check_format(fmt, path)
    zone = _str(spec, "timezone", path) or (parent.timezone if parent else None)
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingError(f"{path}.timezone: unknown time zone {zone!r}") from None
    elif fmt != ISO8601 and "%z" not in fmt:
        raise MappingError(
            f"{path}.timezone is required with format {fmt!r}: local times need a zone "
            '(use "UTC" if the source writes UTC)'
        )
    precision = _str(spec, "precision", path)
    if precision is None:
        resolved = parent.precision if parent else TimePrecision.MINUTE
    elif precision in PRECISIONS:
        resolved = TimePrecision(precision)
    else:
        raise MappingError(f"{path}.precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return TimeField(column, fmt, zone, resolved)


def _date(t: dict, key: str, where: str) -> DateField | None:
    path = f"{where}.{key}"
    if key not in t:
        return None
    spec = _table(t[key], path)
    _allow(spec, {"column", "format"}, path)
    column = _str(spec, "column", path, required=True)
    fmt = _str(spec, "format", path) or ISO8601
    _check_format(fmt, path)
    return DateField(column, fmt)


def _attributes(t: dict, where: str) -> tuple[tuple[str, str], ...]:
    """``[columns]`` keeps the column names; ``{json_name = "column"}`` renames them."""
    value = t.get("attributes", [])
    path = f"{where}.attributes"
    if isinstance(value, list):
        return tuple((c, c) for c in _columns(t, "attributes", where))
    if isinstance(value, dict):
        for name, column in value.items():
            if not isinstance(column, str) or not column.strip():
                raise MappingError(f"{path}.{name} must be a column name, not {column!r}")
        return tuple(value.items())
    raise MappingError(f"{path} must be a list of columns or a table of name = column, not {_kind(value)}")
