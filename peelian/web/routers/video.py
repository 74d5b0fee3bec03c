"""CCTV review: a case's footage against the hours a person must watch, the analysis started from
the page, an event search across the case, and the review page (the player, a timeline of what
was found, and each event confirmed or rejected by a person: an event is evidence only then).

Reading footage, events and thumbnails names places and people, so every route needs a declared
purpose, and each read records the footage and event ids for the audit. Judgements go through
the leads API (``POST /api/leads/{lead_id}/judgements``), which keeps the reason and the audit.

Analyses run on a small pool of their own threads, not the web's: one video can take an hour,
and a few of them must not leave no threads to answer pages. The request waits only until the
run has claimed the footage (so the page it returns to already says 'analysing').
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import anyio
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from peelian.errors import NotFound, PeelianError
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.video import intake, service
from peelian.video.events import KINDS
from peelian.web.access import Access
from peelian.web.pages import render
from peelian.web.problems import Problem

log = logging.getLogger(__name__)
router = APIRouter()
staff = Access(roles=frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}), purpose=True)
JUDGES = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})  # as the leads API allows
FOOTAGE = Path(..., min_length=4, max_length=40, pattern="^vf_[0-9a-f]{1,37}$")
EVENT = Path(..., min_length=4, max_length=40, pattern="^ve_[0-9a-f]{1,37}$")
CASE_PATH = Path(..., max_length=60, pattern=intake.CASE_PATTERN)
CASE_QUERY = Query(None, max_length=60)
KIND = Query(None, max_length=30, description=f"one of {', '.join(KINDS)}")
ZONE = Query(None, max_length=60)
CAMERA = Query(None, max_length=100, description="part of the camera's name, any case")
ANALYSABLE = ("received", "failed")
MAX_AUDITED = 200  # ids named in one audit entry
PAGE_RESULTS = 200
CLAIM_WAIT_S = 10.0
TIMELINE_FIELDS = ("id", "lead_id", "kind", "zone", "media_from", "media_to", "lead_status", "title",
                   "clock_from", "local_from")  # fmt: skip
NO_STORE = {"Cache-Control": "no-store"}  # evidence is not left in browser caches


class Analyses:
    """The analyses this process runs, at most ``workers`` at a time, and how far each has got."""

    def __init__(self, workers: int = 2) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="peelian-video")
        self.progress: dict[str, tuple[int, int]] = {}

    def start(self, engine, settings, footage_id: str, actor: str) -> threading.Event:
        """Queue one; the event is set once it has claimed the footage (or stopped)."""
        claimed = threading.Event()

        def report(done: int, total: int) -> None:
            self.progress[footage_id] = (done, total)
            claimed.set()

        def run() -> None:
            try:
                service.analyse_footage(engine, settings, footage_id, actor, progress=report)
            except Exception:  # the service records the failure on the footage and in the audit
                log.exception("analysis of %s failed", footage_id)
            finally:
                self.progress.pop(footage_id, None)
                claimed.set()

        self.pool.submit(run)
        return claimed

    def share(self, footage_id: str) -> float | None:
        done, total = self.progress.get(footage_id, (0, 0))
        return min(done / total, 1.0) if total else None


_analyses_lock = threading.Lock()


def _analyses(request: Request) -> Analyses:
    with _analyses_lock:
        if not hasattr(request.app.state, "video_analyses"):
            request.app.state.video_analyses = Analyses()
        return request.app.state.video_analyses


def _seen(request: Request, case_ref: str | None, ids: list[str], count: int | None = None) -> None:
    """What the audit records as read: the case, the footage and event ids (the first 200)."""
    records: dict[str, Any] = {"case": case_ref, "ids": ids[:MAX_AUDITED]}
    if count is not None:
        records["count"] = count
    request.state.records = records


def _may_judge(principal: Principal) -> bool:
    return bool(JUDGES & set(principal.account.roles))


# --- filters -----------------------------------------------------------------------------------


def _when(text: str | None, zone: tzinfo, name: str, form: str = "a date and time") -> datetime | None:
    """A time as UTC, read in ``zone`` where it names none: UTC from the API, the force's zone from
    a page's datetime-local box."""
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeelianError(f"{name} must be {form}") from None
    return (found.replace(tzinfo=zone) if found.tzinfo is None else found).astimezone(UTC)


