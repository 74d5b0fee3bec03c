"""Crime series in the web app and API: the suspected series leads, and one series on a page.

A series page shows crimes and whether each was solved (that an offender is known), so every
route here needs a declared purpose; the audit entry the middleware writes names the lead and the
crimes returned (``request.state.records``). Deciding on a series uses the review queue's form.
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from peelian.errors import NotFound
from peelian.governance import leads
from peelian.governance.sessions import Principal
from peelian.linkage import SERIES, service
from peelian.web.access import Access
from peelian.web.pages import render
from peelian.web.routers.leads import JUDGES

router = APIRouter()
purposeful = Access(purpose=True)
LEAD_ID = Path(..., min_length=4, max_length=40, pattern="^ld_[0-9a-f]{1,37}$")
STATUSES = ("open", "accepted", "rejected", "unsure", "all")
PAGE = 25
STRIP = 20  # the timeline strip has STRIP + 1 positions (classes t0..t20 in app.css)


def _status(value: str) -> str | None:
    return None if value == "all" else value


def _detail(request: Request, lead_id: str) -> dict[str, Any]:
    engine = request.app.state.engine
    lead = leads.get(engine, lead_id)
    subjects = lead["subjects"]
    listed = isinstance(subjects, dict) and isinstance(subjects.get("events"), list)
    if lead["lead_type"] == SERIES and not listed:  # proposed by hand (POST /api/leads), named otherwise
        raise NotFound(f"lead {lead_id} does not list its crimes as the linkage model does: no series page")
    found = service.series_detail(engine, lead_id)
    request.state.records = {"lead": lead_id, "ids": [c["id"] for c in found["crimes"]][:200]}
    return found


def _when(start: datetime, end: datetime) -> str:
    """A crime's time as the record knows it: a minute, or a window between two times."""
    if (end - start).total_seconds() <= 60:
        return f"{start:%Y-%m-%d %H:%M}"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M} to {end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"


def _timeline(crimes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Crimes in time order, each with its time in words and its place on a strip (0..STRIP)."""
    rows = sorted(crimes, key=lambda c: (c["from"], c["id"]))
    starts = [datetime.fromisoformat(c["from"]) for c in rows]
    span = (starts[-1] - starts[0]).total_seconds() if rows else 0.0
    out = []
    for number, (crime, start) in enumerate(zip(rows, starts, strict=True), 1):
        share = (start - starts[0]).total_seconds() / span if span > 0 else 0.0
        out.append(crime | {"number": number, "when": _when(start, datetime.fromisoformat(crime["to"])),
                            "tick": round(share * STRIP)})  # fmt: skip
    return out


def _geojson(timeline: list[dict[str, Any]]) -> dict[str, Any]:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
         "properties": {"id": c["id"], "number": c["number"], "reference": c["reference"], "when": c["when"],
                        "place": c["place"] or "", "solved": c["solved"]}}
        for c in timeline
        if c["lon"] is not None and c["lat"] is not None
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@router.get("/linkage", include_in_schema=False)
def linkage_page(
    request: Request,
    status: str = Query("open", pattern="^(open|accepted|rejected|unsure|all)$"),
    page: int = Query(1, ge=1, le=10_000),
    principal: Principal = Depends(purposeful),
) -> Response:
    engine = request.app.state.engine
    counts = {s: leads.count(engine, _status(s), SERIES) for s in STATUSES}
    rows = leads.queue(engine, _status(status), SERIES, PAGE, (page - 1) * PAGE)
    request.state.records = {"count": len(rows), "total": counts[status], "ids": [r["id"] for r in rows]}
    for row in rows:
        subjects = row["subjects"] if isinstance(row["subjects"], dict) else {}
        row["size"] = len(subjects.get("events") or [])
        row["category"] = subjects.get("category") or ""
    return render(request, "linkage.html", principal, rows=rows, counts=counts, status=status, page=page,
                  page_size=PAGE, statuses=STATUSES)  # fmt: skip


@router.get("/linkage/series/{lead_id}", include_in_schema=False)
def series_page(
    request: Request, lead_id: str = LEAD_ID, principal: Principal = Depends(purposeful)
) -> Response:
    found = _detail(request, lead_id)
    timeline = _timeline(found["crimes"])
    number = {c["id"]: c["number"] for c in timeline}
    reference = {c["id"]: c["reference"] for c in timeline}
    return render(
        request, "linkage_series.html", principal, s=found, lead=found["lead"], timeline=timeline,
        places=_geojson(timeline), number=number, reference=reference,
        may_judge=bool(JUDGES & set(principal.account.roles)),
    )  # fmt: skip


@router.get("/api/linkage/series/{lead_id}", tags=["linkage"])
def api_series(request: Request, lead_id: str = LEAD_ID, principal: Principal = Depends(purposeful)) -> dict:
    """A suspected series: the lead, its crimes (time, place, MO, solved) and the model's evidence
    for every pair of them, strongest pair first; ``missing`` lists crimes no longer in the store."""
    return _detail(request, lead_id)
