"""Staff triage of public reports: the queue, one report with its evidence, and the decisions
(assess, record as a crime in the store, no crime with the reason, allocate, outcome), messages
to the reporter and redactions with a reason. Reading a report names people, so a purpose is
needed; every act is audited by the service and every read by the middleware.
"""

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from peelian.errors import PeelianError
from peelian.governance.roles import Role
from peelian.governance.sessions import Principal
from peelian.portal import record, service
from peelian.web.access import Access
from peelian.web.pages import render

router = APIRouter()
staff = Access(roles=frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}), purpose=True)
REPORT = Path(..., min_length=4, max_length=40, pattern="^pr_[0-9a-f]{1,37}$")
FILE = Path(..., min_length=4, max_length=40, pattern="^pf_[0-9a-f]{1,37}$")


def _back(report_id: str, note: str | None = None) -> RedirectResponse:
    return RedirectResponse(
        f"/portal/triage/{report_id}" + (f"?done={note}" if note else ""), status_code=303
    )


@router.get("/portal/triage", include_in_schema=False)
def queue_page(
    request: Request,
    stage: str | None = Query(None, pattern="^[a-z_]{1,20}$"),
    principal: Principal = Depends(staff),
) -> Response:
    found = service.queue(request.app.state.engine, stage)
    request.state.records = {"ids": [r["reference"] for r in found]}
    return render(request, "triage.html", principal, reports=found, stage=stage, stages=service.STAGE_TITLES)


def _report(
    request: Request, principal: Principal, report_id: str, done: str | None = None, error: str | None = None
) -> Response:
    detail = service.staff_view(request.app.state.engine, report_id)
    request.state.records = {
        "ids": [detail["reference"], *([detail["event_id"]] if detail["event_id"] else [])]
    }
    response = render(
        request,
        "triage_report.html",
        principal,
        r=detail,
        done=done,
        redactable=service.REDACTABLE,
        titles=service.STAGE_TITLES,
        error=error,
    )
    response.status_code = 400 if error else 200
    return response


@router.get("/portal/triage/{report_id}", include_in_schema=False)
def report_page(
    request: Request,
    report_id: str = REPORT,
    done: str | None = Query(None, max_length=40),
    principal: Principal = Depends(staff),
) -> Response:
    return _report(request, principal, report_id, done)


@router.post("/portal/triage/{report_id}/stage", include_in_schema=False)
async def advance(
    request: Request,
    report_id: str = REPORT,
    stage: str = Form(..., max_length=20),
    note: str = Form("", max_length=5000),
    officer: str = Form("", max_length=80),
    principal: Principal = Depends(staff),
) -> Response:
    engine, user = request.app.state.engine, principal.account.username
    try:
        if stage == "recorded":
            event_id = await run_in_threadpool(record.record, engine, report_id, user)
            request.state.records = {"ids": [event_id]}
        else:
            await run_in_threadpool(service.advance, engine, report_id, user, stage, note, officer or None)
    except PeelianError as refused:
        return _report(request, principal, report_id, error=str(refused))
    return _back(report_id, stage)


@router.post("/portal/triage/{report_id}/message", include_in_schema=False)
async def message(
    request: Request,
    report_id: str = REPORT,
    body: str = Form(..., max_length=5000),
    principal: Principal = Depends(staff),
) -> Response:
    try:
        await run_in_threadpool(
            service.message, request.app.state.engine, report_id, principal.account.username, body
        )
    except PeelianError as refused:
        return _report(request, principal, report_id, error=str(refused))
    return _back(report_id, "message")


@router.post("/portal/triage/{report_id}/redact", include_in_schema=False)
async def redact(
    request: Request,
    report_id: str = REPORT,
    field: str = Form(..., max_length=40),
    reason: str = Form(..., max_length=200),
    principal: Principal = Depends(staff),
) -> Response:
    try:
        await run_in_threadpool(
            service.redact, request.app.state.engine, report_id, principal.account.username, field, reason
        )
    except PeelianError as refused:
        return _report(request, principal, report_id, error=str(refused))
    return _back(report_id, "redacted")


@router.get("/portal/triage/{report_id}/files/{file_id}", include_in_schema=False)
def evidence(
    request: Request, report_id: str = REPORT, file_id: str = FILE, principal: Principal = Depends(staff)
) -> Response:
    """The file as uploaded, always as a download of the type its bytes proved (never run inline)."""
    found = service.evidence_file(request.app.state.engine, report_id, file_id)
    request.state.records = {"ids": [report_id, file_id]}
    headers = {
        "Content-Disposition": f'attachment; filename="{found["name"]}"',
        "X-Evidence-SHA256": found["sha256"],
    }
    return Response(found["content"], media_type=found["media_type"], headers=headers)


@router.get("/api/portal/reports", tags=["portal"])
def api_queue(
    request: Request,
    stage: str | None = Query(None, pattern="^[a-z_]{1,20}$"),
    principal: Principal = Depends(staff),
) -> list[dict]:
    """Public reports waiting for staff, oldest first."""
    found = service.queue(request.app.state.engine, stage)
    request.state.records = {"ids": [r["reference"] for r in found]}
    return found


@router.get("/api/portal/reports/{report_id}", tags=["portal"])
def api_report(request: Request, report_id: str = REPORT, principal: Principal = Depends(staff)) -> dict:
    """One report: the (redacted) answers, its history, files (without their bytes) and digest check."""
    detail = service.staff_view(request.app.state.engine, report_id)
    request.state.records = {"ids": [detail["reference"]]}
    detail["files"] = [{k: v for k, v in f.items() if k != "content"} for f in detail["files"]]
    return detail