def _utc(text: str | None, name: str) -> datetime | None:
    return _when(text, UTC, name, "an ISO 8601 date and time, such as 2026-03-14T22:00Z")


def _filters(
    case: str | None, footage: str | None, kind: str | None, zone: str | None, camera: str | None,
    since: datetime | None, until: datetime | None,
) -> dict[str, Any]:  # fmt: skip
    """The search's filters with blanks as none (``service.search`` refuses what makes no sense)."""
    return {
        "case_ref": (case or "").strip() or None, "footage_id": footage or None, "kind": kind or None,
        "zone": (zone or "").strip() or None, "camera": (camera or "").strip() or None,
        "since": since, "until": until,
    }  # fmt: skip


# --- presentation ------------------------------------------------------------------------------


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _clock(seconds: float) -> str:
    """Seconds into the footage as h:mm:ss.s (or m:ss.s)."""
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60 + (seconds - whole)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


def _hours(hours: float) -> str:
    """A length of footage as people say it: hours from one hour, minutes below."""
    return f"{hours:,.1f} h" if hours >= 0.995 else f"{hours * 60:,.1f} min"


def _shown(events: list[dict], zone: ZoneInfo) -> list[dict]:
    for event in events:
        event["title"] = service.TITLES.get(event["kind"], event["kind"])
        event["local_from"] = _local(event["true_from"], zone)
        event["clock_from"] = _clock(event["media_from"])
        event["thumbnail_url"] = f"/video/events/{event['id']}/thumbnail.jpg"
        event["review_url"] = f"/video/footage/{event['footage_id']}?" + urlencode(
            {"t": f"{event['media_from']:.3f}", "event": event["id"]}
        )
    return events


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _with_progress(request: Request, report: dict) -> dict:
    """The case report, with how far this process's running analyses have got."""
    analyses = _analyses(request)
    for video in report["videos"]:
        video["progress"] = analyses.share(video["id"]) if video["status"] == "analysing" else None
    return report


# --- the case page -----------------------------------------------------------------------------


@router.get("/video", include_in_schema=False)
def case_page(
    request: Request,
    case: str | None = CASE_QUERY,
    kind: str | None = Query(None, max_length=30),
    zone: str | None = ZONE,
    camera: str | None = CAMERA,
    time_from: str | None = Query(None, alias="from", max_length=40),
    time_to: str | None = Query(None, alias="to", max_length=40),
    principal: Principal = Depends(staff),
) -> Response:
    """A case's footage: hours to watch, analysis, and the event search (the declared case unless
    another is asked for)."""
    engine, tz = request.app.state.engine, _zone(request)
    case = (case or principal.case_ref or "").strip() or None
    asked = {"kind": kind or "", "zone": zone or "", "camera": camera or "", "from": time_from or "",
             "to": time_to or ""}  # fmt: skip
    report, events, error, note = None, [], None, None
    if case:
        try:
            report = _with_progress(request, service.case_report(engine, case))
        except NotFound:
            note = f"There is no footage on {case} yet."
        if report:
            try:
                since = _when(time_from, tz, "'from'")
                until = _when(time_to, tz, "'to'")
                filters = _filters(case, None, kind, zone, camera, since, until)
                events = _shown(service.search(engine, **filters, limit=PAGE_RESULTS), tz)
            except PeelianError as refused:
                error = str(refused)
    ids = [v["id"] for v in report["videos"]] if report else []
    _seen(request, case, ids + [e["id"] for e in events], len(events))
    response = render(
        request, "video.html", principal, case=case, report=report, events=events, error=error, note=note,
        asked=asked, kinds={k: service.TITLES[k] for k in KINDS}, tz=tz.key, hours=_hours,
        analysable=ANALYSABLE, page_results=PAGE_RESULTS,
    )  # fmt: skip
    response.status_code = 400 if error else 200
    return response


