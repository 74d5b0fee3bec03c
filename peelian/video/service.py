"""Footage analysis on the store: run the pipeline over an original, keep what it found as an
event index (each event a lead a person must confirm before it is evidence), and answer the
questions an investigator asks of it: what happened when, where, on which camera, and how much
footage there is against how much must be watched.

Event times are stated twice: seconds into the footage, and true time, which is the camera's
stated start plus that offset, less the camera clock's error.
"""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from peelian.config import Settings
from peelian.db.schema import leads, video_events, video_footage
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.governance.leads import propose_in
from peelian.search.service import MAX_AUDITED, check_purpose
from peelian.video import details, intake, models
from peelian.video.events import KINDS, Event
from peelian.video.pipeline import METHOD_VERSION, Analysis, Options, analyse
from peelian.video.proxy import write_review_copy

LEAD_TYPE = "video_event"
STALE = timedelta(hours=6)  # beyond any run: a day of 25 fps footage takes about 3 h at 200 frames/s
MAX_RESULTS = 1000
TITLES = {
    "person_appears": "Person on camera",
    "vehicle_appears": "Vehicle on camera",
    "enters_zone": "Enters zone",
    "loitering": "Person lingering",
    "vehicle_stops": "Vehicle stops",
}
CAVEAT = (
    "Found automatically from movement in the footage. It can miss people who stand still or are "
    "hidden, count a group as one person or one as two, and mistake shadows or reflections. Watch "
    "the footage from this moment before relying on it."
)


def review_copy(settings: Settings, footage_id: str) -> Path:
    """Where the browser-playable copy of one footage is kept (derived, never the original)."""
    return Path(settings.evidence_dir) / "review" / f"{footage_id}.webm"


def true_time(footage: dict[str, Any], seconds: float) -> datetime | None:
    start = footage["camera_start"]
    if start is None:
        return None
    return start + timedelta(seconds=seconds - footage["clock_offset_s"])


def _describe(event: Event, footage: dict[str, Any], at: datetime | None, fps: float) -> tuple[str, str]:
    what = TITLES[event.kind] + (f" '{event.zone}'" if event.zone else "")
    when = at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else f"{event.frame_from / fps:.1f} s in"
    title = f"{what} at {when} ({footage['camera'] or footage['reference']})"
    explanation = (
        f"{what}: {event.label} track {event.track}, frames {event.frame_from}-{event.frame_to} "
        f"({event.frame_from / fps:.1f}-{event.frame_to / fps:.1f} s into {footage['reference']}, "
        f"SHA-256 {footage['sha256'][:16]}...). Times are corrected for the camera clock being "
        f"{footage['clock_offset_s']:+.0f} s out. {CAVEAT}"
    )
    return title, explanation


@dataclass(frozen=True)
class Stored:
    footage: str
    events: int
    summary: dict[str, Any]


def analyse_footage(
    engine: Engine,
    settings: Settings,
    footage_id: str,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
    review: bool = True,
) -> Stored:
    """Analyse one original and keep its events as leads (stored in one transaction). The footage
    is claimed first, so two analysts pressing the button run it once; a failure is recorded on
    it and it may be tried again."""
    footage = _claim(engine, footage_id)
    try:
        path = intake.original_path(settings, footage["sha256"])
        if not path.is_file():
            raise PeelianError(f"the original of {footage['reference']} is missing from the evidence store")
        detector = models.detector_for(engine, Path(settings.video_models_dir))
        zones = {name: [tuple(p) for p in points] for name, points in (footage["zones"] or {}).items()}
        result = analyse(path, Options(zones=zones), detector, progress)
        if review:
            write_review_copy(path, review_copy(settings, footage["id"]))
        summary = {**result.summary(), "review_copy": review}
        _store(engine, footage, result, summary, actor)
    except Exception as exc:
        _failed(engine, footage, actor, exc)
        raise
    return Stored(footage["id"], len(result.events), summary)


def _claim(engine: Engine, footage_id: str) -> dict[str, Any]:
    """Mark the footage as being analysed (``analysed_at`` holds when the run began). A run that
    has said nothing for ``STALE`` died with its process, and may be taken over."""
    footage = intake.footage(engine, footage_id)
    now = datetime.now(UTC)
    f = video_footage.c
    open_to_run = or_(
        f.status.in_(("received", "failed")), and_(f.status == "analysing", f.analysed_at < now - STALE)
    )
    with engine.begin() as conn:
        claimed = conn.execute(
            update(video_footage)
            .where(f.id == footage["id"], open_to_run)
            .values(status="analysing", analysed_at=now)
        ).rowcount
    if claimed != 1:
        raise PeelianError(f"{footage['reference']} is {footage['status']}: it is analysed once")
    return footage


