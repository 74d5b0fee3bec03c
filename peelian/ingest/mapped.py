"""The generic adapter: any CSV or Parquet source, read through a declarative ``SourceMapping``.

One source row gives at most one event (keyed by the row's natural key), a point location when
the event has coordinates, and the persons and objects the mapping declares, linked to the event
by their role. Persons and objects are keyed by their own key columns (``person:<id>``,
``vehicle:<vrm>``), so the same id in two rows, or in two roles, is one entity. Anything a row
gets wrong sends the whole row to quarantine with the reason: a half-loaded row would be a
quiet lie.
"""

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peelian.db import schema
from peelian.errors import SourceFormatError
from peelian.ingest.adapter import ParseContext
from peelian.ingest.batch import Batch, split_valid
from peelian.ingest.delimited import RawChunk, read_chunks
from peelian.ingest.keys import Ordinals
from peelian.ingest.mapping import (
    FILE_PREFIX,
    ISO8601,
    DateField,
    EventSpec,
    Field,
    ObjectSpec,
    PersonSpec,
    SourceMapping,
    TimeField,
)
from peelian.ingest.normalise import EARLIEST, Rejections, coordinates, localise, text
from peelian.ingest.sources import SourceFile, discover, read_limited
from peelian.ingest.unchanged import UnchangedFilter, drop_unchanged
from peelian.pole.ids import content_hash
from peelian.pole.model import EventType, LocationKind, ObjectKind, Role, TimePrecision

KEY_LIMIT = schema.source_records.c.natural_key.type.length
FIXED_UNITS = {
    TimePrecision.SECOND: pd.Timedelta(seconds=1),
    TimePrecision.MINUTE: pd.Timedelta(minutes=1),
    TimePrecision.HOUR: pd.Timedelta(hours=1),
}
CALENDAR_UNITS = {
    TimePrecision.DAY: pd.DateOffset(days=1),
    TimePrecision.MONTH: pd.DateOffset(months=1),
    TimePrecision.YEAR: pd.DateOffset(years=1),
}
# An ISO 8601 time that ends in an offset: "...T08:40:00+01:00", "... 08:40Z".
ISO_OFFSET = r"[T ]\d.*(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"
LOCATION_DECIMALS = 5  # ~1 m: the same place recorded twice keys to one location


class MappedAdapter:
    name = "mapped"

    def __init__(self, mapping: SourceMapping) -> None:
        self.mapping = mapping
        self._files = re.compile(mapping.source.files)

    def discover(self, path: Path) -> list[SourceFile]:
        return discover(path, lambda name: self._files.search(name) is not None)

    def source_system(self, source: SourceFile) -> str:
        return self.mapping.source.system

    def batches(
        self, source: SourceFile, ctx: ParseContext, unchanged: UnchangedFilter | None = None
    ) -> Iterator[Batch]:
        from_file = self._file_columns(source)
        ordinals = Ordinals()
        for chunk in self._chunks(source, ctx):
            self._check_header(source, chunk.header, from_file)
            keys = ordinals.apply(self._joined_keys(chunk, from_file))
            chunk, keys = drop_unchanged(chunk, keys, self.mapping.source.system, unchanged)
            frame = pd.DataFrame(chunk.rows, columns=chunk.header, dtype="string")
            for column, value in from_file.items():
                frame[column] = pd.Series(value, index=frame.index, dtype="string")
            yield RowMapper(self.mapping, frame, ctx).batch(chunk, keys)

    def _joined_keys(self, chunk: RawChunk, from_file: dict[str, str]) -> list[str]:
        """Natural-key columns, stripped and joined with ``|`` (as ``RowMapper.joined``)."""
        getters = [
            (lambda row, v=from_file[c].strip(): v) if c in from_file else
            (lambda row, i=chunk.header.index(c): row[i].strip())
            for c in self.mapping.source.natural_key
        ]  # fmt: skip
        return ["|".join(get(row) for get in getters) for row in chunk.rows]

    def _chunks(self, source: SourceFile, ctx: ParseContext) -> Iterator[RawChunk]:
        spec = self.mapping.source
        if spec.format == "parquet":
            return parquet_chunks(source, ctx.chunk_size, ctx.max_bytes)
        return read_chunks(source, ctx.chunk_size, ctx.max_bytes, spec.encoding, spec.delimiter)

    def _file_columns(self, source: SourceFile) -> dict[str, str]:
        match = self._files.search(source.name)
        groups = match.groupdict() if match else {}
        out = {f"{FILE_PREFIX}{k}": v or "" for k, v in groups.items()}
        return out | {f"{FILE_PREFIX}name": source.name}

    def _check_header(self, source: SourceFile, header: list[str], from_file: dict[str, str]) -> None:
        wanted = self.mapping.columns()
        missing = [c for c in wanted if c not in header and c not in from_file]
        if missing:
            raise SourceFormatError(
                f"{source.display} does not fit mapping {self.mapping.origin}: "
                f"missing column(s) {', '.join(missing)}"
            )
        doubled = [c for c in wanted if header.count(c) > 1 or (c in from_file and c in header)]
        if doubled:
            raise SourceFormatError(f"{source.display}: ambiguous column(s) {', '.join(doubled)}")