async def _start(request: Request, principal: Principal, footage_id: str) -> dict:
    """Start the analysis of one footage; returns the footage as it was. Waits (without holding a
    thread) until the run has claimed it, so whoever looks next sees 'analysing'."""
    state = request.app.state
    footage = await run_in_threadpool(intake.footage, state.engine, footage_id)
    _seen(request, footage["case_ref"], [footage["id"]])
    if footage["status"] not in ANALYSABLE:
        now = "being analysed now" if footage["status"] == "analysing" else footage["status"]
        detail = f"{footage['reference']} is {now}: footage is analysed once"
        raise Problem(409, "Not analysable", detail)
    user = principal.account.username
    claimed = _analyses(request).start(state.engine, state.settings, footage["id"], user)
    with anyio.move_on_after(CLAIM_WAIT_S):
        while not claimed.is_set():
            await anyio.sleep(0.05)
    return footage


@router.post("/video/footage/{footage_id}/analyse", include_in_schema=False)
async def analyse_from_page(
    request: Request,
    footage_id: str = FOOTAGE,
    back: str = Form("case", pattern="^(case|review)$"),
    principal: Principal = Depends(staff),
) -> Response:
    try:
        footage = await _start(request, principal, footage_id)
    except Problem as refused:
        page = render(request, "error.html", principal, title=refused.title, detail=refused.detail)
        page.status_code = refused.status
        return page
    if back == "review":
        return RedirectResponse(f"/video/footage/{footage['id']}", status_code=303)
    return RedirectResponse("/video?" + urlencode({"case": footage["case_ref"]}), status_code=303)


# --- the review page ---------------------------------------------------------------------------


@router.get("/video/footage/{footage_id}", include_in_schema=False)
def review_page(
    request: Request,
    footage_id: str = FOOTAGE,
    t: float | None = Query(None, ge=0, le=10**7, description="seconds into the footage to start at"),
    event: str | None = Query(None, max_length=40, pattern="^ve_[0-9a-f]{1,37}$"),
    principal: Principal = Depends(staff),
) -> Response:
    """One video: the player, the timeline, the events to confirm or reject."""
    state, tz = request.app.state, _zone(request)
    report = service.footage_report(state.engine, footage_id)
    events = _shown(report["events"], tz)
    _seen(request, report["case_ref"], [report["id"]] + [e["id"] for e in events], len(events))
    analysis = report["analysis"]
    playable = report["status"] == "analysed" and service.review_copy(state.settings, report["id"]).is_file()
    data = {
        "footage": report["id"],
        "video": f"/video/footage/{report['id']}/review.webm" if playable else None,
        "duration": analysis.get("footage_seconds") or 0,
        "fps": analysis.get("fps"),
        "segments": analysis.get("segments") or [],
        "people_per_second": analysis.get("people_per_second") or [],
        "kinds": [[k, service.TITLES[k]] for k in KINDS],  # a list: lanes in this order
        "start_at": t,
        "selected": event,
        "events": [{k: e[k] for k in TIMELINE_FIELDS} for e in events],
    }
    return render(
        request, "video_review.html", principal, r=report, events=events, data=jsonable_encoder(data),
        playable=playable, may_judge=_may_judge(principal), hours=_hours, analysable=ANALYSABLE,
        camera_start=_local(report["camera_start"], tz),
        progress=_analyses(request).share(report["id"]) if report["status"] == "analysing" else None,
    )  # fmt: skip


