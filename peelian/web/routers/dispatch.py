"""The control room and the officer's phone: calls logged and graded (the handler confirms or
overrides the assistant with a reason), units recommended by time of arrival and assigned,
response times against the targets; and the officer's job view with one-tap status updates.

The control room needs a declared purpose like any page that names people. The job view sets
the officer's purpose to the incident itself (``response`` and its reference), so what they read
there, and any profile they open from it, is recorded against the job.
"""

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from peelian.dispatch import control, jobview
from peelian.dispatch.grades import Grade
from peelian.errors import NotFound, PeelianError
from peelian.governance import sessions
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
control_room = Access(roles=frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN}), purpose=True)
officers = Access(roles=frozenset({Role.OFFICER}))
INCIDENT = Path(..., min_length=4, max_length=40, pattern="^in_[0-9a-f]{1,37}$")
GRADES = [g.label for g in Grade]
ONE_TAP = {"en_route": "On my way", "at_scene": "At scene", "available": "Clear (available)"}


def _roads(request: Request):
    return control.road_network(request.app.state.settings.road_network)


def _board(request: Request, principal: Principal, status: int = 200, error: str | None = None, form=None):
    engine = request.app.state.engine
    found = control.open_incidents(engine)
    request.state.records = {"ids": [i["reference"] for i in found]}
    response = render(
        request,
        "dispatch.html",
        principal,
        incidents=found,
        units=control.units(engine).to_dict("records"),
        times=control.response_times(engine),
        flags=control.FLAGS,
        error=error,
        form=form or {},
    )
    response.status_code = status
    return response


@router.get("/dispatch", include_in_schema=False)
def board(request: Request, principal: Principal = Depends(control_room)) -> Response:
    return _board(request, principal)


@router.post("/dispatch/calls", include_in_schema=False)
async def log_call(request: Request, principal: Principal = Depends(control_room)) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        lon, lat = float(values.get("lon", "nan")), float(values.get("lat", "nan"))
        flags = {name: True for name in control.FLAGS if values.get(name) == "yes"}
        made = await run_in_threadpool(
            control.log_call,
            request.app.state.engine,
            principal.account.username,
            values.get("text", "")[:10_000],
            values.get("location_text", "")[:200],
            lon,
            lat,
            values.get("caller", "")[:120],
            values.get("caller_phone", "")[:20],
            flags,
        )
    except (PeelianError, ValueError) as refused:
        message = str(refused) if isinstance(refused, PeelianError) else "the location needs numbers"
        return _board(request, principal, 400, message, values)
    return RedirectResponse(f"/dispatch/incidents/{made['id']}", status_code=303)


def _incident_page(request: Request, principal: Principal, incident_id: str, error: str | None = None):
    engine = request.app.state.engine
    found = control.incident(engine, incident_id)
    advice = control.recommendation(engine, incident_id, network=_roads(request))
    request.state.records = {"ids": [found["reference"]]}
    response = render(
        request, "dispatch_incident.html", principal, i=found, advice=advice, grades=GRADES, error=error
    )
    response.status_code = 400 if error else 200
    return response


@router.get("/dispatch/incidents/{incident_id}", include_in_schema=False)
def incident_page(
    request: Request, incident_id: str = INCIDENT, principal: Principal = Depends(control_room)
) -> Response:
    return _incident_page(request, principal, incident_id)


@router.post("/dispatch/incidents/{incident_id}/grade", include_in_schema=False)
async def grade(
    request: Request,
    incident_id: str = INCIDENT,
    grade: str = Form(..., max_length=40),
    reason: str = Form("", max_length=2000),
    principal: Principal = Depends(control_room),
) -> Response:
    try:
        await run_in_threadpool(
            control.confirm_grade,
            request.app.state.engine,
            incident_id,
            principal.account.username,
            grade,
            reason,
        )
    except PeelianError as refused:
        return _incident_page(request, principal, incident_id, str(refused))
    return RedirectResponse(f"/dispatch/incidents/{incident_id}", status_code=303)


@router.post("/dispatch/incidents/{incident_id}/assign", include_in_schema=False)
async def assign(
    request: Request,
    incident_id: str = INCIDENT,
    unit: str = Form(..., max_length=40),
    principal: Principal = Depends(control_room),
) -> Response:
    try:
        await run_in_threadpool(
            control.assign, request.app.state.engine, incident_id, unit, principal.account.username
        )
    except PeelianError as refused:
        return _incident_page(request, principal, incident_id, str(refused))
    return RedirectResponse(f"/dispatch/incidents/{incident_id}", status_code=303)


@router.get("/api/dispatch/incidents", tags=["dispatch"])
def api_incidents(request: Request, principal: Principal = Depends(control_room)) -> list[dict]:
    """Open incidents, most urgent first."""
    found = control.open_incidents(request.app.state.engine)
    request.state.records = {"ids": [i["reference"] for i in found]}
    return found


@router.get("/api/dispatch/incidents/{incident_id}", tags=["dispatch"])
def api_incident(
    request: Request, incident_id: str = INCIDENT, principal: Principal = Depends(control_room)
) -> dict:
    """One incident with the assistant's grading, its log, the units on it and the recommendation."""
    engine = request.app.state.engine
    found = control.incident(engine, incident_id)
    request.state.records = {"ids": [found["reference"]]}
    return found | {"recommendation": control.recommendation(engine, incident_id, network=_roads(request))}


@router.get("/api/dispatch/response-times", tags=["dispatch"])
def api_response_times(request: Request, principal: Principal = Depends(control_room)) -> dict:
    """Median and 90th percentile minutes to attendance by grade, and the share within target."""
    return control.response_times(request.app.state.engine)


@router.get("/job", include_in_schema=False)
def job_page(request: Request, principal: Principal = Depends(officers)) -> Response:
    """The officer's current job, phone first. Opening it sets their purpose to the incident."""
    engine = request.app.state.engine
    try:
        found = jobview.job(engine, principal.account.username, _roads(request))
    except NotFound as missing:
        return render(request, "job.html", principal, j=None, message=str(missing), one_tap=ONE_TAP)
    if found["incident"] is not None and principal.session_hash:
        reference = found["incident"]["reference"]
        sessions.declare_purpose(engine, principal.session_hash, "response", reference)
        request.state.purpose = ("response", reference)
    records = [h["id"] for h in found.get("history", [])] + [p["id"] for p in found.get("people", [])]
    request.state.records = {"ids": records[:200]}
    return render(request, "job.html", principal, j=found, message=None, one_tap=ONE_TAP)


@router.post("/job/status", include_in_schema=False)
async def job_status(
    request: Request, status: str = Form(..., max_length=20), principal: Principal = Depends(officers)
) -> Response:
    engine = request.app.state.engine
    if status not in ONE_TAP:
        raise PeelianError(f"choose one of: {', '.join(ONE_TAP)}")
    unit = await run_in_threadpool(jobview.unit_of, engine, principal.account.username)
    await run_in_threadpool(control.unit_status, engine, unit.id, status, principal.account.username)
    return RedirectResponse("/job", status_code=303)