# -- Parquet ---------------------------------------------------------------------------------


def parquet_chunks(source: SourceFile, chunk_size: int, max_bytes: int) -> Iterator[RawChunk]:
    """Parquet rows as text (numbers as written, times in ISO 8601) with canonical JSON as the raw
    row and the 1-based row number as the line, so quarantine and provenance read like CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(_parquet_handle(source, max_bytes)) as parquet:
            header = list(parquet.schema_arrow.names)
            row = 0
            for batch in parquet.iter_batches(batch_size=chunk_size):
                chunk = RawChunk(header)
                for record in batch.to_pylist():
                    row += 1
                    values = {k: _jsonable(v) for k, v in record.items()}
                    chunk.rows.append([_as_text(values.get(c)) for c in header])
                    chunk.lines.append(row)
                    chunk.raws.append(json.dumps(values, sort_keys=True, ensure_ascii=False))
                yield chunk
    except (pa.ArrowException, OSError) as exc:
        raise SourceFormatError(f"{source.display} is not a readable Parquet file: {exc}") from exc


def _parquet_handle(source: SourceFile, max_bytes: int):
    if source.member is None and source.path.suffix != ".gz":
        if source.path.stat().st_size > max_bytes:
            raise SourceFormatError(
                f"{source.display} is over the {max_bytes:,}-byte limit (PEELIAN_MAX_FILE_BYTES)"
            )
        return str(source.path)
    with source.open() as stream:
        try:
            return read_limited(stream, max_bytes)
        except SourceFormatError as exc:
            raise SourceFormatError(f"{source.display}: {exc}") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # durations, intervals: their text is what the source said


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


# -- one chunk through the mapping -----------------------------------------------------------


class RowMapper:
    """Applies a mapping to one chunk's frame (all text); collects every row's rejection."""

    def __init__(self, mapping: SourceMapping, frame: pd.DataFrame, ctx: ParseContext) -> None:
        self.mapping, self.frame, self.ctx = mapping, frame, ctx
        self.n = len(frame)
        self.rows = np.arange(self.n)
        self.rejections = Rejections(self.n)

    def batch(self, chunk: RawChunk, keys: list[str]) -> Batch:
        columns = self.mapping.source.natural_key
        joined, blank = self.joined(columns)
        self.rejections.flag(blank, "missing_key", f"blank natural key ({', '.join(columns)})")
        self.fit(pd.Series(joined, dtype="string"), KEY_LIMIT, "natural key", code="key_too_long")
        frames: dict[str, pd.DataFrame | None] = {}
        if self.mapping.event is not None:
            frames["events"], frames["locations"] = self.events(self.mapping.event)
        links: list[pd.DataFrame] = []
        people = [self.persons(spec, i, keys, links) for i, spec in enumerate(self.mapping.persons, 1)]
        things = [
            self.objects(spec, i, keys, people, links) for i, spec in enumerate(self.mapping.objects, 1)
        ]
        frames["persons"] = _concat([p.frame for p in people])
        frames["objects"] = _concat(things)
        frames["links"] = _concat(links)
        return split_valid(chunk, keys, self.rejections, frames)

    # -- values ------------------------------------------------------------------------------

    def values(self, spec: Field | None) -> pd.Series:
        """A field's stripped text for every row; blanks are missing."""
        if spec is None:
            return pd.Series(pd.NA, index=self.frame.index, dtype="string")
        if spec.constant is not None:
            return pd.Series(spec.constant, index=self.frame.index, dtype="string")
        out = text(self.frame[spec.column])
        return out.replace(dict(spec.values)) if spec.values else out

    def joined(self, columns: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
        """Key columns joined with ``|``, and which rows have every one of them blank."""
        parts = [text(self.frame[c]) for c in columns]
        blank = np.logical_and.reduce([p.isna().to_numpy() for p in parts])
        joined = parts[0].fillna("")
        for part in parts[1:]:
            joined = joined + "|" + part.fillna("")
        return joined.tolist(), blank

    def attributes(self, pairs: tuple[tuple[str, str], ...]) -> list[dict | None]:
        if not pairs:
            return [None] * self.n
        names = [name for name, _ in pairs]
        columns = [text(self.frame[c]).to_numpy(dtype=object, na_value=None) for _, c in pairs]
        return [
            {k: v for k, v in zip(names, row, strict=True) if v is not None} or None
            for row in zip(*columns, strict=True)
        ]

    def fit(self, values: pd.Series, limit: int | None, label: str, mask=None, code="value_too_long") -> None:
        """Quarantine values longer than the store column holds (PostgreSQL would fail the chunk)."""
        if limit is None:
            return
        long = (values.str.len() > limit).fillna(False).to_numpy(dtype=bool)
        if mask is not None:
            long &= np.asarray(mask, dtype=bool)
        self.rejections.flag(long, code, f"{label} is longer than {limit} characters")

    # -- events ------------------------------------------------------------------------------

    def events(self, spec: EventSpec) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        start, end, precision = self.window(spec)
        event_type = self.vocabulary(spec.type, EventType, "event type", "event_type")
        category = self.values(spec.category)
        self.rejections.flag(category.isna(), "missing_category", "missing category")
        lon, lat, x, y, located = self.coordinates(spec)
        texts = {
            name: self.values(getattr(spec, name))
            for name in ("subcategory", "location_text", "area_code", "area_name", "outcome", "force")
        }
        for name, values in {"category": category, **texts}.items():
            self.fit(values, schema.events.c[name].type.length, f"event {name}")
        location_key = _location_keys(lon, lat, texts["location_text"], located)
        events = pd.DataFrame(
            {
                "_row": self.rows, "event_type": event_type, "category": category,
                "subcategory": texts["subcategory"], "time_from": start, "time_to": end,
                "time_precision": precision, "lon": lon, "lat": lat, "x": x, "y": y,
                "location_key": location_key, "location_text": texts["location_text"],
                "area_code": texts["area_code"], "area_name": texts["area_name"],
                "outcome": texts["outcome"], "force": texts["force"],
                "attributes": self.attributes(spec.attributes),
            }
        )  # fmt: skip
        if not located.any():
            return events, None
        locations = pd.DataFrame(
            {
                "_row": self.rows, "natural_key": location_key, "kind": LocationKind.POINT.value,
                "name": texts["location_text"], "postcode": None, "lon": lon, "lat": lat, "x": x, "y": y,
                "area_code": texts["area_code"],
            }
        )[located].reset_index(drop=True)  # fmt: skip
        return events, locations

    def vocabulary(self, spec: Field, vocabulary, label: str, code: str, mask=None) -> pd.Series:
        values = self.values(spec)
        wanted = np.ones(self.n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self.rejections.flag(wanted & values.isna().to_numpy(), f"missing_{code}", f"missing {label}")
        allowed = [v.value for v in vocabulary]
        bad = wanted & values.notna().to_numpy() & ~values.isin(allowed).fillna(False).to_numpy(dtype=bool)
        self.rejections.flag(
            bad, f"bad_{code}", f"{label} {{value!r}} is not one of {', '.join(allowed)}", values
        )
        return values

    def window(self, spec: EventSpec) -> tuple[pd.Series, pd.Series, pd.Series]:
        """[time_from, end of its unit), or up to the end of time_to's unit when a row gives one."""
        start = self.instants(spec.time_from, required=True)
        end = _unit_end(start, spec.time_from)
        precision = pd.Series(spec.time_from.precision.value, index=self.frame.index, dtype=object)
        if spec.time_to is not None:
            to = self.instants(spec.time_to, required=False)
            given = to.notna()
            pair = (
                text(self.frame[spec.time_from.column]).fillna("")
                + " to "
                + text(self.frame[spec.time_to.column]).fillna("")
            )
            self.rejections.flag(
                (given & (to < start)).to_numpy(dtype=bool),
                "bad_time_range",
                f"{spec.time_to.column} is before {spec.time_from.column} ({{value}})",
                pair,
            )
            end = end.where(~given, _unit_end(to, spec.time_to))
            precision[given.to_numpy()] = TimePrecision.RANGE.value
        return start, end, precision

    def instants(self, spec: TimeField, required: bool) -> pd.Series:
        """Text to UTC instants; rows that fail are flagged and given NaT."""
        value = text(self.frame[spec.column])
        if required:
            self.rejections.flag(value.isna(), "missing_date", f"missing {spec.column}")
        utc = _parse_times(value, spec)
        self.rejections.flag(
            value.notna() & utc.isna(),
            "bad_date",
            f"unparsable {spec.column} {{value!r}} (expected {spec.format})",
            value,
        )
        latest = pd.Timestamp(self.ctx.now) + pd.Timedelta(days=1)
        outside = (utc < EARLIEST) | (utc > latest)
        self.rejections.flag(
            outside, "date_out_of_range", f"{spec.column} {{value!r}} is before 1900 or in the future", value
        )
        return utc.where(~outside)

    def coordinates(self, spec: EventSpec):
        """lon/lat (or x/y in source.crs) to WGS84 and store metres; blanks are allowed unless
        ``location_required``, since many records carry no place."""
        lon, lat, x, y = (np.full(self.n, np.nan) for _ in range(4))
        located = np.zeros(self.n, dtype=bool)
        pair = (spec.lon, spec.lat) if spec.lon is not None else (spec.x, spec.y)
        if pair[0] is None:
            return lon, lat, x, y, located
        first, second = self.values(pair[0]), self.values(pair[1])
        present = (first.notna() | second.notna()).to_numpy()
        if spec.location_required:
            self.rejections.flag(~present, "missing_coordinates", "missing coordinates")
        index = np.flatnonzero(present)
        if not len(index):
            return lon, lat, x, y, located
        sub = Rejections(len(index))
        a, b = first[present].reset_index(drop=True), second[present].reset_index(drop=True)
        if spec.lon is not None:
            values = coordinates(a, b, self.ctx.projector, sub)
        else:
            values = _grid_coordinates(a, b, self.mapping.source.crs or "", self.ctx.projector, sub)
        ok = sub.ok
        for target, source in zip((lon, lat, x, y), values, strict=True):
            target[index[ok]] = source[ok]
        located[index[ok]] = True
        reasons = pd.Series(None, index=self.frame.index, dtype=object)
        reasons.iloc[index] = sub.reason
        for code in set(sub.code[~ok]):
            mask = np.zeros(self.n, dtype=bool)
            mask[index[sub.code == code]] = True
            self.rejections.flag(mask, code, "{value}", reasons)
        return lon, lat, x, y, located

    # -- persons and objects -----------------------------------------------------------------

    def presence(self, key: tuple[str, ...], given: list[np.ndarray], keys: list[str], index: int):
        """Which rows hold the entity, and its key after the namespace: ``:<id columns>``, or
        ``@<row key>/<section>`` when the source gives it no id (one entity per row)."""
        if key:
            joined, blank = self.joined(key)
            return ~blank, pd.Series([":" + j for j in joined], dtype=object)
        present = np.logical_or.reduce(given) if given else np.zeros(self.n, dtype=bool)
        return present, pd.Series([f"@{k}/{index}" for k in keys], dtype=object)

    def persons(self, spec: PersonSpec, index: int, keys: list[str], links: list) -> "_Entities":
        values = {name: self.values(f) for name, f in spec.fields.items()}
        if "full_name" not in values and ("forename" in values or "surname" in values):
            parts = [values.get(n, self.values(None)).fillna("") for n in ("forename", "surname")]
            values["full_name"] = text(parts[0] + " " + parts[1])
        dob_text = text(self.frame[spec.dob.column]) if spec.dob else self.values(None)
        attributes = self.attributes(spec.attributes)
        given = [v.notna().to_numpy(dtype=bool) for v in (*values.values(), dob_text)]
        given.append(np.array([a is not None for a in attributes], dtype=bool))
        present, ids = self.presence(spec.key, given, keys, index)
        natural = spec.namespace + ids
        label = spec.role.value if spec.role else "person"
        self.fit(natural.astype("string"), KEY_LIMIT, f"{label} key", present, "key_too_long")
        for name, series in values.items():
            self.fit(series, schema.persons.c[name].type.length, f"{label} {name}", present)
        frame = pd.DataFrame({"_row": self.rows, "natural_key": natural})
        for name in PERSON_TEXT:
            frame[name] = values.get(name, self.values(None))
        frame["dob"] = self.birth_dates(dob_text, spec.dob, present, label) if spec.dob else None
        frame["attributes"] = attributes
        frame = frame[present].reset_index(drop=True)
        if spec.role is not None and self.mapping.event is not None:
            links.append(_links("person", frame, spec.role.value, "event", keys))
        return _Entities(spec.role, present, natural, frame)

    def birth_dates(self, value: pd.Series, spec: DateField, present, label: str) -> pd.Series:
        parsed = _parse_times(value, TimeField(spec.column, spec.format, None, TimePrecision.DAY))
        wanted = np.asarray(present, dtype=bool)
        self.rejections.flag(
            wanted & (value.notna() & parsed.isna()).to_numpy(dtype=bool),
            "bad_dob",
            f"unparsable {label} date of birth {{value!r}} (expected {spec.format})",
            value,
        )
        outside = ((parsed < EARLIEST) | (parsed > pd.Timestamp(self.ctx.now))).to_numpy(dtype=bool)
        self.rejections.flag(
            wanted & outside, "bad_dob", f"{label} date of birth {{value!r}} is before 1900 or in the future",
            value,
        )  # fmt: skip
        return parsed.dt.strftime("%Y-%m-%d").astype(object).where(parsed.notna().to_numpy() & ~outside, None)

    def objects(self, spec: ObjectSpec, index: int, keys: list[str], people: list, links: list):
        values = {name: self.values(f) for name, f in spec.fields.items()}
        attributes = self.attributes(spec.attributes)
        given = [v.notna().to_numpy(dtype=bool) for v in values.values()]
        given.append(np.array([a is not None for a in attributes], dtype=bool))
        present, ids = self.presence(spec.key, given, keys, index)
        kind = self.vocabulary(spec.kind, ObjectKind, "object kind", "object_kind", present)
        namespace = kind.astype(object).fillna("object") if spec.namespace is None else spec.namespace
        natural = (namespace + ids).astype(object)
        self.fit(natural.astype("string"), KEY_LIMIT, "object key", present, "key_too_long")
        for name, series in values.items():
            self.fit(series, schema.objects.c[name].type.length, f"object {name}", present)
        frame = pd.DataFrame({"_row": self.rows, "natural_key": natural, "kind": kind})
        for name in OBJECT_TEXT:
            frame[name] = values.get(name, self.values(None))
        frame["attributes"] = attributes
        frame = frame[present].reset_index(drop=True)
        if spec.role is not None and self.mapping.event is not None:
            links.append(_links("object", frame, spec.role.value, "event", keys))
        for person in people:
            if spec.owner is not None and person.role == spec.owner:
                both = present & person.present
                links.append(
                    pd.DataFrame(
                        {
                            "_row": self.rows[both], "subject_type": "person",
                            "subject_key": person.natural[both].to_numpy(), "role": Role.OWNER.value,
                            "object_type": "object", "object_key": natural[both].to_numpy(),
                        }
                    )
                )  # fmt: skip
        return frame


PERSON_TEXT = ("forename", "surname", "full_name", "gender", "ethnicity", "age_range")
OBJECT_TEXT = ("identifier", "make", "model", "colour", "description")


@dataclass(frozen=True)
class _Entities:
    """One [[persons]] section's result in a chunk, kept for owner links."""

    role: Role | None
    present: np.ndarray
    natural: pd.Series
    frame: pd.DataFrame


def _links(subject_type: str, entities: pd.DataFrame, role: str, object_type: str, keys: list[str]):
    return pd.DataFrame(
        {
            "_row": entities["_row"], "subject_type": subject_type, "subject_key": entities["natural_key"],
            "role": role, "object_type": object_type,
            "object_key": [keys[r] for r in entities["_row"].tolist()],
        }
    )  # fmt: skip


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """One frame in file order, so where rows describe one entity differently the last row wins."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).sort_values("_row", kind="stable", ignore_index=True)


# -- times and places ------------------------------------------------------------------------


def _parse_times(value: pd.Series, spec: TimeField) -> pd.Series:
    """UTC instants; wall-clock text is read in ``spec.timezone`` (ISO 8601 offsets win)."""
    if spec.format == ISO8601 or "%z" in spec.format:
        utc = _to_datetime(value, spec.format, utc=True)
        if spec.timezone is None or spec.format != ISO8601:
            return utc
        offset = value.str.contains(ISO_OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
        local = _localise(utc.dt.tz_localize(None), spec.timezone)
        return utc.where(offset, local)
    return _localise(_to_datetime(value, spec.format, utc=False), spec.timezone or "UTC")


def _to_datetime(value: pd.Series, fmt: str, utc: bool) -> pd.Series:
    """``pd.to_datetime`` that never fails a chunk: a value it cannot vectorise becomes NaT."""
    try:
        return pd.to_datetime(value, format=fmt, errors="coerce", utc=utc)
    except (ValueError, TypeError, OverflowError):
        out = []
        for v in value.tolist():
            try:
                out.append(pd.to_datetime(v, format=fmt, errors="coerce", utc=True))
            except (ValueError, TypeError, OverflowError):
                out.append(pd.NaT)
        parsed = pd.Series(pd.to_datetime(out, utc=True), index=value.index)
        return parsed if utc else parsed.dt.tz_localize(None)


def _localise(local: pd.Series, zone: str) -> pd.Series:
    """Times with an offset are already placed; naive ones follow ``normalise.localise``."""
    if local.dt.tz is not None:
        return local.dt.tz_convert("UTC")
    return localise(local, zone)


def _unit_end(start: pd.Series, spec: TimeField) -> pd.Series:
    """The exclusive end of the unit ``start`` names: a day is local midnight to midnight."""
    if spec.precision in FIXED_UNITS:
        return start + FIXED_UNITS[spec.precision]
    zone = spec.timezone or "UTC"
    wall = start.dt.tz_convert(zone).dt.tz_localize(None) + CALENDAR_UNITS[spec.precision]
    return _localise(wall, zone)


def _grid_coordinates(x_text: pd.Series, y_text: pd.Series, crs: str, projector, rejections: Rejections):
    """Projected x/y in ``crs`` to (lon, lat, x, y) in the store CRS, checked like lon/lat."""
    xs = pd.to_numeric(x_text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ys = pd.to_numeric(y_text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    pair = x_text.fillna("") + ", " + y_text.fillna("")
    rejections.flag(x_text.isna() | y_text.isna(), "missing_coordinates", "missing x/y coordinate")
    finite = np.isfinite(xs) & np.isfinite(ys)
    rejections.flag(~finite, "bad_coordinates", "unparsable coordinates ({value})", pair)
    lon, lat = np.full(len(xs), np.nan), np.full(len(xs), np.nan)
    if finite.any():
        lon[finite], lat[finite] = projector.to_wgs84(xs[finite], ys[finite], crs)
    valid = finite & np.isfinite(lon) & np.isfinite(lat) & ~((xs == 0) & (ys == 0))
    inside = valid & projector.in_area(np.nan_to_num(lon, nan=1e9), np.nan_to_num(lat, nan=1e9))
    rejections.flag(
        ~inside, "coordinates_out_of_range", f"coordinates ({{value}}) in {crs} are outside the store area",
        pair,
    )  # fmt: skip
    x, y = np.full(len(xs), np.nan), np.full(len(xs), np.nan)
    if inside.any():
        if crs == projector.crs:  # keep the source's own metres exactly
            x[inside], y[inside] = xs[inside], ys[inside]
        else:
            x[inside], y[inside] = projector.project(lon[inside], lat[inside])
    return lon, lat, x, y


def _location_keys(lon: np.ndarray, lat: np.ndarray, name: pd.Series, located: np.ndarray) -> list:
    """Rounded WGS84 point plus the place's text; long texts are hashed to fit the key column."""
    out: list[str | None] = []
    for lo, la, label, ok in zip(lon.tolist(), lat.tolist(), name.fillna("").tolist(), located, strict=True):
        if not ok:
            out.append(None)
            continue
        key = f"{lo:.{LOCATION_DECIMALS}f},{la:.{LOCATION_DECIMALS}f}"
        if label:
            key += "|" + (label if len(key) + len(label) < KEY_LIMIT else "#" + content_hash(label))
        out.append(key)
    return out