@router.get("/video/footage/{footage_id}/review.webm", include_in_schema=False)
def review_video(
    request: Request, footage_id: str = FOOTAGE, principal: Principal = Depends(staff)
) -> Response:
    """The browser-playable copy (never the original), with byte ranges so the player can seek."""
    footage = intake.footage(request.app.state.engine, footage_id)
    _seen(request, footage["case_ref"], [footage["id"]])
    path = service.review_copy(request.app.state.settings, footage["id"])
    if not path.is_file():
        raise NotFound(f"{footage['reference']} has no review copy: analyse it first")
    return FileResponse(path, media_type="video/webm", headers=NO_STORE)


@router.get("/video/events/{event_id}/thumbnail.jpg", include_in_schema=False)
def event_thumbnail(
    request: Request, event_id: str = EVENT, principal: Principal = Depends(staff)
) -> Response:
    """The event's still: the box drawn on the frame it was found in."""
    image, case_ref = service.thumbnail(request.app.state.engine, event_id)
    _seen(request, case_ref, [event_id])
    return Response(image, media_type="image/jpeg", headers=NO_STORE)


# --- the API -----------------------------------------------------------------------------------


@router.get("/api/video/events", tags=["video"])
def api_events(
    request: Request,
    case: str | None = CASE_QUERY,
    footage: str | None = Query(None, max_length=40, pattern="^vf_[0-9a-f]{1,37}$"),
    kind: str | None = KIND,
    zone: str | None = ZONE,
    camera: str | None = CAMERA,
    since: str | None = Query(None, max_length=40, description="ISO 8601; UTC where no zone is given"),
    until: str | None = Query(None, max_length=40, description="ISO 8601; UTC where no zone is given"),
    limit: int = Query(200, ge=1, le=service.MAX_RESULTS),
    principal: Principal = Depends(staff),
) -> dict:
    """Events on a case or one footage in true-time order, with each one's review status (only
    'accepted' events are evidence). 400 with the reason on a bad filter."""
    filters = _filters(case, footage, kind, zone, camera, _utc(since, "since"), _utc(until, "until"))
    found = _shown(service.search(request.app.state.engine, **filters, limit=limit), _zone(request))
    _seen(request, filters["case_ref"], [e["id"] for e in found], len(found))
    return {"count": len(found), "events": found}


@router.get("/api/video/footage/{footage_id}", tags=["video"])
def api_footage(request: Request, footage_id: str = FOOTAGE, principal: Principal = Depends(staff)) -> dict:
    """One video: facts, hours of footage against hours to watch, the active segments, people on
    screen per second, and its events with their review status."""
    state = request.app.state
    report = service.footage_report(state.engine, footage_id)
    _shown(report["events"], _zone(request))
    events = report["events"]
    _seen(request, report["case_ref"], [report["id"]] + [e["id"] for e in events], len(events))
    playable = service.review_copy(state.settings, report["id"]).is_file()
    report["review_copy_url"] = f"/video/footage/{report['id']}/review.webm" if playable else None
    report["progress"] = _analyses(request).share(report["id"]) if report["status"] == "analysing" else None
    return report


@router.get("/api/video/cases/{case_ref:path}", tags=["video"])
def api_case(request: Request, case_ref: str = CASE_PATH, principal: Principal = Depends(staff)) -> dict:
    """Every video on a case: status, hours of footage against hours to watch, events by kind and
    by review decision; the case's totals over the analysed videos."""
    report = _with_progress(request, service.case_report(request.app.state.engine, case_ref))
    _seen(request, case_ref, [v["id"] for v in report["videos"]])
    return report


@router.post("/api/video/footage/{footage_id}/analyse", tags=["video"], status_code=202)
async def api_analyse(
    request: Request, footage_id: str = FOOTAGE, principal: Principal = Depends(staff)
) -> dict:
    """Start the analysis of footage that is received (or failed before); poll the footage for its
    status. 409 if it is analysing or analysed already."""
    footage = await _start(request, principal, footage_id)
    return {"id": footage["id"], "reference": footage["reference"], "status": "analysing",
            "status_url": f"/api/video/footage/{footage['id']}"}  # fmt: skip
