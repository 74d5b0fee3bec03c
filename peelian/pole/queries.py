"""Read-side queries over the POLE store shared by the web pages and the API."""

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from threading import Lock
from typing import Any

from sqlalchemy import Engine, func, select

from peelian.db.schema import areas, events, ingest_runs, store_meta
from peelian.pole import search

EVENT_FIELDS = (
    events.c.id,
    events.c.source_system,
    events.c.natural_key,
    events.c.version,
    events.c.event_type,
    events.c.category,
    events.c.subcategory,
    events.c.time_from,
    events.c.time_to,
    events.c.time_precision,
    events.c.lon,
    events.c.lat,
    events.c.location_text,
    events.c.area_code,
    events.c.area_name,
    events.c.outcome,
    events.c.force,
)


@dataclass(frozen=True)
class EventFilter:
    text: str | None = None
    category: str | None = None
    source_system: str | None = None
    area_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def apply(self, query, longest: timedelta | None = None):
        """Every condition but the text, which needs a search index (``peelian.pole.search``).
        ``longest`` (the store's longest event window) lets the date bound use the time index."""
        if self.category:
            query = query.where(events.c.category == self.category)
        if self.source_system:
            query = query.where(events.c.source_system == self.source_system)
        if self.area_code:
            query = query.where(events.c.area_code == self.area_code)
        if self.date_from:
            start = datetime.combine(self.date_from, time(), tzinfo=UTC)
            query = query.where(events.c.time_to > start)
            if longest is not None:  # an event overlapping the range cannot start before this
                query = query.where(events.c.time_from > start - longest)
        if self.date_to:
            end = datetime.combine(self.date_to, time(), tzinfo=UTC)
            query = query.where(events.c.time_from <= end.replace(hour=23, minute=59, second=59))
        return query


LONGEST_WINDOW_KEY = "longest_event_window_s"


@dataclass(frozen=True)
class StoreState:
    """What changes only when an ingest writes: caches keyed by ``version`` are valid until it moves."""

    version: tuple
    longest: timedelta | None


def store_state(conn) -> StoreState:
    """One query: the ingest runs' counters (which every committed chunk moves) and the longest window."""
    longest = select(store_meta.c.value).where(store_meta.c.key == LONGEST_WINDOW_KEY).scalar_subquery()
    runs, last, rows, seconds = conn.execute(
        select(
            func.count(), func.max(ingest_runs.c.id),
            func.sum(ingest_runs.c.rows_inserted + ingest_runs.c.rows_updated), longest,
        ).select_from(ingest_runs)
    ).one()  # fmt: skip
    return StoreState((runs, last, rows), None if seconds is None else timedelta(seconds=int(seconds)))


COUNT_CAP = 10_000  # past this, "10,000+" is all a reader needs, and counting every row costs a scan


