"""The store's contents: dashboard, event browser, sources and quarantine (pages and API)."""

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BeforeValidator
from starlette.responses import Response, StreamingResponse

from peelian.governance.sessions import Principal
from peelian.ingest import quarantine
from peelian.ingest.runs import list_runs
from peelian.pole.queries import (
    COUNT_CAP,
    CountCache,
    EventFilter,
    SummaryCache,
    areas_geojson,
    events_geojson,
    find_events,
)
from peelian.web.access import Access
from peelian.web.pages import render
from peelian.web.responses import FastJSON

router = APIRouter()
summaries = SummaryCache()
counts = CountCache()
# A form's empty date box arrives as "": that means no bound, not a bad date.
OptionalDate = Annotated[date | None, BeforeValidator(lambda value: value or None)]
staff = Access()
export_access = Access(purpose=True)


def _filter(
    q: str | None = Query(
        None, max_length=100, description="Words of place, category, outcome, area or key; burg* for a prefix"
    ),
    category: str | None = Query(None, max_length=120),
    source: str | None = Query(None, max_length=80),
    area: str | None = Query(None, max_length=40, description="Area code named by the source (e.g. LSOA)"),
    date_from: Annotated[OptionalDate, Query()] = None,
    date_to: Annotated[OptionalDate, Query()] = None,
) -> EventFilter:
    return EventFilter(q or None, category or None, source or None, area or None, date_from, date_to)


def _seen(request: Request, rows: list[dict], total: int) -> None:
    """What the audit records as returned: the count and the first ids."""
    request.state.records = {"count": len(rows), "total": total, "ids": [r["id"] for r in rows[:50]]}


@router.get("/", include_in_schema=False)
def dashboard(request: Request, principal: Principal = Depends(staff)) -> Response:
    return render(request, "dashboard.html", principal, summary=summaries.get(request.app.state.engine))


@router.get("/api/summary", tags=["store"], response_class=FastJSON)
def api_summary(request: Request, principal: Principal = Depends(staff)) -> FastJSON:
    """Events by source, category and month, and the number of ingest runs."""
    return FastJSON(summaries.get(request.app.state.engine))


@router.get("/events", include_in_schema=False)
def events_page(
    request: Request,
    where: EventFilter = Depends(_filter),
    page: int = Query(1, ge=1, le=10_000),
    principal: Principal = Depends(staff),
) -> Response:
    total, rows = find_events(request.app.state.engine, where, 50, (page - 1) * 50, counts)
    _seen(request, rows, total)
    return render(request, "events.html", principal, rows=rows, total=min(total, COUNT_CAP),
                  total_exact=total <= COUNT_CAP, page=page, where=where,
                  query=str(request.query_params))  # fmt: skip


@router.get("/api/events", tags=["store"], response_class=FastJSON)
def api_events(
    request: Request,
    where: EventFilter = Depends(_filter),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(staff),
) -> FastJSON:
    """Events matching the filters, newest first."""
    total, rows = find_events(request.app.state.engine, where, limit, offset, counts)
    _seen(request, rows, total)
    exact = total <= COUNT_CAP
    return FastJSON({"total": min(total, COUNT_CAP), "total_exact": exact, "limit": limit, "offset": offset,
                     "events": rows})  # fmt: skip


@router.get("/api/events.geojson", tags=["store"], response_class=FastJSON)
def api_events_geojson(
    request: Request,
    where: EventFilter = Depends(_filter),
    limit: int = Query(2000, ge=1, le=20_000),
    principal: Principal = Depends(staff),
) -> FastJSON:
    """Matching events as GeoJSON points for a map."""
    collection = events_geojson(request.app.state.engine, where, limit)
    request.state.records = {"count": collection["shown"], "total": collection["total"]}
    return FastJSON(collection)


@router.get("/api/events.csv", tags=["store"])
def api_events_csv(
    request: Request,
    where: EventFilter = Depends(_filter),
    limit: int = Query(10_000, ge=1, le=100_000),
    principal: Principal = Depends(export_access),
) -> StreamingResponse:
    """Export: needs a declared purpose and case reference (session, or X-Purpose/X-Case-Ref headers)."""
    total, rows = find_events(request.app.state.engine, where, limit)
    _seen(request, rows, total)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["id"])
    writer.writeheader()
    writer.writerows(rows)
    headers = {"Content-Disposition": 'attachment; filename="events.csv"'}
    return StreamingResponse(iter([buffer.getvalue()]), media_type="text/csv", headers=headers)


@router.get("/api/areas.geojson", tags=["store"], response_class=FastJSON)
def api_areas(
    request: Request,
    scheme: str | None = Query(None, max_length=40),
    principal: Principal = Depends(staff),
) -> FastJSON:
    """Loaded boundaries: the map's base layer when no tile server is reachable."""
    return FastJSON(areas_geojson(request.app.state.engine, scheme))


@router.get("/quarantine", include_in_schema=False)
def quarantine_page(request: Request, principal: Principal = Depends(staff)) -> Response:
    engine = request.app.state.engine
    return render(request, "quarantine.html", principal, counts=quarantine.summary(engine),
                  rows=quarantine.list_rows(engine, limit=100), runs=list_runs(engine, limit=50))  # fmt: skip


@router.get("/api/quarantine", tags=["store"])
def api_quarantine(
    request: Request,
    source: str | None = Query(None, max_length=80),
    reason: str | None = Query(None, max_length=40),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(staff),
) -> dict:
    """Quarantined rows with their reasons (original text in ``/api/quarantine/{id}``)."""
    engine = request.app.state.engine
    return {
        "summary": quarantine.summary(engine, source),
        "rows": quarantine.list_rows(engine, source, reason, None, limit, offset),
    }


@router.get("/api/quarantine/{row_id}", tags=["store"])
def api_quarantine_row(
    request: Request, row_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Principal = Depends(staff)
) -> dict:
    return quarantine.show(request.app.state.engine, row_id)


@router.get("/api/runs", tags=["store"])
def api_runs(
    request: Request,
    source: str | None = Query(None, max_length=80),
    limit: int = Query(50, ge=1, le=1000),
    principal: Principal = Depends(staff),
) -> list[dict]:
    """Ingest history: files, fingerprints, outcomes and counts."""
    return list_runs(request.app.state.engine, source, None, limit)