def _failed(engine: Engine, footage: dict[str, Any], actor: str, exc: Exception) -> None:
    reason = str(exc) if isinstance(exc, PeelianError) else f"{type(exc).__name__}: {exc}"
    with engine.begin() as conn:
        conn.execute(
            update(video_footage)
            .where(video_footage.c.id == footage["id"])
            .values(status="failed", analysis={"error": reason[:500]})
        )
        audit.append(
            conn,
            actor,
            "video.analysed",
            outcome="failed",
            case_ref=footage["case_ref"],
            details={"footage": footage["id"], "error": reason[:500]},
        )


def _store(
    engine: Engine, footage: dict[str, Any], result: Analysis, summary: dict[str, Any], actor: str
) -> None:
    fps = result.facts.fps
    provenance = {
        "model": "video-analytics",
        "version": METHOD_VERSION,
        "detector": result.detector,
        "inputs": {"footage": footage["id"], "sha256": footage["sha256"]},
    }
    with engine.begin() as conn:
        claimed = conn.execute(
            update(video_footage)
            .where(video_footage.c.id == footage["id"], video_footage.c.status == "analysing")
            .values(status="analysed", analysis=summary, analysed_at=datetime.now(UTC))
        ).rowcount
        if claimed != 1:
            raise PeelianError(f"{footage['reference']} has already been analysed")
        for event in result.events:
            start, end = event.frame_from / fps, (event.frame_to + 1) / fps
            at = true_time(footage, start)
            title, explanation = _describe(event, footage, at, fps)
            event_id = f"ve_{uuid.uuid4().hex[:24]}"
            lead_id = propose_in(
                conn,
                LEAD_TYPE,
                title,
                explanation,
                provenance,
                [{"type": "video_event", "id": event_id}, {"type": "footage", "id": footage["id"]}],
                event.score,
                actor,
            )
            conn.execute(
                video_events.insert().values(
                    id=event_id,
                    footage_id=footage["id"],
                    case_ref=footage["case_ref"],
                    camera=footage["camera"],
                    kind=event.kind,
                    zone=event.zone,
                    track=event.track,
                    media_from=round(start, 3),
                    media_to=round(end, 3),
                    true_from=at,
                    true_to=true_time(footage, end),
                    box=[round(v, 1) for v in event.box],
                    score=event.score,
                    thumbnail=event.thumbnail,
                    lead_id=lead_id,
                )
            )
        audit.append(
            conn,
            actor,
            "video.analysed",
            case_ref=footage["case_ref"],
            details={
                "footage": footage["id"],
                "sha256": footage["sha256"],
                "events": len(result.events),
                "detector": result.detector,
                "method": METHOD_VERSION,
            },
        )


def set_zone(
    engine: Engine, footage_id: str, name: str, points: list[list[float]] | None, actor: str
) -> dict[str, list[list[float]]]:
    """Draw (or with no points, remove) a named zone on footage not yet analysed; returns the zones."""
    footage = intake.footage(engine, footage_id)
    zones = dict(footage["zones"] or {})
    if points is None and zones.pop(name, None) is None:
        raise NotFound(f"{footage['reference']} has no zone {name!r}")
    if points is not None:
        zones[name] = points
    zones = details.zones(zones)
    with engine.begin() as conn:
        changed = conn.execute(
            update(video_footage)
            .where(video_footage.c.id == footage["id"], video_footage.c.status.in_(("received", "failed")))
            .values(zones=zones)
        ).rowcount
        if changed != 1:
            raise PeelianError(
                f"{footage['reference']} is {footage['status']}: zones are drawn before analysis"
            )
        audit.append(
            conn,
            actor,
            "video.zones_set",
            case_ref=footage["case_ref"],
            details={"footage": footage["id"], "zone": name, "points": points},
        )
    return zones