class CountCache:
    """Match counts per filter until an ingest changes the store. Paging through results counted up
    to 10,001 rows again for every page: 2 ms of PostgreSQL's time, a fifth of a request's."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._lock = Lock()  # the web server's threads share one cache
        self._version: tuple | None = None
        self._counts: OrderedDict[EventFilter, int] = OrderedDict()

    def get(self, version: tuple, where: EventFilter) -> int | None:
        with self._lock:
            if version != self._version:
                self._version, self._counts = version, OrderedDict()
                return None
            total = self._counts.get(where)
            if total is not None:
                self._counts.move_to_end(where)
            return total

    def put(self, version: tuple, where: EventFilter, total: int) -> None:
        with self._lock:
            if version == self._version:
                self._counts[where] = total
                while len(self._counts) > self.size:
                    self._counts.popitem(last=False)


def find_events(
    engine: Engine, where: EventFilter, limit: int = 50, offset: int = 0, counts: CountCache | None = None
) -> tuple[int, list[dict]]:
    """Matching events, newest first, and how many match (capped at ``COUNT_CAP + 1``)."""
    with engine.connect() as conn:
        state = store_state(conn)
        known = counts.get(state.version, where) if counts else None
        if where.text:
            page = search.find(conn, EVENT_FIELDS, where, state.longest, limit, offset, COUNT_CAP, known)
        else:
            page = _find(conn, where, state.longest, limit, offset, known)
    if counts:
        counts.put(state.version, where, page[0])
    return page


def _find(conn, where: EventFilter, longest, limit: int, offset: int, known: int | None):
    total = known
    if total is None:
        capped = where.apply(select(events.c.id), longest).limit(COUNT_CAP + 1).subquery()
        total = conn.execute(select(func.count()).select_from(capped)).scalar()
    # The page's ids first, from the index alone (each index ends with the id); then its rows.
    # Skipping 10,000 rows in the index costs little; skipping them in the table cost PostgreSQL
    # a heap read each.
    newest = (events.c.time_from.desc(), events.c.id.desc())
    page = where.apply(select(events.c.id, events.c.time_from), longest).order_by(*newest)
    page = page.limit(limit).offset(offset).subquery()
    rows = (
        select(*EVENT_FIELDS)
        .select_from(page.join(events, events.c.id == page.c.id))
        .order_by(page.c.time_from.desc(), page.c.id.desc())
    )
    return total, [dict(r._mapping) for r in conn.execute(rows)]


def events_geojson(engine: Engine, where: EventFilter, limit: int = 5000) -> dict[str, Any]:
    """Points for a map, newest first, at most ``limit``."""
    total, rows = find_events(engine, where, limit)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "id": r["id"],
                "category": r["category"],
                "when": r["time_from"].isoformat(),
                "where": r["location_text"],
                "outcome": r["outcome"],
            },
        }
        for r in rows
        if r["lon"] is not None
    ]
    return {"type": "FeatureCollection", "features": features, "total": total, "shown": len(features)}


class SummaryCache:
    """The dashboard's aggregates scan every event, but only ingest changes them: recompute when
    the ingest runs' counters move, serve the last answer otherwise."""

    def __init__(self) -> None:
        self._version: tuple | None = None
        self._value: dict[str, Any] | None = None

    def get(self, engine: Engine) -> dict[str, Any]:
        with engine.connect() as conn:
            version = store_state(conn).version
        if version != self._version or self._value is None:
            self._value, self._version = summary(engine), version
        return self._value


def summary(engine: Engine) -> dict[str, Any]:
    """What the store holds: events by source, by category, and by month."""
    if engine.dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", events.c.time_from), "YYYY-MM")
    else:  # SQLite stores UTC timestamps as ISO text
        month = func.substr(events.c.time_from, 1, 7)
    with engine.connect() as conn:
        by_source = conn.execute(
            select(
                events.c.source_system,
                func.count().label("events"),
                func.min(events.c.time_from).label("first"),
                func.max(events.c.time_from).label("last"),
            ).group_by(events.c.source_system)
        ).all()
        by_category = conn.execute(
            select(events.c.category, func.count().label("events"))
            .group_by(events.c.category)
            .order_by(func.count().desc())
            .limit(20)
        ).all()
        by_month = conn.execute(
            select(month.label("month"), func.count().label("events")).group_by(month).order_by(month)
        ).all()
        runs = conn.execute(select(func.count()).select_from(ingest_runs)).scalar()
    return {
        "sources": [dict(r._mapping) for r in by_source],
        "categories": [dict(r._mapping) for r in by_category],
        "months": [dict(r._mapping) for r in by_month],
        "ingest_runs": runs,
    }


def areas_geojson(engine: Engine, scheme: str | None = None) -> dict[str, Any]:
    query = select(areas.c.scheme, areas.c.code, areas.c.name, areas.c.geometry_wgs84)
    if scheme:
        query = query.where(areas.c.scheme == scheme)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(areas.c.scheme, areas.c.code)).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r.geometry_wgs84),
                "properties": {"scheme": r.scheme, "code": r.code, "name": r.name},
            }
            for r in rows
        ],
    }
