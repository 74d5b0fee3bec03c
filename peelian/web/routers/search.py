"""The one search box and the subject profile in the web app and API.

Both read personal data, so both need a declared purpose; the audit entry the middleware writes
for each request names the records returned (``request.state.records``).
"""

from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from peelian.governance.sessions import Principal
from peelian.resolve import review
from peelian.search import export, profile, query, service
from peelian.search.parse import MAX_QUERY
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
purposeful = Access(purpose=True)
ENTITY_ID = Path(..., min_length=4, max_length=40, pattern="^(pp|pv|pa|pe|ob)_[0-9a-f]{1,37}$")
TEXT = Query("", max_length=MAX_QUERY)
DAY = r"^(\d{4}-\d{2}-\d{2})?$"
RECORD_ID = Form(..., min_length=4, max_length=40, pattern="^[a-z]{2}_[0-9a-f]{1,37}$")


def _filters(
    source: list[str] = Query([], max_length=20),  # at most 20 systems
    record_type: list[str] = Query([], alias="type", max_length=len(query.TYPES)),
    date_from: str = Query("", alias="from", pattern=DAY),
    date_to: str = Query("", alias="to", pattern=DAY),
    area: str | None = Query(None, max_length=40),
) -> query.Filters:
    # Checked here: a pattern on a list parameter fails inside pydantic as a server error.
    types = tuple(t for t in record_type if t)  # the form's "any" sends an empty type
    if not set(types) <= set(query.TYPES) or any(len(s) > 80 for s in source):
        raise HTTPException(422, f"types are {', '.join(query.TYPES)}; source systems at most 80 characters")
    try:  # and empty dates
        days = [date.fromisoformat(d) if d else None for d in (date_from, date_to)]
    except ValueError as exc:
        raise HTTPException(422, f"not a date: {exc}") from None
    return query.Filters(tuple(s for s in source if s)[:20], types, *days, area or None)


def _search(request: Request, text: str, filters: query.Filters, limit: int) -> dict:
    found = query.search(request.app.state.engine, text, filters, limit)
    request.state.records = service.audited(found, filters)
    return found


@router.get("/search", include_in_schema=False)
def search_page(
    request: Request,
    q: str = TEXT,
    filters: query.Filters = Depends(_filters),
    principal: Principal = Depends(purposeful),
) -> Response:
    found = _search(request, q, filters, 50) if q.strip() else None
    return render(request, "search.html", principal, q=q, found=found, filters=filters, types=query.TYPES)


@router.get("/api/search", tags=["search"])
def api_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=MAX_QUERY),
    filters: query.Filters = Depends(_filters),
    limit: int = Query(20, ge=1, le=100),
    principal: Principal = Depends(purposeful),
) -> dict:
    """One row per resolved person, vehicle or place, with the reasons and records by system."""
    return _search(request, q, filters, limit)


def _profile(request: Request, entity_id: str) -> dict:
    found = profile.assemble(request.app.state.engine, entity_id)
    request.state.records = {"entity_id": found["entity"]["id"], "ids": profile.record_ids(found)[:200]}
    return found


@router.get("/profile/{entity_id}", include_in_schema=False)
def profile_page(
    request: Request, entity_id: str = ENTITY_ID, principal: Principal = Depends(purposeful)
) -> Response:
    found = _profile(request, entity_id)
    return render(request, "profile.html", principal, p=found, places=profile.geojson(found))


@router.get("/api/profile/{entity_id}", tags=["search"])
def api_profile(
    request: Request, entity_id: str = ENTITY_ID, principal: Principal = Depends(purposeful)
) -> dict:
    """Everything held on the entity from every source, each fact with its source."""
    return _profile(request, entity_id)


@router.get("/profile/{entity_id}/export.html", tags=["search"])
def profile_export(
    request: Request, entity_id: str = ENTITY_ID, principal: Principal = Depends(purposeful)
) -> Response:
    """The profile as a self-contained HTML case file (the export is audited like the read)."""
    found = _profile(request, entity_id)
    body = export.html(found, principal.account.username, principal.purpose or "", principal.case_ref or "")
    name = f"peelian-profile-{found['entity']['id']}.html"
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.post("/profile/{entity_id}/question", include_in_schema=False)
def question_link(
    request: Request,
    entity_id: str = ENTITY_ID,
    left: str = RECORD_ID,
    right: str = RECORD_ID,
    principal: Principal = Depends(purposeful),
) -> Response:
    """Ask for a merged pair to be judged again: rejecting the lead splits them at the next run."""
    entity_type = profile.ENTITY_PREFIX.get(entity_id[:2], "person")
    lead_id = review.ask(request.app.state.engine, entity_type, left, right, principal.account.username)
    request.state.records = {"ids": [left, right], "lead": lead_id}
    return RedirectResponse(f"/review?lead_type={review.LEAD_TYPE}&status=open", status_code=303)