def search(
    engine: Engine,
    *,
    case_ref: str | None = None,
    footage_id: str | None = None,
    kind: str | None = None,
    zone: str | None = None,
    camera: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Events in time order, with their lead's status (confirmed events are evidence)."""
    if kind is not None and kind not in KINDS:
        raise PeelianError(f"event kind must be one of {', '.join(KINDS)}")
    if not case_ref and not footage_id:
        raise PeelianError("say which case or footage to search")
    if since and until and since > until:
        raise PeelianError("the time window ends before it starts")
    limit = max(1, min(limit, MAX_RESULTS))
    e = video_events.c
    where = [
        c
        for c in (
            e.case_ref == case_ref if case_ref else None,
            e.footage_id == footage_id if footage_id else None,
            e.kind == kind if kind else None,
            e.zone == zone if zone else None,
            func.lower(e.camera).contains(camera.lower(), autoescape=True) if camera else None,
            e.true_to >= since if since else None,
            e.true_from <= until if until else None,
        )
        if c is not None
    ]
    query = (
        select(
            e.id,
            e.footage_id,
            e.case_ref,
            e.camera,
            e.kind,
            e.zone,
            e.track,
            e.media_from,
            e.media_to,
            e.true_from,
            e.true_to,
            e.box,
            e.score,
            e.lead_id,
            leads.c.status.label("lead_status"),
            video_footage.c.reference.label("footage_reference"),
        )
        .join(leads, leads.c.id == e.lead_id)
        .join(video_footage, video_footage.c.id == e.footage_id)
        .where(and_(*where))
        .order_by(e.true_from, e.footage_id, e.media_from, e.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def thumbnail(engine: Engine, event_id: str) -> tuple[bytes, str]:
    """An event's JPEG and the case it belongs to (for the read's audit)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(video_events.c.thumbnail, video_events.c.case_ref).where(video_events.c.id == event_id)
        ).first()
    if row is None:
        raise NotFound(f"no video event {event_id}")
    return bytes(row[0]), row[1]


def _tallies(engine: Engine, footage_ids: list[str]) -> dict[str, dict[str, dict[str, int]]]:
    """Per footage, its events by kind and by review decision, counted in the store (a search is
    capped, a count is not)."""
    e = video_events.c
    query = (
        select(e.footage_id, e.kind, leads.c.status, func.count())
        .join(leads, leads.c.id == e.lead_id)
        .where(e.footage_id.in_(footage_ids))
        .group_by(e.footage_id, e.kind, leads.c.status)
    )
    tallies = {i: {"events_by_kind": Counter(), "events_by_decision": Counter()} for i in footage_ids}
    with engine.connect() as conn:
        for footage_id, kind, status, count in conn.execute(query):
            tallies[footage_id]["events_by_kind"][kind] += count
            tallies[footage_id]["events_by_decision"][status] += count
    return {i: {k: dict(v) for k, v in t.items()} for i, t in tallies.items()}


def _summary(footage: dict[str, Any], tally: dict[str, dict[str, int]]) -> dict[str, Any]:
    analysis = footage["analysis"] or {}
    return {
        "id": footage["id"],
        "reference": footage["reference"],
        "case_ref": footage["case_ref"],
        "camera": footage["camera"],
        "location": footage["location"],
        "sha256": footage["sha256"],
        "status": footage["status"],
        "camera_start": footage["camera_start"],
        "clock_offset_s": footage["clock_offset_s"],
        "footage_hours": round(analysis.get("footage_seconds", 0) / 3600, 4),
        "review_hours": round(analysis.get("review_seconds", 0) / 3600, 4),
        "review_reduction": analysis.get("review_reduction"),
        **tally,
    }


def footage_report(engine: Engine, footage_id: str) -> dict[str, Any]:
    """One video: its facts, events by kind and by review decision, footage against review time."""
    footage = intake.footage(engine, footage_id)
    return {
        **_summary(footage, _tallies(engine, [footage["id"]])[footage["id"]]),
        "analysis": footage["analysis"] or {},
        "events": search(engine, footage_id=footage["id"], limit=MAX_RESULTS),
    }


def case_report(engine: Engine, case_ref: str) -> dict[str, Any]:
    """Every video on a case: hours of footage against hours a reviewer must watch."""
    try:
        found = intake.case_footage(engine, case_ref)
    except PeelianError:
        found = []  # not a case reference intake takes: no footage can be on it
    if not found:
        raise NotFound(f"no footage on case {case_ref}")
    tallies = _tallies(engine, [f["id"] for f in found])
    videos = [_summary(f, tallies[f["id"]]) for f in found]
    footage_hours = sum(v["footage_hours"] for v in videos if v["status"] == "analysed")
    review_hours = sum(v["review_hours"] for v in videos if v["status"] == "analysed")
    return {
        "case_ref": case_ref,
        "videos": videos,
        "analysed": sum(v["status"] == "analysed" for v in videos),
        "footage_hours": round(footage_hours, 4),
        "review_hours": round(review_hours, 4),
        "review_reduction": round(1 - review_hours / footage_hours, 4) if footage_hours else None,
    }


def audited_search(
    engine: Engine, actor: str, purpose: str | None, declared_case: str | None, **filters
) -> list[dict]:
    """``search`` for a declared purpose, audited with the events it returned."""
    check_purpose(purpose, declared_case)
    found = search(engine, **filters)
    with engine.begin() as conn:
        audit.append(
            conn,
            actor,
            "video.events.read",
            purpose=purpose,
            case_ref=declared_case,
            details={
                "filters": {k: str(v) for k, v in filters.items() if v is not None},
                "events": [ev["id"] for ev in found[:MAX_AUDITED]],
                "count": len(found),
            },
        )
    return found
